import { describe, expect, it } from 'vitest';
import { isBankError, type Hold, type StorageAdapter } from 'bankcore';
import { seededRandom } from './concurrency-suite.js';
import { signUp, testBank } from './fixtures.js';
import { ledgerBank } from './ledger-suite.js';

type MakeAdapter = () => Promise<StorageAdapter> | StorageAdapter;

const settled = async (calls: Array<Promise<unknown>>) => {
  const results = await Promise.allSettled(calls);
  const unexpected = (allowed: string[]) =>
    results.flatMap((r) => (r.status === 'rejected' && !(isBankError(r.reason) && allowed.includes(r.reason.code)) ? [String(r.reason)] : []));
  return { results, ok: results.filter((r) => r.status === 'fulfilled').length, unexpected };
};

/** Ledger v2 under concurrency: holds, reversals, N-leg posts, frozen accounts, and deposits to many accounts. */
export function describeLedgerConcurrencyContract(make: MakeAdapter, timeout: number): void {
  describe('ledger v2 under concurrency', () => {
    it('resolves every hold exactly once while captures, voids, expiry and withdrawals race; available never falls below -limit', async () => {
      let now = new Date('2026-04-01T00:00:00Z').getTime();
      const { bank, me, A, B, op } = await ledgerBank(make, { clock: () => new Date(now) });
      await op.setOverdraftLimit(A, 50);
      await op.fund({ account: A, amount: 1_000 });
      const holds: Hold[] = [];
      for (let i = 0; i < 20; i++) holds.push(await op.hold({ from: A, to: B, amount: 40, expiresAt: new Date(now + (i % 2 ? 1_000 : 3_600_000)) }));
      now += 1_000;
      const random = seededRandom(0x401d);
      const calls: Array<Promise<unknown>> = [];
      for (const h of holds) {
        for (let k = 0; k < 3; k++) {
          const pick = Math.floor(random() * 3);
          calls.push(pick === 0 ? op.captureHold(h.id, { amount: 1 + Math.floor(random() * 40) }) : pick === 1 ? op.voidHold(h.id) : op.expireHolds());
        }
        calls.push(bank.withdraw(me, { account: A, amount: 30 }));
      }
      const { unexpected } = await settled(calls);
      expect(unexpected(['HOLD_NOT_PENDING', 'HOLD_EXPIRED', 'INSUFFICIENT_FUNDS'])).toEqual([]);
      await op.expireHolds();
      const all = await op.listHolds(A);
      const due = all.filter((h) => h.expiresAt!.getTime() <= now);
      expect(due).toHaveLength(10);
      expect(due.every((h) => h.status === 'expired' || h.status === 'voided')).toBe(true);
      const account = await op.getAccount(A);
      const stillPending = all.filter((h) => h.status === 'pending').reduce((s, h) => s + h.amount, 0);
      expect(account.pending).toBe(stillPending);
      expect(account.available).toBeGreaterThanOrEqual(-50);
      const captured = all.reduce((s, h) => s + h.capturedAmount, 0);
      expect((await op.getAccount(B)).balance).toBe(captured);
      expect((await bank.verify()).problems).toEqual([]);
      await bank.close();
    }, timeout);

    it('lets at most one of many racing reversals of a transaction win', async () => {
      const { bank, me, A, B, op } = await ledgerBank(make);
      await bank.deposit(me, { account: A, amount: 100 });
      const t = await bank.transfer(me, { from: A, to: B, amount: 60 });
      const { ok, unexpected } = await settled(Array.from({ length: 20 }, () => op.reverse(t.transaction.id)));
      expect(ok).toBe(1);
      expect(unexpected(['ALREADY_REVERSED'])).toEqual([]);
      expect((await op.getAccount(A)).balance).toBe(100);
      expect((await bank.verify()).problems).toEqual([]);
      await bank.close();
    }, timeout);

    it('applies racing N-leg posts all or nothing, never overdrawing a leg', async () => {
      const { bank, A, B, op } = await ledgerBank(make);
      await op.fund({ account: A, amount: 1_000 });
      const fee = { bankCode: '@world', accountNumber: 'USD' };
      const calls = Array.from({ length: 60 }, () => op.post({ legs: [{ account: A, amount: -50 }, { account: B, amount: 45 }, { account: fee, amount: 5 }] }));
      const { ok, unexpected } = await settled(calls);
      expect(unexpected(['INSUFFICIENT_FUNDS'])).toEqual([]);
      expect(ok).toBe(20);
      expect((await op.getAccount(A)).balance).toBe(0);
      expect((await op.getAccount(B)).balance).toBe(900);
      expect((await bank.verify()).problems).toEqual([]);
      await bank.close();
    }, timeout);

    it('refuses every movement of a frozen account, also when the freeze races them', async () => {
      const { bank, me, A, op } = await ledgerBank(make);
      await op.fund({ account: A, amount: 1_000 });
      const calls: Array<Promise<unknown>> = Array.from({ length: 40 }, () => bank.withdraw(me, { account: A, amount: 1 }));
      calls.splice(20, 0, op.freezeAccount(A));
      const { unexpected } = await settled(calls);
      expect(unexpected(['ACCOUNT_FROZEN'])).toEqual([]);
      const frozen = await op.getAccount(A);
      expect(frozen.status).toBe('frozen');
      expect(await Promise.allSettled([bank.withdraw(me, { account: A, amount: 1 }), op.hold({ from: A, amount: 1 })])).toMatchObject([
        { status: 'rejected', reason: { code: 'ACCOUNT_FROZEN' } },
        { status: 'rejected', reason: { code: 'ACCOUNT_FROZEN' } },
      ]);
      expect((await op.getAccount(A)).balance).toBe(frozen.balance);
      expect((await bank.verify()).problems).toEqual([]);
      await bank.close();
    }, timeout);

    it('takes concurrent deposits to many different accounts, each with its settlement leg, exactly', async () => {
      const bank = testBank(await make());
      await bank.init();
      const depositors = [];
      for (let i = 0; i < 20; i++) {
        const me = await signUp(bank, `depositor${i}`);
        const ref = { bankCode: 'MANY2', accountNumber: `D${String(i).padStart(4, '0')}` };
        await bank.openAccount(me, ref);
        depositors.push({ me, ref });
      }
      const rounds = 10;
      const calls = depositors.flatMap(({ me, ref }) => Array.from({ length: rounds }, (_, k) => bank.deposit(me, { account: ref, amount: k + 1 })));
      const { unexpected } = await settled(calls);
      expect(unexpected([])).toEqual([]);
      const each = (rounds * (rounds + 1)) / 2;
      for (const { me, ref } of depositors) expect((await bank.getAccount(me, ref)).balance).toBe(each);
      expect((await bank.operator.getAccount({ bankCode: '@world', accountNumber: 'USD' })).balance).toBe(-each * depositors.length);
      expect((await bank.verify()).problems).toEqual([]);
      await bank.close();
    }, timeout);
  });
}
