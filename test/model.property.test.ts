import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isBankError, type Principal } from 'bankcore';
import { acct, makeBank, userIn } from './support/bank.js';

// Five accounts of three users; account i belongs to user OWNER[i].
const OWNER = [0, 0, 1, 2, 2];
const ref = (i: number) => acct(`P00${i}`);

type Op =
  | { kind: 'deposit' | 'withdraw'; account: number; amount: number; key: string | null }
  | { kind: 'transfer'; from: number; to: number; amount: number; key: string | null };

const amount = fc.oneof(fc.integer({ min: 1, max: 500 }), fc.constant(Number.MAX_SAFE_INTEGER));
const key = fc.option(fc.constantFrom('k1', 'k2', 'k3'), { nil: null });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom('deposit' as const, 'withdraw' as const), account: fc.nat(4), amount, key }),
  fc.record({ kind: fc.constant('transfer' as const), from: fc.nat(4), to: fc.nat(4), amount, key }),
);

/** The reference model: plain numbers and a map of used keys, applied one operation at a time. */
function modelApply(balances: number[], keys: Map<string, string>, o: Op): string {
  const user = OWNER[o.kind === 'transfer' ? o.from : o.account]!;
  const print = JSON.stringify(o);
  const scoped = o.key === null ? null : `${user}:${o.key}`;
  // Input is validated before the key is looked at: an invalid request never consults or spends a key.
  if (o.kind === 'transfer' && o.from === o.to) return 'VALIDATION_FAILED';
  if (scoped !== null && keys.has(scoped)) return keys.get(scoped) === print ? 'replayed' : 'IDEMPOTENCY_KEY_REUSED';
  let outcome: string;
  if (o.kind === 'transfer') {
    if (balances[o.from]! < o.amount) outcome = 'INSUFFICIENT_FUNDS';
    else if (balances[o.to]! + o.amount > Number.MAX_SAFE_INTEGER) outcome = 'LIMIT_EXCEEDED';
    else {
      balances[o.from]! -= o.amount;
      balances[o.to]! += o.amount;
      outcome = 'ok';
    }
  } else {
    const next = balances[o.account]! + (o.kind === 'deposit' ? o.amount : -o.amount);
    // A deposit debits the bank's settlement account, whose balance is minus everything customers hold: the
    // total in a currency must stay a safe integer too.
    // Exact: near Number.MAX_SAFE_INTEGER a float sum would round.
    const total = balances.reduce((sum, b) => sum + BigInt(b), 0n);
    if (next < 0) outcome = 'INSUFFICIENT_FUNDS';
    else if (next > Number.MAX_SAFE_INTEGER) outcome = 'LIMIT_EXCEEDED';
    else if (o.kind === 'deposit' && total + BigInt(o.amount) > BigInt(Number.MAX_SAFE_INTEGER)) outcome = 'LIMIT_EXCEEDED';
    else {
      balances[o.account] = next;
      outcome = 'ok';
    }
  }
  if (outcome === 'ok' && scoped !== null) keys.set(scoped, print);
  return outcome;
}

describe('bank against a reference model', () => {
  it('agrees with the model on every outcome and every balance over random operation sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), async (ops) => {
        const bank = makeBank();
        const users: Principal[] = [];
        for (const name of ['pam', 'pat', 'pia']) users.push(await userIn(bank, name));
        for (let i = 0; i < OWNER.length; i++) await bank.openAccount(users[OWNER[i]!]!, ref(i));
        const balances = OWNER.map(() => 0);
        const keys = new Map<string, string>();
        for (const o of ops) {
          const expected = modelApply(balances, keys, o);
          const base = { amount: o.amount, ...(o.key === null ? {} : { idempotencyKey: o.key }) };
          let actual: string;
          try {
            const result =
              o.kind === 'transfer'
                ? await bank.transfer(users[OWNER[o.from]!]!, { ...base, from: ref(o.from), to: ref(o.to) })
                : await bank[o.kind](users[OWNER[o.account]!]!, { ...base, account: ref(o.account) });
            actual = result.replayed ? 'replayed' : 'ok';
          } catch (error) {
            if (!isBankError(error)) throw error;
            actual = error.code;
          }
          expect(actual).toBe(expected);
        }
        for (let i = 0; i < OWNER.length; i++) {
          expect((await bank.getAccount(users[OWNER[i]!]!, ref(i))).balance).toBe(balances[i]);
        }
        expect((await bank.verify()).problems).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });
});
