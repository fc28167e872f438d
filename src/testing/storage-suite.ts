import { describe, expect, it } from 'vitest';
import type { StorageAdapter } from 'bankcore';
import { account, storedUser, transaction } from './fixtures.js';

type MakeAdapter = () => Promise<StorageAdapter> | StorageAdapter;

async function fresh(make: MakeAdapter): Promise<StorageAdapter> {
  const adapter = await make();
  await adapter.init?.();
  return adapter;
}

/** The adapter-level contract: users, accounts, atomic postings, idempotency, history. */
export function describeStorageContract(make: MakeAdapter): void {
  describe('users', () => {
    it('creates a user and finds it by id and by username key', async () => {
      const s = await fresh(make);
      const user = storedUser();
      expect(await s.createUser(user)).toBe(true);
      expect(await s.findUserById(user.id)).toEqual(user);
      expect(await s.findUserByUsernameKey(user.usernameKey)).toEqual(user);
      await s.close?.();
    });

    it('refuses a second user with the same username key and keeps the first', async () => {
      const s = await fresh(make);
      const first = storedUser({ username: 'Alice', usernameKey: 'alice' });
      expect(await s.createUser(first)).toBe(true);
      expect(await s.createUser(storedUser({ username: 'ALICE', usernameKey: 'alice' }))).toBe(false);
      expect((await s.findUserByUsernameKey('alice'))?.id).toBe(first.id);
      await s.close?.();
    });

    it('answers null for a user that does not exist', async () => {
      const s = await fresh(make);
      expect(await s.findUserById('missing')).toBeNull();
      expect(await s.findUserByUsernameKey('missing')).toBeNull();
      expect(await s.updatePassword('missing', 'x', 2)).toBe(false);
      await s.close?.();
    });

    it('updates the password hash and credential version', async () => {
      const s = await fresh(make);
      const user = storedUser();
      await s.createUser(user);
      expect(await s.updatePassword(user.id, 'new-hash', 2)).toBe(true);
      expect(await s.findUserById(user.id)).toMatchObject({ passwordHash: 'new-hash', credentialVersion: 2 });
      await s.close?.();
    });

    it('lets many users register at once, each stored separately', async () => {
      const s = await fresh(make);
      const users = Array.from({ length: 50 }, () => storedUser());
      expect(await Promise.all(users.map((u) => s.createUser(u)))).toEqual(users.map(() => true));
      for (const u of users) expect((await s.findUserById(u.id))?.usernameKey).toBe(u.usernameKey);
      await s.close?.();
    });
  });

  describe('accounts', () => {
    it('creates accounts with balance 0 and lists only the owner’s, oldest first', async () => {
      const s = await fresh(make);
      const [a, b] = [storedUser(), storedUser()];
      await s.createUser(a);
      await s.createUser(b);
      const a1 = account(a.id, { createdAt: new Date('2026-01-01T00:00:00Z') });
      const a2 = account(a.id, { createdAt: new Date('2026-01-02T00:00:00Z') });
      const b1 = account(b.id);
      for (const acc of [a1, a2, b1]) expect(await s.createAccount(acc)).toBe(true);
      expect((await s.listAccounts(a.id)).map((x) => x.id)).toEqual([a1.id, a2.id]);
      expect(await s.findAccount(b1.bankCode, b1.accountNumber)).toEqual(b1);
      expect(await s.listAccounts('nobody')).toEqual([]);
      await s.close?.();
    });

    it('refuses a second account with the same bank code and number, also for another owner', async () => {
      const s = await fresh(make);
      const first = account('u1', { bankCode: 'BANK1', accountNumber: '0001' });
      expect(await s.createAccount(first)).toBe(true);
      expect(await s.createAccount(account('u2', { bankCode: 'BANK1', accountNumber: '0001' }))).toBe(false);
      expect((await s.findAccount('BANK1', '0001'))?.ownerId).toBe('u1');
      expect(await s.findAccount('BANK1', '0002')).toBeNull();
      await s.close?.();
    });

    it('returns copies: mutating a result does not change what is stored', async () => {
      const s = await fresh(make);
      const acc = account('u1');
      await s.createAccount(acc);
      const read = (await s.findAccount(acc.bankCode, acc.accountNumber))!;
      read.balance = 1_000_000;
      expect((await s.findAccount(acc.bankCode, acc.accountNumber))?.balance).toBe(0);
      await s.close?.();
    });
  });

  describe('postTransaction', () => {
    it('applies every leg, numbering entries and recording balanceAfter', async () => {
      const s = await fresh(make);
      const [x, y] = [account('u1'), account('u2')];
      await s.createAccount(x);
      await s.createAccount(y);
      expect((await s.postTransaction({ transaction: transaction('u1', 'deposit', [[x, 500]]), idempotency: null })).status).toBe('posted');
      const t = transaction('u1', 'transfer', [[x, -200], [y, 200]]);
      const result = await s.postTransaction({ transaction: t, idempotency: null });
      expect(result.status).toBe('posted');
      if (result.status !== 'posted') return;
      expect(result.transaction).toEqual(t);
      expect(Object.fromEntries(result.accounts.map((a) => [a.id, a.balance]))).toEqual({ [x.id]: 300, [y.id]: 200 });
      const entries = await s.listLedgerEntries(x.id, { limit: 10, beforeSequence: null });
      expect(entries.map((e) => [e.sequence, e.amount, e.balanceAfter])).toEqual([[2, -200, 300], [1, 500, 500]]);
      expect(entries[0]).toMatchObject({ transactionId: t.id, type: 'transfer', counterparty: { bankCode: y.bankCode, accountNumber: y.accountNumber } });
      expect((await s.findAccount(y.bankCode, y.accountNumber))).toMatchObject({ balance: 200, entryCount: 1 });
      await s.close?.();
    });

    it('refuses a posting that would overdraw any leg and changes nothing', async () => {
      const s = await fresh(make);
      const [x, y] = [account('u1'), account('u2')];
      await s.createAccount(x);
      await s.createAccount(y);
      await s.postTransaction({ transaction: transaction('u1', 'deposit', [[x, 100]]), idempotency: null });
      const claim = { userId: 'u1', key: 'k-overdraw', fingerprint: 'f' };
      const result = await s.postTransaction({ transaction: transaction('u1', 'transfer', [[x, -101], [y, 101]]), idempotency: claim });
      expect(result).toEqual({ status: 'insufficient_funds', accountId: x.id });
      expect((await s.findAccount(x.bankCode, x.accountNumber))).toMatchObject({ balance: 100, entryCount: 1 });
      expect((await s.findAccount(y.bankCode, y.accountNumber))).toMatchObject({ balance: 0, entryCount: 0 });
      expect(await s.findIdempotencyRecord('u1', 'k-overdraw')).toBeNull();
      await s.close?.();
    });

    it('refuses a posting that would lift a balance above Number.MAX_SAFE_INTEGER', async () => {
      const s = await fresh(make);
      const x = account('u1');
      await s.createAccount(x);
      await s.postTransaction({ transaction: transaction('u1', 'deposit', [[x, Number.MAX_SAFE_INTEGER]]), idempotency: null });
      const result = await s.postTransaction({ transaction: transaction('u1', 'deposit', [[x, 1]]), idempotency: null });
      expect(result).toEqual({ status: 'balance_overflow', accountId: x.id });
      expect((await s.findAccount(x.bankCode, x.accountNumber))?.balance).toBe(Number.MAX_SAFE_INTEGER);
      await s.close?.();
    });

    it('answers account_not_found for a leg on a missing account and applies no other leg', async () => {
      const s = await fresh(make);
      const x = account('u1');
      const ghost = account('u2');
      await s.createAccount(x);
      await s.postTransaction({ transaction: transaction('u1', 'deposit', [[x, 50]]), idempotency: null });
      const result = await s.postTransaction({ transaction: transaction('u1', 'transfer', [[x, -10], [ghost, 10]]), idempotency: null });
      expect(result).toEqual({ status: 'account_not_found', accountId: ghost.id });
      expect((await s.findAccount(x.bankCode, x.accountNumber))?.balance).toBe(50);
      await s.close?.();
    });

    it('replays a recorded idempotency key without applying it again, and flags a different payload', async () => {
      const s = await fresh(make);
      const x = account('u1');
      await s.createAccount(x);
      const claim = { userId: 'u1', key: 'key-1', fingerprint: 'fp-1' };
      const first = await s.postTransaction({ transaction: transaction('u1', 'deposit', [[x, 70]]), idempotency: claim });
      expect(first.status).toBe('posted');
      const again = await s.postTransaction({ transaction: transaction('u1', 'deposit', [[x, 70]]), idempotency: claim });
      expect(again.status).toBe('replayed');
      if (again.status === 'replayed' && first.status === 'posted') {
        expect(again.record.transaction).toEqual(first.transaction);
        expect(again.record.accounts).toEqual(first.accounts);
      }
      const other = await s.postTransaction({ transaction: transaction('u1', 'deposit', [[x, 71]]), idempotency: { ...claim, fingerprint: 'fp-2' } });
      expect(other.status).toBe('idempotency_key_reused');
      expect((await s.findAccount(x.bankCode, x.accountNumber))?.balance).toBe(70);
      expect((await s.findIdempotencyRecord('u1', 'key-1'))?.fingerprint).toBe('fp-1');
      await s.close?.();
    });

    it('scopes idempotency keys per user', async () => {
      const s = await fresh(make);
      const [x, y] = [account('u1'), account('u2')];
      await s.createAccount(x);
      await s.createAccount(y);
      const a = await s.postTransaction({ transaction: transaction('u1', 'deposit', [[x, 5]]), idempotency: { userId: 'u1', key: 'same', fingerprint: 'a' } });
      const b = await s.postTransaction({ transaction: transaction('u2', 'deposit', [[y, 6]]), idempotency: { userId: 'u2', key: 'same', fingerprint: 'b' } });
      expect([a.status, b.status]).toEqual(['posted', 'posted']);
      await s.close?.();
    });

    it('applies racing postings with one idempotency key exactly once', async () => {
      const s = await fresh(make);
      const x = account('u1');
      await s.createAccount(x);
      const claim = { userId: 'u1', key: 'race', fingerprint: 'fp' };
      const results = await Promise.all(
        Array.from({ length: 25 }, () => s.postTransaction({ transaction: transaction('u1', 'deposit', [[x, 10]]), idempotency: claim })),
      );
      expect(results.filter((r) => r.status === 'posted')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'replayed')).toHaveLength(24);
      expect((await s.findAccount(x.bankCode, x.accountNumber))).toMatchObject({ balance: 10, entryCount: 1 });
      await s.close?.();
    });
  });

  describe('history and audit', () => {
    it('pages ledger entries newest first with beforeSequence', async () => {
      const s = await fresh(make);
      const x = account('u1');
      await s.createAccount(x);
      for (let i = 1; i <= 5; i++) await s.postTransaction({ transaction: transaction('u1', 'deposit', [[x, i]]), idempotency: null });
      const seq = (page: { sequence: number }[]) => page.map((e) => e.sequence);
      expect(seq(await s.listLedgerEntries(x.id, { limit: 2, beforeSequence: null }))).toEqual([5, 4]);
      expect(seq(await s.listLedgerEntries(x.id, { limit: 2, beforeSequence: 4 }))).toEqual([3, 2]);
      expect(seq(await s.listLedgerEntries(x.id, { limit: 2, beforeSequence: 2 }))).toEqual([1]);
      expect(await s.listLedgerEntries(x.id, { limit: 2, beforeSequence: 1 })).toEqual([]);
      expect(await s.listLedgerEntries('missing', { limit: 2, beforeSequence: null })).toEqual([]);
      await s.close?.();
    });

    it('reads every account with all of its entries, oldest first', async () => {
      const s = await fresh(make);
      const [x, y] = [account('u1'), account('u2')];
      await s.createAccount(x);
      await s.createAccount(y);
      await s.postTransaction({ transaction: transaction('u1', 'deposit', [[x, 9]]), idempotency: null });
      await s.postTransaction({ transaction: transaction('u1', 'transfer', [[x, -4], [y, 4]]), idempotency: null });
      const seen = new Map<string, number[]>();
      for await (const { account: a, entries } of s.readLedger()) seen.set(a.id, entries.map((e) => e.balanceAfter));
      expect(seen.get(x.id)).toEqual([9, 5]);
      expect(seen.get(y.id)).toEqual([4]);
      await s.close?.();
    });

    it('answers ping when healthy', async () => {
      const s = await fresh(make);
      await expect(s.ping()).resolves.toBeUndefined();
      await s.close?.();
    });
  });
}
