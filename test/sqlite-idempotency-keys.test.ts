import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Bank, Principal, StorageAdapter } from 'bankcore';
import { sqliteAdapter, type SqliteDriver } from 'bankcore/sqlite';
import { openDatabase, type SqlDatabase } from '../src/adapters/sqlite/driver.js';
import { acct, bankErrorOf, makeBank, userIn } from './support/bank.js';
import { freshDataDir } from './support/data-dir.js';

// New idempotency keys go to a recent level (appended, found through memory) and are folded into the key index in
// key order, a slice per batch (see idempotency-keys.ts). These tests run with small levels, so that folds happen
// often and span several batches.

const driver = (process.env['BANKCORE_SQLITE_DRIVER'] ?? 'auto') as SqliteDriver;
const count = (db: SqlDatabase, sql: string) => (db.prepare(sql).get() as { n: number }).n;
const settledKeys = (db: SqlDatabase) => count(db, 'SELECT count(*) AS n FROM idempotency_keys');
const recentKeys = (db: SqlDatabase) => count(db, 'SELECT count(*) AS n FROM idempotency_recent_keys');

/** Deposits of 1 under keys `${prefix}-0…`, `callers` at a time; answers each key's transaction id. */
async function keyedDeposits(bank: Bank, me: Principal, prefix: string, n: number, callers: number): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  let next = 0;
  await Promise.all(Array.from({ length: callers }, async () => {
    while (next < n) {
      const key = `${prefix}-${next++}`;
      const { transaction, replayed } = await bank.deposit(me, { account: acct('K001'), amount: 1, idempotencyKey: key });
      expect(replayed).toBe(false);
      ids.set(key, transaction.id);
    }
  }));
  return ids;
}

/** Every key replays its own transaction, and a different amount under it is refused. */
async function expectReplays(bank: Bank, me: Principal, ids: Map<string, string>): Promise<void> {
  for (const [key, id] of ids) {
    const again = await bank.deposit(me, { account: acct('K001'), amount: 1, idempotencyKey: key });
    expect([key, again.replayed, again.transaction.id]).toEqual([key, true, id]);
  }
  const [someKey] = ids.keys();
  expect((await bankErrorOf(bank.deposit(me, { account: acct('K001'), amount: 2, idempotencyKey: someKey! }))).code).toBe('IDEMPOTENCY_KEY_REUSED');
}

/** Opens `storage` again: every key replays, the balance is `balance`, and `verify()` is clean. */
async function expectAfterRestart(storage: StorageAdapter, me: Principal, ids: Map<string, string>, balance: number): Promise<void> {
  const bank = makeBank({ storage });
  await bank.init();
  await expectReplays(bank, me, ids);
  expect((await bank.getAccount(me, acct('K001'))).balance).toBe(balance);
  expect((await bank.verify()).problems).toEqual([]);
  await bank.close();
}

describe('sqlite adapter: idempotency keys in a recent level, folded into the index in key order', () => {
  it('finds every key through folds, while folds run and after a restart, and applies each movement once', async () => {
    const file = join(freshDataDir('keys'), 'bankcore.db');
    const storage = () => sqliteAdapter({ filename: file, driver, recentIdempotencyKeys: 100 });
    const bank = makeBank({ storage: storage() });
    await bank.init();
    const me = await userIn(bank, 'keys');
    await bank.openAccount(me, acct('K001'));
    const ids = await keyedDeposits(bank, me, 'a', 1_000, 16);
    // Replays interleaved with new keys: some land while a fold runs.
    const [more] = await Promise.all([keyedDeposits(bank, me, 'b', 500, 8), expectReplays(bank, me, ids)]);
    for (const [key, id] of more) ids.set(key, id);
    await expectReplays(bank, me, ids);
    expect((await bank.getAccount(me, acct('K001'))).balance).toBe(1_500);
    await bank.close();

    const raw = (await openDatabase(file, driver)).db;
    // Folded: the index holds most keys, the recent level fewer than a fold's worth and a fold's newcomers.
    expect(settledKeys(raw)).toBeGreaterThanOrEqual(1_300);
    expect(recentKeys(raw)).toBeLessThan(200);
    const missing = count(raw, "SELECT count(*) AS n FROM idempotency_records r WHERE NOT EXISTS (SELECT 1 FROM idempotency_keys k WHERE k.record = r.id) AND NOT EXISTS (SELECT 1 FROM idempotency_recent_keys k WHERE k.record = r.id)");
    expect(missing).toBe(0);
    raw.close();

    await expectAfterRestart(storage(), me, ids, 1_500);
  });

  it('resumes a fold that a crash interrupted: every key is found, none applies twice, and the fold completes', async () => {
    const dir = freshDataDir('keys-crash');
    const file = join(dir, 'bankcore.db');
    const { db } = await openDatabase(file, driver);
    // A level of 320 folds in slices of 10 keys: one deposit at a time, the fold spans 32 batches.
    const bank = makeBank({ storage: sqliteAdapter({ database: db, recentIdempotencyKeys: 320 }) });
    await bank.init();
    const me = await userIn(bank, 'crash');
    await bank.openAccount(me, acct('K001'));
    const ids = await keyedDeposits(bank, me, 'a', 325, 1);
    // The fold started after the 320th key's commit; each of the five batches since folded a slice of 10.
    expect(settledKeys(db)).toBe(50);
    expect(recentKeys(db)).toBe(325);
    // The crash: the file as it is on disk now (every commit acknowledged so far is in it or its WAL).
    const image = join(freshDataDir('keys-image'), 'bankcore.db');
    copyFileSync(file, image);
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${image}-wal`);
    await bank.close();
    db.close();

    const restarted = makeBank({ storage: sqliteAdapter({ filename: image, driver, recentIdempotencyKeys: 320 }) });
    await restarted.init();
    await expectReplays(restarted, me, ids);
    // A new fold starts after the first commit since the restart, of the 325 recent keys (the 50 folded before the
    // crash again, which changes nothing), 10 a batch: done within these 40 batches, whose keys stay recent.
    for (const [key, id] of await keyedDeposits(restarted, me, 'b', 40, 1)) ids.set(key, id);
    await restarted.close();
    const raw = (await openDatabase(image, driver)).db;
    expect([settledKeys(raw), recentKeys(raw)]).toEqual([325, 40]);
    raw.close();

    await expectAfterRestart(sqliteAdapter({ filename: image, driver, recentIdempotencyKeys: 320 }), me, ids, 365);
  });

  it('forgets the key of a change that rolled back: the key applies afresh later, and never replays a neighbour', async () => {
    const file = join(freshDataDir('keys-rollback'), 'bankcore.db');
    const { db } = await openDatabase(file, driver);
    const bank = makeBank({ storage: sqliteAdapter({ database: db }) });
    await bank.init();
    const me = await userIn(bank, 'rollback');
    await bank.openAccount(me, acct('K001'));
    // A change that fails after its record and key were written: its event's insert aborts.
    db.exec("CREATE TRIGGER fail_k2 BEFORE INSERT ON events WHEN EXISTS (SELECT 1 FROM idempotency_recent_keys WHERE key = 'k2') BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    // One batch: the first run fails at k2 and rolls back; run again isolated, k2 alone rolls back to its savepoint.
    const settled = await Promise.allSettled(['k1', 'k2', 'k3'].map((key) => bank.deposit(me, { account: acct('K001'), amount: 1, idempotencyKey: key })));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    db.exec('DROP TRIGGER fail_k2');
    // k4's record takes the number k2's had: a key remembered past its rollback would now replay k4.
    const k4 = await bank.deposit(me, { account: acct('K001'), amount: 4, idempotencyKey: 'k4' });
    const k2 = await bank.deposit(me, { account: acct('K001'), amount: 2, idempotencyKey: 'k2' });
    expect(k2.replayed).toBe(false);
    expect(k2.transaction.id).not.toBe(k4.transaction.id);
    expect((await bank.getAccount(me, acct('K001'))).balance).toBe(8);
    expect((await bank.verify()).problems).toEqual([]);
    await bank.close();
    db.close();
  });

  it('refuses a recent level that is not a positive integer', () => {
    for (const recentIdempotencyKeys of [0, -1, 1.5, Number.NaN]) {
      expect(() => sqliteAdapter({ filename: ':memory:', recentIdempotencyKeys })).toThrow(/recentIdempotencyKeys must be a positive integer/);
    }
  });
});
