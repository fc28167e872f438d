import type { Account, LedgerEntry, LedgerProblem, VerifyReport } from './types.js';

/**
 * Checks a whole ledger: every balance equals the sum of its entries, entries are numbered 1..n without
 * gaps, every `balanceAfter` follows from the one before, no balance is negative, and every transaction's
 * legs are complete (a transfer's two legs sum to zero).
 */
export async function verifyLedger(ledger: AsyncIterable<{ account: Account; entries: LedgerEntry[] }>): Promise<VerifyReport> {
  const problems: LedgerProblem[] = [];
  const legsByTransaction = new Map<string, LedgerEntry[]>();
  const entryIds = new Set<string>();
  let accountsChecked = 0;
  let entriesChecked = 0;
  const report = (accountId: string | null, transactionId: string | null, message: string) =>
    problems.push({ accountId, transactionId, message });

  for await (const { account, entries } of ledger) {
    accountsChecked++;
    let running = 0;
    entries.forEach((entry, index) => {
      entriesChecked++;
      if (entryIds.has(entry.id)) report(account.id, entry.transactionId, `entry id ${entry.id} is not unique`);
      entryIds.add(entry.id);
      const legs = legsByTransaction.get(entry.transactionId) ?? [];
      legs.push(entry);
      legsByTransaction.set(entry.transactionId, legs);
      if (entry.accountId !== account.id) report(account.id, entry.transactionId, `entry ${entry.id} belongs to ${entry.accountId}`);
      if (entry.sequence !== index + 1) report(account.id, entry.transactionId, `entry ${index + 1} has sequence ${entry.sequence}`);
      if (!Number.isSafeInteger(entry.amount) || entry.amount === 0) report(account.id, entry.transactionId, `entry ${entry.sequence} has amount ${entry.amount}`);
      if (entry.currency !== account.currency) report(account.id, entry.transactionId, `entry ${entry.sequence} is in ${entry.currency}, account in ${account.currency}`);
      running += entry.amount;
      if (!Number.isSafeInteger(running)) report(account.id, entry.transactionId, `running balance leaves the safe-integer range at entry ${entry.sequence}`);
      if (entry.balanceAfter !== running) report(account.id, entry.transactionId, `entry ${entry.sequence} says balanceAfter ${entry.balanceAfter}, entries sum to ${running}`);
      if (running < 0) report(account.id, entry.transactionId, `balance is negative (${running}) after entry ${entry.sequence}`);
    });
    if (account.balance !== running) report(account.id, null, `balance ${account.balance} differs from the sum of entries ${running}`);
    if (account.entryCount !== entries.length) report(account.id, null, `entryCount ${account.entryCount} but ${entries.length} entries`);
  }

  for (const [transactionId, legs] of legsByTransaction) {
    const type = legs[0]?.type;
    const sum = legs.reduce((total, leg) => total + leg.amount, 0);
    const wellFormed =
      legs.every((leg) => leg.type === type) &&
      (type === 'transfer'
        ? legs.length === 2 && sum === 0
        : legs.length === 1 && (type === 'deposit' ? sum > 0 : sum < 0));
    if (!wellFormed) report(null, transactionId, `${type} transaction has ${legs.length} legs summing to ${sum}`);
  }
  return { ok: problems.length === 0, accountsChecked, entriesChecked, problems };
}
