import { z } from 'zod';
import { BankError, isBankError } from './errors.js';
import { newId as defaultId } from './ids.js';
import { copyHold, copyTransaction, emptyAccount, publicAccount } from './commit.js';
import { createLedger, refusalError } from './ledger.js';
import { createMovements, findOwnAccount, type DepositInput, type TransferInput } from './movements.js';
import { createOperator, type Operator } from './operator.js';
import { createOperatorKeys, type OperatorKeys } from './operator-keys.js';
import { createEventLog, type BankEvents, type EventLogOptions } from './event-log.js';
import { newEvent } from './events.js';
import { createWebhookEndpoints, type WebhookEndpoints } from './webhook-endpoints.js';
import { createPrincipals } from './principals.js';
import { readBalanceAt, readHistory, type HistoryOptions } from './reads.js';
import { isPending } from './maybe-promise.js';
import { createPasswordHasher, type PasswordHasher, type PasswordHashing } from './passwords.js';
import {
  accountNumberSchema,
  accountRefSchema,
  bankCodeSchema,
  changePasswordSchema,
  credentialsSchema,
  currencySchema,
  parseInput,
  usernameSchema,
} from './schemas.js';
import type { StorageAdapter, StoredAccount, StoredUser } from './storage.js';
import { TokenService, type TokenOptions } from './tokens.js';
import type { Account, AccountRef, HistoryPage, Hold, MovementResult, PointInTimeBalance, Principal, Transaction, User, VerifyReport } from './types.js';
import { verifyLedger } from './verify.js';

/** Options of {@link createBank}. */
export interface BankOptions {
  /** Where state lives, e.g. `memoryAdapter()` from `bankcore/memory`. */
  storage: StorageAdapter;
  /** Access-token settings; `secret` (≥ 32 bytes) is required. */
  tokens: TokenOptions;
  /** Password-hash parameters; default argon2id at OWASP's minimum. */
  passwordHashing?: PasswordHashing;
  /** Replaces the in-process hasher entirely (e.g. a worker pool); takes precedence over `passwordHashing`. */
  passwordHasher?: PasswordHasher;
  /** Currency of new accounts that name none; default `USD`. */
  currency?: string;
  /** Largest amount of one deposit, withdrawal or transfer, in minor units; default `Number.MAX_SAFE_INTEGER`. */
  maxAmount?: number;
  /** Most accounts one user may open; default 100 (one user's account list is read whole by `balances`). */
  maxAccountsPerUser?: number;
  /**
   * Whether customers may deposit to their own accounts (`bank.deposit`, `POST /deposit`), as the original service
   * allowed; default true. Turn it off in production: then money enters only through the operator (`fund`), and
   * `deposit` throws FORBIDDEN.
   */
  selfServiceDeposits?: boolean;
  /**
   * The outbox: every change writes its event in the same atomic step (see `bank.events`). `false` writes none;
   * an object sets retention and polling. Default on, kept until every registered consumer has passed it.
   */
  events?: EventLogOptions | false;
  /** Time source; default the system clock, read with `Date.now`. */
  clock?: () => Date;
  /** Id generator for users, accounts, transactions and holds; default time-ordered v7 UUIDs. */
  ids?: () => string;
}

/** Input of `bank.openAccount`. */
export interface OpenAccountInput extends AccountRef {
  /** ISO-4217 code; default the bank's currency. */
  currency?: string;
}

/** The operator API plus what only the bank can do: users without passwords, and principals for them. */
export interface BankOperator extends Operator {
  /** Creates a user without a password (it cannot log in with one), for apps that authenticate users themselves. Throws VALIDATION_FAILED, USERNAME_TAKEN. */
  createUser(input: { username: string }): Promise<User>;
  /** A principal for an existing user, for apps that authenticate users themselves. Throws INVALID_PRINCIPAL. */
  principal(userId: string): Promise<Principal>;
}

/** A bank: users, tokens, accounts and money movements over one {@link StorageAdapter}. */
export interface Bank {
  /** Prepares storage (indexes, files). Call once before serving. */
  init(): Promise<void>;
  /** Releases storage. */
  close(): Promise<void>;
  /** Resolves when storage can serve; rejects with STORAGE_UNAVAILABLE when it cannot. */
  ping(): Promise<void>;
  /** The keys of the HTTP operator API (`/admin`), stored hashed. */
  operatorKeys: OperatorKeys;
  /** The events every change wrote, in commit order: read, stream, consumers and pruning. */
  events: BankEvents;
  /** Webhook endpoints (delivered by `startWebhookDelivery` from `bankcore/webhooks`). */
  webhooks: WebhookEndpoints;
  /** Registers a user. Throws VALIDATION_FAILED, USERNAME_TAKEN. */
  register(input: { username: string; password: string }): Promise<User>;
  /** Exchanges credentials for a bearer token. Throws VALIDATION_FAILED, INVALID_CREDENTIALS. */
  login(input: { username: string; password: string }): Promise<{ accessToken: string; tokenType: 'bearer'; expiresIn: number }>;
  /** Turns a bearer token into the caller. Throws INVALID_TOKEN, TOKEN_EXPIRED. */
  authenticate(accessToken: string): Promise<Principal>;
  /** Changes the caller's password and revokes every token issued before. Throws VALIDATION_FAILED, INVALID_CREDENTIALS. */
  changePassword(principal: Principal, input: { currentPassword: string; newPassword: string }): Promise<void>;
  /** Opens an account with balance 0. Throws INVALID_PRINCIPAL, VALIDATION_FAILED, ACCOUNT_EXISTS. */
  openAccount(principal: Principal, input: OpenAccountInput): Promise<Account>;
  /** Adds money to one of the caller's accounts. Throws VALIDATION_FAILED, ACCOUNT_NOT_FOUND, LIMIT_EXCEEDED, IDEMPOTENCY_KEY_REUSED. */
  deposit(principal: Principal, input: DepositInput): Promise<MovementResult>;
  /** Takes money out of one of the caller's accounts. Throws as `deposit`, plus INSUFFICIENT_FUNDS. */
  withdraw(principal: Principal, input: DepositInput): Promise<MovementResult>;
  /** Moves money from the caller's account to any account. Throws as `withdraw`, plus CURRENCY_MISMATCH. */
  transfer(principal: Principal, input: TransferInput): Promise<MovementResult>;
  /** The caller's accounts with their balances, oldest first. */
  balances(principal: Principal): Promise<Account[]>;
  /** One of the caller's accounts. Throws VALIDATION_FAILED, ACCOUNT_NOT_FOUND. */
  getAccount(principal: Principal, account: AccountRef): Promise<Account>;
  /** A page of an own account's ledger, newest first. Throws VALIDATION_FAILED, ACCOUNT_NOT_FOUND. */
  history(principal: Principal, account: AccountRef, options?: HistoryOptions): Promise<HistoryPage>;
  /** An own account's balance right after its last entry at or before `at`. Throws VALIDATION_FAILED, ACCOUNT_NOT_FOUND. */
  balanceAt(principal: Principal, account: AccountRef, at: Date | string): Promise<PointInTimeBalance>;
  /** The open holds on an own account, oldest first. Throws VALIDATION_FAILED, ACCOUNT_NOT_FOUND. */
  holds(principal: Principal, account: AccountRef): Promise<Hold[]>;
  /** A transaction with a leg on one of the caller's accounts. Throws TRANSACTION_NOT_FOUND. */
  getTransaction(principal: Principal, id: string): Promise<Transaction>;
  /**
   * Audits the whole ledger: per currency the balances (settlement accounts included) sum to 0, every
   * transaction balances, every account's entries chain, pending equals open holds, no account is past its limit.
   */
  verify(): Promise<VerifyReport>;
  /** The operator API: takes no principal. */
  readonly operator: BankOperator;
}

// Login accepts any strings: a password rule added later must not lock out users who registered before it.
const loginSchema = z.strictObject({ username: z.string().max(256), password: z.string().max(1024) });

const STORAGE_METHODS = ['ping', 'createUser', 'findUserById', 'findUserByUsernameKey', 'updatePassword', 'createAccount', 'findAccount', 'findAccountById', 'listAccounts', 'commit', 'findIdempotencyRecord', 'findTransaction', 'findHold', 'listHolds', 'listExpiredHolds', 'listLedgerEntries', 'findEntryAt', 'readLedger', 'readTransactions'] as const;

/** Refuses options that would only fail later, deep inside a call, with a TypeError. */
function checkOptions(options: BankOptions): void {
  const invalid = (message: string) => new BankError('CONFIGURATION_INVALID', message);
  if (typeof options !== 'object' || options === null) throw invalid('createBank needs an options object with storage and tokens');
  const storage = options.storage as unknown as Record<string, unknown> | undefined;
  if (typeof storage !== 'object' || storage === null) throw invalid('storage is required: a StorageAdapter such as memoryAdapter() from bankcore/memory');
  const missing = STORAGE_METHODS.filter((m) => typeof storage[m] !== 'function');
  if (missing.length) throw invalid(`storage is not a StorageAdapter of this version: it lacks ${missing.join(', ')}`);
  if (typeof options.tokens !== 'object' || options.tokens === null) throw invalid('tokens is required: { secret } with at least 32 bytes');
}

/** The key under which a username is unique: NFKC, lower-cased. */
export function usernameKey(username: string): string {
  return username.normalize('NFKC').toLowerCase();
}

function publicUser(user: StoredUser): User {
  return { id: user.id, username: user.username, createdAt: user.createdAt };
}

/**
 * Creates a bank over a storage adapter.
 *
 * @param options - see {@link BankOptions}; `storage` and `tokens.secret` are required.
 * @throws BankError CONFIGURATION_INVALID when the secret is shorter than 32 bytes, the currency is not ISO-4217,
 *   `maxAmount` is not a positive safe integer, or password-hash parameters are below the OWASP minimum.
 * @example
 * ```ts
 * const bank = createBank({ storage: memoryAdapter(), tokens: { secret: process.env.BANK_JWT_SECRET! } });
 * const alice = await bank.register({ username: 'alice', password: 'correct horse battery' });
 * const { accessToken } = await bank.login({ username: 'alice', password: 'correct horse battery' });
 * const me = await bank.authenticate(accessToken);
 * await bank.openAccount(me, { bankCode: 'BANK1', accountNumber: '0001' });
 * await bank.deposit(me, { account: { bankCode: 'BANK1', accountNumber: '0001' }, amount: 10_00 });
 * ```
 */
export function createBank(options: BankOptions): Bank {
  checkOptions(options);
  // One time source for the default clock, ids and token checks: `Date.now` (a Date made from it, not `new Date()`,
  // so that the ids stamped with a change's time below carry the very millisecond they would have read).
  const now = options.clock ?? (() => new Date(Date.now()));
  const newId = options.ids ?? defaultId;
  // The engine's ids: default ones are stamped with the time it has just read from the default clock rather than
  // reading it again (two reads a deposit); an id source or a clock of the caller's is used as given.
  const engineId: (at?: Date) => string = options.ids ?? (options.clock ? () => defaultId() : (at) => defaultId(at?.getTime()));
  const eventsOn = options.events !== false;
  const eventLog = createEventLog(options.storage, now, options.events || {});
  const storage = notifyingWrites(options.storage, eventLog.notify);
  const eventId = () => (eventsOn ? newId() : null);
  // Without a clock of its own, a token check reads `Date.now` rather than making a `Date` (every request checks one).
  const tokens = new TokenService(options.tokens, now, options.clock ? () => now().getTime() : Date.now);
  const hasher = options.passwordHasher ?? createPasswordHasher(options.passwordHashing);
  const currencyCheck = currencySchema.safeParse(options.currency ?? 'USD');
  if (!currencyCheck.success) throw new BankError('CONFIGURATION_INVALID', 'currency must be an ISO-4217 code');
  const defaultCurrency = currencyCheck.data;
  const maxAmount = options.maxAmount ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(maxAmount) || maxAmount < 1) {
    throw new BankError('CONFIGURATION_INVALID', 'maxAmount must be a positive safe integer');
  }
  const maxAccountsPerUser = options.maxAccountsPerUser ?? 100;
  if (!Number.isSafeInteger(maxAccountsPerUser) || maxAccountsPerUser < 1) throw new BankError('CONFIGURATION_INVALID', 'maxAccountsPerUser must be a positive integer');
  const ledger = createLedger({ storage, now, newId: engineId, maxAmount, events: eventsOn, committed: eventLog.notify });
  const ctx = { storage, ledger, now, newId: engineId, maxAmount, events: eventsOn };
  const principals = createPrincipals(storage);
  let dummy: Promise<string> | undefined;
  const dummyHash = () => (dummy ??= hasher.hash(crypto.randomUUID()));
  const movements = createMovements(ctx);
  const operator = createOperator(ctx);
  const own = async (principal: Principal, ref: AccountRef): Promise<StoredAccount> =>
    findOwnAccount(storage, await principals.check(principal), parseInput(accountRefSchema, ref, 'account'));
  /**
   * Runs a movement as the principal: at once for one this bank issued, else once `check` accepts it. Every
   * movement goes through here, and an `async` wrapper with its `await` was about 0.2 µs of a 5.5 µs deposit.
   * `call` must report failure as a rejected promise, never by throwing.
   */
  const as = <R>(principal: Principal, call: (me: Principal) => Promise<R>): Promise<R> => {
    const me = principals.known(principal);
    return me ? call(me) : principals.check(principal).then(call);
  };
  const depositsOff = async (): Promise<never> => {
    throw new BankError('FORBIDDEN', 'Deposits by customers are turned off on this bank; money enters through the operator');
  };
  const usernameTaken = () => new BankError('USERNAME_TAKEN', 'This username is already taken', { details: { path: 'username' } });
  const openAccountSchema = z.strictObject({
    bankCode: bankCodeSchema,
    accountNumber: accountNumberSchema,
    currency: currencySchema.default(defaultCurrency),
  });

  return {
    init: async () => storage.init?.(),
    close: async () => storage.close?.(),
    async ping() {
      try {
        await storage.ping();
      } catch (error) {
        // An adapter should already say STORAGE_UNAVAILABLE; whatever else it throws means the same here.
        throw isBankError(error) ? error : new BankError('STORAGE_UNAVAILABLE', 'Storage is unavailable', { cause: error });
      }
    },

    async register(input) {
      const { username, password } = parseInput(credentialsSchema, input, 'register');
      const key = usernameKey(username);
      // Cheap check first so a taken name does not cost a password hash; the insert below is the real guard.
      if (await storage.findUserByUsernameKey(key)) throw usernameTaken();
      const user: StoredUser = {
        id: newId(),
        username,
        usernameKey: key,
        passwordHash: await hasher.hash(password),
        credentialVersion: 1,
        createdAt: now(),
      };
      if (!(await storage.createUser(user, newEvent(eventId(), 'user.registered', user.createdAt, { user: publicUser(user) })))) throw usernameTaken();
      return publicUser(user);
    },

    async login(input) {
      const { username, password } = parseInput(loginSchema, input, 'login');
      const user = await storage.findUserByUsernameKey(usernameKey(username));
      if (!user) {
        // Take the wrong-password path against a stand-in hash, so an unknown username costs exactly as much.
        await hasher.verify(password, await dummyHash());
        throw new BankError('INVALID_CREDENTIALS', 'Incorrect username or password');
      }
      // A user created by the operator has no password: it never logs in with one.
      const { ok, needsRehash } = user.passwordHash === '' ? { ok: false, needsRehash: false } : await hasher.verify(password, user.passwordHash);
      if (!ok) throw new BankError('INVALID_CREDENTIALS', 'Incorrect username or password');
      if (needsRehash) {
        // Upgrade to the current parameters while we hold the plain password; tokens stay valid.
        // Only over the hash just verified: a password change that committed meanwhile must win, never be undone.
        await storage.updatePassword(user.id, await hasher.hash(password), user.credentialVersion, { passwordHash: user.passwordHash, credentialVersion: user.credentialVersion });
      }
      const accessToken = await tokens.issue(user.id, user.credentialVersion);
      return { accessToken, tokenType: 'bearer', expiresIn: tokens.ttlSeconds };
    },

    async authenticate(accessToken) {
      if (typeof accessToken !== 'string' || accessToken.length === 0 || accessToken.length > 4096) {
        throw new BankError('INVALID_TOKEN', 'The access token is invalid');
      }
      // Answers at hand are not awaited (`await` of a value still takes a turn of the microtask queue): a token
      // verified before, and a user read from memory, are (see `MaybePromise`).
      const verified = tokens.verify(accessToken);
      const claims = isPending(verified) ? await verified : verified;
      const current = (user: StoredUser | null): user is StoredUser => user !== null && user.credentialVersion === claims.credentialVersion;
      // Read to authorise, not to show: what the request then answers waits for durability on its own, so the read
      // need not wait behind the fsync in flight (on the durable default every request would, before it started).
      const planned = storage.findUserById(claims.userId, 'plan');
      let user = isPending(planned) ? await planned : planned;
      // A refusal is an answer: it rests on what is on disk, so a password change not yet durable refuses nothing.
      if (!current(user)) user = await storage.findUserById(claims.userId);
      if (!current(user)) throw new BankError('INVALID_TOKEN', 'The access token has been revoked');
      return principals.issue(user);
    },

    async changePassword(principal, input) {
      await principals.check(principal);
      const { currentPassword, newPassword } = parseInput(changePasswordSchema, input, 'changePassword');
      const user = await storage.findUserById(principal.userId);
      if (!user || user.passwordHash === '' || !(await hasher.verify(currentPassword, user.passwordHash)).ok) {
        throw new BankError('INVALID_CREDENTIALS', 'The current password is incorrect');
      }
      const expected = { passwordHash: user.passwordHash, credentialVersion: user.credentialVersion };
      const changed = newEvent(eventId(), 'user.password_changed', now(), { userId: user.id });
      if (!(await storage.updatePassword(user.id, await hasher.hash(newPassword), user.credentialVersion + 1, expected, changed))) {
        throw new BankError('INVALID_CREDENTIALS', 'The password was changed meanwhile; sign in again');
      }
    },

    async openAccount(principal, input) {
      await principals.check(principal);
      const parsed = parseInput(openAccountSchema, input, 'openAccount');
      if ((await storage.listAccounts(principal.userId)).length >= maxAccountsPerUser) {
        throw new BankError('LIMIT_EXCEEDED', `A user may hold at most ${maxAccountsPerUser} accounts`, { details: { max: maxAccountsPerUser } });
      }
      const account = emptyAccount({ id: newId(), ownerId: principal.userId, bankCode: parsed.bankCode, accountNumber: parsed.accountNumber, currency: parsed.currency, createdAt: now() });
      if (!(await storage.createAccount(account, newEvent(eventId(), 'account.opened', account.createdAt, { account: publicAccount(account) })))) {
        throw new BankError('ACCOUNT_EXISTS', `Account ${account.bankCode}/${account.accountNumber} already exists`, {
          details: { bankCode: account.bankCode, accountNumber: account.accountNumber },
        });
      }
      return publicAccount(account);
    },

    deposit: (principal, input) => as(principal, options.selfServiceDeposits === false ? depositsOff : (me) => movements.deposit(me, input)),
    withdraw: (principal, input) => as(principal, (me) => movements.withdraw(me, input)),
    transfer: (principal, input) => as(principal, (me) => movements.transfer(me, input)),

    async balances(principal) {
      const me = principals.known(principal) ?? (await principals.check(principal));
      const listed = storage.listAccounts(me.userId);
      return (isPending(listed) ? await listed : listed).map(publicAccount);
    },
    getAccount: async (principal, account) => publicAccount(await own(principal, account)),
    history: async (principal, account, historyOptions = {}) => readHistory(storage, await own(principal, account), historyOptions),
    balanceAt: async (principal, account, at) => readBalanceAt(storage, await own(principal, account), at),
    holds: async (principal, account) => (await storage.listHolds((await own(principal, account)).id, 'pending')).map(copyHold),

    async getTransaction(principal, id) {
      await principals.check(principal);
      const found = typeof id === 'string' && id.length <= 128 ? await storage.findTransaction(id) : null;
      const mine = found && (await storage.listAccounts(principal.userId)).some((a) => found.legs.some((l) => l.accountId === a.id));
      if (!found || !mine) throw refusalError('transaction_not_found');
      return copyTransaction(found);
    },

    verify: () => verifyLedger(storage.readLedger(), storage.readTransactions()),
    operatorKeys: createOperatorKeys(storage, now),
    events: eventLog.api,
    webhooks: createWebhookEndpoints(storage, now),

    operator: {
      ...operator,
      async createUser(input) {
        const { username } = parseInput(z.strictObject({ username: usernameSchema }), input, 'createUser');
        const user: StoredUser = { id: newId(), username, usernameKey: usernameKey(username), passwordHash: '', credentialVersion: 1, createdAt: now() };
        if (!(await storage.createUser(user, newEvent(eventId(), 'user.registered', user.createdAt, { user: publicUser(user) })))) throw usernameTaken();
        return publicUser(user);
      },
      async principal(userId) {
        const user = typeof userId === 'string' && userId.length <= 128 ? await storage.findUserById(userId) : null;
        if (!user) throw new BankError('INVALID_PRINCIPAL', 'No user has this id');
        return principals.issue(user);
      },
    },
  };
}

/**
 * The bank's view of its storage: the same adapter, except that a write which committed wakes this process's event
 * streams at once. A prototype link (not a copy), so class-based adapters keep their own `this`. Commits wake
 * them from the ledger, their one caller, which saves every movement a layer of promises here.
 */
function notifyingWrites(storage: StorageAdapter, notify: () => void): StorageAdapter {
  const wrapped = Object.create(storage) as StorageAdapter;
  const after = <A extends unknown[], R>(write: (...args: A) => Promise<R>, committed: (result: R) => boolean) =>
    async (...args: A): Promise<R> => {
      const result = await write.apply(storage, args);
      if (committed(result)) notify();
      return result;
    };
  wrapped.createUser = after(storage.createUser, Boolean);
  wrapped.createAccount = after(storage.createAccount, Boolean);
  wrapped.updatePassword = after(storage.updatePassword, Boolean);
  return wrapped;
}
