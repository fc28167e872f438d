import { MongoClient, type Db } from 'mongodb';
import { BankError, SETTLEMENT_ID_PREFIX, type StorageAdapter } from 'bankcore';
import { collectionsOf, createIndexes } from './collections.js';
import { createCommit } from './commit.js';
import {
  operatorKeyFromDocument,
  operatorKeyToDocument,
  accountFromDocument,
  accountToDocument,
  entryFromDocument,
  holdFromDocument,
  idempotencyFromDocument,
  transactionFromDocument,
  userFromDocument,
  userToDocument,
  type AccountDocument,
} from './documents.js';
import { guarded, isDuplicateKey, storageFailure } from './errors.js';
import { eventMethods } from './events.js';
import { migrate } from './migrate.js';
import { pageOf, settlementLedger, withDerivedBalance } from './settlement.js';

export { COLLECTIONS } from './collections.js';
export { mongodbRateLimitStore } from './rate-limit.js';

/** Options of {@link mongodbAdapter}: a connected client you own, or a URI the adapter connects (and closes). */
export type MongodbAdapterOptions = ({ client: MongoClient } | { uri: string }) & {
  /** Database name; default the URI's, else `bankcore`. */
  dbName?: string;
  /**
   * Most money movements this process runs at once (default 8). A transaction holds its accounts from its first
   * write to its commit; letting hundreds queue for pool connections mid-transaction turns every hot account
   * into a storm of write conflicts and retries. Queued movements wait here instead, holding nothing.
   */
  maxConcurrentTransactions?: number;
};

/**
 * The database a connection string names in its path, or `bankcore` when it names none.
 *
 * @example
 * ```ts
 * databaseNameOf('mongodb://db1,db2/payments?replicaSet=rs0') // 'payments'
 * ```
 */
export function databaseNameOf(uri: string): string {
  return /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(uri)?.[1] ?? 'bankcore';
}

/**
 * Creates a {@link StorageAdapter} on MongoDB through the official driver. Every money movement is one
 * multi-document transaction (snapshot read concern, majority write concern, retried by the driver on
 * `TransientTransactionError` and `UnknownTransactionCommitResult`) holding the no-overdraft guard, the ledger
 * entries and the idempotency record. Needs a replica set or sharded cluster: `init()` refuses a standalone
 * server rather than fall back to non-atomic writes.
 *
 * @param options - `{ client }` (you connect and close it) or `{ uri }`; `dbName` defaults to the URI's database
 *   or `bankcore`.
 * @throws BankError CONFIGURATION_INVALID from `init()` on a standalone server; STORAGE_UNAVAILABLE from any
 *   call when MongoDB cannot be reached.
 * @example
 * ```ts
 * import { mongodbAdapter } from 'bankcore/mongodb';
 * const bank = createBank({ storage: mongodbAdapter({ uri: 'mongodb://localhost:27017/?replicaSet=rs0' }), tokens });
 * await bank.init();
 * ```
 */
export function mongodbAdapter(options: MongodbAdapterOptions): StorageAdapter {
  const owned = 'uri' in options;
  const client = 'client' in options ? options.client : new MongoClient(options.uri, { writeConcern: { w: 'majority' } });
  const db: Db = client.db(options.dbName ?? ('uri' in options ? databaseNameOf(options.uri) : 'bankcore'));
  const c = collectionsOf(db);
  const commit = createCommit(client, c, options.maxConcurrentTransactions ?? 8);

  async function insertUnlessDuplicate(insert: () => Promise<unknown>): Promise<boolean> {
    try {
      await insert();
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw storageFailure(error);
    }
  }
  const events = eventMethods(client, c);
  const account = async (doc: AccountDocument | null) => doc && withDerivedBalance(c, doc, accountFromDocument(doc));

  return {
    async init() {
      const hello = await guarded(() => db.admin().command({ hello: 1 }));
      if (!hello['setName'] && hello['msg'] !== 'isdbgrid') {
        throw new BankError(
          'CONFIGURATION_INVALID',
          'MongoDB is a standalone server, which has no transactions; bankcore needs them for atomic money movements. ' +
            'Start mongod with --replSet rs0 and run rs.initiate() (a one-member replica set is enough), or use ' +
            'MongoMemoryReplSet from mongodb-memory-server in tests.',
        );
      }
      await guarded(async () => {
        await createIndexes(c);
        await migrate(c);
      });
    },
    async close() {
      if (owned) await client.close();
    },
    ping: () => guarded(async () => void (await db.command({ ping: 1 }))),

    createUser: (user, event) => events.withEvent(async (session) => (await c.users.insertOne(userToDocument(user), { session }), true), event),
    findUserById: (id) => guarded(async () => {
      const doc = await c.users.findOne({ _id: id });
      return doc && userFromDocument(doc);
    }),
    findUserByUsernameKey: (key) => guarded(async () => {
      const doc = await c.users.findOne({ usernameKey: key });
      return doc && userFromDocument(doc);
    }),
    updatePassword: (userId, passwordHash, credentialVersion, expected, event) =>
      events.withEvent(async (session) => {
        // The guard lives in the filter: the rehash of a login never overwrites a change that committed meanwhile.
        const filter = expected ? { _id: userId, passwordHash: expected.passwordHash, credentialVersion: expected.credentialVersion } : { _id: userId };
        return (await c.users.updateOne(filter, { $set: { passwordHash, credentialVersion } }, { session })).matchedCount === 1;
      }, event),

    readEvents: events.readEvents,
    pruneEvents: events.pruneEvents,
    createConsumer: events.createConsumer,
    findConsumer: events.findConsumer,
    listConsumers: events.listConsumers,
    updateConsumer: events.updateConsumer,
    deleteConsumer: events.deleteConsumer,

    createOperatorKey: (key) => insertUnlessDuplicate(() => c.operatorKeys.insertOne(operatorKeyToDocument(key))),
    findOperatorKey: (id) => guarded(async () => {
      const doc = await c.operatorKeys.findOne({ _id: id });
      return doc && operatorKeyFromDocument(doc);
    }),
    listOperatorKeys: () => guarded(async () => (await c.operatorKeys.find({}).sort({ createdAt: 1, _id: 1 }).toArray()).map(operatorKeyFromDocument)),
    updateOperatorKey: (id, change) =>
      guarded(async () => {
        const set: { lastUsedAt?: Date; revokedAt?: Date } = {};
        if (change.lastUsedAt) set.lastUsedAt = change.lastUsedAt;
        if (change.revokedAt) set.revokedAt = change.revokedAt;
        return (await c.operatorKeys.updateOne({ _id: id }, { $set: set })).matchedCount === 1;
      }),

    createAccount: (a, event) =>
      events.withEvent(async (session) => (await c.accounts.insertOne(accountToDocument({ ...a, balance: 0, pending: 0, available: 0, entryCount: 0, lastEntryAt: null }), { session }), true), event),
    findAccount: (bankCode, accountNumber) => guarded(async () => account(await c.accounts.findOne({ bankCode, accountNumber }))),
    findAccountById: (id) => guarded(async () => account(await c.accounts.findOne({ _id: id }))),
    listAccounts: (ownerId) =>
      guarded(async () => (await c.accounts.find({ ownerId }).sort({ createdAt: 1, _id: 1 }).toArray()).map(accountFromDocument)),

    commit,
    findIdempotencyRecord: (scope, key) => guarded(async () => {
      const doc = await c.idempotency.findOne({ userId: scope, key });
      return doc && idempotencyFromDocument(doc);
    }),
    findTransaction: (id) => guarded(async () => {
      const doc = await c.transactions.findOne({ _id: id });
      return doc && transactionFromDocument(doc);
    }),
    findHold: (id) => guarded(async () => {
      const doc = await c.holds.findOne({ _id: id });
      return doc && holdFromDocument(doc);
    }),
    listHolds: (accountId, status) =>
      guarded(async () => (await c.holds.find(status === null ? { 'from.accountId': accountId } : { 'from.accountId': accountId, status }).sort({ createdAt: 1, _id: 1 }).toArray()).map(holdFromDocument)),
    countPendingHolds: () => guarded(() => c.holds.countDocuments({ status: 'pending' })),
    listExpiredHolds: (at, limit) =>
      guarded(async () => (await c.holds.find({ status: 'pending', expiresAt: { $ne: null, $lte: at } }).sort({ expiresAt: 1 }).limit(limit).toArray()).map(holdFromDocument)),

    listLedgerEntries: (accountId, query) =>
      guarded(async () => {
        if (isSettlement(accountId)) return pageOf(await settlementLedger(c, accountId), query);
        const filter: Record<string, unknown> = { accountId };
        if (query.beforeSequence !== null) filter['sequence'] = { $lt: query.beforeSequence };
        if (query.from || query.to) filter['createdAt'] = { ...(query.from ? { $gte: query.from } : {}), ...(query.to ? { $lte: query.to } : {}) };
        return (await c.entries.find(filter).sort({ sequence: -1 }).limit(query.limit).toArray()).map(entryFromDocument);
      }),
    findEntryAt: (accountId, at) =>
      guarded(async () => {
        if (isSettlement(accountId)) return pageOf(await settlementLedger(c, accountId), { limit: 1, beforeSequence: null, to: at })[0] ?? null;
        const doc = await c.entries.find({ accountId, createdAt: { $lte: at } }).sort({ createdAt: -1, sequence: -1 }).limit(1).next();
        return doc && entryFromDocument(doc);
      }),

    readLedger() {
      return (async function* () {
        const cursor = c.accounts.find({}).sort({ createdAt: 1, _id: 1 });
        try {
          for await (const doc of cursor) {
            const a = (await account(doc))!;
            const entries = doc.ownerId === null
              ? await settlementLedger(c, doc._id)
              : (await c.entries.find({ accountId: doc._id }).sort({ sequence: 1 }).toArray()).map(entryFromDocument);
            const holds = (await c.holds.find({ 'from.accountId': doc._id }).toArray()).map(holdFromDocument);
            yield { account: a, entries, holds };
          }
        } catch (error) {
          throw storageFailure(error);
        }
      })();
    },
    readTransactions() {
      return (async function* () {
        try {
          for await (const doc of c.transactions.find({}).sort({ createdAt: 1, _id: 1 })) yield transactionFromDocument(doc);
        } catch (error) {
          throw storageFailure(error);
        }
      })();
    },
  };

}

/** Settlement accounts have ids `@world/<currency>`; no customer account id can start so. */
const isSettlement = (accountId: string) => accountId.startsWith(SETTLEMENT_ID_PREFIX);
