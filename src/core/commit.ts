import { eventOfOutcome, type NewEvent } from './events.js';
import { SETTLEMENT_BANK_CODE } from './schemas.js';
import type { CommitPlan, IdempotencyRecord, RefusalReason, StoredAccount } from './storage.js';
import type { Account, AccountRef, Hold, LedgerEntry, Transaction, TransactionLeg } from './types.js';

/** Every settlement account's id starts so (`@world/USD`); no customer account id can. */
export const SETTLEMENT_ID_PREFIX = `${SETTLEMENT_BANK_CODE}/`;

/** The id of the settlement account of a currency. */
export const settlementId = (currency: string) => `${SETTLEMENT_ID_PREFIX}${currency}`;

/** What an adapter read, at the moment of applying, for {@link applyCommitPlan}. */
export interface CommitInputs {
  /** Every touched account by id; a missing id is an account that does not exist. */
  accounts: ReadonlyMap<string, StoredAccount>;
  /** The hold `plan.holdResolve` names, or null if there is none. */
  hold: Hold | null;
  /** The transaction `plan.reverses` names, or null if there is none. */
  reversed: Transaction | null;
  /**
   * True when the adapter keeps settlement (derived) accounts as the sum of their entries rather than as a row
   * updated in every commit: their accounts need not be read (if given, only their balance's range is checked),
   * and their entries come back unsequenced.
   */
  derivedOnRead: boolean;
  /**
   * False when the adapter rebuilds every entry on read from the stored transaction and keeps only each account's
   * balance after it (from `accounts`): no entry objects are made, and `entries` and `unsequencedEntries` come back
   * empty: the memory store took a transfer's two entry objects (each with an id string and a counterparty) apart
   * again for two numbers.
   */
  entryObjects?: boolean;
}

/** A settlement account's entry before its place in the account's order is known; the adapter numbers it on read. */
export type UnsequencedEntry = Omit<LedgerEntry, 'sequence' | 'balanceAfter'>;

/** Everything a committed plan writes. */
export interface CommitOutcome {
  committedAt: Date;
  /** Every account row that changed, after the change (settlement accounts too, unless derived on read). */
  accounts: StoredAccount[];
  entries: LedgerEntry[];
  /** Entries of derived accounts, when the adapter derives them on read. */
  unsequencedEntries: UnsequencedEntry[];
  transaction: Transaction | null;
  /** The hold created or resolved, after the change. */
  hold: Hold | null;
  /** The reversed transaction with `reversedBy` set. */
  reversed: Transaction | null;
  /** The idempotency record to store, when the plan claims a key. */
  record: IdempotencyRecord | null;
  /** The customer accounts touched, after the change: what the caller is answered with. */
  touched: Account[];
  /** The event to write in the same atomic step; null when the plan has no `eventId`. */
  event: NewEvent | null;
}

/** A refusal: why, and the account it concerns. */
export interface CommitRefusal {
  reason: RefusalReason;
  accountId: string | null;
}

const refuse = (reason: RefusalReason, accountId: string | null = null): CommitRefusal => ({ reason, accountId });

/** A new, empty account: no money, no entries, active, no overdraft. */
export function emptyAccount(fields: Pick<Account, 'id' | 'ownerId' | 'bankCode' | 'accountNumber' | 'currency' | 'createdAt'>): StoredAccount {
  return { ...fields, balance: 0, pending: 0, available: 0, status: 'active', overdraftLimit: 0, entryCount: 0, lastEntryAt: null };
}

/** The bank's settlement account of a currency, `@world/<currency>`, new and empty. */
export function newSettlementAccount(currency: string, createdAt: Date): StoredAccount {
  return emptyAccount({ id: settlementId(currency), ownerId: null, bankCode: SETTLEMENT_BANK_CODE, accountNumber: currency, currency, createdAt });
}

/** The public shape of a stored account. */
export function publicAccount(a: StoredAccount | Account): Account {
  return {
    id: a.id,
    ownerId: a.ownerId,
    bankCode: a.bankCode,
    accountNumber: a.accountNumber,
    currency: a.currency,
    balance: a.balance,
    pending: a.pending,
    available: a.balance - a.pending,
    status: a.status,
    overdraftLimit: a.overdraftLimit,
    entryCount: a.entryCount,
    createdAt: a.createdAt,
  };
}

/**
 * A copy of a leg, field by field: legs arrive in plans built in many places, and a spread of objects of so many
 * shapes takes V8's generic copy. Measured with `--cpu-prof` over 500,000 memory commits, the core's time for a
 * deposit's settlement leg fell from about 0.35 µs to 0.13 µs.
 */
const copyLeg = (l: TransactionLeg): TransactionLeg => ({ accountId: l.accountId, bankCode: l.bankCode, accountNumber: l.accountNumber, amount: l.amount });
/**
 * A deep copy of a transaction (Dates are shared: nothing in bankcore mutates one), field by field in
 * `draftTransaction`'s order, for the same reason as {@link copyLeg}: a spread of it was 1 % of a core transfer's
 * CPU, twice (`--cpu-prof`).
 */
export const copyTransaction = (t: Transaction): Transaction => withCreatedAt(t, t.createdAt);

/** A deep copy of a transaction with its commit time set. */
function withCreatedAt(t: Transaction, createdAt: Date): Transaction {
  return {
    id: t.id,
    type: t.type,
    amount: t.amount,
    currency: t.currency,
    legs: t.legs.map(copyLeg),
    reference: t.reference,
    metadata: { ...t.metadata },
    initiatorId: t.initiatorId,
    reversalOf: t.reversalOf,
    reversedBy: t.reversedBy,
    holdId: t.holdId,
    createdAt,
  };
}
/** A deep copy of a hold. */
export const copyHold = (h: Hold): Hold => ({ ...h, from: { ...h.from }, to: { ...h.to }, metadata: { ...h.metadata } });
/** A deep copy of a ledger entry. */
export const copyEntry = (e: LedgerEntry): LedgerEntry => ({ ...e, counterparty: e.counterparty && { ...e.counterparty }, metadata: { ...e.metadata } });

/**
 * The counterparty of leg `index`: the one customer leg on the other side, when there is exactly one.
 * Settlement legs never count, so a deposit has none and a transfer with a fee leg still names the payee.
 */
function counterpartyOf(legs: Transaction['legs'], index: number, isSystem: (accountId: string) => boolean): AccountRef | null {
  const sign = Math.sign(legs[index]!.amount);
  let found: Transaction['legs'][number] | null = null;
  for (let i = 0; i < legs.length; i++) {
    const l = legs[i]!;
    if (i === index || Math.sign(l.amount) === sign || isSystem(l.accountId)) continue;
    if (found) return null;
    found = l;
  }
  return found && { bankCode: found.bankCode, accountNumber: found.accountNumber };
}

/**
 * Checks a plan against the state an adapter read at the moment of applying, and computes every row the commit
 * writes. Pure and deterministic: the same plan over the same state gives the same outcome, so a journal of plans
 * replays exactly. The one place the ledger's guards are evaluated; adapters never re-implement them.
 *
 * @returns the outcome to write, or the refusal with its reason and the account it concerns.
 */
export function applyCommitPlan(plan: CommitPlan, inputs: CommitInputs): CommitOutcome | CommitRefusal {
  // A plan has a handful of guards and legs: the sums and lookups below scan them, which was faster than building a
  // Map or a Set for each commit (`--cpu-prof` of `bench core`).
  const guards = plan.guards;
  const legs = plan.transaction?.legs ?? NO_LEGS;

  // Time: the plan's, but never before the newest entry of a touched account.
  let at = plan.at.getTime();
  for (const g of guards) {
    const last = inputs.accounts.get(g.accountId)?.lastEntryAt;
    if (last && last.getTime() > at) at = last.getTime();
  }
  // The plan's own Date when the time stands (nothing in bankcore mutates a Date): one object less per commit.
  const committedAt = at === plan.at.getTime() ? plan.at : new Date(at);

  let hold: Hold | null = null;
  if (plan.holdResolve) {
    const h = inputs.hold;
    if (!h || h.id !== plan.holdResolve.holdId) return refuse('hold_not_found');
    if (h.status !== 'pending') return refuse('hold_not_pending');
    if (plan.holdResolve.refuseIfExpired && h.expiresAt && at >= h.expiresAt.getTime()) return refuse('hold_expired');
    hold = { ...h, status: plan.holdResolve.status, capturedAmount: plan.holdResolve.capturedAmount, resolvedAt: committedAt, transactionId: plan.transaction?.id ?? null };
  }
  let reversed: Transaction | null = null;
  if (plan.reverses !== null) {
    if (!inputs.reversed || inputs.reversed.id !== plan.reverses) return refuse('transaction_not_found');
    if (inputs.reversed.reversedBy !== null) return refuse('already_reversed');
    reversed = { ...copyTransaction(inputs.reversed), reversedBy: plan.transaction?.id ?? null };
  }

  // Each account once, in the order of its first guard.
  const after: StoredAccount[] = [];
  for (const guard of guards) {
    if (inputs.derivedOnRead && derivedIn(guards, guard.accountId)) {
      // A derived account has no row to update; where the adapter still knows its balance cheaply, the total in a
      // currency stays a safe integer all the same.
      const known = inputs.accounts.get(guard.accountId);
      if (known && !Number.isSafeInteger(known.balance + legSum(legs, known.id))) return refuse('balance_overflow', known.id);
      continue;
    }
    const account = inputs.accounts.get(guard.accountId);
    if (!account) return refuse('account_not_found', guard.accountId);
    if (!guard.statuses.includes(account.status)) {
      return refuse(account.status === 'closed' ? 'account_closed' : account.status === 'frozen' ? 'account_frozen' : 'stale', account.id);
    }
    if (!guard.derived && account.overdraftLimit !== guard.overdraftLimit) return refuse('stale', account.id);
    if (guard.requireEmpty && (account.balance !== 0 || account.pending !== 0)) return refuse('account_not_empty', account.id);
    const balance = account.balance + legSum(legs, account.id);
    const pending = account.pending + pendingDelta(plan, hold, account.id);
    const update = plan.accountUpdate?.accountId === account.id ? plan.accountUpdate : null;
    const overdraftLimit = update?.overdraftLimit ?? account.overdraftLimit;
    const availableBefore = account.balance - account.pending;
    const availableAfter = balance - pending;
    // The floor first: a debit past it is short of funds, however far past (even beyond the safe range).
    if (guard.minAvailable !== null && availableAfter < guard.minAvailable && (availableAfter < availableBefore || update?.overdraftLimit !== undefined)) {
      return refuse('insufficient_funds', account.id);
    }
    if (!Number.isSafeInteger(balance) || !Number.isSafeInteger(pending)) return refuse('balance_overflow', account.id);
    // Every field spelled out, not spread: a spread of a row that arrived from an adapter takes V8's slow
    // generic copy, which was 8 % of a core deposit's CPU (`--cpu-prof` of `bench core`).
    const row: StoredAccount = {
      id: account.id,
      ownerId: account.ownerId,
      bankCode: account.bankCode,
      accountNumber: account.accountNumber,
      currency: account.currency,
      balance,
      pending,
      available: availableAfter,
      status: update?.status ?? account.status,
      overdraftLimit,
      entryCount: account.entryCount,
      createdAt: account.createdAt,
      lastEntryAt: account.lastEntryAt,
    };
    // A second guard on one account checks it again, and the account is written once.
    const earlier = rowOf(after, row.id);
    if (earlier === undefined) after.push(row);
    else after[after.indexOf(earlier)] = row;
  }

  // For a store that makes no entry objects, no arrays and no closure; else one closure a commit (the counterparty
  // test): a commit is made millions of times, and each allocation here is GC time (the sampling heap profiler put
  // 1.2 KB of a core deposit's 5.5 KB in this function).
  const makeEntries = inputs.entryObjects !== false;
  const entries: LedgerEntry[] = makeEntries ? [] : NO_ENTRIES;
  const unsequencedEntries: UnsequencedEntry[] = makeEntries ? [] : NO_ENTRIES;
  const isDerived = makeEntries ? (id: string) => derivedIn(guards, id) : null;
  let transaction: Transaction | null = null;
  if (plan.transaction) {
    // A transaction drafted for this plan (`postingPlan`) is timed with the plan's own Date and is nobody else's: it
    // is the outcome's as it is when that time stands (nothing stored is ever mutated). Else a copy with the time.
    const t = plan.transaction.createdAt === committedAt ? plan.transaction : withCreatedAt(plan.transaction, committedAt);
    transaction = t;
    // One object per entry, sharing the transaction's metadata: stored objects are never mutated, and every read
    // copies. A ledger keeps millions of entries, so each allocation here is paid in memory and GC time.
    for (let index = 0; index < t.legs.length; index++) {
      const leg = t.legs[index]!;
      const account = rowOf(after, leg.accountId);
      if (account) {
        account.entryCount += 1;
        account.lastEntryAt = committedAt;
      }
      if (!makeEntries) continue;
      const counterparty = counterpartyOf(t.legs, index, isDerived!);
      const currency = inputs.accounts.get(leg.accountId)?.currency ?? t.currency;
      if (!account) {
        unsequencedEntries.push({ id: `${t.id}:${index}`, accountId: leg.accountId, transactionId: t.id, type: t.type, amount: leg.amount, currency, counterparty, reference: t.reference, metadata: t.metadata, createdAt: committedAt });
        continue;
      }
      // Legs name distinct accounts (the core refuses a plan that repeats one), so this is the account's new balance.
      entries.push({ id: `${t.id}:${index}`, accountId: leg.accountId, transactionId: t.id, sequence: account.entryCount, type: t.type, amount: leg.amount, balanceAfter: account.balance, currency, counterparty, reference: t.reference, metadata: t.metadata, createdAt: committedAt });
    }
  }

  const createdHold = plan.holdCreate ? { ...copyHold(plan.holdCreate), createdAt: committedAt } : null;
  const touched: Account[] = [];
  for (const a of after) if (a.ownerId !== null) touched.push(publicAccount(a));
  // The record shares the outcome's objects (nothing stored is ever mutated; every read copies): a store keeps one
  // transaction object, and an adapter serialises it once (`createJsonParts`).
  // Field by field, not a spread of the claim: a spread took V8's generic copy (5 % of a keyed HTTP deposit's CPU).
  const claim = plan.idempotency;
  const record: IdempotencyRecord | null = claim && { scope: claim.scope, key: claim.key, fingerprint: claim.fingerprint, transaction, hold: createdHold ?? hold, accounts: touched, createdAt: committedAt };
  const outcome: CommitOutcome = {
    committedAt,
    accounts: after,
    entries,
    unsequencedEntries,
    transaction,
    hold: createdHold ?? hold,
    reversed,
    record,
    touched,
    event: null,
  };
  outcome.event = eventOfOutcome(plan, outcome);
  return outcome;
}

/**
 * The ledger entry of leg `legIndex` of a stored transaction, given its place in the account's order: how an
 * adapter that derives settlement accounts on read rebuilds their entries, exactly as a commit would have written
 * them.
 */
export function entryOf(t: Transaction, legIndex: number, sequence: number, balanceAfter: number, currency: string): LedgerEntry {
  const leg = t.legs[legIndex]!;
  return {
    id: `${t.id}:${legIndex}`,
    accountId: leg.accountId,
    transactionId: t.id,
    sequence,
    type: t.type,
    amount: leg.amount,
    balanceAfter,
    currency,
    counterparty: counterpartyOf(t.legs, legIndex, (id) => id.startsWith(SETTLEMENT_ID_PREFIX)),
    reference: t.reference,
    metadata: { ...t.metadata },
    createdAt: t.createdAt,
  };
}

const NO_LEGS: readonly TransactionLeg[] = [];
/** The outcome's entry lists for a store that makes no entry objects: frozen, so that a push would throw. */
const NO_ENTRIES = Object.freeze([]) as unknown as never[];

/**
 * The row of account `id` among a commit's rows (such as {@link CommitOutcome}'s `accounts`), or undefined: a plan
 * touches a handful of accounts, and a scan of them is cheaper than a map.
 *
 * @param rows the rows to search.
 * @param id an account id.
 * @example
 * ```ts
 * const after = rowOf(outcome.accounts, leg.accountId); // undefined for a settlement account derived on read
 * ```
 */
export function rowOf(rows: readonly StoredAccount[], id: string): StoredAccount | undefined {
  for (const row of rows) if (row.id === id) return row;
  return undefined;
}

/** How a plan changes account `id`'s pending amount: up by the hold it creates, down by the hold it resolves. */
function pendingDelta(plan: CommitPlan, resolved: Hold | null, id: string): number {
  return (plan.holdCreate?.from.accountId === id ? plan.holdCreate.amount : 0) - (resolved?.from.accountId === id ? resolved.amount : 0);
}

/** The sum of the legs on account `id`. */
function legSum(legs: readonly TransactionLeg[], id: string): number {
  let sum = 0;
  for (const leg of legs) if (leg.accountId === id) sum += leg.amount;
  return sum;
}

/** Whether a guard marks account `id` as derived (a settlement account). */
function derivedIn(guards: CommitPlan['guards'], id: string): boolean {
  for (const g of guards) if (g.derived && g.accountId === id) return true;
  return false;
}

/** Tells a refusal from an outcome. */
export const isRefusal = (x: CommitOutcome | CommitRefusal): x is CommitRefusal => 'reason' in x;
