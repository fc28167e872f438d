import { copyHold, copyTransaction, type Hold, type IdempotencyRecord, type Transaction } from 'bankcore';
import { floats, words } from './columns.js';
import { KeyIndex } from './key-index.js';
import { AccountSnapshots, type AccountRow } from './snapshots.js';
import type { TransactionTable } from './transactions.js';

/** What a record keeps as objects: a transaction that is not a row of the table (or none), and its hold. */
interface KeptObjects {
  transaction: Transaction | null;
  hold: Hold | null;
}

/**
 * The memory store's idempotency records, one row each in columns, found through a {@link KeyIndex} (no composite
 * key string to build and keep for each), each rebuilt as a fresh {@link IdempotencyRecord} when read.
 * A movement's record is its key, its fingerprint and numbers: the transaction by its row in the table, the
 * accounts as {@link AccountSnapshots}. Kept as objects, a keyed deposit's record was about 360 heap bytes, every
 * one of them new objects that survived into the old generation (the scavenger copies each such object, twice).
 */
export class IdempotencyRecords {
  private readonly keys = new KeyIndex();
  private readonly fingerprints: string[] = [];
  /** The row of the record's transaction in the table, + 1; 0 when it has none there (see `objects`). */
  private readonly transactionRow = words();
  private readonly createdAt = floats();
  private readonly firstAccount = words();
  private readonly accounts = new AccountSnapshots();
  private readonly objects = new Map<number, KeptObjects>();

  constructor(
    private readonly transactions: TransactionTable,
    private readonly accountRow: AccountRow,
  ) {}

  find(scope: string, key: string): IdempotencyRecord | null {
    const row = this.keys.get(scope, key);
    if (row === undefined) return null;
    const inTable = this.transactionRow.get(row);
    const kept = this.objects.get(row);
    const end = row + 1 < this.fingerprints.length ? this.firstAccount.get(row + 1) : this.accounts.length;
    return {
      scope,
      key,
      fingerprint: this.fingerprints[row]!,
      // As first answered: a later reversal does not change what a replay returns.
      transaction: inTable > 0 ? this.transactions.at(inTable - 1, true) : kept?.transaction ? copyTransaction(kept.transaction) : null,
      hold: kept?.hold ? copyHold(kept.hold) : null,
      accounts: this.accounts.read(this.firstAccount.get(row), end, this.accountRow),
      createdAt: new Date(this.createdAt.get(row)),
    };
  }

  /** Keeps `record`; `row` is the table row of `stored`, the transaction the same commit stored. */
  add(record: IdempotencyRecord, stored: Transaction | null, row: number | null): void {
    const at = this.fingerprints.push(record.fingerprint) - 1;
    this.keys.add(record.scope, record.key, at);
    const inTable = row !== null && record.transaction !== null && record.transaction === stored;
    this.transactionRow.push(inTable ? row + 1 : 0);
    if ((!inTable && record.transaction !== null) || record.hold !== null) this.objects.set(at, { transaction: inTable ? null : record.transaction, hold: record.hold });
    this.createdAt.push(record.createdAt.getTime());
    this.firstAccount.push(this.accounts.length);
    for (const a of record.accounts) this.accounts.push(a);
  }
}
