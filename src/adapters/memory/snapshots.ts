import { publicAccount, type Account, type StoredAccount } from 'bankcore';
import { floats, Interned, internString, words } from './columns.js';

/** An account's stored row, for the fields that never change (id, owner, ref, currency, creation time). */
export type AccountRow = (id: string) => StoredAccount;

/** The fields of a snapshot that most accounts hold at their usual values: nothing pending, no overdraft, active. */
type Uncommon = Pick<Account, 'pending' | 'overdraftLimit' | 'status'>;

/**
 * Accounts as they were right after a change, in columns: only the fields a change moves (balance, pending,
 * status, overdraft limit, entry count) and the account's interned id; the rest is read from the account's row
 * when rebuilt, since it never changes. What an event or an idempotency record answers with, at 20 bytes an
 * account instead of an object of twelve fields (about 120 heap bytes, and one more for the scavenger to copy).
 * Pending, overdraft limit and status are kept, in a map, only for a snapshot where one of them is not the usual
 * value: three columns less to append to at every deposit.
 */
export class AccountSnapshots {
  private readonly ids = new Interned();
  private readonly account = words();
  private readonly balance = floats();
  private readonly entryCount = floats();
  private readonly uncommon = new Map<number, Uncommon>();

  /** Index of the next snapshot. */
  get length(): number {
    return this.account.length;
  }

  push(a: Account): void {
    const index = this.account.push(internString(this.ids, a.id));
    this.balance.push(a.balance);
    this.entryCount.push(a.entryCount);
    if (a.pending !== 0 || a.overdraftLimit !== 0 || a.status !== 'active') this.uncommon.set(index, { pending: a.pending, overdraftLimit: a.overdraftLimit, status: a.status });
  }

  /** The snapshots from index `from` up to `to`, as new public accounts. */
  read(from: number, to: number, accountRow: AccountRow): Account[] {
    const accounts: Account[] = [];
    for (let r = from; r < to; r++) {
      const row = accountRow(this.ids.value(this.account.get(r)));
      const { pending, overdraftLimit, status } = this.uncommon.get(r) ?? USUAL;
      accounts.push(publicAccount({ ...row, balance: this.balance.get(r), pending, status, overdraftLimit, entryCount: this.entryCount.get(r) }));
    }
    return accounts;
  }

  /** Frees the snapshots below `index` (they must never be read again). */
  dropBefore(index: number): void {
    for (const c of [this.account, this.balance, this.entryCount]) c.dropBefore(index);
    for (const r of this.uncommon.keys()) {
      if (r >= index) break;
      this.uncommon.delete(r);
    }
  }
}

const USUAL: Uncommon = { pending: 0, overdraftLimit: 0, status: 'active' };
