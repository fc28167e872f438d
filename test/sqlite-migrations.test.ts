import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBank, INSECURE_TEST_PASSWORD_HASHING, type Principal } from 'bankcore';
import { sqliteAdapter, type SqliteDriver } from 'bankcore/sqlite';
import { openDatabase } from '../src/adapters/sqlite/driver.js';
import { SCHEMA_VERSION } from '../src/adapters/sqlite/schema.js';
import { bankErrorOf } from './support/bank.js';
import { freshDataDir } from './support/data-dir.js';
import { startCli } from './support/cli.js';
import { brokenLinks } from './support/sqlite-links.js';

// test/fixtures/sqlite-schema3/bankcore.db was written at schema version 3 by the code of commit ab167a6 (its
// make.mjs): two users, a keyed deposit, a keyed transfer, a withdrawal, the transfer's reversal and a pending hold.
const FIXTURE = new URL('./fixtures/sqlite-schema3/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('expected.json', FIXTURE), 'utf8')) as {
  alice: { balance: number; pending: number; entries: number };
  bob: { balance: number; entries: number };
  salaryTransactionId: string;
  rentTransactionId: string;
  refundTransactionId: string;
  holdId: string;
};
const driver = (process.env['BANKCORE_SQLITE_DRIVER'] ?? 'better-sqlite3') as SqliteDriver;
const A = { bankCode: 'BANK1', accountNumber: 'A0001' };
const B = { bankCode: 'BANK1', accountNumber: 'B0001' };

describe('SQLite schema migrations', () => {
  it('brings a schema-3 database to the current version with every balance, entry, transaction, replay and hold intact', async () => {
    const file = join(freshDataDir('migrate'), 'bankcore.db');
    copyFileSync(new URL('bankcore.db', FIXTURE), file);
    const bank = createBank({ storage: sqliteAdapter({ filename: file, driver }), tokens: { secret: 'fixture-secret-of-at-least-32-bytes!!!!' }, passwordHashing: INSECURE_TEST_PASSWORD_HASHING });
    await bank.init();
    const login = async (username: string, password: string) => bank.authenticate((await bank.login({ username, password })).accessToken);
    const alice = await login('alice', 'alice password 1');
    const bob = await login('bob', 'bob password 12');

    expect(await bank.getAccount(alice, A)).toMatchObject({ balance: expected.alice.balance, pending: expected.alice.pending });
    expect((await bank.getAccount(bob, B)).balance).toBe(expected.bob.balance);
    expect((await bank.history(alice, A)).entries.map((e) => e.transactionId)).toHaveLength(expected.alice.entries);
    expect((await bank.history(bob, B)).entries).toHaveLength(expected.bob.entries);
    expect((await bank.operator.getTransaction(expected.rentTransactionId)).reversedBy).toBe(expected.refundTransactionId);
    // A key recorded before the migration still replays, to the same transaction.
    const replay = await bank.deposit(alice, { account: A, amount: 10_000, idempotencyKey: 'salary-2026-11', reference: 'salary', metadata: { source: 'payroll' } });
    expect(replay).toMatchObject({ replayed: true, transaction: { id: expected.salaryTransactionId } });
    const rent = await bank.transfer(alice, { from: A, to: B, amount: 2_500, idempotencyKey: 'rent-2026-11' });
    expect(rent).toMatchObject({ replayed: true, transaction: { id: expected.rentTransactionId } });
    expect((await bank.operator.captureHold(expected.holdId)).hold.status).toBe('captured');
    const after = await bank.transfer(alice, { from: A, to: B, amount: 1 });
    expect((await bank.operator.getTransaction(after.transaction.id)).amount).toBe(1);
    // Point-in-time balances over the migrated history (its entries indexed by time anew): now, and before it began.
    expect((await bank.balanceAt(alice, A, new Date())).balance).toBe((await bank.getAccount(alice, A)).balance);
    expect(await bank.balanceAt(alice, A, new Date('2020-01-01T00:00:00Z'))).toMatchObject({ balance: 0, sequence: 0 });
    expect((await bank.verify()).problems).toEqual([]);
    // Events written before migration 7 carry a copy of their transaction; those written after name it. Both read
    // back whole: each transaction as it was posted (the rent transfer's, before its reversal).
    const events = (await bank.events.read({ limit: 1000 })).filter((e) => e.type === 'transaction.posted');
    const postedIds = events.map((e) => e.payload.transaction.id);
    expect(postedIds).toEqual(expect.arrayContaining([expected.salaryTransactionId, expected.rentTransactionId, after.transaction.id]));
    for (const e of events) {
      const stored = JSON.parse(JSON.stringify(await bank.operator.getTransaction(e.payload.transaction.id)));
      expect(e.payload.transaction).toEqual({ ...stored, reversedBy: null });
    }
    await bank.close();

    const { db } = await openDatabase(file, driver);
    expect(db.prepare('SELECT version FROM schema_version').get()).toEqual({ version: SCHEMA_VERSION });
    // A posted transaction is written once: the event after the migration names it (by its key, migration 9), those
    // before keep their copy.
    const named = 'SELECT count(*) AS named FROM events e JOIN transactions t ON t.pk = e.transaction_pk WHERE t.id = ?';
    expect(db.prepare('SELECT count(*) AS copies FROM events WHERE transaction_pk IS NULL AND payload LIKE ?').get(`%${after.transaction.id}%`)).toEqual({ copies: 0 });
    expect(db.prepare(named).get(after.transaction.id)).toEqual({ named: 1 });
    expect(db.prepare('SELECT count(*) AS copies FROM events WHERE transaction_pk IS NULL AND payload LIKE ?').get(`%${expected.salaryTransactionId}%`)).toEqual({ copies: 1 });
    // Migration 9: transactions keyed by the integer their id derives, with no index by id.
    expect(db.prepare("SELECT sql FROM sqlite_master WHERE name = 'transactions'").get()).toMatchObject({ sql: expect.stringContaining('pk INTEGER PRIMARY KEY') });
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE tbl_name = 'transactions' AND type = 'index'").get()).toEqual({ n: 0 });
    // Migration 6 replaced the index of entries by time with one of every 64th entry; migration 8 kept it.
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'entries_by_time%'").all()).toEqual([{ name: 'entries_by_time_sparse' }]);
    db.close();
  });

  it('brings a schema-7 database to entries in commit order with every history page, point-in-time balance and link intact', async () => {
    // test/fixtures/sqlite-schema7 (see its make.mjs): four accounts whose entries interleave, past several strides.
    const fixture = new URL('./fixtures/sqlite-schema7/', import.meta.url);
    const seven = JSON.parse(readFileSync(new URL('expected.json', fixture), 'utf8')) as {
      accounts: Array<{ account: { bankCode: string; accountNumber: string }; balance: number; entries: Array<{ sequence: number; transactionId: string; amount: number; balanceAfter: number }>; balances: Array<{ at: string; balance: number; sequence: number }> }>;
    };
    const file = join(freshDataDir('migrate7'), 'bankcore.db');
    copyFileSync(new URL('bankcore.db', fixture), file);
    const bank = createBank({ storage: sqliteAdapter({ filename: file, driver }), tokens: { secret: 'fixture-secret-of-at-least-32-bytes!!!!' }, passwordHashing: INSECURE_TEST_PASSWORD_HASHING });
    await bank.init();
    const shape = (e: { sequence: number; transactionId: string; amount: number; balanceAfter: number }) => ({ sequence: e.sequence, transactionId: e.transactionId, amount: e.amount, balanceAfter: e.balanceAfter });
    const whole = async (account: { bankCode: string; accountNumber: string }, limit: number, window: { from?: string; to?: string } = {}) => {
      const entries = [];
      let cursor: string | null = null;
      do {
        const page = await bank.operator.history(account, { limit, cursor, ...window });
        entries.push(...page.entries.map(shape));
        cursor = page.nextCursor;
      } while (cursor);
      return entries;
    };
    for (const expectedAccount of seven.accounts) {
      const { account, entries } = expectedAccount;
      expect((await bank.operator.getAccount(account)).balance).toBe(expectedAccount.balance);
      // Pages of 1, 7 and 100 cross the strides at every offset.
      for (const limit of [1, 7, 100]) expect(await whole(account, limit)).toEqual(entries);
      for (const { at, balance, sequence } of expectedAccount.balances) {
        expect(await bank.operator.balanceAt(account, at)).toMatchObject({ balance, sequence });
      }
      // A time window is a sequence range: every entry between two sampled instants, as the full history has them.
      const [from, to] = [expectedAccount.balances[2]!, expectedAccount.balances[9]!];
      expect(await whole(account, 13, { from: from.at, to: to.at })).toEqual(entries.filter((e) => e.sequence > from.sequence && e.sequence <= to.sequence));
    }
    // New entries continue each chain from the migrated newest.
    const [first] = seven.accounts;
    const carol = await bank.authenticate((await bank.login({ username: 'carol', password: 'carol password 1' })).accessToken);
    await bank.deposit(carol, { account: first!.account, amount: 5 });
    const after = await whole(first!.account, 50);
    expect(after.slice(1)).toEqual(first!.entries);
    expect(after[0]).toMatchObject({ sequence: first!.entries[0]!.sequence + 1, amount: 5, balanceAfter: first!.balance + 5 });
    expect((await bank.verify()).problems).toEqual([]);
    await bank.close();

    const { db } = await openDatabase(file, driver);
    expect(db.prepare('SELECT version FROM schema_version').get()).toEqual({ version: SCHEMA_VERSION });
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'entries' ORDER BY name").all()).toEqual([{ name: 'entries_by_sequence_sparse' }, { name: 'entries_by_time_sparse' }]);
    // Every link names the same account's entry one sequence lower; each account's row names its newest.
    expect(brokenLinks(db)).toEqual({ entries: 0, accounts: 0 });
    db.close();
  });

  it('brings a schema-8 database to transactions keyed by their ids, imported and colliding ids mapped, with every history, transaction, event and replay intact', async () => {
    // test/fixtures/sqlite-schema8 (see its make.mjs): transactions imported from the 0.1.0 journal (version-4 ids),
    // and two processes' transactions whose ids share milliseconds and counters (their derived keys collide).
    const fixture = new URL('./fixtures/sqlite-schema8/', import.meta.url);
    const eight = JSON.parse(readFileSync(new URL('expected.json', fixture), 'utf8')) as {
      accounts: Array<{ account: { bankCode: string; accountNumber: string }; balance: number; pending: number; entries: Array<{ sequence: number; transactionId: string }> }>;
      transactions: Array<{ id: string; type: string; reversedBy: string | null; legs: Array<{ amount: number }> }>;
      events: unknown[];
    };
    const ids = eight.transactions.map((t) => t.id);
    const timeOrdered = ids.filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-7/.test(id));
    const collided = timeOrdered.length - new Set(timeOrdered.map((id) => id.slice(0, 18))).size;
    expect({ imported: ids.length - timeOrdered.length, collided }).toEqual({ imported: 17, collided: 7 });

    const file = join(freshDataDir('migrate8'), 'bankcore.db');
    copyFileSync(new URL('bankcore.db', fixture), file);
    const upgrades: unknown[] = [];
    const onMigrate = (upgrade: unknown) => void upgrades.push(upgrade);
    const bank = createBank({ storage: sqliteAdapter({ filename: file, driver, onMigrate }), tokens: { secret: 'fixture-secret-of-at-least-32-bytes!!!!' }, passwordHashing: INSECURE_TEST_PASSWORD_HASHING });
    await bank.init();
    expect(upgrades).toEqual([{ from: 8, to: SCHEMA_VERSION }]);
    const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;
    for (const { account, balance, pending, entries } of eight.accounts) {
      expect(await bank.operator.getAccount(account)).toMatchObject({ balance, pending });
      for (const limit of [1, 7, 100]) {
        const seen = [];
        let cursor: string | null = null;
        do {
          const page = await bank.operator.history(account, { limit, cursor });
          seen.push(...page.entries.map((e) => ({ sequence: e.sequence, transactionId: e.transactionId, amount: e.amount, balanceAfter: e.balanceAfter })));
          cursor = page.nextCursor;
        } while (cursor);
        expect(seen).toEqual(entries);
      }
    }
    for (const t of eight.transactions) expect(json(await bank.operator.getTransaction(t.id))).toEqual(t);
    expect(json(await bank.events.read({ limit: 1000 }))).toEqual(eight.events);
    // Keys replay to the transactions they named, from each process.
    const dave = await bank.authenticate((await bank.login({ username: 'dave', password: 'dave password 12' })).accessToken);
    const D1 = { bankCode: 'BANK8', accountNumber: 'D0001' };
    const D2 = { bankCode: 'BANK8', accountNumber: 'D0002' };
    const first = await bank.deposit(dave, { account: D1, amount: 1002, idempotencyKey: 'first-2' });
    const second = await bank.deposit(dave, { account: D1, amount: 2001, idempotencyKey: 'second-1' });
    for (const replay of [first, second]) {
      expect(replay.replayed).toBe(true);
      expect(json(replay.transaction)).toEqual(json(await bank.operator.getTransaction(replay.transaction.id)));
    }
    // A transaction under a mapped key is found and marked by a reversal, and new ones take derived keys.
    const mapped = eight.transactions.find((t) => t.reversedBy === null && t.type === 'deposit' && timeOrdered.indexOf(t.id) !== timeOrdered.findIndex((id) => id.slice(0, 18) === t.id.slice(0, 18)));
    expect(mapped).toBeDefined();
    const reversal = await bank.operator.reverse(mapped!.id);
    expect((await bank.operator.getTransaction(mapped!.id)).reversedBy).toBe(reversal.transaction.id);
    const after = await bank.transfer(dave, { from: D2, to: D1, amount: 1 });
    expect((await bank.operator.history(D1, { limit: 1 })).entries[0]).toMatchObject({ transactionId: after.transaction.id });
    expect((await bank.verify()).problems).toEqual([]);
    await bank.close();

    const { db } = await openDatabase(file, driver);
    expect(db.prepare('SELECT version FROM schema_version').get()).toEqual({ version: SCHEMA_VERSION });
    expect(db.prepare('SELECT count(*) AS n, max(pk) AS highest FROM transaction_pks').get()).toEqual({ n: 17 + 7, highest: -1 });
    for (const table of ['entries', 'events', 'idempotency_records']) {
      const orphans = db.prepare(`SELECT count(*) AS n FROM ${table} x LEFT JOIN transactions t ON t.pk = x.transaction_pk WHERE x.transaction_pk IS NOT NULL AND t.pk IS NULL`).get();
      expect({ table, orphans }).toEqual({ table, orphans: { n: 0 } });
    }
    expect(brokenLinks(db)).toEqual({ entries: 0, accounts: 0 });
    db.close();
    // A file at the current schema, and a new one, have nothing to upgrade.
    for (const filename of [file, join(freshDataDir('fresh'), 'bankcore.db')]) {
      const storage = sqliteAdapter({ filename, driver, onMigrate });
      await storage.init!();
      await storage.close!();
    }
    expect(upgrades).toHaveLength(1);
  });

  it('brings a schema-10 database to settled keys found by their hash: every key replays, settled, recent or both mid-fold, and none applies twice', async () => {
    // test/fixtures/sqlite-schema10 (see its make.mjs): 51 keys of two customers and the operator, with a recent
    // level of 16, written during a fold: 38 rows in idempotency_keys, 19 in idempotency_recent_keys.
    const fixture = new URL('./fixtures/sqlite-schema10/', import.meta.url);
    const ten = JSON.parse(readFileSync(new URL('expected.json', fixture), 'utf8')) as {
      keys: Array<{ scope: string; key: string; account: { bankCode: string; accountNumber: string }; amount: number; transactionId: string }>;
      balances: Record<string, number>;
    };
    const file = join(freshDataDir('migrate10'), 'bankcore.db');
    copyFileSync(new URL('bankcore.db', fixture), file);
    const upgrades: unknown[] = [];
    const open = async () => {
      const bank = createBank({
        storage: sqliteAdapter({ filename: file, driver, recentIdempotencyKeys: 16, onMigrate: (upgrade) => void upgrades.push(upgrade) }),
        tokens: { secret: 'fixture-secret-of-at-least-32-bytes!!!!' },
        passwordHashing: INSECURE_TEST_PASSWORD_HASHING,
      });
      await bank.init();
      const login = async (username: string) => bank.authenticate((await bank.login({ username, password: `${username} password 12` })).accessToken);
      const customers: Record<string, Principal> = { erin: await login('erin'), frank: await login('frank') };
      const send = (k: (typeof ten.keys)[number], amount: number) =>
        k.scope === 'operator' ? bank.operator.fund({ account: k.account, amount, idempotencyKey: k.key }) : bank.deposit(customers[k.scope]!, { account: k.account, amount, idempotencyKey: k.key });
      return { bank, customers, send };
    };
    const E = ten.keys.find((k) => k.scope === 'erin')!.account;
    const expectReplays = async (run: Awaited<ReturnType<typeof open>>, keys: typeof ten.keys) => {
      for (const k of keys) {
        const again = await run.send(k, k.amount);
        expect([k.key, again.replayed, again.transaction.id]).toEqual([k.key, true, k.transactionId]);
      }
    };

    const first = await open();
    expect(upgrades).toEqual([{ from: 10, to: SCHEMA_VERSION }]);
    await expectReplays(first, ten.keys);
    expect((await bankErrorOf(first.send(ten.keys[0]!, 1))).code).toBe('IDEMPOTENCY_KEY_REUSED');
    // New keys go in beside the old, through more than two folds.
    const added: typeof ten.keys = [];
    for (let i = 0; i < 40; i++) {
      const k = { scope: 'erin', key: `after-${i}`, account: E, amount: 1, transactionId: '' };
      const { transaction, replayed } = await first.send(k, 1);
      expect(replayed).toBe(false);
      added.push({ ...k, transactionId: transaction.id });
    }
    await expectReplays(first, [...ten.keys, ...added]);
    expect((await first.bank.getAccount(first.customers['erin']!, E)).balance).toBe(ten.balances['erin']! + 40);
    expect((await first.bank.verify()).problems).toEqual([]);
    await first.bank.close();

    const { db } = await openDatabase(file, driver);
    const one = (sql: string) => db.prepare(sql).get();
    expect(one('SELECT version FROM schema_version')).toEqual({ version: SCHEMA_VERSION });
    // Every settled key is 16 bytes of hash, and every record is reachable from one level or the other.
    expect(one("SELECT count(*) AS n FROM idempotency_keys WHERE typeof(hash) <> 'blob' OR length(hash) <> 16")).toEqual({ n: 0 });
    expect(one('SELECT count(*) AS n FROM idempotency_records r WHERE NOT EXISTS (SELECT 1 FROM idempotency_keys k WHERE k.record = r.id) AND NOT EXISTS (SELECT 1 FROM idempotency_recent_keys k WHERE k.record = r.id)')).toEqual({ n: 0 });
    db.close();

    const second = await open();
    await expectReplays(second, [...ten.keys, ...added]);
    expect((await second.bank.getAccount(second.customers['frank']!, ten.keys.find((k) => k.scope === 'frank')!.account)).balance).toBe(ten.balances['frank']);
    await second.bank.close();
    expect(upgrades).toHaveLength(1);
  });

  it('is announced by the standalone server before it upgrades a file, and timed after', async () => {
    const dataDir = freshDataDir('upgrade');
    copyFileSync(new URL('./fixtures/sqlite-schema8/bankcore.db', import.meta.url), join(dataDir, 'bankcore.db'));
    const server = await startCli({ BANK_DATA_DIR: dataDir, BANK_JWT_SECRET: 'upgrade-test-secret-of-at-least-32-bytes' });
    const output = server.output();
    expect(output).toMatch(new RegExp(`upgrading \\S+bankcore\\.db from schema 8 to ${SCHEMA_VERSION}, once`));
    expect(output).toMatch(new RegExp(`upgraded \\S+bankcore\\.db to schema ${SCHEMA_VERSION} in \\d+\\.\\d s`));
    expect(output.indexOf('upgrading')).toBeLessThan(output.indexOf('listening on'));
    expect(await server.stop()).toBe(0);
    // Started again on the upgraded file, it says nothing of the kind.
    const again = await startCli({ BANK_DATA_DIR: dataDir, BANK_JWT_SECRET: 'upgrade-test-secret-of-at-least-32-bytes' });
    expect(again.output()).not.toMatch(/upgrading |upgraded /);
    expect(await again.stop()).toBe(0);
  });
});
