import { createBank, INSECURE_TEST_PASSWORD_HASHING, type Bank, type BankOptions, type Principal } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';

export const SECRET = 'test-secret-that-is-at-least-32-bytes-long';

/** A clock tests can move. */
export function manualClock(start = new Date('2026-11-25T12:00:00Z')) {
  let now = start.getTime();
  return { now: () => new Date(now), advance: (seconds: number) => void (now += seconds * 1000) };
}

/** A memory bank with cheap password hashing; override anything. */
export function makeBank(overrides: Partial<BankOptions> = {}): Bank {
  return createBank({
    storage: memoryAdapter(),
    tokens: { secret: SECRET },
    passwordHashing: INSECURE_TEST_PASSWORD_HASHING,
    ...overrides,
  });
}

export const passwordOf = (username: string) => `${username}-has-a-long-password`;

/** Registers and logs in `username`, returning the principal. */
export async function userIn(bank: Bank, username: string): Promise<Principal> {
  await bank.register({ username, password: passwordOf(username) });
  const { accessToken } = await bank.login({ username, password: passwordOf(username) });
  return bank.authenticate(accessToken);
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
