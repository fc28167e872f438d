import type { AccountRef, Bank, LedgerEntry, Principal } from 'bankcore';

/** Every entry of an account, newest first, in pages of `limit`, following the cursors. */
export async function everyPage(bank: Bank, me: Principal, account: AccountRef, limit: number, window: { from?: Date; to?: Date } = {}): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  let cursor: string | null = null;
  do {
    const page = await bank.history(me, account, { limit, cursor, ...window });
    entries.push(...page.entries);
    cursor = page.nextCursor;
  } while (cursor);
  return entries;
}
