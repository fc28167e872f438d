import { newSettlementAccount, type LedgerEntry } from 'bankcore';
import type { Collections } from './collections.js';
import { accountToDocument, entryFromDocument, int64, transactionToDocument, type AccountDocument, type LedgerEntryDocument } from './documents.js';
import { isDuplicateKey } from './errors.js';

/** The schema this release writes. 1: one-leg deposits, no stored transactions. 2: ledger v2. */
export const SCHEMA_VERSION = 2;
const SCHEMA = 'schema';

/**
 * Brings a database written by an earlier release to {@link SCHEMA_VERSION}; a new database is stamped at once.
 * Schema 1 → 2: accounts get status, pending and limit; every transaction is stored, backfilled from its entries;
 * each one-leg deposit or withdrawal gets its settlement leg, so the books balance. Every step is an upsert keyed
 * by a deterministic id, so a migration cut short simply runs again at the next `init()`.
 */
export async function migrate(c: Collections): Promise<void> {
  const stamp = await c.meta.findOne({ _id: SCHEMA });
  if (stamp && stamp.version >= SCHEMA_VERSION) return;
  if (!stamp && (await c.accounts.countDocuments({}, { limit: 1 })) > 0) await migrateFromV1(c);
  await c.meta.updateOne({ _id: SCHEMA }, { $set: { version: SCHEMA_VERSION, migratedAt: new Date() } }, { upsert: true });
}

async function migrateFromV1(c: Collections): Promise<void> {
  await c.accounts.updateMany({ status: { $exists: false } }, { $set: { pending: int64(0), status: 'active', overdraftLimit: int64(0) } });
  const owners = new Map<string, string | null>();
  for await (const a of c.accounts.find({}, { projection: { _id: 1, ownerId: 1 } })) owners.set(a._id, a.ownerId);

  let group: LedgerEntry[] = [];
  const flush = async () => {
    if (group.length) await backfill(c, group, owners);
    group = [];
  };
  for await (const doc of c.entries.find({}).sort({ transactionId: 1, _id: 1 }) as AsyncIterable<LedgerEntryDocument>) {
    const entry = entryFromDocument(doc);
    if (group.length && group[0]!.transactionId !== entry.transactionId) await flush();
    group.push(entry);
  }
  await flush();
  for await (const a of c.accounts.find({ lastEntryAt: { $exists: false } })) {
    const last = await c.entries.find({ accountId: a._id }).sort({ sequence: -1 }).limit(1).next();
    await c.accounts.updateOne({ _id: a._id }, { $set: { lastEntryAt: last?.createdAt ?? null } });
  }
}

/** Stores one schema-1 transaction from its entries, with a settlement leg when it had only one. */
async function backfill(c: Collections, entries: LedgerEntry[], owners: Map<string, string | null>): Promise<void> {
  const first = entries[0]!;
  const refs = new Map<string, { bankCode: string; accountNumber: string }>();
  for await (const a of c.accounts.find({ _id: { $in: entries.map((e) => e.accountId) } })) refs.set(a._id, { bankCode: a.bankCode, accountNumber: a.accountNumber });
  const legs = entries.map((e) => ({ accountId: e.accountId, ...(refs.get(e.accountId) ?? { bankCode: '?', accountNumber: '?' }), amount: e.amount }));
  if (entries.length === 1) {
    const world = await settlementAccount(c, first.currency);
    legs.push({ accountId: world._id, bankCode: world.bankCode, accountNumber: world.accountNumber, amount: -first.amount });
    await c.settlementEntries.replaceOne(
      { _id: `${first.transactionId}:1` },
      { accountId: world._id, transactionId: first.transactionId, type: first.type, amount: int64(-first.amount), currency: first.currency, counterparty: null, reference: first.reference, metadata: {}, createdAt: first.createdAt },
      { upsert: true },
    );
  }
  const transaction = transactionToDocument({
    id: first.transactionId,
    type: first.type,
    amount: Math.abs(first.amount),
    currency: first.currency,
    legs,
    reference: first.reference,
    metadata: {},
    // Schema 1 kept no initiator outside idempotency records; it was always the owner of the first leg.
    initiatorId: owners.get(first.accountId) ?? null,
    reversalOf: null,
    reversedBy: null,
    holdId: null,
    createdAt: first.createdAt,
  });
  await c.transactions.replaceOne({ _id: transaction._id }, transaction, { upsert: true });
}

async function settlementAccount(c: Collections, currency: string): Promise<AccountDocument> {
  const doc = accountToDocument(newSettlementAccount(currency, new Date(0)));
  try {
    await c.accounts.insertOne(doc);
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
  return (await c.accounts.findOne({ _id: doc._id }))!;
}
