import { z } from 'zod';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { BankError } from './errors.js';
import { accountRefSchema, amountSchema, idempotencyKeySchema, parseInput, referenceSchema } from './schemas.js';
import type { IdempotencyRecord, PostTransactionResult, StorageAdapter } from './storage.js';
import type { Account, AccountRef, MovementResult, Principal, Transaction, TransactionType } from './types.js';

/** What the movement functions need from the bank. */
export interface MovementContext {
  storage: StorageAdapter;
  now: () => Date;
  newId: () => string;
  maxAmount: number;
}

/** Input of `bank.deposit` and `bank.withdraw`. */
export interface DepositInput {
  account: AccountRef;
  /** Positive integer of minor units. */
  amount: number;
  /** Repeating a call with the same key and payload returns the first result and moves no money. */
  idempotencyKey?: string;
  reference?: string;
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
}

function singleAccountSchema(maxAmount: number) {
  return z.strictObject({
    account: accountRefSchema,
    amount: amountSchema(maxAmount),
    idempotencyKey: idempotencyKeySchema.optional(),
    reference: referenceSchema.optional(),
  });
}

function transferSchema(maxAmount: number) {
  return z
    .strictObject({
      from: accountRefSchema,
      to: accountRefSchema,
      amount: amountSchema(maxAmount),
      idempotencyKey: idempotencyKeySchema.optional(),
      reference: referenceSchema.optional(),
    })
    .refine((t) => t.from.bankCode !== t.to.bankCode || t.from.accountNumber !== t.to.accountNumber, {
      message: 'must differ from the source account',
      path: ['to'],
    });
}

/** Finds an account the principal owns; another user's account is reported exactly like a missing one. */
export async function findOwnAccount(ctx: MovementContext, principal: Principal, ref: AccountRef): Promise<Account> {
  const account = await ctx.storage.findAccount(ref.bankCode, ref.accountNumber);
  if (!account || account.ownerId !== principal.userId) throw accountNotFound(ref);
  return account;
}

function accountNotFound(ref: AccountRef): BankError {
  return new BankError('ACCOUNT_NOT_FOUND', `Account ${ref.bankCode}/${ref.accountNumber} was not found`, {
    details: { bankCode: ref.bankCode, accountNumber: ref.accountNumber },
  });
}

/** A digest of the request, computed only when there is an idempotency key to guard. */
function fingerprint(key: string | undefined, payload: () => unknown): string {
  return key === undefined ? '' : bytesToHex(sha256(new TextEncoder().encode(JSON.stringify(payload()))));
}

function fromRecord(principal: Principal, record: IdempotencyRecord): MovementResult {
  return toResult(principal, record.transaction, record.accounts, true);
}

function toResult(principal: Principal, transaction: Transaction, touched: Account[], replayed: boolean): MovementResult {
  // The caller sees only their own accounts: never another user's balance after a transfer to them.
  const accounts = touched.filter((a) => a.ownerId === principal.userId);
  const primaryId = transaction.legs[0]?.accountId;
  const account = accounts.find((a) => a.id === primaryId);
  if (!account) throw new Error(`transaction ${transaction.id} has no account of its initiator`);
  return { transaction, account, accounts, replayed };
}

async function earlierResult(ctx: MovementContext, principal: Principal, key: string | undefined, print: string) {
  if (key === undefined) return null;
  const record = await ctx.storage.findIdempotencyRecord(principal.userId, key);
  if (!record) return null;
  if (record.fingerprint !== print) throw keyReused();
  return fromRecord(principal, record);
}

function keyReused(): BankError {
  return new BankError('IDEMPOTENCY_KEY_REUSED', 'This idempotency key was already used for a different request');
}

async function post(
  ctx: MovementContext,
  principal: Principal,
  type: TransactionType,
  input: { amount: number; reference?: string | undefined; idempotencyKey?: string | undefined },
  legs: Array<{ account: Account; amount: number }>,
  print: string,
): Promise<MovementResult> {
  const transaction: Transaction = {
    id: ctx.newId(),
    type,
    amount: input.amount,
    currency: legs[0]!.account.currency,
    legs: legs.map(({ account, amount }) => ({
      accountId: account.id,
      bankCode: account.bankCode,
      accountNumber: account.accountNumber,
      amount,
    })),
    reference: input.reference ?? null,
    initiatorId: principal.userId,
    createdAt: ctx.now(),
  };
  const idempotency = input.idempotencyKey === undefined ? null : { userId: principal.userId, key: input.idempotencyKey, fingerprint: print };
  const result = await ctx.storage.postTransaction({ transaction, idempotency });
  return interpret(principal, result, legs.map((l) => l.account));
}

function interpret(principal: Principal, result: PostTransactionResult, accounts: Account[]): MovementResult {
  const refOf = (id: string): AccountRef => {
    const a = accounts.find((x) => x.id === id);
    return { bankCode: a?.bankCode ?? '?', accountNumber: a?.accountNumber ?? '?' };
  };
  switch (result.status) {
    case 'posted':
      return toResult(principal, result.transaction, result.accounts, false);
    case 'replayed':
      return fromRecord(principal, result.record);
    case 'idempotency_key_reused':
      throw keyReused();
    case 'insufficient_funds':
      throw new BankError('INSUFFICIENT_FUNDS', 'The balance is too low for this amount', { details: { ...refOf(result.accountId) } });
    case 'balance_overflow':
      throw new BankError('LIMIT_EXCEEDED', 'The resulting balance would exceed the largest amount bankcore can hold', {
        details: { ...refOf(result.accountId), max: Number.MAX_SAFE_INTEGER },
      });
    case 'account_not_found':
      throw accountNotFound(refOf(result.accountId));
  }
}

/** The bank's money movements, with their schemas built once for its `maxAmount`. */
export function createMovements(ctx: MovementContext) {
  const singleSchema = singleAccountSchema(ctx.maxAmount);
  const transferInputSchema = transferSchema(ctx.maxAmount);

  async function single(principal: Principal, rawInput: unknown, type: 'deposit' | 'withdrawal'): Promise<MovementResult> {
    const input = parseInput(singleSchema, rawInput, type);
    const print = fingerprint(input.idempotencyKey, () => [type, input.account.bankCode, input.account.accountNumber, input.amount, input.reference ?? null]);
    const earlier = await earlierResult(ctx, principal, input.idempotencyKey, print);
    if (earlier) return earlier;
    const account = await findOwnAccount(ctx, principal, input.account);
    const amount = type === 'deposit' ? input.amount : -input.amount;
    return post(ctx, principal, type, input, [{ account, amount }], print);
  }

  async function transfer(principal: Principal, rawInput: unknown): Promise<MovementResult> {
    const input = parseInput(transferInputSchema, rawInput, 'transfer');
    const print = fingerprint(input.idempotencyKey, () => ['transfer', input.from, input.to, input.amount, input.reference ?? null]);
    const earlier = await earlierResult(ctx, principal, input.idempotencyKey, print);
    if (earlier) return earlier;
    const from = await findOwnAccount(ctx, principal, input.from);
    const to = await ctx.storage.findAccount(input.to.bankCode, input.to.accountNumber);
    if (!to) throw accountNotFound(input.to);
    if (from.currency !== to.currency) {
      throw new BankError('CURRENCY_MISMATCH', `Cannot transfer ${from.currency} into an account held in ${to.currency}`, {
        details: { fromCurrency: from.currency, toCurrency: to.currency },
      });
    }
    const legs = [
      { account: from, amount: -input.amount },
      { account: to, amount: input.amount },
    ];
    return post(ctx, principal, 'transfer', input, legs, print);
  }

  return {
    deposit: (principal: Principal, input: unknown) => single(principal, input, 'deposit'),
    withdraw: (principal: Principal, input: unknown) => single(principal, input, 'withdrawal'),
    transfer,
  };
}
