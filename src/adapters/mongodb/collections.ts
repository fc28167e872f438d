import type { Collection, Db } from 'mongodb';
import type {
  AccountDocument,
  HoldDocument,
  IdempotencyDocument,
  LedgerEntryDocument,
  OperatorKeyDocument,
  SettlementEntryDocument,
  TransactionDocument,
  UserDocument,
} from './documents.js';
import type { ConsumerDocument, EventDocument, EventLogDocument } from './events.js';

/** Collection names, camelCase. */
export const COLLECTIONS = {
  users: 'users',
  accounts: 'accounts',
  ledgerEntries: 'ledgerEntries',
  settlementEntries: 'settlementEntries',
  transactions: 'transactions',
  holds: 'holds',
  idempotencyRecords: 'idempotencyRecords',
  rateLimits: 'rateLimits',
  operatorKeys: 'operatorKeys',
  events: 'events',
  eventLog: 'eventLog',
  consumers: 'eventConsumers',
  meta: 'bankcoreMeta',
} as const;

/** The adapter's typed collections. */
export interface Collections {
  users: Collection<UserDocument>;
  accounts: Collection<AccountDocument>;
  entries: Collection<LedgerEntryDocument>;
  settlementEntries: Collection<SettlementEntryDocument>;
  transactions: Collection<TransactionDocument>;
  holds: Collection<HoldDocument>;
  idempotency: Collection<IdempotencyDocument>;
  /** An operator key: `_id` is its id; the secret is kept only as `secretHash`. */
  operatorKeys: Collection<OperatorKeyDocument>;
  events: Collection<EventDocument>;
  eventLog: Collection<EventLogDocument>;
  consumers: Collection<ConsumerDocument>;
  meta: Collection<{ _id: string; version: number; migratedAt?: Date }>;
}

export function collectionsOf(db: Db): Collections {
  return {
    users: db.collection(COLLECTIONS.users),
    accounts: db.collection(COLLECTIONS.accounts),
    entries: db.collection(COLLECTIONS.ledgerEntries),
    settlementEntries: db.collection(COLLECTIONS.settlementEntries),
    transactions: db.collection(COLLECTIONS.transactions),
    holds: db.collection(COLLECTIONS.holds),
    idempotency: db.collection(COLLECTIONS.idempotencyRecords),
    operatorKeys: db.collection(COLLECTIONS.operatorKeys),
    events: db.collection(COLLECTIONS.events),
    eventLog: db.collection(COLLECTIONS.eventLog),
    consumers: db.collection(COLLECTIONS.consumers),
    meta: db.collection(COLLECTIONS.meta),
  };
}

/** Every index the adapter relies on; creating them is idempotent. */
export async function createIndexes(c: Collections): Promise<void> {
  await c.users.createIndex({ usernameKey: 1 }, { unique: true, name: 'usernameKey_unique' });
  await c.accounts.createIndex({ bankCode: 1, accountNumber: 1 }, { unique: true, name: 'bankCode_accountNumber_unique' });
  await c.accounts.createIndex({ ownerId: 1, createdAt: 1, _id: 1 }, { name: 'ownerId_createdAt' });
  await c.entries.createIndex({ accountId: 1, sequence: 1 }, { unique: true, name: 'accountId_sequence_unique' });
  await c.entries.createIndex({ accountId: 1, createdAt: 1, sequence: 1 }, { name: 'accountId_createdAt' });
  await c.settlementEntries.createIndex({ accountId: 1, createdAt: 1, _id: 1 }, { name: 'accountId_createdAt' });
  await c.holds.createIndex({ 'from.accountId': 1, createdAt: 1 }, { name: 'from_createdAt' });
  await c.holds.createIndex({ status: 1, expiresAt: 1 }, { name: 'status_expiresAt' });
  await c.idempotency.createIndex({ userId: 1, key: 1 }, { unique: true, name: 'userId_key_unique' });
}
