import {
  createBank,
  emptyAccount,
  isBankError,
  newSettlementAccount,
  INSECURE_TEST_PASSWORD_HASHING,
  type Bank,
  type BankOptions,
  type CommitPlan,
  type IdempotencyClaim,
  type Principal,
  type StorageAdapter,
  type StoredAccount,
  type StoredUser,
  type Transaction,
} from 'bankcore';

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

/** A customer account as storage keeps it, empty. */
export function account(ownerId: string, overrides: Partial<StoredAccount> = {}): StoredAccount {
  const fields = { id: fixtureId('a'), ownerId, bankCode: 'TEST1', accountNumber: fixtureId('N').replace(/[^A-Za-z0-9]/g, '').toUpperCase().slice(0, 34), currency: 'USD', createdAt: new Date('2026-01-01T00:00:00Z') };
  return { ...emptyAccount(fields), ...overrides };
}

/** The bank's settlement account of a currency (`@world/<currency>`), empty. */
export function settlementAccount(currency = 'USD'): StoredAccount {
  return newSettlementAccount(currency, new Date('2026-01-01T00:00:00Z'));
}

/**
 * A plan posting one transaction with the legs given (signed amounts keyed by account): customer accounts
 * guarded at `-overdraftLimit` and `active`, settlement accounts derived with no floor; as the core plans them.
 */
export function postingPlan(
  initiatorId: string | null,
  type: Transaction['type'],
  legs: Array<[StoredAccount, number]>,
  idempotency: IdempotencyClaim | null = null,
  at = new Date('2026-01-01T00:00:00Z'),
): CommitPlan {
  const transaction: Transaction = {
    id: fixtureId('t'),
    type,
    amount: legs.filter(([, n]) => n > 0).reduce((sum, [, n]) => sum + n, 0),
    currency: legs[0]![0].currency,
    legs: legs.map(([a, amount]) => ({ accountId: a.id, bankCode: a.bankCode, accountNumber: a.accountNumber, amount })),
    reference: null,
    metadata: {},
    initiatorId,
    reversalOf: null,
    reversedBy: null,
    holdId: null,
    createdAt: at,
  };
  const guards = legs.map(([a]) => ({
    accountId: a.id,
    statuses: ['active' as const],
    minAvailable: a.ownerId === null ? null : -a.overdraftLimit,
    overdraftLimit: a.overdraftLimit,
    derived: a.ownerId === null,
  }));
  return { at, idempotency, transaction, holdCreate: null, holdResolve: null, reverses: null, accountUpdate: null, guards, eventId: null };
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

/** The code of the BankError that `run` rejects (or throws) with; fails the test if it succeeds or throws anything else. */
export async function codeOf(run: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof run === 'function' ? run() : run);
  } catch (error) {
    if (isBankError(error)) return error.code;
    throw error;
  }
  throw new Error('expected a BankError');
}
