import type { AccountRef, Bank, BankOptions, Principal } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';
import { passwordOf, signUp, TEST_SECRET, testBank } from 'bankcore/testing';

// The unit tests build on the fixtures the published conformance suite uses.
export { passwordOf, TEST_SECRET as SECRET, signUp as userIn };

/** A clock tests can move. */
export function manualClock(start = new Date('2026-11-25T12:00:00Z')) {
  let now = start.getTime();
  return { now: () => new Date(now), advance: (seconds: number) => void (now += seconds * 1000) };
}

/** A memory bank with cheap password hashing; override anything. */
export function makeBank(overrides: Partial<BankOptions> = {}): Bank {
  return testBank(overrides.storage ?? memoryAdapter(), overrides);
}

export const acct = (accountNumber: string, bankCode = 'BANK1') => ({ bankCode, accountNumber });

/** Rejects unless `promise` rejects with a BankError of `code`; returns the error. */
export async function bankErrorOf(promise: Promise<unknown>): Promise<{ code: string; message: string; details?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as { code: string; message: string; details?: unknown };
  }
  throw new Error('expected a rejection');
}

/** `count` deposits of 1 into `account` from 64 concurrent callers: sustained writes, many per group commit. */
export async function depositsOf1(bank: Bank, me: Principal, account: AccountRef, count: number): Promise<void> {
  let left = count;
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (left-- > 0) await bank.deposit(me, { account, amount: 1 });
  }));
}
