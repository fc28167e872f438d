import { copyHold, copyTransaction, type Account, type Hold, type IdempotencyRecord, type Transaction } from 'bankcore';
import type { TransactionTable } from './transactions.js';

/** An idempotency record as kept: its transaction by row in the table (the same facts, not a second copy). */
interface KeptRecord {
  fingerprint: string;
  transaction: number | Transaction | null;
  hold: Hold | null;
  accounts: Account[];
  createdAt: number;
}

/**
 * The memory store's idempotency records, per scope and then per key (no composite key string to build and keep
 * for each), each rebuilt as a fresh {@link IdempotencyRecord} when read.
 */
export class IdempotencyRecords {
  private readonly scopes = new Map<string, Map<string, KeptRecord>>();

  constructor(private readonly transactions: TransactionTable) {}

  find(scope: string, key: string): IdempotencyRecord | null {
    const kept = this.scopes.get(scope)?.get(key);
    if (!kept) return null;
    const t = kept.transaction;
    return {
      scope,
      key,
      fingerprint: kept.fingerprint,
      // As first answered: a later reversal does not change what a replay returns.
      transaction: typeof t === 'number' ? this.transactions.at(t, true) : t && copyTransaction(t),
      hold: kept.hold && copyHold(kept.hold),
      accounts: kept.accounts.map((a) => ({ ...a })),
      createdAt: new Date(kept.createdAt),
    };
  }

  /** Keeps `record`; `row` is the table row of `stored`, the transaction the same commit stored. */
  add(record: IdempotencyRecord, stored: Transaction | null, row: number | null): void {
    let keys = this.scopes.get(record.scope);
    if (!keys) this.scopes.set(record.scope, (keys = new Map()));
    const transaction = record.transaction !== null && record.transaction === stored ? row : record.transaction;
    keys.set(record.key, { fingerprint: record.fingerprint, transaction, hold: record.hold, accounts: record.accounts, createdAt: record.createdAt.getTime() });
  }
}
