import { describe, expect, it } from 'vitest';
import { type Bank, type BankOptions, type StorageAdapter } from 'bankcore';
import { codeOf, signUp, testBank } from './fixtures.js';

type MakeAdapter = () => Promise<StorageAdapter> | StorageAdapter;

/** A bank over a fresh adapter, with one customer (`me`) owning `A` and `B` (USD) and `E` (EUR). */
export async function ledgerBank(make: MakeAdapter, overrides: Partial<BankOptions> = {}) {
  const bank: Bank = testBank(await make(), overrides);
  await bank.init();
  const me = await signUp(bank, 'ledger-user');
  const A = { bankCode: 'LEDG1', accountNumber: 'A0001' };
  const B = { bankCode: 'LEDG1', accountNumber: 'B0001' };
  const E = { bankCode: 'LEDG1', accountNumber: 'E0001' };
  await bank.openAccount(me, A);
  await bank.openAccount(me, B);
  await bank.openAccount(me, { ...E, currency: 'EUR' });
  return { bank, me, A, B, E, op: bank.operator };
}

/** Ledger v2's rules through the bank, on any adapter: settlement, holds, reversals, status, limits, reads. */
export function describeLedgerContract(make: MakeAdapter): void {
  describe('ledger v2', () => {
    it('funds from and pays out to the settlement account, which appears in verify but never in balances()', async () => {
      const { bank, me, A, op } = await ledgerBank(make);
      await op.fund({ account: A, amount: 1_000, reference: 'wire in', metadata: { batch: '7' } });
      await op.payout({ account: A, amount: 300 });
      expect(await op.getAccount({ bankCode: '@world', accountNumber: 'USD' })).toMatchObject({ balance: -700, ownerId: null });
      expect((await bank.balances(me)).map((a) => a.accountNumber)).toEqual(['A0001', 'B0001', 'E0001']);
      expect(await bank.verify()).toMatchObject({ ok: true, problems: [] });
      await bank.close();
    });

    it('posts an N-leg transaction balanced per currency, all or nothing', async () => {
      const { bank, A, B, E, op } = await ledgerBank(make);
      await op.fund({ account: A, amount: 1_000 });
      const fee = { bankCode: '@world', accountNumber: 'USD' };
      const { transaction } = await op.post({ legs: [{ account: A, amount: -500 }, { account: B, amount: 480 }, { account: fee, amount: 20 }], metadata: { kind: 'sale' } });
      expect(transaction).toMatchObject({ type: 'post', amount: 500, metadata: { kind: 'sale' } });
      expect(await codeOf(op.post({ legs: [{ account: A, amount: -10 }, { account: B, amount: 9 }] }))).toBe('UNBALANCED_TRANSACTION');
      expect(await codeOf(op.post({ legs: [{ account: A, amount: -10 }, { account: E, amount: 10 }] }))).toBe('UNBALANCED_TRANSACTION');
      expect(await codeOf(op.post({ legs: [{ account: A, amount: -5_000 }, { account: B, amount: 5_000 }] }))).toBe('INSUFFICIENT_FUNDS');
      expect((await op.getAccount(A)).balance).toBe(500);
      expect((await op.getAccount(B)).balance).toBe(480);
      expect((await bank.verify()).problems).toEqual([]);
      await bank.close();
    });

    it('reserves with a hold: available drops, balance stays; a partial capture moves part and releases the rest', async () => {
      const { bank, me, A, B, op } = await ledgerBank(make);
      await op.fund({ account: A, amount: 1_000 });
      const hold = await op.hold({ from: A, to: B, amount: 600, reference: 'order 1' });
      expect(hold).toMatchObject({ status: 'pending', amount: 600, capturedAmount: 0, from: A, to: B, expiresAt: null });
      expect(await bank.getAccount(me, A)).toMatchObject({ balance: 1_000, pending: 600, available: 400 });
      expect((await bank.holds(me, A)).map((h) => h.id)).toEqual([hold.id]);
      expect(await bank.operator.countOpenHolds()).toBe(1);
      expect(await codeOf(bank.withdraw(me, { account: A, amount: 401 }))).toBe('INSUFFICIENT_FUNDS');
      const captured = await op.captureHold(hold.id, { amount: 450 });
      expect(captured.hold).toMatchObject({ status: 'captured', capturedAmount: 450, transactionId: captured.transaction.id });
      expect(captured.transaction).toMatchObject({ type: 'capture', holdId: hold.id, amount: 450 });
      expect(await bank.getAccount(me, A)).toMatchObject({ balance: 550, pending: 0, available: 550 });
      expect((await bank.getAccount(me, B)).balance).toBe(450);
      expect(await codeOf(op.captureHold(hold.id))).toBe('HOLD_NOT_PENDING');
      expect(await codeOf(op.voidHold(hold.id))).toBe('HOLD_NOT_PENDING');
      expect(await bank.holds(me, A)).toEqual([]);
      expect(await bank.operator.countOpenHolds()).toBe(0);
      expect((await op.listHolds(A, { status: 'captured' })).map((h) => h.id)).toEqual([hold.id]);
      expect((await bank.verify()).problems).toEqual([]);
      await bank.close();
    });

    it('voids a hold, releasing it whole; refuses a hold past the available balance', async () => {
      const { bank, me, A, op } = await ledgerBank(make);
      await op.fund({ account: A, amount: 100 });
      expect(await codeOf(op.hold({ from: A, amount: 101 }))).toBe('INSUFFICIENT_FUNDS');
      const hold = await op.hold({ from: A, amount: 100 });
      expect(hold.to).toMatchObject({ bankCode: '@world', accountNumber: 'USD' });
      expect(await op.voidHold(hold.id)).toMatchObject({ status: 'voided', capturedAmount: 0 });
      expect(await bank.getAccount(me, A)).toMatchObject({ balance: 100, pending: 0, available: 100 });
      expect(await codeOf(op.voidHold('no-such-hold'))).toBe('HOLD_NOT_FOUND');
      await bank.close();
    });

    it('refuses to capture a hold from its expiresAt on, even before a sweep; the sweep then releases it once', async () => {
      let now = new Date('2026-03-01T00:00:00Z').getTime();
      const { bank, me, A, op } = await ledgerBank(make, { clock: () => new Date(now) });
      await op.fund({ account: A, amount: 100 });
      const hold = await op.hold({ from: A, amount: 70, expiresAt: new Date(now + 60_000) });
      now += 60_000;
      expect(await codeOf(op.captureHold(hold.id))).toBe('HOLD_EXPIRED');
      expect((await bank.getAccount(me, A)).available).toBe(30);
      expect(await op.expireHolds()).toEqual({ expired: 1 });
      expect(await op.expireHolds()).toEqual({ expired: 0 });
      expect((await op.getHold(hold.id)).status).toBe('expired');
      expect((await bank.getAccount(me, A)).available).toBe(100);
      expect(await codeOf(op.hold({ from: A, amount: 1, expiresAt: new Date(now - 1) }))).toBe('VALIDATION_FAILED');
      await bank.close();
    });

    it('reverses a transaction once, linked both ways; a reversal that would overdraw is refused', async () => {
      const { bank, me, A, B, op } = await ledgerBank(make);
      const deposit = await bank.deposit(me, { account: A, amount: 500 });
      const transfer = await bank.transfer(me, { from: A, to: B, amount: 200 });
      const { transaction: reversal } = await op.reverse(transfer.transaction.id, { reason: 'disputed' });
      expect(reversal).toMatchObject({ type: 'reversal', reversalOf: transfer.transaction.id, reference: 'disputed' });
      expect(reversal.legs.map((l) => l.amount)).toEqual([200, -200]);
      expect((await op.getTransaction(transfer.transaction.id)).reversedBy).toBe(reversal.id);
      expect(await codeOf(op.reverse(transfer.transaction.id))).toBe('ALREADY_REVERSED');
      await bank.withdraw(me, { account: A, amount: 500 });
      expect(await codeOf(op.reverse(deposit.transaction.id))).toBe('INSUFFICIENT_FUNDS');
      expect(await codeOf(op.reverse('no-such-transaction'))).toBe('TRANSACTION_NOT_FOUND');
      expect((await bank.verify()).problems).toEqual([]);
      await bank.close();
    });

    it('freezes an account against every movement and hold except an operator reversal; closes only when empty', async () => {
      const { bank, me, A, B, op } = await ledgerBank(make);
      const d = await bank.deposit(me, { account: A, amount: 50 });
      await op.freezeAccount(A);
      expect((await bank.getAccount(me, A)).status).toBe('frozen');
      expect(await codeOf(bank.deposit(me, { account: A, amount: 1 }))).toBe('ACCOUNT_FROZEN');
      expect(await codeOf(bank.withdraw(me, { account: A, amount: 1 }))).toBe('ACCOUNT_FROZEN');
      expect(await codeOf(bank.transfer(me, { from: B, to: A, amount: 1 }))).toBe('INSUFFICIENT_FUNDS');
      await op.fund({ account: B, amount: 5 });
      expect(await codeOf(bank.transfer(me, { from: B, to: A, amount: 1 }))).toBe('ACCOUNT_FROZEN');
      expect(await codeOf(op.hold({ from: A, amount: 1 }))).toBe('ACCOUNT_FROZEN');
      expect(await codeOf(op.closeAccount(A))).toBe('ACCOUNT_NOT_EMPTY');
      await op.reverse(d.transaction.id);
      await op.closeAccount(A);
      expect((await op.getAccount(A)).status).toBe('closed');
      expect(await codeOf(op.unfreezeAccount(A))).toBe('ACCOUNT_CLOSED');
      expect(await codeOf(bank.deposit(me, { account: A, amount: 1 }))).toBe('ACCOUNT_CLOSED');
      await op.freezeAccount(B);
      await op.unfreezeAccount(B);
      await bank.deposit(me, { account: B, amount: 1 });
      expect((await bank.verify()).problems).toEqual([]);
      await bank.close();
    });

    it('lets a balance go down to -overdraftLimit and no further; a limit below what is used is refused', async () => {
      const { bank, me, A, op } = await ledgerBank(make);
      expect(await op.setOverdraftLimit(A, 100)).toMatchObject({ overdraftLimit: 100 });
      await bank.withdraw(me, { account: A, amount: 80 });
      expect(await bank.getAccount(me, A)).toMatchObject({ balance: -80, available: -80 });
      expect(await codeOf(bank.withdraw(me, { account: A, amount: 21 }))).toBe('INSUFFICIENT_FUNDS');
      expect(await codeOf(op.setOverdraftLimit(A, 79))).toBe('INSUFFICIENT_FUNDS');
      await op.setOverdraftLimit(A, 80);
      expect(await codeOf(op.setOverdraftLimit(A, -1))).toBe('VALIDATION_FAILED');
      expect((await bank.verify()).problems).toEqual([]);
      await bank.close();
    });

    it('stores metadata on the transaction and shows it in history; refuses more than 16 keys or long values', async () => {
      const { bank, me, A } = await ledgerBank(make);
      const d = await bank.deposit(me, { account: A, amount: 5, metadata: { invoice: 'INV-1', channel: 'app' } });
      expect(d.transaction.metadata).toEqual({ invoice: 'INV-1', channel: 'app' });
      expect((await bank.getTransaction(me, d.transaction.id)).metadata).toEqual({ invoice: 'INV-1', channel: 'app' });
      expect((await bank.history(me, A)).entries[0]!.metadata).toEqual({ invoice: 'INV-1', channel: 'app' });
      const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
      expect(await codeOf(bank.deposit(me, { account: A, amount: 5, metadata: many }))).toBe('VALIDATION_FAILED');
      expect(await codeOf(bank.deposit(me, { account: A, amount: 5, metadata: { k: 'x'.repeat(257) } }))).toBe('VALIDATION_FAILED');
      expect((await bank.getAccount(me, A)).balance).toBe(5);
      await bank.close();
    });

    it('gives metadata back as the strings it was given, also under the keys the ledger uses for times', async () => {
      const { bank, me, A, op } = await ledgerBank(make);
      const metadata = { createdAt: 'yesterday', expiresAt: '2020-01-01T00:00:00Z', resolvedAt: 'x' };
      const input = { account: A, amount: 5, metadata, idempotencyKey: 'metadata-times' };
      const d = await bank.deposit(me, input);
      expect(d.transaction.metadata).toEqual(metadata);
      expect((await bank.deposit(me, input)).transaction.metadata).toEqual(metadata);
      expect((await bank.getTransaction(me, d.transaction.id)).metadata).toEqual(metadata);
      expect((await bank.history(me, A)).entries[0]!.metadata).toEqual(metadata);
      const hold = await op.hold({ from: A, amount: 1, metadata });
      expect((await op.getHold(hold.id)).metadata).toEqual(metadata);
      expect((await op.getHold(hold.id)).createdAt).toBeInstanceOf(Date);
      await bank.close();
    });

    it('answers balanceAt and history by time, and finds a transaction only for a party to it', async () => {
      let now = new Date('2026-03-01T00:00:00Z').getTime();
      const { bank, me, A, op } = await ledgerBank(make, { clock: () => new Date(now) });
      const t0 = new Date(now);
      for (const amount of [10, 20, 30]) {
        now += 3_600_000;
        await bank.deposit(me, { account: A, amount });
      }
      expect(await bank.balanceAt(me, A, t0)).toEqual({ balance: 0, asOf: t0, sequence: 0 });
      expect(await bank.balanceAt(me, A, new Date(t0.getTime() + 2 * 3_600_000))).toMatchObject({ balance: 30, sequence: 2 });
      expect(await bank.balanceAt(me, A, new Date(now).toISOString())).toMatchObject({ balance: 60, sequence: 3 });
      const page = await bank.history(me, A, { from: new Date(t0.getTime() + 2 * 3_600_000), to: new Date(now) });
      expect(page.entries.map((e) => e.amount)).toEqual([30, 20]);
      expect(await codeOf(bank.history(me, A, { from: new Date(now), to: t0 }))).toBe('VALIDATION_FAILED');
      const other = await signUp(bank, 'ledger-other');
      const mine = (await bank.history(me, A)).entries[0]!.transactionId;
      expect(await codeOf(bank.getTransaction(other, mine))).toBe('TRANSACTION_NOT_FOUND');
      expect((await op.balanceAt({ bankCode: '@world', accountNumber: 'USD' }, new Date(now))).balance).toBe(-60);
      await bank.close();
    });

    it('refuses any principal that is not one of an existing user, before touching storage', async () => {
      const { bank, A, op } = await ledgerBank(make);
      expect(await codeOf(bank.openAccount({} as never, { bankCode: 'LEDG1', accountNumber: 'Z0001' }))).toBe('INVALID_PRINCIPAL');
      expect(await codeOf(bank.balances('x' as never))).toBe('INVALID_PRINCIPAL');
      expect(await codeOf(bank.deposit({ userId: 'nobody', username: 'nobody' }, { account: A, amount: 1 }))).toBe('INVALID_PRINCIPAL');
      const user = await op.createUser({ username: 'app-user' });
      expect(await codeOf(bank.login({ username: 'app-user', password: 'anything-at-all' }))).toBe('INVALID_CREDENTIALS');
      const principal = await op.principal(user.id);
      await bank.openAccount(principal, { bankCode: 'LEDG1', accountNumber: 'Z0001' });
      expect(await bank.balances({ userId: user.id, username: 'app-user' })).toHaveLength(1);
      expect(await codeOf(op.principal('no-such-user'))).toBe('INVALID_PRINCIPAL');
      expect((await bank.verify()).ok).toBe(true);
      await bank.close();
    });
  });
}
