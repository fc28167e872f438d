import type { EventConsumer, EventPage, NewEvent, WebhookSettings } from './events.js';
import type { StoredOperatorKey } from './operator-keys.js';
import type { Account, AccountStatus, Hold, HoldStatus, LedgerEntry, Transaction } from './types.js';
import type { MaybePromise } from './maybe-promise.js';

/** A user as storage keeps it, password hash included. Only the core and adapters see this. */
export interface StoredUser {
  id: string;
  /** As registered, NFKC-normalised. */
  username: string;
  /** NFKC + lower-cased: the unique key. */
  usernameKey: string;
  /** A self-describing PHC string, e.g. `$argon2id$v=19$m=19456,t=2,p=1$…`; empty for a user without a password. */
  passwordHash: string;
  /** Raised by every password change; tokens carrying an older value are refused. */
  credentialVersion: number;
  createdAt: Date;
}

/** An account as storage keeps it: the public account plus the time of its newest entry. */
export interface StoredAccount extends Account {
  /** The commit time of the newest entry; a later commit is never stamped earlier. */
  lastEntryAt: Date | null;
}

/** The idempotency facts of one change, scoped to whoever asked for it (a user id, or `@operator`). */
export interface IdempotencyClaim {
  scope: string;
  key: string;
  /** What identifies the request (`fingerprint` in ledger.ts): the same key with another one is a conflict. Adapters compare it exactly. */
  fingerprint: string;
}

/** What an adapter keeps for an idempotency key: enough to answer a replay exactly as the first call was answered. */
export interface IdempotencyRecord extends IdempotencyClaim {
  transaction: Transaction | null;
  hold: Hold | null;
  /** Every account the change touched, as it was right after it. */
  accounts: Account[];
  createdAt: Date;
}

/**
 * What one account must satisfy for a commit to apply, checked by the adapter against stored state at the moment
 * of applying (never a stale read), through {@link applyCommitPlan}.
 */
export interface AccountGuard {
  accountId: string;
  /** The statuses the account may be in. */
  statuses: readonly AccountStatus[];
  /**
   * The lowest `available` allowed after the change, checked only when the change lowers it: `-overdraftLimit`
   * for customer accounts, `null` (no floor) for the bank's settlement accounts.
   */
  minAvailable: number | null;
  /** The overdraft limit `minAvailable` was computed from; if the stored one differs, the commit is `stale`. */
  overdraftLimit: number;
  /**
   * A settlement account: no floor, and its balance may be derived from its entries instead of updated in every
   * commit, so concurrent deposits never contend on one row.
   */
  derived: boolean;
  /** Closing: the account must hold no money and no open hold. */
  requireEmpty?: boolean;
}

/** A hold leaving `pending` in this commit. */
export interface HoldResolution {
  holdId: string;
  status: Exclude<HoldStatus, 'pending'>;
  capturedAmount: number;
  /** Capturing is refused from the hold's `expiresAt` on, whether or not a sweep ran. */
  refuseIfExpired: boolean;
}

/** A change to an account's own settings. */
export interface AccountUpdate {
  accountId: string;
  status?: AccountStatus;
  overdraftLimit?: number;
}

/**
 * One atomic change, computed once by the core. An adapter applies it (through {@link applyCommitPlan}) or
 * refuses it whole; it never decides a ledger rule itself.
 */
export interface CommitPlan {
  /** The earliest commit time; the adapter stamps `max(at, newest entry time of each touched account)`. */
  at: Date;
  idempotency: IdempotencyClaim | null;
  /** A transaction to post; `createdAt` is replaced by the commit time. */
  transaction: Transaction | null;
  /** A hold to open on `guards`' account. */
  holdCreate: Hold | null;
  holdResolve: HoldResolution | null;
  /** The transaction a posted reversal reverses; refused if it already was. */
  reverses: string | null;
  accountUpdate: AccountUpdate | null;
  /** One per account the change touches. */
  guards: AccountGuard[];
  /** The id of the event this change writes (see {@link applyCommitPlan}'s `event`); `null` when the bank keeps no events. */
  eventId: string | null;
}

/** Why an adapter refused a plan. */
export type RefusalReason =
  | 'account_not_found'
  | 'account_frozen'
  | 'account_closed'
  | 'account_not_empty'
  | 'insufficient_funds'
  | 'balance_overflow'
  | 'stale'
  | 'hold_not_found'
  | 'hold_not_pending'
  | 'hold_expired'
  | 'transaction_not_found'
  | 'already_reversed';

/** The outcome of {@link StorageAdapter.commit}: an expected refusal is a result, not an exception. */
export type CommitResult =
  | { status: 'committed'; transaction: Transaction | null; hold: Hold | null; accounts: Account[] }
  | { status: 'replayed'; record: IdempotencyRecord }
  | { status: 'idempotency_key_reused'; record: IdempotencyRecord }
  | { status: 'refused'; reason: RefusalReason; accountId: string | null };

/** History bounds: entries with `sequence < beforeSequence` and `from <= createdAt <= to`, each when given. */
export interface EntryQuery {
  limit: number;
  beforeSequence: number | null;
  from?: Date | null;
  to?: Date | null;
}

/**
 * Why a read is made, where it may matter to a durable adapter. Without a purpose, an answer shows only what is
 * durable. `'plan'`: the caller uses the answer only to plan a {@link StorageAdapter.commit} (an account's fixed
 * fields, and the limit its guard checks again at commit) or to authorise a request (the credential version an
 * access token must match), never to show it. An adapter that acknowledges only after an fsync of its own may then
 * answer from commits not yet on disk, since whatever the caller shows or acknowledges next waits for them. The
 * caller neither changes nor keeps a `'plan'` answer, so an adapter that keeps objects may answer its own, if it
 * never changes that object in place. Any adapter may ignore it.
 *
 * @example
 * ```ts
 * const account = await storage.findAccount('BANK1', '0001', 'plan');
 * ```
 */
export type ReadPurpose = 'plan';

/**
 * Where a bank keeps its state. Small and shaped by the domain: users, accounts, one atomic `commit`, and reads.
 * Every method resolves `null` (or a result status) for "not found" and expected refusals; it rejects only for
 * infrastructure failures, preferably as `BankError('STORAGE_UNAVAILABLE')`.
 *
 * Returned objects belong to the caller: mutating them must not change stored state.
 * Run `describeStorageAdapter` from `bankcore/testing` against any implementation.
 */
export interface StorageAdapter {
  /** Prepares storage (indexes, files, migrations). Idempotent; called through `bank.init()`. */
  init?(): Promise<void>;
  /** Releases connections and files. */
  close?(): Promise<void>;
  /** Resolves when storage can serve requests; rejects (STORAGE_UNAVAILABLE) when it cannot. */
  ping(): Promise<void>;

  /**
   * Inserts a user unless its `usernameKey` is taken; `false` means taken and nothing was written. With `event`,
   * the event is appended (given the next position) in the same atomic step, and only if the user was inserted;
   * the same holds for `updatePassword`, `createAccount` and every `commit` (`CommitOutcome.event`).
   */
  createUser(user: StoredUser, event?: NewEvent | null): Promise<boolean>;
  /**
   * The user with this id, or `null`; `'plan'` when the answer only authorises a request (see {@link ReadPurpose}).
   * May answer at once (see {@link MaybePromise}): every authenticated request reads it.
   */
  findUserById(id: string, purpose?: ReadPurpose): MaybePromise<StoredUser | null>;
  /** Looks up by the normalised key (`usernameKey`), never by a raw query value. */
  findUserByUsernameKey(usernameKey: string): Promise<StoredUser | null>;
  /**
   * Replaces the hash and credential version; `false` if the user does not exist, or, when `expected` is given,
   * if the stored hash or version is no longer the one expected (a concurrent change won), and nothing is written.
   */
  updatePassword(userId: string, passwordHash: string, credentialVersion: number, expected?: { passwordHash: string; credentialVersion: number }, event?: NewEvent | null): Promise<boolean>;

  /** Inserts an account (balance, pending and entryCount 0) unless its id or (bankCode, accountNumber) is taken. */
  createAccount(account: StoredAccount, event?: NewEvent | null): Promise<boolean>;
  /**
   * The account with this reference, or `null`; `'plan'` when the answer only plans a commit (see {@link ReadPurpose}).
   * May answer at once (see {@link MaybePromise}), as `commit`, `findUserById` and `listAccounts` may.
   */
  findAccount(bankCode: string, accountNumber: string, purpose?: ReadPurpose): MaybePromise<StoredAccount | null>;
  findAccountById(id: string): Promise<StoredAccount | null>;
  /** The user's accounts, oldest first. May answer at once (see {@link MaybePromise}). */
  listAccounts(ownerId: string): MaybePromise<StoredAccount[]>;

  /**
   * Applies a plan atomically, or refuses it whole:
   * 1. If `idempotency` names a key already recorded in its scope: nothing is applied; `replayed` when the
   *    fingerprint matches, else `idempotency_key_reused`. This holds also when the calls race.
   * 2. Otherwise the adapter reads the touched accounts, the hold and the reversed transaction as they are at the
   *    moment of applying and passes them to {@link applyCommitPlan}, which checks every guard and computes
   *    every row to write. A refusal is returned as is.
   * 3. It writes the outcome (accounts, entries, transaction, hold, reversal link, idempotency record) in one
   *    atomic step, and acknowledges only once the step is as durable as the adapter promises.
   *
   * A `committed` answer is the caller's to keep and change, as every read's is: never an object the adapter still
   * holds (the outcome's `touched` and `transaction` qualify unless the adapter keeps them). The bank hands it on
   * without copying it again.
   *
   * A store that applies the plan in memory may answer at once, with the result itself rather than a promise of it
   * (see {@link MaybePromise}); a throw is then an exception of the call, where a promise would reject.
   */
  commit(plan: CommitPlan): MaybePromise<CommitResult>;

  /** The recorded result for an idempotency key in a scope, or null. */
  findIdempotencyRecord(scope: string, key: string): Promise<IdempotencyRecord | null>;
  findTransaction(id: string): Promise<Transaction | null>;
  findHold(id: string): Promise<Hold | null>;
  /** An account's holds, oldest first; only those with `status` when given. */
  listHolds(accountId: string, status: HoldStatus | null): Promise<Hold[]>;
  /** How many holds are pending, across all accounts (a metrics gauge; an index count, not a scan of history). */
  countPendingHolds(): Promise<number>;
  /** Up to `limit` pending holds with `expiresAt <= at`, for the expiry sweep. */
  listExpiredHolds(at: Date, limit: number): Promise<Hold[]>;

  /** Up to `limit` entries of one account, newest first, within the query's bounds. */
  listLedgerEntries(accountId: string, query: EntryQuery): Promise<LedgerEntry[]>;
  /** The account's newest entry with `createdAt <= at`, or null; an index lookup, never a scan. */
  findEntryAt(accountId: string, at: Date): Promise<LedgerEntry | null>;

  /**
   * Every account with all its entries (oldest first) and its pending holds, then, through `readTransactions`,
   * every transaction, for `bank.verify()`. Adapters that can should read one consistent snapshot; otherwise
   * verify a quiescent ledger.
   */
  readLedger(): AsyncIterable<{ account: StoredAccount; entries: LedgerEntry[]; holds: Hold[] }>;
  readTransactions(): AsyncIterable<Transaction>;

  /**
   * Up to `limit` events with `position > after`, oldest first, and how far pruning has gone. Positions rise
   * strictly in commit order; an adapter that promises a total order (memory, SQLite) leaves no gaps.
   */
  readEvents(after: number, limit: number): Promise<EventPage>;
  /** Deletes the events with `position <= through` and remembers that it did (`EventPage.prunedThrough`). */
  pruneEvents(through: number): Promise<void>;
  /** Inserts a consumer unless its name is taken; `false` means taken. */
  createConsumer(consumer: EventConsumer): Promise<boolean>;
  findConsumer(name: string): Promise<EventConsumer | null>;
  /** Every consumer, oldest first. */
  listConsumers(): Promise<EventConsumer[]>;
  /** Sets the given fields; `false` if no consumer has this name (a deleted consumer is never brought back). */
  updateConsumer(name: string, change: { position?: number; webhook?: WebhookSettings }): Promise<boolean>;
  deleteConsumer(name: string): Promise<boolean>;

  /** Inserts an operator key unless its id is taken; `false` means taken and nothing was written. */
  createOperatorKey(key: StoredOperatorKey): Promise<boolean>;
  findOperatorKey(id: string): Promise<StoredOperatorKey | null>;
  /** Every operator key, oldest first. */
  listOperatorKeys(): Promise<StoredOperatorKey[]>;
  /** Sets the given times on a key; `false` if no key has this id. */
  updateOperatorKey(id: string, change: { lastUsedAt?: Date; revokedAt?: Date }): Promise<boolean>;
}
