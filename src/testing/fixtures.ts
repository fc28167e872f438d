import { createBank, INSECURE_TEST_PASSWORD_HASHING, type Account, type Bank, type BankOptions, type Principal, type StorageAdapter, type StoredUser, type Transaction } from 'bankcore';

let counter = 0;
/** A unique id for fixtures; adapters must accept any string id. */
export const fixtureId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

export function storedUser(overrides: Partial<StoredUser> = {}): StoredUser {
  const username = overrides.username ?? fixtureId('user');
  return {
    id: fixtureId('u'),
    username,
    usernameKey: username.toLowerCase(),
    passwordHash: '$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g',
    credentialVersion: 1,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    ...overrides,
  };
}

export function account(ownerId: string, overrides: Partial<Account> = {}): Account {
  return {
    id: fixtureId('a'),
    ownerId,
    bankCode: 'TEST1',
    accountNumber: fixtureId('N').replace(/[^A-Za-z0-9]/g, '').toUpperCase().slice(0, 34),
    currency: 'USD',
    balance: 0,
    entryCount: 0,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    ...overrides,
  };
}

/** A transaction moving `amount` by the given legs (signed amounts keyed by account). */
export function transaction(initiatorId: string, type: Transaction['type'], legs: Array<[Account, number]>): Transaction {
  return {
    id: fixtureId('t'),
    type,
    amount: Math.abs(legs[0]![1]),
    currency: legs[0]![0].currency,
    legs: legs.map(([a, amount]) => ({ accountId: a.id, bankCode: a.bankCode, accountNumber: a.accountNumber, amount })),
    reference: null,
    initiatorId,
    createdAt: new Date('2026-01-01T00:00:00Z'),
  };
}

/** The token secret of {@link testBank}. */
export const TEST_SECRET = 'conformance-suite-secret-of-at-least-32-bytes';

/** The password {@link signUp} gives `username`. */
export const passwordOf = (username: string) => `${username}-has-a-long-password`;

/** A bank over `storage` with cheap password hashing (tests only); `overrides` replace any other option. */
export function testBank(storage: StorageAdapter, overrides: Partial<BankOptions> = {}): Bank {
  return createBank({ storage, tokens: { secret: TEST_SECRET }, passwordHashing: INSECURE_TEST_PASSWORD_HASHING, ...overrides });
}

/** Registers a user with {@link passwordOf}, logs in, and returns the principal. */
export async function signUp(bank: Bank, username: string): Promise<Principal> {
  await bank.register({ username, password: passwordOf(username) });
  return bank.authenticate((await bank.login({ username, password: passwordOf(username) })).accessToken);
}
