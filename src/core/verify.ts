import type { StoredAccount } from './storage.js';
import type { Hold, LedgerEntry, LedgerProblem, Transaction, VerifyReport } from './types.js';

type LedgerRead = AsyncIterable<{ account: StoredAccount; entries: LedgerEntry[]; holds: Hold[] }>;

/**
 * Checks a whole ledger:
 * - per currency, the balances of all accounts, settlement accounts included, sum to exactly 0;
 * - every transaction's legs sum to 0 per currency, and its entries are exactly its legs;
 * - every account's entries are numbered 1..n, each `balanceAfter` follows from the one before, times never go
 *   backwards, and the balance and entry count match them;
 * - every account's `pending` equals the sum of its open holds;
 * - no customer account's available balance is below `-overdraftLimit`.
 * Sums are BigInt, so a ledger near the safe-integer range is still checked exactly.
 */
export async function verifyLedger(ledger: LedgerRead, transactions: AsyncIterable<Transaction>): Promise<VerifyReport> {
  const problems: LedgerProblem[] = [];
  const report = (accountId: string | null, transactionId: string | null, message: string) => problems.push({ accountId, transactionId, message });
  const entriesByTransaction = new Map<string, LedgerEntry[]>();
  const totals = new Map<string, bigint>();
  let accountsChecked = 0;
  let entriesChecked = 0;

  for await (const { account, entries, holds } of ledger) {
    accountsChecked++;
    let running = 0n;
    let previous = -Infinity;
    entries.forEach((entry, index) => {
      entriesChecked++;
      const at = (message: string) => report(account.id, entry.transactionId, message);
      const list = entriesByTransaction.get(entry.transactionId) ?? [];
      list.push(entry);
      entriesByTransaction.set(entry.transactionId, list);
      if (entry.accountId !== account.id) at(`entry ${entry.id} belongs to ${entry.accountId}`);
      if (entry.sequence !== index + 1) at(`entry ${index + 1} has sequence ${entry.sequence}`);
      if (!Number.isSafeInteger(entry.amount) || entry.amount === 0) at(`entry ${entry.sequence} has amount ${entry.amount}`);
      if (entry.currency !== account.currency) at(`entry ${entry.sequence} is in ${entry.currency}, account in ${account.currency}`);
      if (entry.createdAt.getTime() < previous) at(`entry ${entry.sequence} is dated before the entry preceding it`);
      previous = entry.createdAt.getTime();
      running += BigInt(entry.amount);
      if (BigInt(entry.balanceAfter) !== running) at(`entry ${entry.sequence} says balanceAfter ${entry.balanceAfter}, entries sum to ${running}`);
    });
    if (BigInt(account.balance) !== running) report(account.id, null, `balance ${account.balance} differs from the sum of entries ${running}`);
    if (account.entryCount !== entries.length) report(account.id, null, `entryCount ${account.entryCount} but ${entries.length} entries`);
    const open = holds.filter((h) => h.status === 'pending').reduce((sum, h) => sum + h.amount, 0);
    if (account.pending !== open) report(account.id, null, `pending ${account.pending} but open holds sum to ${open}`);
    if (account.ownerId !== null && account.balance - account.pending < -account.overdraftLimit) {
      report(account.id, null, `available ${account.balance - account.pending} is below the limit -${account.overdraftLimit}`);
    }
    totals.set(account.currency, (totals.get(account.currency) ?? 0n) + BigInt(account.balance));
  }
  for (const [currency, total] of totals) if (total !== 0n) report(null, null, `balances in ${currency} sum to ${total}, not 0`);

  let transactionsChecked = 0;
  for await (const transaction of transactions) {
    transactionsChecked++;
    const at = (message: string) => report(null, transaction.id, message);
    const sums = new Map<string, bigint>();
    const entries = entriesByTransaction.get(transaction.id) ?? [];
    entriesByTransaction.delete(transaction.id);
    if (transaction.legs.length < 2) at(`transaction has ${transaction.legs.length} leg(s)`);
    for (const leg of transaction.legs) {
      const entry = entries.find((e) => e.accountId === leg.accountId);
      if (!entry || entry.amount !== leg.amount) at(`leg on ${leg.accountId} has no matching entry`);
      const currency = entry?.currency ?? transaction.currency;
      sums.set(currency, (sums.get(currency) ?? 0n) + BigInt(leg.amount));
    }
    if (entries.length !== transaction.legs.length) at(`transaction has ${transaction.legs.length} legs but ${entries.length} entries`);
    for (const [currency, sum] of sums) if (sum !== 0n) at(`legs in ${currency} sum to ${sum}, not 0`);
  }
  for (const [transactionId, entries] of entriesByTransaction) report(entries[0]!.accountId, transactionId, 'entries of a transaction that is not stored');
  return { ok: problems.length === 0, accountsChecked, entriesChecked, transactionsChecked, problems };
}
