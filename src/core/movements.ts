import { z } from 'zod';
import { BankError } from './errors.js';
import { accountNotFound, fingerprint, type Committed, type EngineContext } from './ledger.js';
import { andThen, isPending, type MaybePromise } from './maybe-promise.js';
import { fastAccountRef, fastAmount, plainFields, withOptionalFields, type FastCheck } from './fast-checks.js';
import { accountRefSchema, amountSchema, idempotencyKeySchema, metadataSchema, parseInput, referenceSchema } from './schemas.js';
import type { CommitPlan, ReadPurpose, StorageAdapter, StoredAccount } from './storage.js';
import type { AccountRef, Metadata, MovementResult, Principal } from './types.js';


/** Input of `bank.deposit` and `bank.withdraw`. */
export interface DepositInput {
  account: AccountRef;
  /** Positive integer of minor units. */
  amount: number;
  /** Repeating a call with the same key and payload returns the first result and moves no money. */
  idempotencyKey?: string;
  reference?: string;
  /** Stored on the transaction and shown in history. */
  metadata?: Metadata;
}

/** Input of `bank.transfer`. */
export interface TransferInput {
  /** One of the caller's accounts. */
  from: AccountRef;
  /** Any existing account, the caller's or another user's. */
  to: AccountRef;
  amount: number;
  idempotencyKey?: string;
  reference?: string;
  metadata?: Metadata;
}

const common = { idempotencyKey: idempotencyKeySchema.optional(), reference: referenceSchema.optional(), metadata: metadataSchema.optional() };
const SINGLE_KEYS: ReadonlySet<string> = new Set(['account', 'amount', 'idempotencyKey', 'reference', 'metadata']);
const TRANSFER_KEYS: ReadonlySet<string> = new Set(['from', 'to', 'amount', 'idempotencyKey', 'reference', 'metadata']);
/** The transfer schema's refinement: the payee is not the source account. */
const distinct = (t: { from: AccountRef; to: AccountRef }) => t.from.bankCode !== t.to.bankCode || t.from.accountNumber !== t.to.accountNumber;

/**
 * The schemas of the movement inputs for a bank's `maxAmount`, each with its fast check (see `FastCheck`): `single`
 * for a deposit or withdrawal, `transfer` for a transfer.
 */
export function movementInputs(maxAmount: number) {
  const amount = amountSchema(maxAmount);
  const single = z.strictObject({ account: accountRefSchema, amount, ...common });
  const transfer = z.strictObject({ from: accountRefSchema, to: accountRefSchema, amount, ...common }).refine(distinct, { message: 'must differ from the source account', path: ['to'] });
  const fastSingle: FastCheck<z.output<typeof single>> = (input) => {
    const fields = plainFields(input, SINGLE_KEYS);
    if (!fields) return undefined;
    const account = fastAccountRef(fields['account']);
    const checked = fastAmount(fields['amount'], maxAmount);
    return account && checked !== undefined ? withOptionalFields(fields, { account, amount: checked }) : undefined;
  };
  const fastTransfer: FastCheck<z.output<typeof transfer>> = (input) => {
    const fields = plainFields(input, TRANSFER_KEYS);
    if (!fields) return undefined;
    const from = fastAccountRef(fields['from']);
    const to = fastAccountRef(fields['to']);
    const checked = fastAmount(fields['amount'], maxAmount);
    return from && to && checked !== undefined && distinct({ from, to }) ? withOptionalFields(fields, { from, to, amount: checked }) : undefined;
  };
  return { single: { schema: single, fast: fastSingle }, transfer: { schema: transfer, fast: fastTransfer } };
}

/** Finds an account the principal owns; another user's account is reported exactly like a missing one. */
export async function findOwnAccount(storage: StorageAdapter, principal: Principal, ref: AccountRef, purpose?: ReadPurpose): Promise<StoredAccount> {
  return ownedBy(principal, ref, await storage.findAccount(ref.bankCode, ref.accountNumber, purpose));
}

/** The account read for `ref` when the principal owns it, else ACCOUNT_NOT_FOUND (another user's too). */
function ownedBy(principal: Principal, ref: AccountRef, account: StoredAccount | null): StoredAccount {
  // "Not found" holds on disk too, whatever the purpose: accounts are never deleted and never change owner.
  if (!account || account.ownerId !== principal.userId) throw accountNotFound(ref);
  return account;
}

/** The caller's view of a committed movement: only their own accounts, never another user's balance. */
function toResult(principal: Principal, committed: Committed): MovementResult {
  const transaction = committed.transaction!;
  // A deposit's and a withdrawal's accounts are all the caller's: the answer's list is kept, not filtered anew.
  const accounts = committed.accounts.every((a) => a.ownerId === principal.userId) ? committed.accounts : committed.accounts.filter((a) => a.ownerId === principal.userId);
  const account = accounts.find((a) => a.id === transaction.legs[0]?.accountId);
  if (!account) throw new Error(`transaction ${transaction.id} has no account of its initiator`);
  return { transaction, account, accounts, replayed: committed.replayed };
}

/** A draft's metadata when none is given: the transaction drafted from it copies it anyway (`draftTransaction`). */
const NO_METADATA: Metadata = Object.freeze({});

/** A fingerprint payload, with metadata only when given: keys recorded before metadata existed still replay. */
const withMetadata = (payload: unknown[], metadata: Metadata | undefined) => (metadata === undefined ? payload : [...payload, metadata]);

/** The bank's customer money movements, with their schemas built once for its `maxAmount`. */
export function createMovements(ctx: EngineContext) {
  const inputs = movementInputs(ctx.maxAmount);

  /**
   * Commits the posting of legs that `plan` reads afresh each time the ledger plans (again). Not `async`: each
   * movement's caller awaits the commit itself, and every layer of promises costs a deposit about 0.1 µs.
   */
  function post(principal: Principal, key: string | undefined, print: string, plan: () => MaybePromise<CommitPlan>): MaybePromise<Committed> {
    return ctx.ledger.commit(plan, key === undefined ? null : { scope: principal.userId, key, fingerprint: print });
  }

  /** The settlement account of `currency`: at hand once read, so that a deposit plans without a promise. */
  const settlementOf = (currency: string): MaybePromise<StoredAccount> => ctx.ledger.knownSettlement(currency) ?? ctx.ledger.settlement(currency);

  async function single(principal: Principal, rawInput: unknown, type: 'deposit' | 'withdrawal'): Promise<MovementResult> {
    const input = parseInput(inputs.single.schema, rawInput, type, inputs.single.fast);
    const print = fingerprint(input.idempotencyKey, () => withMetadata([type, input.account.bankCode, input.account.accountNumber, input.amount, input.reference ?? null], input.metadata));
    const amount = type === 'deposit' ? input.amount : -input.amount;
    const posted = post(principal, input.idempotencyKey, print, () =>
      andThen(ctx.storage.findAccount(input.account.bankCode, input.account.accountNumber, 'plan'), (found) => {
        const account = ownedBy(principal, input.account, found);
        return andThen(settlementOf(account.currency), (world) =>
          ctx.ledger.postingPlan({
            type,
            legs: [{ account, amount }, { account: world, amount: -amount }],
            reference: input.reference ?? null,
            metadata: input.metadata ?? NO_METADATA,
            initiatorId: principal.userId,
          }),
        );
      }),
    );
    // A value at hand is not awaited: `await` of one still takes a turn of the microtask queue.
    return toResult(principal, isPending(posted) ? await posted : posted);
  }

  /** CURRENCY_MISMATCH between the caller's accounts; ACCOUNT_NOT_FOUND for another user's account in another currency. */
  async function currencyMismatch(principal: Principal, input: TransferInput, from: StoredAccount, to: StoredAccount): Promise<never> {
    // Said only once what was read is durable: the payee may have been opened by a commit not yet on disk.
    await ctx.storage.findAccount(input.to.bankCode, input.to.accountNumber);
    // Another user's account in another currency answers as a missing one: a transfer may confirm that a payee
    // exists in the payer's currency (a bank's payee check), never what another user holds. Between the
    // caller's own accounts the mismatch is said as it is.
    if (to.ownerId !== principal.userId) throw accountNotFound(input.to);
    throw new BankError('CURRENCY_MISMATCH', `Cannot transfer ${from.currency} into an account held in ${to.currency}`, { details: { fromCurrency: from.currency, toCurrency: to.currency } });
  }

  async function transfer(principal: Principal, rawInput: unknown): Promise<MovementResult> {
    const input = parseInput(inputs.transfer.schema, rawInput, 'transfer', inputs.transfer.fast);
    const print = fingerprint(input.idempotencyKey, () => withMetadata(['transfer', input.from, input.to, input.amount, input.reference ?? null], input.metadata));
    const posted = post(principal, input.idempotencyKey, print, () =>
      andThen(ctx.storage.findAccount(input.from.bankCode, input.from.accountNumber, 'plan'), (payer) => {
        const from = ownedBy(principal, input.from, payer);
        return andThen(ctx.storage.findAccount(input.to.bankCode, input.to.accountNumber, 'plan'), (to) => {
          if (!to) throw accountNotFound(input.to);
          if (from.currency !== to.currency) return currencyMismatch(principal, input, from, to);
          return ctx.ledger.postingPlan({
            type: 'transfer',
            legs: [{ account: from, amount: -input.amount }, { account: to, amount: input.amount }],
            reference: input.reference ?? null,
            metadata: input.metadata ?? NO_METADATA,
            initiatorId: principal.userId,
          });
        });
      }),
    );
    return toResult(principal, isPending(posted) ? await posted : posted);
  }

  return {
    deposit: (principal: Principal, input: unknown) => single(principal, input, 'deposit'),
    withdraw: (principal: Principal, input: unknown) => single(principal, input, 'withdrawal'),
    transfer,
  };
}
