import { z } from 'zod';
import { copyHold } from './commit.js';
import { BankError } from './errors.js';
import {
  customerGuard,
  emptyPlan,
  fingerprint,
  isSettlement,
  refusalError,
  OPERATOR_SCOPE,
  type Committed,
  type EngineContext,
} from './ledger.js';
import { createOperatorAccounts, type OperatorAccounts } from './operator-accounts.js';
import { amountSchema, idempotencyKeySchema, instantSchema, invalidInput, metadataSchema, operatorAccountRefSchema, parseInput, referenceSchema } from './schemas.js';
import type { StoredAccount } from './storage.js';
import type { Account, AccountRef, Hold, Metadata, Transaction, TransactionType } from './types.js';


/** What an operator movement returns: the transaction and the customer accounts it touched, after it. */
export interface OperatorResult {
  transaction: Transaction;
  accounts: Account[];
  /** True when this is the stored result of an earlier call with the same idempotency key. */
  replayed: boolean;
}

/** What `hold` returns: the hold, and whether it is the stored answer of an earlier call with the same key. */
export type CreatedHold = Hold & { replayed: boolean };

/** What `captureHold` returns. */
export interface CaptureResult extends OperatorResult {
  hold: Hold;
}

/** Options common to the operator's movements. */
export interface MovementOptions {
  idempotencyKey?: string;
  reference?: string;
  metadata?: Metadata;
}

/** Input of `operator.fund` and `operator.payout`. */
export interface FundInput extends MovementOptions {
  account: AccountRef;
  amount: number;
}

/** Input of `operator.post`: legs on distinct accounts, summing to zero per currency. */
export interface PostInput extends MovementOptions {
  legs: Array<{ account: AccountRef; amount: number }>;
}

/** Input of `operator.hold`. */
export interface HoldInput extends MovementOptions {
  from: AccountRef;
  /** Where a capture sends the money; default the settlement account of `from`'s currency. */
  to?: AccountRef;
  amount: number;
  /** From then on the hold cannot be captured; `expireHolds()` releases it. */
  expiresAt?: Date | string;
}

const options = { idempotencyKey: idempotencyKeySchema.optional(), reference: referenceSchema.optional(), metadata: metadataSchema.optional() };

function sumsToZeroPerCurrency(legs: Array<{ account: StoredAccount; amount: number }>): string | null {
  const sums = new Map<string, number>();
  for (const { account, amount } of legs) sums.set(account.currency, (sums.get(account.currency) ?? 0) + amount);
  for (const [currency, sum] of sums) if (sum !== 0) return `legs in ${currency} sum to ${sum}, not 0`;
  return null;
}

/**
 * The operator API: money in and out, N-leg posts, holds, reversals and account controls, for the embedding
 * application and admin tools. It takes no principal: whoever holds the `Bank` holds it.
 */
export function createOperator(ctx: EngineContext) {
  const { ledger, storage } = ctx;
  const amount = amountSchema(ctx.maxAmount);
  const fundSchema = z.strictObject({ account: operatorAccountRefSchema, amount, ...options });
  const legAmount = z.int('must be an integer number of minor units').refine((n) => n !== 0, 'must not be 0').refine((n) => Math.abs(n) <= ctx.maxAmount, `must be at most ${ctx.maxAmount} in size`);
  const postSchema = z.strictObject({ legs: z.array(z.strictObject({ account: operatorAccountRefSchema, amount: legAmount })).min(2).max(32), ...options });
  const holdSchema = z.strictObject({ from: operatorAccountRefSchema, to: operatorAccountRefSchema.optional(), amount, expiresAt: instantSchema.optional(), ...options });
  const captureSchema = z.strictObject({ amount: amount.optional(), idempotencyKey: idempotencyKeySchema.optional() });
  const reverseSchema = z.strictObject({ reason: referenceSchema.optional(), idempotencyKey: idempotencyKeySchema.optional() });
  const idSchema = z.string().min(1).max(128);

  const claim = (key: string | undefined, print: string) => (key === undefined ? null : { scope: OPERATOR_SCOPE, key, fingerprint: print });
  const result = (c: Committed): OperatorResult => ({ transaction: c.transaction!, accounts: c.accounts, replayed: c.replayed });

  /** Posts legs on resolved accounts as one transaction of `type`. */
  async function postLegs(type: TransactionType, input: MovementOptions, print: string, legs: () => Promise<Array<{ account: StoredAccount; amount: number }>>) {
    const committed = await ledger.commit(
      async () => ledger.postingPlan({ type, legs: await legs(), reference: input.reference ?? null, metadata: input.metadata ?? {}, initiatorId: null }),
      claim(input.idempotencyKey, print),
    );
    return result(committed);
  }

  async function customerAccount(ref: AccountRef, path: string): Promise<StoredAccount> {
    const account = await ledger.resolve(ref);
    if (isSettlement(account)) throw invalidInput('operator', path, 'must be a customer account');
    return account;
  }

  function moneyInOrOut(type: 'fund' | 'payout') {
    return async (raw: FundInput): Promise<OperatorResult> => {
      const input = parseInput(fundSchema, raw, type);
      const print = fingerprint(input.idempotencyKey, () => [type, input.account, input.amount, input.reference ?? null, input.metadata ?? null]);
      const signed = type === 'fund' ? input.amount : -input.amount;
      return postLegs(type, input, print, async () => {
        const account = await customerAccount(input.account, 'account');
        return [{ account, amount: signed }, { account: await ledger.settlement(account.currency), amount: -signed }];
      });
    };
  }

  async function post(raw: PostInput): Promise<OperatorResult> {
    const input = parseInput(postSchema, raw, 'post');
    const print = fingerprint(input.idempotencyKey, () => ['post', input.legs, input.reference ?? null, input.metadata ?? null]);
    const keys = input.legs.map((l) => `${l.account.bankCode}/${l.account.accountNumber}`);
    if (new Set(keys).size !== keys.length) {
      throw invalidInput('post', 'legs', 'must name each account in one leg only');
    }
    return postLegs('post', input, print, async () => {
      const legs = await Promise.all(input.legs.map(async (l) => ({ account: await ledger.resolve(l.account), amount: l.amount })));
      const unbalanced = sumsToZeroPerCurrency(legs);
      if (unbalanced) throw new BankError('UNBALANCED_TRANSACTION', `The transaction does not balance: ${unbalanced}`);
      return legs;
    });
  }

  async function hold(raw: HoldInput): Promise<CreatedHold> {
    const input = parseInput(holdSchema, raw, 'hold');
    if (input.expiresAt && input.expiresAt.getTime() <= ctx.now().getTime()) {
      throw invalidInput('hold', 'expiresAt', 'must be in the future');
    }
    const print = fingerprint(input.idempotencyKey, () => ['hold', input.from, input.to ?? null, input.amount, input.expiresAt ?? null, input.reference ?? null, input.metadata ?? null]);
    const committed = await ledger.commit(async () => {
      const from = await customerAccount(input.from, 'from');
      const to = input.to ? await ledger.resolve(input.to) : await ledger.settlement(from.currency);
      if (to.currency !== from.currency) {
        throw new BankError('CURRENCY_MISMATCH', `Cannot hold ${from.currency} for an account held in ${to.currency}`, { details: { fromCurrency: from.currency, toCurrency: to.currency } });
      }
      if (to.id === from.id) throw invalidInput('hold', 'to', 'must differ from from');
      const at = ctx.now();
      const party = (a: StoredAccount) => ({ accountId: a.id, bankCode: a.bankCode, accountNumber: a.accountNumber });
      const created: Hold = {
        id: ctx.newId(),
        status: 'pending',
        from: party(from),
        to: party(to),
        amount: input.amount,
        currency: from.currency,
        capturedAmount: 0,
        expiresAt: input.expiresAt ?? null,
        reference: input.reference ?? null,
        metadata: input.metadata ?? {},
        createdAt: at,
        resolvedAt: null,
        transactionId: null,
      };
      return { ...emptyPlan(at), holdCreate: created, guards: [customerGuard(from)] };
    }, claim(input.idempotencyKey, print));
    return { ...committed.hold!, replayed: committed.replayed };
  }

  async function findHold(raw: unknown): Promise<Hold> {
    const id = parseInput(idSchema, raw, 'holdId');
    const found = await storage.findHold(id);
    if (!found) throw refusalError('hold_not_found');
    return found;
  }

  async function captureHold(holdId: string, raw: { amount?: number; idempotencyKey?: string } = {}): Promise<CaptureResult> {
    const input = parseInput(captureSchema, raw, 'captureHold');
    const print = fingerprint(input.idempotencyKey, () => ['capture', holdId, input.amount ?? null]);
    const committed = await ledger.commit(async () => {
      const held = await findHold(holdId);
      if (held.status !== 'pending') throw refusalError('hold_not_pending');
      const captured = input.amount ?? held.amount;
      if (captured > held.amount) throw invalidInput('captureHold', 'amount', `must be at most the held ${held.amount}`);
      const [from, to] = await Promise.all([ledger.resolve(held.from), ledger.resolve(held.to)]);
      const draft = { type: 'capture' as const, legs: [{ account: from, amount: -captured }, { account: to, amount: captured }], reference: held.reference, metadata: held.metadata, initiatorId: null, holdId: held.id };
      return {
        ...ledger.postingPlan(draft),
        holdResolve: { holdId: held.id, status: 'captured', capturedAmount: captured, refuseIfExpired: true },
      };
    }, claim(input.idempotencyKey, print));
    return { ...result(committed), hold: committed.hold! };
  }

  /** Releases a pending hold as `voided` or `expired`. */
  async function release(holdId: string, status: 'voided' | 'expired'): Promise<Hold> {
    const committed = await ledger.commit(async () => {
      const held = await findHold(holdId);
      const from = await ledger.resolve(held.from);
      return {
        ...emptyPlan(ctx.now()),
        holdResolve: { holdId: held.id, status, capturedAmount: 0, refuseIfExpired: false },
        guards: [customerGuard(from, ['active', 'frozen'])],
      };
    }, null);
    return committed.hold!;
  }

  async function expireHolds(): Promise<{ expired: number }> {
    let expired = 0;
    for (;;) {
      const due = await storage.listExpiredHolds(ctx.now(), 100);
      let progressed = false;
      for (const h of due) {
        try {
          await release(h.id, 'expired');
          expired++;
          progressed = true;
        } catch (error) {
          // A capture or void that won the race resolved it first: exactly once, as promised.
          if (!(error instanceof BankError && error.code === 'HOLD_NOT_PENDING')) throw error;
        }
      }
      if (due.length < 100 || !progressed) return { expired };
    }
  }

  async function reverse(transactionId: string, raw: { reason?: string; idempotencyKey?: string } = {}): Promise<OperatorResult> {
    const input = parseInput(reverseSchema, raw, 'reverse');
    const id = parseInput(idSchema, transactionId, 'transactionId');
    const print = fingerprint(input.idempotencyKey, () => ['reverse', id, input.reason ?? null]);
    const committed = await ledger.commit(async () => {
      const original = await storage.findTransaction(id);
      if (!original) throw refusalError('transaction_not_found');
      if (original.reversedBy !== null) throw refusalError('already_reversed');
      // Through the ledger: a settlement leg resolves from its cache, never by summing its whole ledger (MongoDB).
      const legs = await Promise.all(original.legs.map(async (l) => ({ account: await ledger.resolve(l), amount: -l.amount })));
      const draft = { type: 'reversal' as const, legs, reference: input.reason ?? null, metadata: {}, initiatorId: null, reversalOf: original.id };
      // A reversal by the operator is the one movement a frozen account takes.
      return { ...ledger.postingPlan(draft, ['active', 'frozen']), reverses: original.id };
    }, claim(input.idempotencyKey, print));
    return result(committed);
  }

  const accounts: OperatorAccounts = createOperatorAccounts(ctx);
  return {
    fund: moneyInOrOut('fund'),
    payout: moneyInOrOut('payout'),
    post,
    hold,
    captureHold,
    voidHold: (holdId: string) => release(holdId, 'voided'),
    expireHolds,
    reverse,
    ...accounts,
    /** A hold by id. */
    getHold: async (holdId: string) => copyHold(await findHold(holdId)),
  };
}

/** The operator API of a bank: `bank.operator`. */
export type Operator = ReturnType<typeof createOperator>;
