import type { ClientSession, MongoClient, TransactionOptions } from 'mongodb';
import { applyCommitPlan, isRefusal, type CommitPlan, type CommitResult, type StoredAccount } from 'bankcore';
import type { Collections } from './collections.js';
import {
  accountFromDocument,
  entryToDocument,
  holdFromDocument,
  holdToDocument,
  idempotencyFromDocument,
  idempotencyToDocument,
  int64,
  settlementEntryToDocument,
  transactionFromDocument,
  transactionToDocument,
  type IdempotencyDocument,
} from './documents.js';
import { guarded, isDuplicateKey, storageFailure } from './errors.js';
import { appendEvent } from './events.js';

const MAJORITY = { w: 'majority' } as const;
const TRANSACTION: TransactionOptions = {
  readConcern: { level: 'snapshot' },
  writeConcern: MAJORITY,
  readPreference: 'primary',
};

/** Thrown inside a transaction callback to abort it with an expected outcome. */
class Refusal {
  constructor(readonly result: CommitResult) {}
}

/** The answer to a change whose key is already recorded: its replay, or a conflict if the payload differs. */
function answerFromRecord(doc: IdempotencyDocument, fingerprint: string): CommitResult {
  const record = idempotencyFromDocument(doc);
  return { status: doc.fingerprint === fingerprint ? 'replayed' : 'idempotency_key_reused', record };
}

/** A counting semaphore: at most `limit` holders at once, the rest served first come, first served. */
function semaphore(limit: number) {
  let active = 0;
  const queue: Array<() => void> = [];
  return async <T>(run: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    else active++;
    try {
      return await run();
    } finally {
      const next = queue.shift();
      if (next) next();
      else active--;
    }
  };
}

/**
 * `StorageAdapter.commit` on MongoDB: one multi-document transaction (snapshot reads, majority writes, retried by
 * the driver on transient errors) that reads the touched rows, lets the core's `applyCommitPlan` decide, and
 * writes its outcome. Settlement accounts are derived on read: their legs are inserted as settlement entries and
 * no commit updates a settlement row, so deposits to different accounts never conflict.
 */
export function createCommit(client: MongoClient, c: Collections, maxConcurrent: number) {
  async function apply(session: ClientSession, plan: CommitPlan): Promise<CommitResult> {
    const claim = plan.idempotency;
    if (claim) {
      const earlier = await c.idempotency.findOne({ userId: claim.scope, key: claim.key }, { session });
      if (earlier) throw new Refusal(answerFromRecord(earlier, claim.fingerprint));
    }
    const rowIds = plan.guards.filter((g) => !g.derived).map((g) => g.accountId);
    const accounts = new Map<string, StoredAccount>();
    const docs = rowIds.length ? await c.accounts.find({ _id: { $in: rowIds } }, { session }).toArray() : [];
    for (const doc of docs) accounts.set(doc._id, accountFromDocument(doc));
    const holdDoc = plan.holdResolve ? await c.holds.findOne({ _id: plan.holdResolve.holdId }, { session }) : null;
    const reversedDoc = plan.reverses === null ? null : await c.transactions.findOne({ _id: plan.reverses }, { session });
    const outcome = applyCommitPlan(plan, {
      accounts,
      hold: holdDoc && holdFromDocument(holdDoc),
      reversed: reversedDoc && transactionFromDocument(reversedDoc),
      derivedOnRead: true,
    });
    if (isRefusal(outcome)) throw new Refusal({ status: 'refused', reason: outcome.reason, accountId: outcome.accountId });

    for (const a of outcome.accounts) {
      const before = accounts.get(a.id)!;
      // Guarded on the entry count read above: with snapshot isolation a concurrent change already conflicts;
      // the filter makes the rule visible in the write itself.
      const updated = await c.accounts.updateOne(
        { _id: a.id, entryCount: before.entryCount },
        { $set: { balance: int64(a.balance), pending: int64(a.pending), status: a.status, overdraftLimit: int64(a.overdraftLimit), entryCount: a.entryCount, lastEntryAt: a.lastEntryAt } },
        { session },
      );
      if (updated.matchedCount !== 1) throw new Error(`account ${a.id} changed during its own transaction`);
    }
    if (outcome.entries.length) await c.entries.insertMany(outcome.entries.map(entryToDocument), { session });
    if (outcome.unsequencedEntries.length) await c.settlementEntries.insertMany(outcome.unsequencedEntries.map(settlementEntryToDocument), { session });
    if (outcome.transaction) await c.transactions.insertOne(transactionToDocument(outcome.transaction), { session });
    if (outcome.reversed) {
      await c.transactions.updateOne({ _id: outcome.reversed.id, reversedBy: null }, { $set: { reversedBy: outcome.reversed.reversedBy } }, { session });
    }
    if (outcome.hold) await c.holds.replaceOne({ _id: outcome.hold.id }, holdToDocument(outcome.hold), { session, upsert: true });
    await appendEvent(c, session, outcome.event);
    if (outcome.record) await c.idempotency.insertOne(idempotencyToDocument(outcome.record, outcome.transaction?.id ?? outcome.hold?.id ?? `${claim!.scope}:${claim!.key}`), { session });
    return { status: 'committed', transaction: outcome.transaction, hold: outcome.hold, accounts: outcome.touched };
  }

  async function commitNow(plan: CommitPlan): Promise<CommitResult> {
    const session = client.startSession();
    try {
      return await session.withTransaction(() => apply(session, plan), TRANSACTION);
    } catch (error) {
      if (error instanceof Refusal) return error.result;
      if (plan.idempotency && isDuplicateKey(error)) {
        // Another call with this key committed first: answer as its replay (or conflict).
        const { scope, key, fingerprint } = plan.idempotency;
        const winner = await guarded(() => c.idempotency.findOne({ userId: scope, key }));
        if (winner) return answerFromRecord(winner, fingerprint);
      }
      throw storageFailure(error);
    } finally {
      await session.endSession().catch(() => undefined);
    }
  }

  const admit = semaphore(maxConcurrent);
  return (plan: CommitPlan) => admit(() => commitNow(plan));
}
