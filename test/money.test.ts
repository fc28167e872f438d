import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryAdapter } from 'bankcore/memory';
import { sqliteAdapter } from 'bankcore/sqlite';
import type { CommitPlan, StorageAdapter } from 'bankcore';
import { acct, bankErrorOf, makeBank, userIn } from './support/bank.js';

async function twoUsers(overrides = {}) {
  const bank = makeBank(overrides);
  await bank.init();
  const alice = await userIn(bank, 'alice');
  const bob = await userIn(bank, 'bob');
  await bank.openAccount(alice, acct('A001'));
  await bank.openAccount(bob, acct('B001'));
  return { bank, alice, bob };
}

describe('accounts', () => {
  it('opens an account with balance 0 in the default currency, upper-casing its identifiers', async () => {
    const bank = makeBank();
    const me = await userIn(bank, 'alice');
    const account = await bank.openAccount(me, { bankCode: 'bank1', accountNumber: 'ab12' });
    expect(account).toMatchObject({ bankCode: 'BANK1', accountNumber: 'AB12', currency: 'USD', balance: 0, ownerId: me.userId });
    expect(await bank.balances(me)).toEqual([account]);
  });

  it('refuses an account number already used by anyone', async () => {
    const { bank, bob } = await twoUsers();
    expect((await bankErrorOf(bank.openAccount(bob, acct('a001')))).code).toBe('ACCOUNT_EXISTS');
  });

  it.each([
    [{ bankCode: 'B1', accountNumber: '0001' }, 'bankCode'],
    [{ bankCode: 'BANK1', accountNumber: '001' }, 'accountNumber'],
    [{ bankCode: 'BANK1', accountNumber: '0001-2' }, 'accountNumber'],
    [{ bankCode: 'BANK1', accountNumber: '0001', currency: 'XXY' }, 'currency'],
    [{ bankCode: 'BANK1', accountNumber: { $ne: null } }, 'accountNumber'],
  ])('rejects account %j at %s', async (input, path) => {
    const bank = makeBank();
    const me = await userIn(bank, 'alice');
    const error = await bankErrorOf(bank.openAccount(me, input as never));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect((error.details as { issues: { path: string }[] }).issues[0]?.path).toBe(path);
    expect(await bank.balances(me)).toEqual([]);
  });
});

describe('deposits and withdrawals', () => {
  it('deposits and withdraws, returning the transaction and the account after it', async () => {
    const { bank, alice } = await twoUsers();
    const d = await bank.deposit(alice, { account: acct('A001'), amount: 1_000, reference: 'salary' });
    expect(d.transaction).toMatchObject({ type: 'deposit', amount: 1_000, currency: 'USD', reference: 'salary', initiatorId: alice.userId });
    // The customer's leg first, then the bank's settlement leg: money comes from somewhere, and the legs sum to 0.
    expect(d.transaction.legs).toEqual([
      expect.objectContaining({ bankCode: 'BANK1', accountNumber: 'A001', amount: 1_000 }),
      { accountId: '@world/USD', bankCode: '@world', accountNumber: 'USD', amount: -1_000 },
    ]);
    expect(d.account.balance).toBe(1_000);
    expect(d.replayed).toBe(false);
    const w = await bank.withdraw(alice, { account: acct('a001'), amount: 400 });
    expect(w.transaction.type).toBe('withdrawal');
    expect(w.transaction.legs.map((l) => l.amount)).toEqual([-400, 400]);
    expect(w.account.balance).toBe(600);
  });

  it('rejects a withdrawal that would overdraw the account and changes nothing', async () => {
    const { bank, alice } = await twoUsers();
    await bank.deposit(alice, { account: acct('A001'), amount: 100 });
    expect((await bankErrorOf(bank.withdraw(alice, { account: acct('A001'), amount: 101 }))).code).toBe('INSUFFICIENT_FUNDS');
    expect((await bank.getAccount(alice, acct('A001'))).balance).toBe(100);
    expect((await bank.history(alice, acct('A001'))).entries).toHaveLength(1);
  });

  it.each([
    ['a float', 10.5],
    ['zero', 0],
    ['a negative', -5],
    ['a numeric string', '100'],
    ['Infinity', Infinity],
    ['NaN', NaN],
    ['an unsafe integer', 2 ** 53],
    ['null', null],
    ['an object', { $gt: 0 }],
  ])('rejects %s as an amount with VALIDATION_FAILED at amount', async (_label, amount) => {
    const { bank, alice } = await twoUsers();
    const error = await bankErrorOf(bank.deposit(alice, { account: acct('A001'), amount } as never));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect([...new Set((error.details as { issues: { path: string }[] }).issues.map((i) => i.path))]).toEqual(['amount']);
    expect((await bank.getAccount(alice, acct('A001'))).balance).toBe(0);
  });

  it('rejects an amount above the configured maximum per operation', async () => {
    const { bank, alice } = await twoUsers({ maxAmount: 10_000 });
    expect((await bankErrorOf(bank.deposit(alice, { account: acct('A001'), amount: 10_001 }))).code).toBe('VALIDATION_FAILED');
    await expect(bank.deposit(alice, { account: acct('A001'), amount: 10_000 })).resolves.toBeDefined();
  });

  it('rejects a deposit that would lift the balance above Number.MAX_SAFE_INTEGER with LIMIT_EXCEEDED', async () => {
    const { bank, alice } = await twoUsers();
    await bank.deposit(alice, { account: acct('A001'), amount: Number.MAX_SAFE_INTEGER - 5 });
    expect((await bankErrorOf(bank.deposit(alice, { account: acct('A001'), amount: 6 }))).code).toBe('LIMIT_EXCEEDED');
    expect((await bank.getAccount(alice, acct('A001'))).balance).toBe(Number.MAX_SAFE_INTEGER - 5);
    await bank.deposit(alice, { account: acct('A001'), amount: 5 });
    expect((await bank.verify()).ok).toBe(true);
  });

  it("answers ACCOUNT_NOT_FOUND for another user's account, exactly as for a missing one", async () => {
    const { bank, alice, bob } = await twoUsers();
    await bank.deposit(alice, { account: acct('A001'), amount: 50 });
    const theirs = await bankErrorOf(bank.withdraw(bob, { account: acct('A001'), amount: 1 }));
    const missing = await bankErrorOf(bank.withdraw(bob, { account: acct('Z999'), amount: 1 }));
    expect(theirs.code).toBe('ACCOUNT_NOT_FOUND');
    expect(missing.code).toBe('ACCOUNT_NOT_FOUND');
    expect((await bankErrorOf(bank.deposit(bob, { account: acct('A001'), amount: 1 }))).code).toBe('ACCOUNT_NOT_FOUND');
    expect((await bankErrorOf(bank.getAccount(bob, acct('A001')))).code).toBe('ACCOUNT_NOT_FOUND');
    expect((await bankErrorOf(bank.history(bob, acct('A001')))).code).toBe('ACCOUNT_NOT_FOUND');
    expect((await bank.getAccount(alice, acct('A001'))).balance).toBe(50);
  });
});

describe('transfers', () => {
  it("moves money to another user's account and shows the sender only their own account", async () => {
    const { bank, alice, bob } = await twoUsers();
    await bank.deposit(alice, { account: acct('A001'), amount: 500 });
    const result = await bank.transfer(alice, { from: acct('A001'), to: acct('B001'), amount: 120, reference: 'rent' });
    expect(result.account).toMatchObject({ accountNumber: 'A001', balance: 380 });
    expect(result.accounts.map((a) => a.accountNumber)).toEqual(['A001']);
    expect(result.transaction.legs.map((l) => [l.accountNumber, l.amount])).toEqual([['A001', -120], ['B001', 120]]);
    expect((await bank.getAccount(bob, acct('B001'))).balance).toBe(120);
    const [entry] = (await bank.history(bob, acct('B001'))).entries;
    expect(entry).toMatchObject({ amount: 120, balanceAfter: 120, counterparty: acct('A001'), reference: 'rent' });
  });

  it('returns both accounts after a transfer between two of the caller’s own accounts', async () => {
    const { bank, alice } = await twoUsers();
    await bank.openAccount(alice, acct('A002'));
    await bank.deposit(alice, { account: acct('A001'), amount: 10 });
    const result = await bank.transfer(alice, { from: acct('A001'), to: acct('A002'), amount: 4 });
    expect(result.accounts.map((a) => [a.accountNumber, a.balance])).toEqual([['A001', 6], ['A002', 4]]);
  });

  it('rejects a transfer that would overdraw the source', async () => {
    const { bank, alice, bob } = await twoUsers();
    await bank.deposit(alice, { account: acct('A001'), amount: 99 });
    expect((await bankErrorOf(bank.transfer(alice, { from: acct('A001'), to: acct('B001'), amount: 100 }))).code).toBe('INSUFFICIENT_FUNDS');
    expect((await bank.getAccount(alice, acct('A001'))).balance).toBe(99);
    expect((await bank.getAccount(bob, acct('B001'))).balance).toBe(0);
  });

  it("rejects a transfer from another user's account as ACCOUNT_NOT_FOUND", async () => {
    const { bank, alice, bob } = await twoUsers();
    await bank.deposit(alice, { account: acct('A001'), amount: 99 });
    expect((await bankErrorOf(bank.transfer(bob, { from: acct('A001'), to: acct('B001'), amount: 1 }))).code).toBe('ACCOUNT_NOT_FOUND');
    expect((await bank.getAccount(alice, acct('A001'))).balance).toBe(99);
  });

  it('rejects a transfer to a missing account, to the same account, and across currencies (another user’s other-currency account answers as missing)', async () => {
    const { bank, alice, bob } = await twoUsers();
    await bank.openAccount(bob, { ...acct('E001'), currency: 'EUR' });
    await bank.openAccount(alice, { ...acct('E002'), currency: 'EUR' });
    await bank.deposit(alice, { account: acct('A001'), amount: 99 });
    expect((await bankErrorOf(bank.transfer(alice, { from: acct('A001'), to: acct('Z999'), amount: 1 }))).code).toBe('ACCOUNT_NOT_FOUND');
    expect((await bankErrorOf(bank.transfer(alice, { from: acct('A001'), to: acct('a001'), amount: 1 }))).code).toBe('VALIDATION_FAILED');
    expect((await bankErrorOf(bank.transfer(alice, { from: acct('A001'), to: acct('E001'), amount: 1 }))).code).toBe('ACCOUNT_NOT_FOUND');
    expect((await bankErrorOf(bank.transfer(alice, { from: acct('A001'), to: acct('E002'), amount: 1 }))).code).toBe('CURRENCY_MISMATCH');
    expect((await bank.getAccount(alice, acct('A001'))).balance).toBe(99);
    expect((await bank.verify()).ok).toBe(true);
  });
});

describe('idempotency', () => {
  it('returns the original result for a repeated key and payload, even after the balance changed', async () => {
    const { bank, alice, bob } = await twoUsers();
    await bank.deposit(alice, { account: acct('A001'), amount: 100 });
    const request = { from: acct('A001'), to: acct('B001'), amount: 100, idempotencyKey: 'rent-2026-11' };
    const first = await bank.transfer(alice, request);
    const again = await bank.transfer(alice, request);
    expect(again).toEqual({ ...first, replayed: true });
    expect((await bank.getAccount(bob, acct('B001'))).balance).toBe(100);
  });

  it('rejects the same key with a different payload as IDEMPOTENCY_KEY_REUSED and moves nothing', async () => {
    const { bank, alice } = await twoUsers();
    await bank.deposit(alice, { account: acct('A001'), amount: 100, idempotencyKey: 'k1' });
    const error = await bankErrorOf(bank.deposit(alice, { account: acct('A001'), amount: 200, idempotencyKey: 'k1' }));
    expect(error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await bankErrorOf(bank.withdraw(alice, { account: acct('A001'), amount: 100, idempotencyKey: 'k1' }))).code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await bank.getAccount(alice, acct('A001'))).balance).toBe(100);
  });

  it('scopes keys per user', async () => {
    const { bank, alice, bob } = await twoUsers();
    await bank.deposit(alice, { account: acct('A001'), amount: 1, idempotencyKey: 'shared' });
    const bobs = await bank.deposit(bob, { account: acct('B001'), amount: 2, idempotencyKey: 'shared' });
    expect(bobs.replayed).toBe(false);
    expect(bobs.account.balance).toBe(2);
  });

  it('records nothing for a refused movement, so the key can be used once the balance allows', async () => {
    const { bank, alice } = await twoUsers();
    expect((await bankErrorOf(bank.withdraw(alice, { account: acct('A001'), amount: 5, idempotencyKey: 'w1' }))).code).toBe('INSUFFICIENT_FUNDS');
    await bank.deposit(alice, { account: acct('A001'), amount: 5 });
    expect((await bank.withdraw(alice, { account: acct('A001'), amount: 5, idempotencyKey: 'w1' })).account.balance).toBe(0);
  });

  // A first call costs no separate lookup of its key (the commit checks it atomically); these are the replays whose
  // planning would now fail, where the record is read instead.
  describe.each([
    ['memory', () => memoryAdapter()],
    ['SQLite', () => sqliteAdapter({ filename: join(mkdtempSync(join(tmpdir(), 'bankcore-replay-')), 'bankcore.db') })],
  ])('replays on %s', (_name, storage: () => StorageAdapter) => {
    it('replays a deposit and a transfer as first answered after the account was frozen, and still refuses a new one', async () => {
      const { bank, alice } = await twoUsers({ storage: storage() });
      const deposited = await bank.deposit(alice, { account: acct('A001'), amount: 100, idempotencyKey: 'd1' });
      const paid = await bank.transfer(alice, { from: acct('A001'), to: acct('B001'), amount: 40, idempotencyKey: 't1' });
      await bank.operator.freezeAccount(acct('A001'));
      expect(await bank.deposit(alice, { account: acct('A001'), amount: 100, idempotencyKey: 'd1' })).toEqual({ ...deposited, replayed: true });
      expect(await bank.transfer(alice, { from: acct('A001'), to: acct('B001'), amount: 40, idempotencyKey: 't1' })).toEqual({ ...paid, replayed: true });
      expect((await bankErrorOf(bank.deposit(alice, { account: acct('A001'), amount: 100, idempotencyKey: 'd1' + 'x' }))).code).toBe('ACCOUNT_FROZEN');
      expect((await bankErrorOf(bank.deposit(alice, { account: acct('A001'), amount: 99, idempotencyKey: 'd1' }))).code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect((await bank.operator.getAccount(acct('A001'))).balance).toBe(60);
      await bank.close();
    });

    it('replays a key recorded when every fingerprint was a SHA-256 digest, and refuses that key for another request', async () => {
      // The store as an earlier version wrote it: the first deposit's record carries the digest of its request.
      const store = storage();
      const digest = (text: string) => createHash('sha256').update(text).digest('hex');
      const asBefore = new Proxy(store, {
        get: (target, name) => (name === 'commit'
          ? (plan: CommitPlan) => target.commit(plan.idempotency ? { ...plan, idempotency: { ...plan.idempotency, fingerprint: digest(plan.idempotency.fingerprint) } } : plan)
          : Reflect.get(target, name)),
      });
      const { bank, alice } = await twoUsers({ storage: asBefore });
      const deposited = await bank.deposit(alice, { account: acct('A001'), amount: 100, idempotencyKey: 'd1' });
      // A transfer's request text is over 64 characters: a digest also in the version that kept shorter texts.
      const transferred = await bank.transfer(alice, { from: acct('A001'), to: acct('B001'), amount: 10, idempotencyKey: 't1' });
      const upgraded = makeBank({ storage: store });
      expect(await upgraded.deposit(alice, { account: acct('A001'), amount: 100, idempotencyKey: 'd1' })).toEqual({ ...deposited, replayed: true });
      expect(await upgraded.transfer(alice, { from: acct('A001'), to: acct('B001'), amount: 10, idempotencyKey: 't1' })).toEqual({ ...transferred, replayed: true });
      expect((await bankErrorOf(upgraded.transfer(alice, { from: acct('A001'), to: acct('B001'), amount: 11, idempotencyKey: 't1' }))).code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect((await bankErrorOf(upgraded.deposit(alice, { account: acct('A001'), amount: 99, idempotencyKey: 'd1' }))).code).toBe('IDEMPOTENCY_KEY_REUSED');
      await upgraded.operator.freezeAccount(acct('A001'));
      expect(await upgraded.deposit(alice, { account: acct('A001'), amount: 100, idempotencyKey: 'd1' })).toEqual({ ...deposited, replayed: true });
      expect((await bankErrorOf(upgraded.deposit(alice, { account: acct('A001'), amount: 99, idempotencyKey: 'd1' }))).code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect((await upgraded.operator.getAccount(acct('A001'))).balance).toBe(90);
      await upgraded.close();
    });

    it('replays an operator capture after its hold was captured and a reversal after it was reversed', async () => {
      const { bank, alice } = await twoUsers({ storage: storage() });
      await bank.deposit(alice, { account: acct('A001'), amount: 100 });
      const hold = await bank.operator.hold({ from: acct('A001'), to: acct('B001'), amount: 30 });
      const captured = await bank.operator.captureHold(hold.id, { idempotencyKey: 'c1' });
      expect(await bank.operator.captureHold(hold.id, { idempotencyKey: 'c1' })).toEqual({ ...captured, replayed: true });
      expect((await bankErrorOf(bank.operator.captureHold(hold.id, { idempotencyKey: 'c2' }))).code).toBe('HOLD_NOT_PENDING');
      const reversed = await bank.operator.reverse(captured.transaction.id, { idempotencyKey: 'r1' });
      expect(await bank.operator.reverse(captured.transaction.id, { idempotencyKey: 'r1' })).toEqual({ ...reversed, replayed: true });
      expect((await bankErrorOf(bank.operator.reverse(captured.transaction.id, { idempotencyKey: 'r2' }))).code).toBe('ALREADY_REVERSED');
      expect((await bank.operator.getAccount(acct('A001'))).balance).toBe(100);
      expect((await bank.verify()).ok).toBe(true);
      await bank.close();
    });
  });

  it('rejects a malformed idempotency key', async () => {
    const { bank, alice } = await twoUsers();
    for (const idempotencyKey of ['', 'has space', 'x'.repeat(256)]) {
      expect((await bankErrorOf(bank.deposit(alice, { account: acct('A001'), amount: 1, idempotencyKey }))).code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('history', () => {
  it('pages entries newest first with balanceAfter, following nextCursor to the end', async () => {
    const { bank, alice } = await twoUsers();
    for (let i = 1; i <= 7; i++) await bank.deposit(alice, { account: acct('A001'), amount: i });
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page = await bank.history(alice, acct('A001'), { limit: 3, cursor });
      seen.push(...page.entries.map((e) => e.balanceAfter));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([28, 21, 15, 10, 6, 3, 1]);
  });

  it('rejects a limit outside 1–100 and a cursor it did not issue', async () => {
    const { bank, alice } = await twoUsers();
    for (const options of [{ limit: 0 }, { limit: 101 }, { limit: 2.5 }, { cursor: 'abc' }, { cursor: '-1' }]) {
      expect((await bankErrorOf(bank.history(alice, acct('A001'), options as never))).code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('verify', () => {
  it('reports a clean ledger as ok', async () => {
    const { bank, alice } = await twoUsers();
    await bank.deposit(alice, { account: acct('A001'), amount: 10 });
    // Two customer accounts and the USD settlement account; the deposit's two legs are two entries.
    expect(await bank.verify()).toMatchObject({ ok: true, accountsChecked: 3, entriesChecked: 2, transactionsChecked: 1, problems: [] });
  });

  it('reports a balance that differs from its entries, and a transfer with one leg missing', async () => {
    const inner = memoryAdapter();
    const tampered: StorageAdapter = {
      ...inner,
      readLedger: () =>
        (async function* () {
          for await (const row of inner.readLedger()) {
            if (row.account.accountNumber === 'A001') yield { ...row, account: { ...row.account, balance: row.account.balance + 1 } };
            else if (row.account.accountNumber === 'B001') yield { ...row, entries: row.entries.filter((e) => e.type !== 'transfer') };
            else yield row;
          }
        })(),
    };
    const { bank, alice } = await twoUsers({ storage: tampered });
    await bank.deposit(alice, { account: acct('A001'), amount: 10 });
    await bank.transfer(alice, { from: acct('A001'), to: acct('B001'), amount: 3 });
    const report = await bank.verify();
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.message)).toEqual([
      'balance 8 differs from the sum of entries 7',
      'balance 3 differs from the sum of entries 0',
      'entryCount 1 but 0 entries',
      'balances in USD sum to 1, not 0',
      expect.stringMatching(/^leg on .+ has no matching entry$/),
      'transaction has 2 legs but 1 entries',
    ]);
  });
});
