import type { Account, IdempotencyRecord, LedgerEntry, PostTransactionRequest, PostTransactionResult, StoredUser, Transaction } from 'bankcore';

/** Everything the memory adapter knows. Replaced wholesale when state is reloaded from disk. */
export interface MemoryState {
  users: Map<string, StoredUser>;
  userIdByKey: Map<string, string>;
  accounts: Map<string, Account>;
  accountIdByRef: Map<string, string>;
  accountIdsByOwner: Map<string, string[]>;
  entriesByAccount: Map<string, LedgerEntry[]>;
  idempotency: Map<string, IdempotencyRecord>;
}

/** A state change, as applied in memory and as written to the journal. Refusals are never events. */
export type MemoryEvent =
  | { t: 'user'; user: StoredUser }
  | { t: 'password'; userId: string; passwordHash: string; credentialVersion: number }
  | { t: 'account'; account: Account }
  | { t: 'posting'; request: PostTransactionRequest };

export const emptyState = (): MemoryState => ({
  users: new Map(),
  userIdByKey: new Map(),
  accounts: new Map(),
  accountIdByRef: new Map(),
  accountIdsByOwner: new Map(),
  entriesByAccount: new Map(),
  idempotency: new Map(),
});

export const refKey = (bankCode: string, accountNumber: string) => `${bankCode}/${accountNumber}`;
export const idemKey = (userId: string, key: string) => `${userId}\u0000${key}`;
export const copyAccount = (a: Account): Account => ({ ...a });
export const copyUser = (u: StoredUser): StoredUser => ({ ...u });
export const copyEntry = (e: LedgerEntry): LedgerEntry => ({ ...e, counterparty: e.counterparty && { ...e.counterparty } });
// Dates are shared, not copied: nothing in bankcore mutates one.
const copyTransaction = (t: Transaction): Transaction => ({ ...t, legs: t.legs.map((l) => ({ ...l })) });
export const copyRecord = (r: IdempotencyRecord): IdempotencyRecord => ({ ...r, transaction: copyTransaction(r.transaction), accounts: r.accounts.map(copyAccount) });

/** Whether `event` would change state; a `false` is an expected refusal (duplicate user, account, unknown user). */
export function accepts(state: MemoryState, event: Exclude<MemoryEvent, { t: 'posting' }>): boolean {
  switch (event.t) {
    case 'user':
      return !state.userIdByKey.has(event.user.usernameKey);
    case 'password':
      return state.users.has(event.userId);
    case 'account':
      return !state.accountIdByRef.has(refKey(event.account.bankCode, event.account.accountNumber));
  }
}

/** Applies a non-posting event that {@link accepts} allowed. */
export function applyChange(state: MemoryState, event: Exclude<MemoryEvent, { t: 'posting' }>): void {
  switch (event.t) {
    case 'user':
      state.users.set(event.user.id, copyUser(event.user));
      state.userIdByKey.set(event.user.usernameKey, event.user.id);
      return;
    case 'password': {
      const user = state.users.get(event.userId)!;
      user.passwordHash = event.passwordHash;
      user.credentialVersion = event.credentialVersion;
      return;
    }
    case 'account': {
      const account = event.account;
      state.accounts.set(account.id, { ...copyAccount(account), balance: 0, entryCount: 0 });
      state.accountIdByRef.set(refKey(account.bankCode, account.accountNumber), account.id);
      const owned = state.accountIdsByOwner.get(account.ownerId) ?? [];
      owned.push(account.id);
      state.accountIdsByOwner.set(account.ownerId, owned);
      state.entriesByAccount.set(account.id, []);
      return;
    }
  }
}

/**
 * Checks and applies one posting without yielding: the whole of `StorageAdapter.postTransaction`'s contract.
 * Deterministic, so replaying a journalled request rebuilds exactly the same entries.
 */
export function applyPosting(state: MemoryState, { transaction, idempotency: claim }: PostTransactionRequest): PostTransactionResult {
  if (claim) {
    const earlier = state.idempotency.get(idemKey(claim.userId, claim.key));
    if (earlier) {
      const record = copyRecord(earlier);
      return earlier.fingerprint === claim.fingerprint ? { status: 'replayed', record } : { status: 'idempotency_key_reused', record };
    }
  }
  const next = new Map<string, number>();
  for (const leg of transaction.legs) {
    const account = state.accounts.get(leg.accountId);
    if (!account) return { status: 'account_not_found', accountId: leg.accountId };
    const balance = (next.get(account.id) ?? account.balance) + leg.amount;
    if (balance < 0) return { status: 'insufficient_funds', accountId: account.id };
    if (balance > Number.MAX_SAFE_INTEGER) return { status: 'balance_overflow', accountId: account.id };
    next.set(account.id, balance);
  }
  for (const [legIndex, leg] of transaction.legs.entries()) {
    const account = state.accounts.get(leg.accountId)!;
    account.balance += leg.amount;
    account.entryCount += 1;
    const other = transaction.legs.find((l) => l.accountId !== leg.accountId);
    state.entriesByAccount.get(account.id)!.push({
      id: `${transaction.id}:${legIndex}`,
      accountId: account.id,
      transactionId: transaction.id,
      sequence: account.entryCount,
      type: transaction.type,
      amount: leg.amount,
      balanceAfter: account.balance,
      currency: account.currency,
      counterparty: other ? { bankCode: other.bankCode, accountNumber: other.accountNumber } : null,
      reference: transaction.reference,
      createdAt: transaction.createdAt,
    });
  }
  const touched = [...next.keys()].map((id) => copyAccount(state.accounts.get(id)!));
  if (claim) {
    const record = { ...claim, transaction: copyTransaction(transaction), accounts: touched.map(copyAccount), createdAt: transaction.createdAt };
    state.idempotency.set(idemKey(claim.userId, claim.key), record);
  }
  return { status: 'posted', transaction: copyTransaction(transaction), accounts: touched };
}

/** Applies any event during replay; a posting that does not post here means the journal is not this state's. */
export function replayEvent(state: MemoryState, event: MemoryEvent): void {
  if (event.t === 'posting') {
    const result = applyPosting(state, event.request);
    if (result.status !== 'posted') throw new Error(`journalled transaction ${event.request.transaction.id} did not apply (${result.status})`);
    return;
  }
  if (!accepts(state, event)) throw new Error(`journalled ${event.t} event does not apply to the state`);
  applyChange(state, event);
}
