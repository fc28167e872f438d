import { sha256 } from '@noble/hashes/sha2.js';
import { newSettlementAccount, publicAccount, settlementId } from './commit.js';
import { BankError } from './errors.js';
import { hexOf } from './ids.js';
import { andThen, isPending, type MaybePromise } from './maybe-promise.js';
import { SETTLEMENT_BANK_CODE } from './schemas.js';
import type { AccountGuard, CommitPlan, CommitResult, IdempotencyClaim, IdempotencyRecord, RefusalReason, StorageAdapter, StoredAccount } from './storage.js';
import type { Account, AccountRef, AccountStatus, Hold, Metadata, Transaction, TransactionLeg, TransactionType } from './types.js';

/** What the ledger engine needs from the bank. */
export interface LedgerContext {
  storage: StorageAdapter;
  now: () => Date;
  /** A new id; `at`, the clock's time just read, may stamp it instead of a second read (see `newId` in ids.ts). */
  newId: (at?: Date) => string;
  maxAmount: number;
  /** Whether changes write events (the outbox); `createBank({ events: false })` turns it off. */
  events: boolean;
  /** Called after each commit that changed something: the bank wakes this process's event streams. */
  committed?: () => void;
}

/** What the customer movements and the operator API need: the bank's storage, clock, ids, limits and its ledger. */
export interface EngineContext extends LedgerContext {
  ledger: Ledger;
}

/** What a committed change answers: the transaction or hold, and the customer accounts it touched, after it. */
export interface Committed {
  transaction: Transaction | null;
  hold: Hold | null;
  accounts: Account[];
  replayed: boolean;
}

/** A transaction to post, before guards: legs on resolved accounts. */
export interface LegsDraft {
  type: TransactionType;
  legs: Array<{ account: StoredAccount; amount: number }>;
  reference: string | null;
  metadata: Metadata;
  initiatorId: string | null;
  reversalOf?: string | null;
  holdId?: string | null;
}

/** The idempotency scope of operator calls; user ids are UUIDs, so it never collides with one. */
export const OPERATOR_SCOPE = '@operator';
/** How often a commit is planned again after a concurrent change to an account's settings made it stale. */
const STALE_RETRIES = 8;

/** True for the bank's own settlement accounts. */
export const isSettlement = (account: { ownerId: string | null }) => account.ownerId === null;

/** `Account X/Y was not found`, the one answer for a missing account and for another customer's. */
export function accountNotFound(ref: AccountRef): BankError {
  return new BankError('ACCOUNT_NOT_FOUND', `Account ${ref.bankCode}/${ref.accountNumber} was not found`, {
    details: { bankCode: ref.bankCode, accountNumber: ref.accountNumber },
  });
}

const utf8 = new TextEncoder();

/**
 * A string's UTF-8 bytes. ASCII, as a request's names and numbers nearly always are, is copied a character at a
 * time: TextEncoder's call cost was 360 ns of a keyed movement's 1.5 µs fingerprint (120 ns this way).
 */
function utf8Bytes(text: string): Uint8Array {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return utf8.encode(text);
    bytes[i] = c;
  }
  return bytes;
}

/** A SHA-256 digest's length in hex: what every fingerprint recorded before the texts was. */
const DIGEST_HEX_LENGTH = 64;

/**
 * The longest request text kept as its own fingerprint. A transfer's is about 110 characters, and hashing it in
 * JavaScript was about 6 % of a keyed `POST /transfer`'s CPU (`--cpu-prof`, memory store); a longer text (long
 * metadata) is hashed, so that a record never holds more than this for its fingerprint.
 */
const TEXT_FINGERPRINT_MAX_LENGTH = 256;

/**
 * What identifies a request under its idempotency key, computed only when there is a key to guard: the request's
 * canonical JSON (an array, so it starts with `[`) when it is at most 256 characters, as a deposit's and a
 * transfer's are, else the SHA-256 of it in hex. The digest cost 1.5 µs of a keyed movement (1.6 µs against
 * 0.18 µs for the text alone, measured). Fingerprints recorded before were digests (all of them, and later those of
 * texts over 64 characters): {@link sameRequest} still matches them.
 */
export function fingerprint(key: string | undefined, payload: () => unknown): string {
  if (key === undefined) return '';
  const text = JSON.stringify(payload());
  return text.length <= TEXT_FINGERPRINT_MAX_LENGTH ? text : digestOf(text);
}

const digestOf = (text: string): string => hexOf(sha256(utf8Bytes(text)));

/**
 * Whether a recorded fingerprint is that of the claimed request. Adapters compare fingerprints exactly; this is
 * the one place that also accepts a record written when every fingerprint was a digest, so that its key still
 * replays after an upgrade.
 */
function sameRequest(recorded: string, claimed: string): boolean {
  return recorded === claimed || (claimed.startsWith('[') && recorded.length === DIGEST_HEX_LENGTH && recorded === digestOf(claimed));
}

function keyReused(): BankError {
  return new BankError('IDEMPOTENCY_KEY_REUSED', 'This idempotency key was already used for a different request');
}

const REFUSALS: Record<Exclude<RefusalReason, 'stale'>, (ref: AccountRef | null) => BankError> = {
  account_not_found: (ref) => accountNotFound(ref ?? { bankCode: '?', accountNumber: '?' }),
  account_frozen: (ref) => new BankError('ACCOUNT_FROZEN', 'The account is frozen', { details: { ...ref } }),
  account_closed: (ref) => new BankError('ACCOUNT_CLOSED', 'The account is closed', { details: { ...ref } }),
  account_not_empty: (ref) => new BankError('ACCOUNT_NOT_EMPTY', 'Only an account with a zero balance and no open hold can be closed', { details: { ...ref } }),
  insufficient_funds: (ref) => new BankError('INSUFFICIENT_FUNDS', 'The available balance is too low for this amount', { details: { ...ref } }),
  balance_overflow: (ref) =>
    new BankError('LIMIT_EXCEEDED', 'The resulting balance would exceed the largest amount bankcore can hold', {
      details: { ...ref, max: Number.MAX_SAFE_INTEGER },
    }),
  hold_not_found: () => new BankError('HOLD_NOT_FOUND', 'The hold was not found'),
  hold_not_pending: () => new BankError('HOLD_NOT_PENDING', 'The hold was already captured, voided or expired'),
  hold_expired: () => new BankError('HOLD_EXPIRED', 'The hold has expired and can no longer be captured'),
  transaction_not_found: () => new BankError('TRANSACTION_NOT_FOUND', 'The transaction was not found'),
  already_reversed: () => new BankError('ALREADY_REVERSED', 'The transaction was already reversed'),
};

/**
 * The error for a refusal, whether storage refused a plan or the engine saw it coming while planning: one message
 * per reason.
 */
export function refusalError(reason: Exclude<RefusalReason, 'stale'>, ref: AccountRef | null = null): BankError {
  return REFUSALS[reason](ref);
}

/** The statuses most guards allow, one frozen array shared by every plan rather than one made per guard. */
const ACTIVE_ONLY: readonly AccountStatus[] = Object.freeze(['active']);

/** The guard of a customer account: its status, and available down to `-overdraftLimit`. */
export function customerGuard(account: StoredAccount, statuses: readonly AccountStatus[] = ACTIVE_ONLY): AccountGuard {
  return { accountId: account.id, statuses, minAvailable: -account.overdraftLimit, overdraftLimit: account.overdraftLimit, derived: false };
}

/** The guard of a leg's account: a customer account's, or none for a settlement account (derived, no floor). */
export function legGuard(account: StoredAccount, statuses: readonly AccountStatus[] = ACTIVE_ONLY): AccountGuard {
  return isSettlement(account)
    ? { accountId: account.id, statuses: ACTIVE_ONLY, minAvailable: null, overdraftLimit: account.overdraftLimit, derived: true }
    : customerGuard(account, statuses);
}

/** The transaction a draft posts: legs in order, amount the sum of credits in the first leg's currency. */
export function draftTransaction(id: string, draft: LegsDraft, at: Date): Transaction {
  const legs: TransactionLeg[] = draft.legs.map(({ account, amount }) => ({
    accountId: account.id,
    bankCode: account.bankCode,
    accountNumber: account.accountNumber,
    amount,
  }));
  const currency = draft.legs[0]!.account.currency;
  let amount = 0;
  for (const l of draft.legs) if (l.account.currency === currency && l.amount > 0) amount += l.amount;
  return {
    id,
    type: draft.type,
    amount,
    currency,
    legs,
    reference: draft.reference,
    metadata: { ...draft.metadata },
    initiatorId: draft.initiatorId,
    reversalOf: draft.reversalOf ?? null,
    reversedBy: null,
    holdId: draft.holdId ?? null,
    createdAt: at,
  };
}

/** A plan with nothing in it yet: the caller fills in what its change does (`commit` adds its idempotency claim). */
export function emptyPlan(at: Date): CommitPlan {
  return { at, idempotency: null, transaction: null, holdCreate: null, holdResolve: null, reverses: null, accountUpdate: null, guards: [], eventId: null };
}

/**
 * The principal-free ledger engine: resolves accounts (creating a currency's settlement account on first use),
 * answers idempotent replays, commits plans (planning again when a concurrent settings change made one stale),
 * and turns refusals into {@link BankError}s. The customer `Bank` and the operator API sit on top of it.
 */
export function createLedger(ctx: LedgerContext) {
  const ensured = new Map<string, Promise<StoredAccount>>();
  // The same accounts once read: a deposit takes its settlement account from here without awaiting a promise.
  const known = new Map<string, StoredAccount>();

  /** The settlement account of a currency, created on first use. */
  function settlement(currency: string): Promise<StoredAccount> {
    let found = ensured.get(currency);
    if (!found) {
      found = (async () => {
        const existing = await ctx.storage.findAccountById(settlementId(currency));
        if (existing) return existing;
        const account = newSettlementAccount(currency, ctx.now());
        await ctx.storage.createAccount(account);
        return (await ctx.storage.findAccountById(account.id))!;
      })();
      ensured.set(currency, found);
      found.then((account) => known.set(currency, account), () => ensured.delete(currency));
    }
    return found;
  }

  /**
   * The settlement account of a currency as first read, once {@link settlement} has read it; else undefined. Its
   * balance is stale: settlement accounts are derived, so a plan needs only their id and currency.
   */
  const knownSettlement = (currency: string): StoredAccount | undefined => known.get(currency);

  /** Any account by its reference (settlement accounts included); ACCOUNT_NOT_FOUND when there is none. */
  async function resolve(ref: AccountRef): Promise<StoredAccount> {
    const account = ref.bankCode === SETTLEMENT_BANK_CODE
      ? await settlement(ref.accountNumber)
      : await ctx.storage.findAccount(ref.bankCode, ref.accountNumber);
    if (!account) throw accountNotFound(ref);
    return account;
  }

  /** Like `resolve`, but always a fresh read: a settlement account's balance as it is now, not as first seen. */
  async function read(ref: AccountRef): Promise<StoredAccount> {
    const account = await resolve(ref);
    if (!isSettlement(account)) return account;
    const fresh = await ctx.storage.findAccountById(account.id);
    if (!fresh) throw accountNotFound(ref);
    return fresh;
  }

  /** The recorded answer for a key, or null; IDEMPOTENCY_KEY_REUSED when the payload differs. */
  async function earlier(claim: IdempotencyClaim): Promise<Committed | null> {
    const record = await ctx.storage.findIdempotencyRecord(claim.scope, claim.key);
    if (!record) return null;
    if (!sameRequest(record.fingerprint, claim.fingerprint)) throw keyReused();
    return fromRecord(record);
  }

  /**
   * Plans and commits a change: `build` reads what it needs and returns the plan; it runs again (up to a bound)
   * when the adapter says a concurrent settings change made the plan stale. A replayed key is answered by the
   * adapter, in the commit's own atomic check, so a first call pays no separate lookup; only when planning fails
   * (the account was frozen or closed since, the hold captured, the transaction reversed) is the key's record read,
   * and a replay answers as the first call did.
   *
   * Answers at once while `build` and the store do (the memory store; see {@link MaybePromise}), else a promise; it
   * may then throw instead of rejecting, which an `async` caller receives as one.
   *
   * @param claim the idempotency claim of the change, or null: `commit` puts it on every plan `build` returns.
   * @throws BankError with the code of the adapter's refusal, IDEMPOTENCY_KEY_REUSED, CONFLICT after too many stale
   * plans, or what `build` threw.
   */
  function commit(build: () => MaybePromise<CommitPlan>, claim: IdempotencyClaim | null): MaybePromise<Committed> {
    return attempt(build, claim, 0);
  }

  /** One planning and commit of `build`'s plan, after `stalePlans` plans that a settings change made stale. */
  function attempt(build: () => MaybePromise<CommitPlan>, claim: IdempotencyClaim | null, stalePlans: number): MaybePromise<Committed> {
    let built: MaybePromise<CommitPlan>;
    try {
      built = build();
    } catch (error) {
      return planningFailed(error, claim);
    }
    if (isPending(built)) return built.then((plan) => apply(plan, build, claim, stalePlans), (error: unknown) => planningFailed(error, claim));
    return apply(built, build, claim, stalePlans);
  }

  function apply(plan: CommitPlan, build: () => MaybePromise<CommitPlan>, claim: IdempotencyClaim | null, stalePlans: number): MaybePromise<Committed> {
    plan.idempotency = claim;
    // Each attempt is a new change, so it gets a new event id; the adapter writes the event only if it commits.
    plan.eventId = ctx.events ? ctx.newId(plan.at) : null;
    return andThen(ctx.storage.commit(plan), (result: CommitResult): MaybePromise<Committed> => {
      switch (result.status) {
        case 'committed':
          ctx.committed?.();
          // The answer is the caller's already (see `StorageAdapter.commit`): no copy of its accounts.
          return { transaction: result.transaction, hold: result.hold, accounts: result.accounts, replayed: false };
        case 'replayed':
          return fromRecord(result.record);
        case 'idempotency_key_reused':
          if (claim && sameRequest(result.record.fingerprint, claim.fingerprint)) return fromRecord(result.record);
          throw keyReused();
        case 'refused': {
          const reason = result.reason;
          if (reason !== 'stale') {
            return refOf(plan, result.accountId).then((ref) => {
              throw refusalError(reason, ref);
            });
          }
          if (stalePlans < STALE_RETRIES) return attempt(build, claim, stalePlans + 1);
          throw new BankError('CONFLICT', 'The account changed while this request was applied; try again');
        }
      }
    });
  }

  /** What `build` threw, unless the key's record shows the change was made already (then its answer). */
  async function planningFailed(error: unknown, claim: IdempotencyClaim | null): Promise<Committed> {
    if (!claim) throw error;
    const replay = await earlier(claim).catch((lookup: unknown) => {
      // A key reused for another request says so; a lookup that failed leaves the planning error to answer.
      if (lookup instanceof BankError && lookup.code === 'IDEMPOTENCY_KEY_REUSED') throw lookup;
      return null;
    });
    if (replay) return replay;
    throw error;
  }

  async function refOf(plan: CommitPlan, accountId: string | null): Promise<AccountRef | null> {
    if (accountId === null) return null;
    const leg = plan.transaction?.legs.find((l) => l.accountId === accountId);
    if (leg) return { bankCode: leg.bankCode, accountNumber: leg.accountNumber };
    const account = await ctx.storage.findAccountById(accountId);
    return account && { bankCode: account.bankCode, accountNumber: account.accountNumber };
  }

  /**
   * The plan that posts a draft now: a new transaction id, the clock's time, and each leg's guard (accounts in
   * `statuses`; settlement accounts derived, with no floor). Callers add what else their change does.
   */
  function postingPlan(draft: LegsDraft, statuses: readonly AccountStatus[] = ACTIVE_ONLY): CommitPlan {
    const at = ctx.now();
    const plan = emptyPlan(at);
    plan.transaction = draftTransaction(ctx.newId(at), draft, at);
    plan.guards = draft.legs.map((l) => legGuard(l.account, statuses));
    return plan;
  }

  return { settlement, knownSettlement, resolve, read, commit, postingPlan };
}

function fromRecord(record: IdempotencyRecord): Committed {
  return { transaction: record.transaction, hold: record.hold, accounts: record.accounts.map(publicAccount), replayed: true };
}

/** The engine {@link createLedger} builds. */
export type Ledger = ReturnType<typeof createLedger>;
