import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isBankError, type Account, type Bank } from 'bankcore';
import { createFetchHandler } from 'bankcore/http';
import { memoryAdapter } from 'bankcore/memory';
import { accountJson } from '../src/http/responses.js';
import { acct, makeBank, passwordOf, userIn } from './support/bank.js';

/** GET /balance in-process, as a customer with `token`: the parsed page. */
async function balancePage(handler: (request: Request) => Promise<Response>, token: string, query = '') {
  const response = await handler(new Request(`http://bank.test/balance${query}`, { headers: { authorization: `Bearer ${token}` } }));
  expect(response.status).toBe(200);
  return (await response.json()) as { accounts: Array<Record<string, unknown>>; nextCursor: string | null };
}

/** An account's wire form as written without a kept text: what every page must equal. */
const wire = (a: Account) => JSON.parse(JSON.stringify(accountJson(a))) as Record<string, unknown>;

async function customer(bank: Bank, username: string) {
  const me = await userIn(bank, username);
  const { accessToken } = await bank.login({ username, password: passwordOf(username) });
  return { me, token: accessToken };
}

describe('GET /balance', () => {
  it('answers every change to an account (balance, pending, status, overdraft limit) at once, never a stale text', { timeout: 60_000 }, async () => {
    const ops = fc.array(
      fc.record({
        account: fc.integer({ min: 0, max: 2 }),
        op: fc.constantFrom('deposit', 'withdraw', 'hold', 'void', 'capture', 'freeze', 'unfreeze', 'overdraft', 'read'),
        amount: fc.integer({ min: 1, max: 50 }),
      }),
      { minLength: 1, maxLength: 25 },
    );
    let pendingSeen = false;
    await fc.assert(
      fc.asyncProperty(ops, async (steps) => {
        const bank = makeBank({ storage: memoryAdapter() });
        const handler = createFetchHandler(bank, { rateLimits: false });
        const { me, token } = await customer(bank, 'alice');
        const refs = [acct('ACC001'), acct('ACC002'), acct('ACC003')];
        for (const ref of refs) await bank.openAccount(me, ref);
        // Every run starts with money and an open hold on the first account, so that its steps meet a pending amount
        // (left to chance, a run of 40 saw none once in CI).
        for (const ref of refs) await bank.deposit(me, { account: ref, amount: 100 });
        const holds: string[][] = [[(await bank.operator.hold({ from: refs[0]!, amount: 10 })).id], [], []];
        expect((await balancePage(handler, token)).accounts.map((a) => a['pending'])).toEqual([10, 0, 0]);
        for (const { account, op, amount } of steps) {
          const ref = refs[account]!;
          // Refusals (a frozen account, too little money) change nothing, and the page must show that too.
          await (async () => {
            if (op === 'deposit') await bank.deposit(me, { account: ref, amount });
            else if (op === 'withdraw') await bank.withdraw(me, { account: ref, amount });
            else if (op === 'hold') holds[account]!.push((await bank.operator.hold({ from: ref, amount })).id);
            else if (op === 'void' && holds[account]!.length) await bank.operator.voidHold(holds[account]!.pop()!);
            else if (op === 'capture' && holds[account]!.length) await bank.operator.captureHold(holds[account]!.pop()!);
            else if (op === 'freeze') await bank.operator.freezeAccount(ref);
            else if (op === 'unfreeze') await bank.operator.unfreezeAccount(ref);
            else if (op === 'overdraft') await bank.operator.setOverdraftLimit(ref, amount);
          })().catch((error: unknown) => {
            if (!isBankError(error)) throw error;
          });
          const page = await balancePage(handler, token);
          pendingSeen ||= page.accounts.some((a) => a['pending'] !== 0);
          expect(page).toEqual({ accounts: (await bank.balances(me)).map(wire), nextCursor: null });
          const one = await balancePage(handler, token, `?bankCode=${ref.bankCode}&accountNumber=${ref.accountNumber}`);
          expect(one.accounts).toEqual([wire(await bank.getAccount(me, ref))]);
        }
      }),
      { numRuns: 40 },
    );
    expect(pendingSeen).toBe(true);
  });

  it('answers the same accounts from two banks in one process, each as its own bank holds it', async () => {
    const [first, second] = [makeBank(), makeBank()];
    const a = await customer(first, 'alice');
    const b = await customer(second, 'alice');
    await first.openAccount(a.me, acct('ACC001'));
    await second.openAccount(b.me, acct('ACC001'));
    await first.deposit(a.me, { account: acct('ACC001'), amount: 10 });
    await second.deposit(b.me, { account: acct('ACC001'), amount: 20 });
    for (let i = 0; i < 2; i++) {
      expect((await balancePage(createFetchHandler(first, { rateLimits: false }), a.token)).accounts.map((x) => x['balance'])).toEqual([10]);
      expect((await balancePage(createFetchHandler(second, { rateLimits: false }), b.token)).accounts.map((x) => x['balance'])).toEqual([20]);
    }
  });
});
