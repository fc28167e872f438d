import { describe, expect, it } from 'vitest';
import { memoryAdapter } from 'bankcore/memory';
import { AccountLedger, Column, IdColumn } from '../src/adapters/memory/columns.js';
import { KeyIndex } from '../src/adapters/memory/key-index.js';
import { AccountSnapshots } from '../src/adapters/memory/snapshots.js';
import { TransactionTable } from '../src/adapters/memory/transactions.js';
import { newId } from '../src/core/ids.js';
import { emptyAccount, publicAccount } from 'bankcore';
import { signUp, testBank } from '../src/testing/fixtures.js';

const json = (value: unknown) => JSON.parse(JSON.stringify(value));

describe('memory store columns', () => {
  it('finds every idempotency key under its own scope only, through every growth of the index and while it moves, and no key it was not given', () => {
    const index = new KeyIndex();
    const model = new Map<string, number>();
    const scopes = ['user-a', 'user-b', '@operator'];
    const wrong: unknown[] = [];
    // Keys that differ in one character, keys shared by scopes, and long keys: 60,000 rows cross six growths.
    for (let row = 0; row < 60_000; row++) {
      const scope = scopes[row % 3]!;
      const key = row % 7 === 0 ? `shared-${Math.floor(row / 21)}` : row % 5 === 0 ? `${'k'.repeat(200)}${row}` : `key-${row}`;
      if (index.get(scope, key) !== model.get(`${scope} ${key}`)) wrong.push(['before add', scope, key]);
      if (model.has(`${scope} ${key}`)) continue;
      index.add(scope, key, model.size);
      model.set(`${scope} ${key}`, model.size);
      // Every earlier key is still found, also mid-growth, sampled so that the test stays fast.
      if (row % (row < 5000 ? 97 : 997) === 0) for (const [k, r] of model) if (index.get(k.slice(0, k.indexOf(' ')), k.slice(k.indexOf(' ') + 1)) !== r) wrong.push(['lost', k]);
    }
    for (const [k, r] of model) if (index.get(k.slice(0, k.indexOf(' ')), k.slice(k.indexOf(' ') + 1)) !== r) wrong.push(['at the end', k]);
    expect(wrong.slice(0, 5)).toEqual([]);
    expect([index.get('user-c', 'key-1'), index.get('user-a', 'key-2'), index.get('user-a', 'key-60000'), index.get('user-b', 'shared-0')]).toEqual([undefined, undefined, undefined, model.get('user-b shared-0')]);
    expect(() => index.add('user-a', 'late', model.size + 1)).toThrow(/out of order/);
  });

  it('finds each of 150,000 ids at its row across chunks, ids out of order and other ids included, nothing else, and never appends one twice', () => {
    const ids = new IdColumn({ indexed: true });
    const made: string[] = [];
    const wrong: unknown[] = [];
    // Every 100th id is one made long before (out of order); every 1000th is no UUID at all.
    const early = Array.from({ length: 2000 }, () => newId());
    for (let i = 0; i < 150_000; i++) {
      const id = i % 1000 === 7 ? `odd-${i}` : i % 100 === 3 ? early.pop()! : newId();
      made.push(id);
      if (ids.push(id) !== i) wrong.push(['push', i]);
    }
    for (let row = 0; row < made.length; row++) {
      if (ids.find(made[row]!) !== row || ids.id(row) !== made[row]) wrong.push(['read', row]);
    }
    expect(wrong).toEqual([]);
    expect([ids.find(newId()), ids.find(early[0]!), ids.find('odd-8')]).toEqual([null, null, null]);
    // An id it holds is refused, in order or not, and nothing is appended.
    expect([ids.push(made[123_456]!), ids.push(made[149_999]!), ids.push(made[103]!), ids.push('odd-7'), ids.length]).toEqual([null, null, null, null, 150_000]);
    // An id older than every one held, never seen, is appended and found.
    expect([ids.push(early[0]!), ids.find(early[0]!)]).toEqual([150_000, 150_000]);
  });

  it('gives back each account snapshot as pushed, with pending, overdraft limit and status unusual or not, also after a drop', () => {
    const row = emptyAccount({ id: 'acct-1', ownerId: 'u1', bankCode: 'BANK1', accountNumber: 'ACCT0001', currency: 'USD', createdAt: new Date('2026-01-01T00:00:00Z') });
    const variants = [{}, { pending: 40 }, { overdraftLimit: 500 }, { status: 'frozen' as const }, { status: 'closed' as const, pending: 0 }, { pending: 7, overdraftLimit: 9, status: 'frozen' as const }];
    const pushed = Array.from({ length: 600 }, (_, i) => publicAccount({ ...row, balance: i * 3 - 100, entryCount: i, ...variants[i % variants.length] }));
    const snapshots = new AccountSnapshots();
    for (const a of pushed) snapshots.push(a);
    expect(snapshots.read(0, pushed.length, () => row)).toEqual(pushed);
    snapshots.dropBefore(300);
    expect(snapshots.read(300, pushed.length, () => row)).toEqual(pushed.slice(300));
  });

  it('keeps numbers exactly across chunk boundaries, and frees only whole chunks below a row', () => {
    const column = new Column((n) => new Float64Array(n));
    for (let i = 0; i < 140_000; i++) column.push(i % 2 ? Number.MAX_SAFE_INTEGER - i : -i);
    column.set(65_536, 42);
    expect([column.get(0), column.get(65_535), column.get(65_536), column.get(139_999)]).toEqual([-0, Number.MAX_SAFE_INTEGER - 65_535, 42, Number.MAX_SAFE_INTEGER - 139_999]);
    column.dropBefore(70_000);
    expect(() => column.get(0)).toThrow();
    expect([column.get(65_536), column.get(69_999), column.length]).toEqual([42, Number.MAX_SAFE_INTEGER - 69_999, 140_000]);
  });
});

describe('memory store account ledgers', () => {
  it('keep every entry exactly, in the first plain arrays and in the chunks made whole past them', () => {
    const ledger = new AccountLedger();
    const balanceOf = (i: number) => (i % 3 === 0 ? Number.MAX_SAFE_INTEGER - i : i % 3 === 1 ? -i : i * 0.5 > 1e5 ? 2 ** 40 + i : i);
    for (let i = 0; i < 200_000; i++) ledger.push(i * 7, balanceOf(i));
    const wrong: number[] = [];
    for (let i = 0; i < 200_000; i++) if (ledger.transactionRow(i) !== i * 7 || ledger.balanceAfter(i) !== balanceOf(i)) wrong.push(i);
    expect(wrong).toEqual([]);
    expect(ledger.length).toBe(200_000);
  });

  it('answers history pages and past balances across the end of an account\'s first 65,536 entries', async () => {
    const storage = memoryAdapter();
    const bank = testBank(storage);
    const alice = await signUp(bank, 'alice');
    const account = { bankCode: 'MEM01', accountNumber: 'ACCT0001' };
    const opened = await bank.openAccount(alice, account);
    let last = null;
    for (let i = 1; i <= 65_540; i++) last = await bank.deposit(alice, { account, amount: i });
    const page = await storage.listLedgerEntries(opened.id, { limit: 8, beforeSequence: 65_540, from: null, to: null });
    expect(page.map((e) => [e.sequence, e.amount, e.balanceAfter])).toEqual(
      Array.from({ length: 8 }, (_, k) => { const n = 65_539 - k; return [n, n, (n * (n + 1)) / 2]; }),
    );
    const newest = await storage.findEntryAt(opened.id, last!.transaction.createdAt);
    expect([newest?.sequence, newest?.balanceAfter]).toEqual([65_540, (65_540 * 65_541) / 2]);
    expect((await bank.verify()).ok).toBe(true);
    await bank.close();
  });
});

describe('memory store transaction table', () => {
  it('reads back every field of what it stored, a leg naming one account by two refs (a hand-built plan) included', () => {
    const table = new TransactionTable();
    const base = { type: 'post' as const, amount: 5, currency: 'EUR', reference: null, metadata: {}, initiatorId: null, reversalOf: null, reversedBy: null, holdId: null };
    const first = { ...base, id: newId(), legs: [{ accountId: 'a', bankCode: 'B1', accountNumber: 'N1', amount: 5 }, { accountId: 'w', bankCode: '@world', accountNumber: 'EUR', amount: -5 }], createdAt: new Date(1000) };
    const second = { ...base, id: 'hand-built', reference: 'r', metadata: { k: 'v' }, initiatorId: 'u1', holdId: 'h1', legs: [{ accountId: 'a', bankCode: 'B2', accountNumber: 'N2', amount: -7 }, { accountId: 'w', bankCode: '@world', accountNumber: 'EUR', amount: 7 }], amount: 7, createdAt: new Date(2000) };
    expect([table.add(first), table.add(second)]).toEqual([0, 1]);
    expect([table.at(0), table.at(1)]).toEqual([first, second]);
    table.markReversed(0, 'later');
    expect([table.at(0).reversedBy, table.at(0, true).reversedBy, table.find(first.id), table.find('hand-built'), table.find('other')]).toEqual(['later', null, 0, 1, null]);
    expect(() => table.add(first)).toThrow(/stored already/);
  });
});

describe('memory store rebuilt reads', () => {
  it('gives back each posted event as committed, with the transaction as posted even after it is reversed', async () => {
    const bank = testBank(memoryAdapter());
    const alice = await signUp(bank, 'alice');
    const account = { bankCode: 'MEM01', accountNumber: 'ACCT0001' };
    await bank.openAccount(alice, account);
    const deposit = await bank.deposit(alice, { account, amount: 250, reference: 'invoice 7', metadata: { note: 'rent' }, idempotencyKey: 'k1' });
    const plain = await bank.deposit(alice, { account, amount: 1 });
    const reversal = await bank.operator.reverse(deposit.transaction.id);
    const events = await bank.events.read({ after: 0, limit: 100 });
    const posted = events.filter((e) => e.type === 'transaction.posted');
    expect(posted.map((e) => e.payload)).toEqual(json([
      { transaction: deposit.transaction, accounts: deposit.accounts },
      { transaction: plain.transaction, accounts: plain.accounts },
    ]));
    expect(deposit.transaction.reversedBy).toBeNull();
    expect((await bank.getTransaction(alice, deposit.transaction.id)).reversedBy).toBe(reversal.transaction.id);
    // A replay answers as the first call did.
    const replay = await bank.deposit(alice, { account, amount: 250, reference: 'invoice 7', metadata: { note: 'rent' }, idempotencyKey: 'k1' });
    expect(replay.replayed).toBe(true);
    expect(json(replay.transaction)).toEqual(json(deposit.transaction));
    await bank.close();
  });

  it('reads the same events after a prune as before it, from where the prune left off', async () => {
    const bank = testBank(memoryAdapter(), { events: { retentionSeconds: 3600 } });
    const alice = await signUp(bank, 'alice');
    const account = { bankCode: 'MEM01', accountNumber: 'ACCT0001' };
    await bank.openAccount(alice, account);
    for (let i = 0; i < 300; i++) await bank.deposit(alice, { account, amount: i + 1 });
    const before = await bank.events.read({ after: 0, limit: 1000 });
    await bank.events.registerConsumer('reader', { from: 'start' });
    await bank.events.acknowledge('reader', 120);
    expect((await bank.events.prune()).prunedThrough).toBe(120);
    expect(await bank.events.read({ after: 120, limit: 1000 })).toEqual(before.slice(120));
    await bank.close();
  });
});
