import { describe, expect, it } from 'vitest';
import type { IdempotencyClaim, StorageAdapter, StoredAccount } from 'bankcore';
import { account, fixtureId, postingPlan, settlementAccount, storedUser } from './fixtures.js';

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

    it("answers a read to authorise ('plan') with the same user, or null, as a plain read does", async () => {
      const s = await fresh(make);
      const user = storedUser();
      await s.createUser(user);
      expect(await s.findUserById(user.id, 'plan')).toEqual(await s.findUserById(user.id));
      expect(await s.findUserById('missing', 'plan')).toBeNull();
      await s.close?.();
    });

    it("never changes a user it answered to authorise ('plan'), when the password changes later", async () => {
      const s = await fresh(make);
      const user = storedUser();
      await s.createUser(user);
      const planned = (await s.findUserById(user.id, 'plan'))!;
      expect(await s.updatePassword(user.id, 'new-hash', 2)).toBe(true);
      expect(planned).toMatchObject({ passwordHash: user.passwordHash, credentialVersion: user.credentialVersion });
      expect(await s.findUserById(user.id, 'plan')).toMatchObject({ passwordHash: 'new-hash', credentialVersion: 2 });
      await s.close?.();
    });

    it('answers null for a user that does not exist', async () => {
      const s = await fresh(make);
      expect(await s.findUserById('missing')).toBeNull();
      expect(await s.findUserByUsernameKey('missing')).toBeNull();
      expect(await s.updatePassword('missing', 'x', 2)).toBe(false);
      await s.close?.();
    });

    it('updates the password hash and credential version, conditionally on the stored ones when asked', async () => {
      const s = await fresh(make);
      const user = storedUser();
      await s.createUser(user);
      expect(await s.updatePassword(user.id, 'new-hash', 2)).toBe(true);
      // Conditional on what is stored: a stale expectation writes nothing.
      expect(await s.updatePassword(user.id, 'stale-rehash', 1, { passwordHash: user.passwordHash, credentialVersion: 1 })).toBe(false);
      expect(await s.findUserById(user.id)).toMatchObject({ passwordHash: 'new-hash', credentialVersion: 2 });
      expect(await s.updatePassword(user.id, 'newer-hash', 3, { passwordHash: 'new-hash', credentialVersion: 2 })).toBe(true);
      expect(await s.findUserById(user.id)).toMatchObject({ passwordHash: 'newer-hash', credentialVersion: 3 });
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

    it("answers a read to plan a commit ('plan') with the same account, or null, as a plain read does", async () => {
      const s = await fresh(make);
      const acc = account('u1');
      await s.createAccount(acc);
      expect(await s.findAccount(acc.bankCode, acc.accountNumber, 'plan')).toEqual(await s.findAccount(acc.bankCode, acc.accountNumber));
      expect(await s.findAccount(acc.bankCode, 'NOPE', 'plan')).toBeNull();
      await s.close?.();
    });

    it("never changes an account it answered to plan ('plan'), when a commit moves its balance later", async () => {
      const s = await fresh(make);
      const [x, world] = [account('u1'), settlementAccount()];
      for (const a of [x, world]) await s.createAccount(a);
      const planned = (await s.findAccount(x.bankCode, x.accountNumber, 'plan'))!;
      expect(await s.commit(postingPlan('u1', 'deposit', [[planned, 500], [world, -500]]))).toMatchObject({ status: 'committed' });
      expect(planned).toMatchObject({ balance: 0, entryCount: 0, lastEntryAt: null });
      expect(await s.findAccount(x.bankCode, x.accountNumber, 'plan')).toMatchObject({ balance: 500, entryCount: 1 });
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

  describe('commit', () => {
    /** A fresh adapter with two customer accounts and the USD settlement account. */
    async function withAccounts(make: MakeAdapter) {
      const s = await fresh(make);
      const [x, y, world] = [account('u1'), account('u2'), settlementAccount()];
      for (const a of [x, y, world]) await s.createAccount(a);
      return { s, x, y, world };
    }
    const deposit = (x: StoredAccount, world: StoredAccount, n: number, claim: IdempotencyClaim | null = null) => postingPlan('u1', 'deposit', [[x, n], [world, -n]], claim);

    it('lists an owner’s accounts as they are now: after movements, and after another account was opened', async () => {
      const { s, x, world } = await withAccounts(make);
      expect((await s.listAccounts('u1')).map((a) => [a.id, a.balance])).toEqual([[x.id, 0]]);
      await s.commit(deposit(x, world, 500));
      const newer = account('u1', { createdAt: new Date(x.createdAt.getTime() + 1000) });
      expect(await s.createAccount(newer)).toBe(true);
      expect((await s.listAccounts('u1')).map((a) => [a.id, a.balance])).toEqual([[x.id, 500], [newer.id, 0]]);
      await s.commit(deposit(newer, world, 7));
      expect((await s.listAccounts('u1')).map((a) => [a.id, a.balance, a.entryCount])).toEqual([[x.id, 500, 1], [newer.id, 7, 1]]);
      await s.close?.();
    });

    it('applies every leg, numbering entries and recording balanceAfter', async () => {
      const { s, x, y, world } = await withAccounts(make);
      expect((await s.commit(deposit(x, world, 500))).status).toBe('committed');
      const plan = postingPlan('u1', 'transfer', [[x, -200], [y, 200]]);
      const result = await s.commit(plan);
      expect(result.status).toBe('committed');
      if (result.status !== 'committed') return;
      expect(result.transaction).toEqual(plan.transaction);
      expect(Object.fromEntries(result.accounts.map((a) => [a.id, a.balance]))).toEqual({ [x.id]: 300, [y.id]: 200 });
      const entries = await s.listLedgerEntries(x.id, { limit: 10, beforeSequence: null });
      expect(entries.map((e) => [e.sequence, e.amount, e.balanceAfter])).toEqual([[2, -200, 300], [1, 500, 500]]);
      expect(entries[0]).toMatchObject({ transactionId: plan.transaction!.id, type: 'transfer', counterparty: { bankCode: y.bankCode, accountNumber: y.accountNumber } });
      expect(await s.findAccount(y.bankCode, y.accountNumber)).toMatchObject({ balance: 200, entryCount: 1 });
      expect(await s.findTransaction(plan.transaction!.id)).toEqual(plan.transaction);
      await s.close?.();
    });

    it('answers a commit with objects of the caller: changing them changes nothing stored, replayed or evented', async () => {
      const { s, x, world } = await withAccounts(make);
      const plan = { ...deposit(x, world, 500, { scope: 'u1', key: 'mine', fingerprint: 'fp' }), eventId: fixtureId('e') };
      const result = await s.commit(plan);
      if (result.status !== 'committed') throw new Error(`expected a commit, got ${result.status}`);
      const [transaction, accounts] = [structuredClone(result.transaction), structuredClone(result.accounts)];
      result.accounts[0]!.balance = 1;
      result.transaction!.amount = 1;
      result.transaction!.legs[0]!.amount = 1;
      result.transaction!.metadata['changed'] = 'yes';
      expect(await s.findAccount(x.bankCode, x.accountNumber)).toMatchObject({ balance: 500 });
      expect(await s.findTransaction(plan.transaction!.id)).toEqual(transaction);
      const replay = await s.commit(plan);
      expect(replay.status === 'replayed' && [replay.record.transaction, replay.record.accounts]).toEqual([transaction, accounts]);
      const { events } = await s.readEvents(0, 10);
      expect(events.at(-1)!.payload).toMatchObject({ transaction: { amount: 500, metadata: {} }, accounts: [{ balance: 500 }] });
      await s.close?.();
    });

    it('keeps a settlement account exact: its balance is the sum of its legs', async () => {
      const { s, x, y, world } = await withAccounts(make);
      await s.commit(deposit(x, world, 500));
      await s.commit(postingPlan('u2', 'deposit', [[y, 70], [world, -70]]));
      await s.commit(postingPlan('u1', 'withdrawal', [[x, -20], [world, 20]]));
      expect(await s.findAccountById(world.id)).toMatchObject({ balance: -550, entryCount: 3, ownerId: null });
      const page = await s.listLedgerEntries(world.id, { limit: 10, beforeSequence: null });
      expect(page.map((e) => [e.sequence, e.amount, e.balanceAfter])).toEqual([[3, 20, -550], [2, -70, -570], [1, -500, -500]]);
      expect(await s.listAccounts('u1')).toHaveLength(1);
      await s.close?.();
    });

    it('refuses a plan that would overdraw any leg and changes nothing', async () => {
      const { s, x, y, world } = await withAccounts(make);
      await s.commit(deposit(x, world, 100));
      const claim = { scope: 'u1', key: 'k-overdraw', fingerprint: 'f' };
      const result = await s.commit(postingPlan('u1', 'transfer', [[x, -101], [y, 101]], claim));
      expect(result).toEqual({ status: 'refused', reason: 'insufficient_funds', accountId: x.id });
      expect(await s.findAccount(x.bankCode, x.accountNumber)).toMatchObject({ balance: 100, entryCount: 1 });
      expect(await s.findAccount(y.bankCode, y.accountNumber)).toMatchObject({ balance: 0, entryCount: 0 });
      expect(await s.findIdempotencyRecord('u1', 'k-overdraw')).toBeNull();
      await s.close?.();
    });

    it('refuses a plan that would lift a balance above Number.MAX_SAFE_INTEGER', async () => {
      const { s, x, world } = await withAccounts(make);
      await s.commit(deposit(x, world, Number.MAX_SAFE_INTEGER));
      expect(await s.commit(deposit(x, world, 1))).toEqual({ status: 'refused', reason: 'balance_overflow', accountId: x.id });
      expect((await s.findAccount(x.bankCode, x.accountNumber))?.balance).toBe(Number.MAX_SAFE_INTEGER);
      await s.close?.();
    });

    it('answers account_not_found for a leg on a missing account and applies no other leg', async () => {
      const { s, x, world } = await withAccounts(make);
      const ghost = account('u2');
      await s.commit(deposit(x, world, 50));
      expect(await s.commit(postingPlan('u1', 'transfer', [[x, -10], [ghost, 10]]))).toEqual({ status: 'refused', reason: 'account_not_found', accountId: ghost.id });
      expect((await s.findAccount(x.bankCode, x.accountNumber))?.balance).toBe(50);
      await s.close?.();
    });

    it('refuses a plan whose overdraft limit is stale, so a limit lowered meanwhile is never overrun', async () => {
      const { s, x, world } = await withAccounts(make);
      const planned = { ...x, overdraftLimit: 100 };
      expect(await s.commit(postingPlan('u1', 'withdrawal', [[planned, -50], [world, 50]]))).toEqual({ status: 'refused', reason: 'stale', accountId: x.id });
      expect((await s.findAccount(x.bankCode, x.accountNumber))?.balance).toBe(0);
      await s.close?.();
    });

    it('replays a recorded idempotency key without applying it again, and flags a different payload', async () => {
      const { s, x, world } = await withAccounts(make);
      const claim = { scope: 'u1', key: 'key-1', fingerprint: 'fp-1' };
      const first = await s.commit(deposit(x, world, 70, claim));
      expect(first.status).toBe('committed');
      const again = await s.commit(deposit(x, world, 70, claim));
      expect(again.status).toBe('replayed');
      if (again.status === 'replayed' && first.status === 'committed') {
        expect(again.record.transaction).toEqual(first.transaction);
        expect(again.record.accounts).toEqual(first.accounts);
      }
      expect((await s.commit(deposit(x, world, 71, { ...claim, fingerprint: 'fp-2' }))).status).toBe('idempotency_key_reused');
      expect((await s.findAccount(x.bankCode, x.accountNumber))?.balance).toBe(70);
      expect((await s.findIdempotencyRecord('u1', 'key-1'))?.fingerprint).toBe('fp-1');
      await s.close?.();
    });

    it('scopes idempotency keys per user', async () => {
      const { s, x, y, world } = await withAccounts(make);
      const a = await s.commit(deposit(x, world, 5, { scope: 'u1', key: 'same', fingerprint: 'a' }));
      const b = await s.commit(postingPlan('u2', 'deposit', [[y, 6], [world, -6]], { scope: 'u2', key: 'same', fingerprint: 'b' }));
      expect([a.status, b.status]).toEqual(['committed', 'committed']);
      await s.close?.();
    });

    it('applies racing plans with one idempotency key exactly once', async () => {
      const { s, x, world } = await withAccounts(make);
      const claim = { scope: 'u1', key: 'race', fingerprint: 'fp' };
      const results = await Promise.all(Array.from({ length: 25 }, () => s.commit(deposit(x, world, 10, claim))));
      expect(results.filter((r) => r.status === 'committed')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'replayed')).toHaveLength(24);
      expect(await s.findAccount(x.bankCode, x.accountNumber)).toMatchObject({ balance: 10, entryCount: 1 });
      await s.close?.();
    });

    it('never dates an entry before the one preceding it, even when the plan is older', async () => {
      const { s, x, world } = await withAccounts(make);
      const late = new Date('2026-06-01T00:00:00Z');
      await s.commit(postingPlan('u1', 'deposit', [[x, 5], [world, -5]], null, late));
      const result = await s.commit(postingPlan('u1', 'deposit', [[x, 6], [world, -6]], null, new Date('2026-01-01T00:00:00Z')));
      expect(result.status === 'committed' && result.transaction?.createdAt.getTime()).toBe(late.getTime());
      const [newest] = await s.listLedgerEntries(x.id, { limit: 1, beforeSequence: null });
      expect(newest?.createdAt.getTime()).toBe(late.getTime());
      await s.close?.();
    });
  });

  describe('history and audit', () => {
    it('pages ledger entries newest first with beforeSequence and a time range', async () => {
      const s = await fresh(make);
      const [x, world] = [account('u1'), settlementAccount()];
      await s.createAccount(x);
      await s.createAccount(world);
      const day = (d: number) => new Date(Date.UTC(2026, 0, d));
      for (let i = 1; i <= 5; i++) await s.commit(postingPlan('u1', 'deposit', [[x, i], [world, -i]], null, day(i)));
      const seq = (page: { sequence: number }[]) => page.map((e) => e.sequence);
      expect(seq(await s.listLedgerEntries(x.id, { limit: 2, beforeSequence: null }))).toEqual([5, 4]);
      expect(seq(await s.listLedgerEntries(x.id, { limit: 2, beforeSequence: 4 }))).toEqual([3, 2]);
      expect(seq(await s.listLedgerEntries(x.id, { limit: 2, beforeSequence: 2 }))).toEqual([1]);
      expect(await s.listLedgerEntries(x.id, { limit: 2, beforeSequence: 1 })).toEqual([]);
      expect(await s.listLedgerEntries('missing', { limit: 2, beforeSequence: null })).toEqual([]);
      expect(seq(await s.listLedgerEntries(x.id, { limit: 10, beforeSequence: null, from: day(2), to: day(4) }))).toEqual([4, 3, 2]);
      expect(seq(await s.listLedgerEntries(x.id, { limit: 1, beforeSequence: 4, from: day(2), to: day(4) }))).toEqual([3]);
      expect((await s.findEntryAt(x.id, new Date(day(3).getTime() + 1)))?.balanceAfter).toBe(6);
      expect(await s.findEntryAt(x.id, new Date(day(1).getTime() - 1))).toBeNull();
      await s.close?.();
    });

    it('reads every account with all of its entries, oldest first, and every transaction', async () => {
      const s = await fresh(make);
      const [x, y, world] = [account('u1'), account('u2'), settlementAccount()];
      for (const a of [x, y, world]) await s.createAccount(a);
      await s.commit(postingPlan('u1', 'deposit', [[x, 9], [world, -9]]));
      await s.commit(postingPlan('u1', 'transfer', [[x, -4], [y, 4]]));
      const seen = new Map<string, number[]>();
      for await (const { account: a, entries } of s.readLedger()) seen.set(a.id, entries.map((e) => e.balanceAfter));
      expect(seen.get(x.id)).toEqual([9, 5]);
      expect(seen.get(y.id)).toEqual([4]);
      expect(seen.get(world.id)).toEqual([-9]);
      const transactions = [];
      for await (const t of s.readTransactions()) transactions.push(t.type);
      expect(transactions.sort()).toEqual(['deposit', 'transfer']);
      await s.close?.();
    });

    it('answers ping when healthy', async () => {
      const s = await fresh(make);
      await expect(s.ping()).resolves.toBeUndefined();
      await s.close?.();
    });
  });
}
