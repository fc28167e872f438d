import type { ClientSession } from 'mongodb';
import type { EntryQuery, LedgerEntry, StoredAccount } from 'bankcore';
import type { Collections } from './collections.js';
import { num, type AccountDocument, type SettlementEntryDocument } from './documents.js';

/** A settlement account's balance and entry count: the sum and count of its settlement entries. */
export async function settlementTotals(c: Collections, accountId: string, session?: ClientSession): Promise<{ balance: number; count: number }> {
  const [row] = await c.settlementEntries
    .aggregate<{ balance: number | bigint; count: number }>([{ $match: { accountId } }, { $group: { _id: null, balance: { $sum: '$amount' }, count: { $sum: 1 } } }], session ? { session } : {})
    .toArray();
  return { balance: row ? Number(row.balance) : 0, count: row ? Number(row.count) : 0 };
}

/** Fills in a settlement account's derived balance; other accounts pass through. */
export async function withDerivedBalance(c: Collections, doc: AccountDocument, account: StoredAccount): Promise<StoredAccount> {
  if (doc.ownerId !== null) return account;
  const { balance, count } = await settlementTotals(c, doc._id);
  return { ...account, balance, available: balance - account.pending, entryCount: count };
}

/**
 * A settlement account's entries in their well-defined order (commit time, then id), numbered and with running
 * balances. It reads the whole account: settlement history is an operator's read and may cost more than a
 * customer's, which is an index range.
 */
export async function settlementLedger(c: Collections, accountId: string): Promise<LedgerEntry[]> {
  const docs: SettlementEntryDocument[] = await c.settlementEntries.find({ accountId }).sort({ createdAt: 1, _id: 1 }).toArray();
  let running = 0;
  return docs.map((d, i) => {
    running += num(d.amount);
    return {
      id: d._id,
      accountId: d.accountId,
      transactionId: d.transactionId,
      sequence: i + 1,
      type: d.type,
      amount: num(d.amount),
      balanceAfter: running,
      currency: d.currency,
      counterparty: d.counterparty,
      reference: d.reference,
      metadata: d.metadata ?? {},
      createdAt: d.createdAt,
    };
  });
}

/** A page of a derived ledger, with the same bounds as an index range over a customer's. */
export function pageOf(all: LedgerEntry[], { limit, beforeSequence, from, to }: EntryQuery): LedgerEntry[] {
  return all
    .filter((e) => (beforeSequence === null || e.sequence < beforeSequence) && (!from || e.createdAt >= from) && (!to || e.createdAt <= to))
    .slice(-limit)
    .reverse();
}
