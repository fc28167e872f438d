import { describe, expect, it } from 'vitest';
import { isBankError, type Bank, type Principal, type StorageAdapter } from 'bankcore';
import { signUp, testBank } from './fixtures.js';

type MakeAdapter = () => Promise<StorageAdapter> | StorageAdapter;

/** How many operations the concurrency tests run at once. */
export interface ConcurrencyScale {
  /** Concurrent deposits into one account; default 1000. */
  deposits: number;
  /** Concurrent withdrawals of 1 from a balance of half this number; default 200. */
  withdrawals: number;
  /** Random concurrent transfers among 10 accounts of 4 users; default 3000. */
  transfers: number;
}

/** A small deterministic PRNG (mulberry32), so a failing run can be reproduced from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function freshBank(make: MakeAdapter): Promise<Bank> {
  const bank = testBank(await make());
  await bank.init();
  return bank;
}

const ref = (n: number) => ({ bankCode: 'CONC1', accountNumber: `ACCT${String(n).padStart(4, '0')}` });

/** The bank-level contract under concurrency: no lost update, no overdraft, no double apply. */
export function describeConcurrencyContract(make: MakeAdapter, scale: ConcurrencyScale, timeout: number): void {
  describe('concurrency', () => {
    it(`sums ${scale.deposits} concurrent deposits exactly`, async () => {
      const bank = await freshBank(make);
      const me = await signUp(bank, 'depositor');
      await bank.openAccount(me, ref(1));
      const results = await Promise.allSettled(
        Array.from({ length: scale.deposits }, (_, i) => bank.deposit(me, { account: ref(1), amount: (i % 7) + 1 })),
      );
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const expected = Array.from({ length: scale.deposits }, (_, i) => (i % 7) + 1).reduce((a, b) => a + b, 0);
      expect(await bank.getAccount(me, ref(1))).toMatchObject({ balance: expected, entryCount: scale.deposits });
      expect((await bank.verify()).problems).toEqual([]);
      await bank.close();
    }, timeout);

    it(`lets exactly half of ${scale.withdrawals} concurrent withdrawals of 1 drain a balance of ${scale.withdrawals / 2}`, async () => {
      const bank = await freshBank(make);
      const me = await signUp(bank, 'withdrawer');
      await bank.openAccount(me, ref(1));
      const start = Math.floor(scale.withdrawals / 2);
      await bank.deposit(me, { account: ref(1), amount: start });
      const results = await Promise.allSettled(
        Array.from({ length: scale.withdrawals }, () => bank.withdraw(me, { account: ref(1), amount: 1 })),
      );
      const refused = results.filter((r) => r.status === 'rejected');
      expect(results.length - refused.length).toBe(start);
      for (const r of refused) expect(isBankError(r.reason, 'INSUFFICIENT_FUNDS')).toBe(true);
      expect((await bank.getAccount(me, ref(1))).balance).toBe(0);
      expect((await bank.verify()).problems).toEqual([]);
      await bank.close();
    }, timeout);

    it(`keeps the total constant over ${scale.transfers} random concurrent transfers among 10 accounts`, async () => {
      const bank = await freshBank(make);
      const users: Principal[] = [];
      for (const name of ['ann', 'ben', 'cat', 'dan']) users.push(await signUp(bank, name));
      const owners: Principal[] = [];
      for (let n = 0; n < 10; n++) {
        const owner = users[n % users.length]!;
        owners.push(owner);
        await bank.openAccount(owner, ref(n));
        await bank.deposit(owner, { account: ref(n), amount: 1_000 });
      }
      const random = seededRandom(0xba4c);
      const attempts = Array.from({ length: scale.transfers }, () => {
        const from = Math.floor(random() * 10);
        const to = (from + 1 + Math.floor(random() * 9)) % 10;
        return { from, to, amount: 1 + Math.floor(random() * 400) };
      });
      const results = await Promise.allSettled(
        attempts.map(({ from, to, amount }) => bank.transfer(owners[from]!, { from: ref(from), to: ref(to), amount })),
      );
      const unexpected = results.flatMap((r) => (r.status === 'rejected' && !isBankError(r.reason, 'INSUFFICIENT_FUNDS') ? [String(r.reason?.cause ?? r.reason)] : []));
      expect(unexpected).toEqual([]);
      expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThan(scale.transfers / 4);
      let total = 0;
      for (let n = 0; n < 10; n++) {
        const balance = (await bank.getAccount(owners[n]!, ref(n))).balance;
        expect(balance).toBeGreaterThanOrEqual(0);
        total += balance;
      }
      expect(total).toBe(10_000);
      const report = await bank.verify();
      expect(report.problems).toEqual([]);
      // The ten accounts and the USD settlement account their deposits came from.
      expect(report.accountsChecked).toBe(11);
      await bank.close();
    }, timeout);

    it('applies racing replays of one idempotent deposit exactly once and answers each with the same transaction', async () => {
      const bank = await freshBank(make);
      const me = await signUp(bank, 'replayer');
      await bank.openAccount(me, ref(1));
      const results = await Promise.all(
        Array.from({ length: 50 }, () => bank.deposit(me, { account: ref(1), amount: 25, idempotencyKey: 'pay-42' })),
      );
      expect(new Set(results.map((r) => r.transaction.id)).size).toBe(1);
      expect(results.filter((r) => !r.replayed)).toHaveLength(1);
      expect(results.every((r) => r.account.balance === 25)).toBe(true);
      expect((await bank.getAccount(me, ref(1))).balance).toBe(25);
      await bank.close();
    }, timeout);
  });
}
