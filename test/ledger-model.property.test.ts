import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isBankError, type Principal } from 'bankcore';
import { acct, makeBank, userIn } from './support/bank.js';

// Ledger v2 against a reference model: customer movements, operator funding, holds, captures, voids,
// reversals, freezes and overdraft limits, one at a time, on four accounts of two users.
const OWNER = [0, 0, 1, 1];
const ref = (i: number) => acct(`M00${i}`);
const MAX = Number.MAX_SAFE_INTEGER;

type Op =
  | { kind: 'deposit' | 'withdraw' | 'fund' | 'payout'; account: number; amount: number }
  | { kind: 'transfer'; from: number; to: number; amount: number }
  | { kind: 'hold'; account: number; amount: number }
  | { kind: 'capture'; hold: number; amount: number }
  | { kind: 'void'; hold: number }
  | { kind: 'reverse'; transaction: number }
  | { kind: 'freeze' | 'unfreeze'; account: number }
  | { kind: 'limit'; account: number; limit: number };

const amount = fc.oneof(fc.integer({ min: 1, max: 400 }), fc.constant(MAX));
const account = fc.nat(3);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom('deposit' as const, 'withdraw' as const, 'fund' as const, 'payout' as const), account, amount }),
  fc.record({ kind: fc.constant('transfer' as const), from: account, to: account, amount }),
  fc.record({ kind: fc.constant('hold' as const), account, amount: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ kind: fc.constant('capture' as const), hold: fc.nat(7), amount: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ kind: fc.constant('void' as const), hold: fc.nat(7) }),
  fc.record({ kind: fc.constant('reverse' as const), transaction: fc.nat(11) }),
  fc.record({ kind: fc.constantFrom('freeze' as const, 'unfreeze' as const), account }),
  fc.record({ kind: fc.constant('limit' as const), account, limit: fc.integer({ min: 0, max: 300 }) }),
);

interface Model {
  balance: number[];
  pending: number[];
  limit: number[];
  frozen: boolean[];
  holds: Array<{ account: number; amount: number; pending: boolean }>;
  /** Posted transactions as legs on customer accounts (the settlement leg is implied), and whether reversed. */
  transactions: Array<{ legs: Array<[number, number]>; reversed: boolean }>;
}

const available = (m: Model, i: number) => m.balance[i]! - m.pending[i]!;
/** Exact: near Number.MAX_SAFE_INTEGER a float sum would round, and the model would disagree for the wrong reason. */
const total = (m: Model) => m.balance.reduce((a, b) => a + BigInt(b), 0n);

/** Applies legs (customer account, signed amount) with the core's guard order; returns the outcome code. */
function post(m: Model, legs: Array<[number, number]>, allowFrozen = false): string {
  for (const [i, n] of legs) {
    if (m.frozen[i] && !allowFrozen) return 'ACCOUNT_FROZEN';
    const next = m.balance[i]! + n;
    if (next > MAX) return 'LIMIT_EXCEEDED';
    if (n < 0 && next - m.pending[i]! < -m.limit[i]!) return 'INSUFFICIENT_FUNDS';
  }
  // The settlement leg: minus what the customer legs add up to; the total must stay a safe integer too.
  if (total(m) + legs.reduce((a, [, n]) => a + BigInt(n), 0n) > BigInt(MAX)) return 'LIMIT_EXCEEDED';
  for (const [i, n] of legs) m.balance[i]! += n;
  return 'ok';
}

function modelApply(m: Model, o: Op): string {
  switch (o.kind) {
    case 'deposit':
    case 'fund':
      return post(m, [[o.account, o.amount]]);
    case 'withdraw':
    case 'payout':
      return post(m, [[o.account, -o.amount]]);
    case 'transfer':
      return o.from === o.to ? 'VALIDATION_FAILED' : post(m, [[o.from, -o.amount], [o.to, o.amount]]);
    case 'hold':
      if (m.frozen[o.account]) return 'ACCOUNT_FROZEN';
      if (available(m, o.account) - o.amount < -m.limit[o.account]!) return 'INSUFFICIENT_FUNDS';
      m.pending[o.account]! += o.amount;
      m.holds.push({ account: o.account, amount: o.amount, pending: true });
      return 'ok';
    case 'capture': {
      const h = m.holds[o.hold];
      if (!h) return 'HOLD_NOT_FOUND';
      if (!h.pending) return 'HOLD_NOT_PENDING';
      if (o.amount > h.amount) return 'VALIDATION_FAILED';
      if (m.frozen[h.account]) return 'ACCOUNT_FROZEN';
      h.pending = false;
      m.pending[h.account]! -= h.amount;
      m.balance[h.account]! -= o.amount;
      return 'ok';
    }
    case 'void': {
      const h = m.holds[o.hold];
      if (!h) return 'HOLD_NOT_FOUND';
      if (!h.pending) return 'HOLD_NOT_PENDING';
      h.pending = false;
      m.pending[h.account]! -= h.amount;
      return 'ok';
    }
    case 'reverse': {
      const t = m.transactions[o.transaction];
      if (!t) return 'TRANSACTION_NOT_FOUND';
      if (t.reversed) return 'ALREADY_REVERSED';
      const outcome = post(m, t.legs.map(([i, n]) => [i, -n]), true);
      if (outcome === 'ok') t.reversed = true;
      return outcome;
    }
    case 'freeze':
    case 'unfreeze':
      m.frozen[o.account] = o.kind === 'freeze';
      return 'ok';
    case 'limit':
      if (available(m, o.account) < -o.limit) return 'INSUFFICIENT_FUNDS';
      m.limit[o.account] = o.limit;
      return 'ok';
  }
}

/** The legs on customer accounts a successful op posted, for later reversals (null: it posted none). */
function postedLegs(o: Op, m: Model): Array<[number, number]> | null {
  switch (o.kind) {
    case 'deposit':
    case 'fund':
      return [[o.account, o.amount]];
    case 'withdraw':
    case 'payout':
      return [[o.account, -o.amount]];
    case 'transfer':
      return [[o.from, -o.amount], [o.to, o.amount]];
    case 'capture':
      return [[m.holds[o.hold]!.account, -o.amount]];
    default:
      return null;
  }
}

describe('ledger v2 against a reference model', () => {
  it('agrees with the model on every outcome, balance and pending amount, and ends with every currency summing to 0', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
        const bank = makeBank();
        const { operator } = bank;
        const users: Principal[] = [await userIn(bank, 'mia'), await userIn(bank, 'max')];
        for (let i = 0; i < OWNER.length; i++) await bank.openAccount(users[OWNER[i]!]!, ref(i));
        const m: Model = { balance: [0, 0, 0, 0], pending: [0, 0, 0, 0], limit: [0, 0, 0, 0], frozen: [false, false, false, false], holds: [], transactions: [] };
        const holdIds: string[] = [];
        const transactionIds: string[] = [];
        for (const o of ops) {
          const expected = modelApply(m, o);
          const owner = (i: number) => users[OWNER[i]!]!;
          let actual = 'ok';
          try {
            let transactionId: string | null = null;
            if (o.kind === 'deposit' || o.kind === 'withdraw') transactionId = (await bank[o.kind](owner(o.account), { account: ref(o.account), amount: o.amount })).transaction.id;
            else if (o.kind === 'fund' || o.kind === 'payout') transactionId = (await operator[o.kind]({ account: ref(o.account), amount: o.amount })).transaction.id;
            else if (o.kind === 'transfer') transactionId = (await bank.transfer(owner(o.from), { from: ref(o.from), to: ref(o.to), amount: o.amount })).transaction.id;
            else if (o.kind === 'hold') holdIds.push((await operator.hold({ from: ref(o.account), amount: o.amount })).id);
            else if (o.kind === 'capture') transactionId = (await operator.captureHold(holdIds[o.hold] ?? 'missing', { amount: o.amount })).transaction.id;
            else if (o.kind === 'void') await operator.voidHold(holdIds[o.hold] ?? 'missing');
            else if (o.kind === 'reverse') await operator.reverse(transactionIds[o.transaction] ?? 'missing');
            else if (o.kind === 'freeze') await operator.freezeAccount(ref(o.account));
            else if (o.kind === 'unfreeze') await operator.unfreezeAccount(ref(o.account));
            else if (o.kind === 'limit') await operator.setOverdraftLimit(ref(o.account), o.limit);
            if (transactionId) {
              transactionIds.push(transactionId);
              m.transactions.push({ legs: postedLegs(o, m)!, reversed: false });
            }
          } catch (error) {
            if (!isBankError(error)) throw error;
            actual = error.code;
          }
          expect(actual, JSON.stringify(o)).toBe(expected);
        }
        // Summed exactly: balances near Number.MAX_SAFE_INTEGER would round in a float sum.
        let customers = 0n;
        for (let i = 0; i < OWNER.length; i++) {
          const a = await operator.getAccount(ref(i));
          expect([a.balance, a.pending]).toEqual([m.balance[i], m.pending[i]]);
          customers += BigInt(a.balance);
        }
        expect(customers + BigInt((await operator.getAccount({ bankCode: '@world', accountNumber: 'USD' })).balance)).toBe(0n);
        expect((await bank.verify()).problems).toEqual([]);
      }),
      { numRuns: 120 },
    );
  });
});
