import type { Account, LedgerEntry, Transaction } from './types.js';

/** A user as storage keeps it, password hash included. Only the core and adapters see this. */
export interface StoredUser {
  id: string;
  /** As registered, NFKC-normalised. */
  username: string;
  /** NFKC + lower-cased: the unique key. */
  usernameKey: string;
  /** A self-describing PHC string, e.g. `$argon2id$v=19$m=19456,t=2,p=1$…`. */
  passwordHash: string;
  /** Raised by every password change; tokens carrying an older value are refused. */
  credentialVersion: number;
  createdAt: Date;
}

/** The idempotency facts of one money movement, scoped to the user who asked for it. */
export interface IdempotencyClaim {
  userId: string;
  key: string;
  /** A digest of the request payload: the same key with another payload is a conflict. */
  fingerprint: string;
}

/** What an adapter keeps for an idempotency key: enough to answer a replay exactly as the first call was answered. */
export interface IdempotencyRecord extends IdempotencyClaim {
  transaction: Transaction;
  /** Every account the transaction touched, as it was right after the transaction. */
  accounts: Account[];
  createdAt: Date;
}

/** One money movement to apply atomically. */
export interface PostTransactionRequest {
  /** Built by the core; each leg names an existing account by `accountId` and a signed amount. */
  transaction: Transaction;
  idempotency: IdempotencyClaim | null;
}

/** The outcome of {@link StorageAdapter.postTransaction}: an expected refusal is a result, not an exception. */
export type PostTransactionResult =
  | { status: 'posted'; transaction: Transaction; accounts: Account[] }
  | { status: 'replayed'; record: IdempotencyRecord }
  | { status: 'idempotency_key_reused'; record: IdempotencyRecord }
  | { status: 'insufficient_funds'; accountId: string }
  | { status: 'balance_overflow'; accountId: string }
  | { status: 'account_not_found'; accountId: string };

/**
 * Where a bank keeps its state. Small and shaped by the domain: users, accounts, one atomic
 * "post a transaction" call, history pages and idempotency look-ups. Every method resolves `null`
 * (or a result status) for "not found" and expected refusals; it rejects only for infrastructure
 * failures, preferably as `BankError('STORAGE_UNAVAILABLE')`.
 *
 * Returned objects belong to the caller: mutating them must not change stored state.
 * Run `describeStorageAdapter` from `bankcore/testing` against any implementation.
 */
export interface StorageAdapter {
  /** Prepares storage (indexes, files). Idempotent; `createBank` users call it through `bank.init()`. */
  init?(): Promise<void>;
  /** Releases connections and files. */
  close?(): Promise<void>;
  /** Resolves when storage can serve requests; rejects (STORAGE_UNAVAILABLE) when it cannot. */
  ping(): Promise<void>;

  /** Inserts a user unless its `usernameKey` is taken; `false` means taken and nothing was written. */
  createUser(user: StoredUser): Promise<boolean>;
  findUserById(id: string): Promise<StoredUser | null>;
  /** Looks up by the normalised key (`usernameKey`), never by a raw query value. */
  findUserByUsernameKey(usernameKey: string): Promise<StoredUser | null>;
  /** Replaces the hash and credential version; `false` if the user does not exist. */
  updatePassword(userId: string, passwordHash: string, credentialVersion: number): Promise<boolean>;

  /** Inserts an account (balance 0, entryCount 0) unless its (bankCode, accountNumber) is taken; `false` means taken. */
  createAccount(account: Account): Promise<boolean>;
  findAccount(bankCode: string, accountNumber: string): Promise<Account | null>;
  /** The user's accounts, oldest first. */
  listAccounts(ownerId: string): Promise<Account[]>;

  /**
   * Applies a money movement atomically: either all of the following happen, or none.
   * 1. If `idempotency` names a key already recorded for that user: nothing is applied; `replayed` when the
   *    fingerprint matches, else `idempotency_key_reused`. This holds also when the calls race.
   * 2. Every leg's account exists (else `account_not_found`); no balance would fall below zero (else
   *    `insufficient_funds`) or rise above `Number.MAX_SAFE_INTEGER` (else `balance_overflow`), checked
   *    against the balances at the moment of applying, never a stale read.
   * 3. Each leg changes its balance, appends a {@link LedgerEntry} with the next `sequence` and its
   *    `balanceAfter`, and the idempotency record is stored with the accounts as they are after.
   */
  postTransaction(request: PostTransactionRequest): Promise<PostTransactionResult>;

  /** The recorded result for a user's idempotency key, or null. */
  findIdempotencyRecord(userId: string, key: string): Promise<IdempotencyRecord | null>;

  /** Up to `limit` entries of one account, newest first, with `sequence < beforeSequence` when given. */
  listLedgerEntries(accountId: string, page: { limit: number; beforeSequence: number | null }): Promise<LedgerEntry[]>;

  /**
   * Every account with all its entries, oldest first, for `bank.verify()`. Adapters that can should read
   * one consistent snapshot; otherwise verify a quiescent ledger.
   */
  readLedger(): AsyncIterable<{ account: Account; entries: LedgerEntry[] }>;
}
