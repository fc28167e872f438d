import { AccountLedger } from './columns.js';
import { MemoryEventLog } from './events.js';
import { IdempotencyRecords } from './records.js';
import { TransactionTable } from './transactions.js';
import {
  applyCommitPlan,
  copyHold,
  copyTransaction,
  entryOf,
  isRefusal,
  rowOf,
  type CommitPlan,
  type Account,
  type CommitResult,
  type Hold,
  type LedgerEntry,
  type NewEvent,
  type StoredAccount,
  type StoredOperatorKey,
  type StoredUser,
  type TransactionLeg,
} from 'bankcore';

/** Everything the memory adapter knows. */
export interface MemoryState {
  users: Map<string, StoredUser>;
  userIdByKey: Map<string, string>;
  accounts: Map<string, StoredAccount>;
  /**
   * Account ids by bank code, then by account number: no joined key string to build (and hash) for every lookup,
   * which was 3 % of a core deposit's CPU (`--cpu-prof`).
   */
  accountIdByRef: Map<string, Map<string, string>>;
  accountIdsByOwner: Map<string, string[]>;
  /**
   * Every account's ledger, compactly: the rows of its legs' transactions in commit order and the running balance
   * after each. Entries are rebuilt on read (`entryOf`) from the transaction, which the store keeps anyway, so an
   * entry retains two array slots instead of an object of twelve fields and an id string of its own.
   */
  ledgers: Map<string, AccountLedger>;
  transactions: TransactionTable;
  holds: Map<string, Hold>;
  holdIdsByAccount: Map<string, string[]>;
  /** Ids of holds still pending, for the expiry sweep. */
  pendingHoldIds: Set<string>;
  idempotency: IdempotencyRecords;
  operatorKeys: Map<string, StoredOperatorKey>;
  log: MemoryEventLog;
}

/** A change other than a commit. Refusals are never events. */
export type MemoryChange =
  | { t: 'user'; user: StoredUser; event: NewEvent | null }
  | { t: 'password'; userId: string; passwordHash: string; credentialVersion: number; expected: { passwordHash: string; credentialVersion: number } | undefined; event: NewEvent | null }
  | { t: 'account'; account: StoredAccount; event: NewEvent | null };

export function emptyState(): MemoryState {
  const transactions = new TransactionTable();
  const accounts = new Map<string, StoredAccount>();
  return {
    users: new Map(),
    userIdByKey: new Map(),
    accounts,
    accountIdByRef: new Map(),
    accountIdsByOwner: new Map(),
    ledgers: new Map(),
    transactions,
    holds: new Map(),
    holdIdsByAccount: new Map(),
    pendingHoldIds: new Set(),
    idempotency: new IdempotencyRecords(transactions, (id) => accounts.get(id)!),
    operatorKeys: new Map(),
    log: new MemoryEventLog(),
  };
}

/** The id of the account `bankCode`/`accountNumber`, or undefined. */
export const accountIdOf = (state: MemoryState, bankCode: string, accountNumber: string): string | undefined => state.accountIdByRef.get(bankCode)?.get(accountNumber);
export const copyAccount = (a: StoredAccount): StoredAccount => ({ ...a });
const copyPublicAccount = (a: Account): Account => ({ ...a });
export const copyUser = (u: StoredUser): StoredUser => ({ ...u });
export const copyOperatorKey = (k: StoredOperatorKey): StoredOperatorKey => ({ ...k, scopes: [...k.scopes] });
export { copyHold };

/** Whether `event` would change state; a `false` is an expected refusal (duplicate user, account, unknown user). */
export function accepts(state: MemoryState, event: MemoryChange): boolean {
  switch (event.t) {
    case 'user':
      return !state.userIdByKey.has(event.user.usernameKey);
    case 'password': {
      const user = state.users.get(event.userId);
      const e = event.expected;
      return user !== undefined && (!e || (user.passwordHash === e.passwordHash && user.credentialVersion === e.credentialVersion));
    }
    case 'account':
      return !state.accounts.has(event.account.id) && accountIdOf(state, event.account.bankCode, event.account.accountNumber) === undefined;
  }
}

/** Indexes a hold under its account (once) and tracks whether it is pending. */
export function indexHold(state: MemoryState, hold: Hold): void {
  if (!state.holds.has(hold.id)) {
    const list = state.holdIdsByAccount.get(hold.from.accountId) ?? [];
    list.push(hold.id);
    state.holdIdsByAccount.set(hold.from.accountId, list);
  }
  state.holds.set(hold.id, hold);
  if (hold.status === 'pending') state.pendingHoldIds.add(hold.id);
  else state.pendingHoldIds.delete(hold.id);
}

/** Adds an account to the indexes (and an empty ledger). */
export function indexAccount(state: MemoryState, account: StoredAccount): void {
  state.accounts.set(account.id, account);
  let byNumber = state.accountIdByRef.get(account.bankCode);
  if (!byNumber) state.accountIdByRef.set(account.bankCode, (byNumber = new Map()));
  byNumber.set(account.accountNumber, account.id);
  if (account.ownerId !== null) {
    const owned = state.accountIdsByOwner.get(account.ownerId) ?? [];
    owned.push(account.id);
    state.accountIdsByOwner.set(account.ownerId, owned);
  }
  state.ledgers.set(account.id, new AccountLedger());
}

/** Applies a non-commit event that {@link accepts} allowed. */
export function applyChange(state: MemoryState, event: MemoryChange): void {
  state.log.append(event.event);
  switch (event.t) {
    case 'user':
      state.users.set(event.user.id, copyUser(event.user));
      state.userIdByKey.set(event.user.usernameKey, event.user.id);
      return;
    case 'password':
      // Replaced, not changed in place: a 'plan' read may have answered the stored object.
      state.users.set(event.userId, { ...state.users.get(event.userId)!, passwordHash: event.passwordHash, credentialVersion: event.credentialVersion });
      return;
    case 'account':
      indexAccount(state, { ...copyAccount(event.account), balance: 0, pending: 0, available: 0, entryCount: 0, lastEntryAt: null });
      return;
  }
}

/**
 * Checks and applies one commit plan without yielding: the whole of `StorageAdapter.commit`'s contract, with the
 * rules themselves in the core's `applyCommitPlan`.
 */
export function applyCommit(state: MemoryState, plan: CommitPlan): CommitResult {
  const claim = plan.idempotency;
  if (claim) {
    const record = state.idempotency.find(claim.scope, claim.key);
    if (record) return record.fingerprint === claim.fingerprint ? { status: 'replayed', record } : { status: 'idempotency_key_reused', record };
  }
  for (const guard of plan.guards) {
    if (guard.derived && !state.accounts.has(guard.accountId)) return { status: 'refused', reason: 'account_not_found', accountId: guard.accountId };
  }
  const hold = plan.holdResolve ? (state.holds.get(plan.holdResolve.holdId) ?? null) : null;
  const reversedRow = plan.reverses === null ? null : state.transactions.find(plan.reverses);
  const reversed = reversedRow === null ? null : state.transactions.at(reversedRow);
  // The store's own map of accounts, read only: a map of just the plan's accounts, built per commit, cost more.
  const outcome = applyCommitPlan(plan, { accounts: state.accounts, hold, reversed, derivedOnRead: true, entryObjects: false });
  if (isRefusal(outcome)) return { status: 'refused', reason: outcome.reason, accountId: outcome.accountId };

  const transaction = outcome.transaction;
  const row = transaction && state.transactions.add(transaction);
  if (outcome.reversed) state.transactions.markReversed(reversedRow!, outcome.reversed.reversedBy);
  for (const account of outcome.accounts) state.accounts.set(account.id, account);
  // Each leg's entry is its transaction's row and the balance after it: a customer account's from its row after the
  // change, a settlement account's (derived, so in no row of the outcome: the store updates its row from its legs
  // as it applies them) from its leg.
  for (const leg of transaction?.legs ?? NO_LEGS) {
    let after = rowOf(outcome.accounts, leg.accountId);
    if (!after) {
      after = state.accounts.get(leg.accountId);
      if (after?.ownerId !== null) continue;
      after.balance += leg.amount;
      after.available = after.balance - after.pending;
      after.entryCount += 1;
      after.lastEntryAt = outcome.committedAt;
    }
    state.ledgers.get(leg.accountId)!.push(row!, after.balance);
  }
  if (outcome.hold) indexHold(state, outcome.hold);
  if (outcome.record) state.idempotency.add(outcome.record, transaction, row);
  const event = outcome.event;
  // An event that carries the transaction just stored is kept as that transaction's row (see MemoryEventLog).
  const carriesRow = row !== null && event !== null && (event.payload as { transaction?: unknown }).transaction === transaction && event.occurredAt.getTime() === transaction!.createdAt.getTime();
  state.log.append(event, carriesRow ? row : null);
  // The caller gets copies of what the store keeps as objects (an event kept whole holds the transaction and the
  // accounts), as from every read. What went into columns only (an idempotency record's accounts too) is nobody
  // else's: it is answered as it is, which saved a deposit two copies.
  const keptWhole = event !== null && !carriesRow;
  return {
    status: 'committed',
    transaction: transaction && (keptWhole ? copyTransaction(transaction) : transaction),
    hold: outcome.hold && copyHold(outcome.hold),
    accounts: keptWhole ? outcome.touched.map(copyPublicAccount) : outcome.touched,
  };
}

const NO_LEGS: readonly TransactionLeg[] = [];

/** The last index below `length` whose time (never decreasing with the index) is at or before `at`, or -1. */
export function lastIndexAtOrBefore(length: number, timeAt: (index: number) => number, at: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (timeAt(mid) <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** An account's ledger as an indexable list of entries, rebuilt on read. */
export interface LedgerView {
  length: number;
  timeAt(index: number): number;
  entryAt(index: number): LedgerEntry;
}

export function ledgerView(state: MemoryState, accountId: string): LedgerView {
  const ledger = state.ledgers.get(accountId);
  if (!ledger) return { length: 0, timeAt: () => 0, entryAt: (i) => { throw new RangeError(`no entry at ${i}`); } };
  const currency = state.accounts.get(accountId)!.currency;
  return {
    length: ledger.length,
    timeAt: (i) => state.transactions.timeAt(ledger.transactionRow(i)),
    entryAt: (i) => {
      const t = state.transactions.at(ledger.transactionRow(i));
      // Legs name distinct accounts (the core refuses a plan that repeats one): one leg is this account's.
      return entryOf(t, t.legs.findIndex((l) => l.accountId === accountId), i + 1, ledger.balanceAfter(i), currency);
    },
  };
}
