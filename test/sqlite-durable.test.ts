import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, openSync, readFileSync, statSync, truncateSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isBankError, type LedgerEntry } from 'bankcore';
import { backupDatabase, sqliteAdapter, type SqliteDriver } from 'bankcore/sqlite';
import { ENTRY_SQL, TRANSACTION_BY_ID, transactionByIdParams } from '../src/adapters/sqlite/reads.js';
import { openDatabase } from '../src/adapters/sqlite/driver.js';
import { createWalSync } from '../src/adapters/sqlite/wal-sync.js';
import { checkInBackground } from '../src/adapters/sqlite/checkpointer.js';
import { checkIntegrity, HISTORY_TABLES } from '../src/adapters/sqlite/open.js';
import { acct, depositsOf1, makeBank, userIn } from './support/bank.js';
import { CLI } from './support/cli.js';
import { damagePage } from './support/damage.js';
import { freshDataDir } from './support/data-dir.js';


const errorOf = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as { code: string; message: string });

async function seeded(file: string, deposits = 20) {
  const bank = makeBank({ storage: sqliteAdapter({ filename: file }) });
  await bank.init();
  const me = await userIn(bank, 'durable');
  await bank.openAccount(me, acct('D001'));
  for (let i = 1; i <= deposits; i++) await bank.deposit(me, { account: acct('D001'), amount: i, idempotencyKey: `dep-${i}` });
  return { bank, me };
}

describe('sqlite adapter: durability and ownership', () => {
  it('keeps every acknowledged change, and its idempotency key, across a restart', async () => {
    const file = join(freshDataDir(), 'bankcore.db');
    const { bank, me } = await seeded(file);
    await bank.close();
    const again = makeBank({ storage: sqliteAdapter({ filename: file }) });
    await again.init();
    expect((await again.getAccount(me, acct('D001'))).balance).toBe(210);
    expect((await again.deposit(me, { account: acct('D001'), amount: 7, idempotencyKey: 'dep-7' })).replayed).toBe(true);
    expect((await again.verify()).problems).toEqual([]);
    await again.close();
  });

  it('refuses a second store on the same file in this process, saying so, and admits one after the first closes', async () => {
    const file = join(freshDataDir(), 'bankcore.db');
    const first = sqliteAdapter({ filename: file });
    await first.init!();
    const error = await errorOf(sqliteAdapter({ filename: file }).init!());
    expect(error?.code).toBe('CONFIGURATION_INVALID');
    expect(error?.message).toContain(`${file} is in use by another bankcore store`);
    await first.close!();
    const second = sqliteAdapter({ filename: file });
    await second.init!();
    await second.close!();
  });

  it('lets exactly one of two processes started together own a file, every time', async () => {
    const dir = freshDataDir('owners');
    // Each racer answers once it has tried; a winner then holds the file until both have answered.
    const race = (file: string) => {
      const child = spawn(process.execPath, [...CLI.slice(0, 2), join(import.meta.dirname, 'support', 'sqlite-owner.ts'), file], { stdio: ['pipe', 'pipe', 'inherit'] });
      const answered = new Promise<string>((resolve) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('\n')) resolve(out.trim());
        });
        child.on('exit', () => resolve(out.trim()));
      });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      return { answered, release: () => (child.stdin.end(), exited) };
    };
    for (let round = 0; round < 8; round++) {
      const file = join(dir, `race-${round}.db`);
      const racers = [race(file), race(file)];
      const answers = await Promise.all(racers.map((r) => r.answered));
      await Promise.all(racers.map((r) => r.release()));
      expect(answers.filter((a) => a === 'won'), `round ${round}: ${JSON.stringify(answers)}`).toHaveLength(1);
      expect(answers.filter((a) => a.startsWith('refused: CONFIGURATION_INVALID')), `round ${round}: ${JSON.stringify(answers)}`).toHaveLength(1);
    }
  }, 60_000);

  it('opens a crash image whose WAL was cut mid-frame at its last complete commit', async () => {
    const dir = freshDataDir();
    const file = join(dir, 'bankcore.db');
    const { bank, me } = await seeded(file, 30);
    // What a crash leaves: the database and its WAL as they are while the store is open.
    const image = join(freshDataDir('image'), 'bankcore.db');
    copyFileSync(file, image);
    copyFileSync(`${file}-wal`, `${image}-wal`);
    await bank.close();
    const wal = statSync(`${image}-wal`).size;
    expect(wal).toBeGreaterThan(4096);
    truncateSync(`${image}-wal`, wal - 1000);
    const again = makeBank({ storage: sqliteAdapter({ filename: image }) });
    await again.init();
    const balance = (await again.getAccount(me, acct('D001'))).balance;
    const sums = Array.from({ length: 31 }, (_, n) => (n * (n + 1)) / 2);
    expect(sums).toContain(balance);
    expect(balance).toBeLessThan(sums[30]!);
    expect((await again.verify()).problems).toEqual([]);
    await again.close();
  });

  it('refuses to open a file with a damaged page, naming the file', async () => {
    const file = join(freshDataDir(), 'bankcore.db');
    const { bank } = await seeded(file);
    await bank.close();
    damagePage(file);
    const error = await errorOf(sqliteAdapter({ filename: file }).init!());
    expect(error?.code).toBe('STORAGE_UNAVAILABLE');
    expect(error?.message).toContain(file);
    expect(error?.message).toMatch(/damaged/);
  });

  it('checks the history tables of a large file on a worker thread, and the rest at open', async () => {
    const file = join(freshDataDir(), 'bankcore.db');
    const { bank } = await seeded(file);
    await bank.close();
    const { db, driver } = await openDatabase(file, 'auto');
    const { rootpage } = db.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'entries'").get() as { rootpage: number };
    db.close();
    damagePage(file, rootpage);
    const { db: damagedDb } = await openDatabase(file, driver);
    // What init() checks of a large file passes: the damage is in a history table...
    expect(() => checkIntegrity(damagedDb, file, 'quick', HISTORY_TABLES)).not.toThrow();
    damagedDb.close();
    // ...which the worker finds.
    expect((await checkInBackground(file, driver, HISTORY_TABLES)).length).toBeGreaterThan(0);
    // A small file is checked whole at open.
    expect((await errorOf(sqliteAdapter({ filename: file }).init!()))?.message).toMatch(/damaged/);
  });

  it('refuses a file that is not a database at all, naming it', async () => {
    const file = join(freshDataDir(), 'bankcore.db');
    const fd = openSync(file, 'w');
    writeSync(fd, Buffer.alloc(8192, 0x41));
    closeSync(fd);
    const error = await errorOf(sqliteAdapter({ filename: file }).init!());
    expect(isBankError(error, 'STORAGE_UNAVAILABLE')).toBe(true);
    expect(error?.message).toContain(file);
  });

  it('backs up a live database while it takes deposits; the restored copy verifies and holds every deposit before it', async () => {
    const dir = freshDataDir();
    const file = join(dir, 'bankcore.db');
    const { bank, me } = await seeded(file);
    const busy = Promise.all(Array.from({ length: 50 }, () => bank.deposit(me, { account: acct('D001'), amount: 1 })));
    const copy = join(freshDataDir('backup'), 'copy.db');
    await backupDatabase(file, copy);
    await busy;
    await bank.close();
    const restored = join(freshDataDir('restore'), 'bankcore.db');
    cpSync(copy, restored);
    const again = makeBank({ storage: sqliteAdapter({ filename: restored }) });
    await again.init();
    const balance = (await again.getAccount(me, acct('D001'))).balance;
    expect(balance).toBeGreaterThanOrEqual(210);
    expect(balance).toBeLessThanOrEqual(260);
    expect((await again.verify()).problems).toEqual([]);
    await again.close();
  });

  it('answers history pages and balanceAt from index lookups and links, never a scan of the ledger, with one entry in 64 indexed', async () => {
    const file = join(freshDataDir(), 'bankcore.db');
    const { bank } = await seeded(file, 3);
    await bank.close();
    // Whichever driver this run tests (better-sqlite3 on Node 20, node:sqlite on 22 and 24).
    const { db } = await openDatabase(file, (process.env['BANKCORE_SQLITE_DRIVER'] ?? 'auto') as SqliteDriver, { readOnly: true });
    const plan = (sql: string, ...params: unknown[]) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail).join('; ');
    // The statements of reads.ts: the sparse indexes by time and by sequence, and the chain, one entry by id at a time.
    expect(plan(ENTRY_SQL.lastIndexedAtOrBefore, 1, 1)).toMatch(/SEARCH entries USING (COVERING )?INDEX entries_by_time_sparse \(account_pk=\? AND created_at<\?\)/);
    expect(plan(ENTRY_SQL.firstIndexedAtOrAbove, 1, 1)).toMatch(/SEARCH entries USING (COVERING )?INDEX entries_by_sequence_sparse \(account_pk=\? AND sequence>\?\)/);
    for (const chain of [plan(ENTRY_SQL.chainDown, 1, 1, 1), plan(ENTRY_SQL.chainUp, 1, -1), plan(ENTRY_SQL.lastAtOrBeforeFrom, 1, 1, 1)]) {
      expect(chain).toMatch(/SEARCH entries USING INTEGER PRIMARY KEY \(rowid=\?\).*SEARCH e USING INTEGER PRIMARY KEY \(rowid=\?\)/);
      // The only scan is of the chain's own queue of rows (c).
      expect(chain).not.toMatch(/SCAN (e|entries|t|transactions|a|accounts)\b/);
    }
    // A chain's transactions are found by their integer key, and a transaction by id by the key its id derives.
    expect(plan(ENTRY_SQL.chainDown, 1, 1, 1)).toMatch(/SEARCH t USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    expect(plan(`SELECT body FROM transactions WHERE ${TRANSACTION_BY_ID}`, ...transactionByIdParams('01a2448e-dab5-77e5-b30b-a704ba614c20'))).toMatch(/^SEARCH transactions USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    // Only one entry in 64 is indexed, by time and by sequence.
    expect(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'entries' ORDER BY name").all()).toEqual([{ name: 'entries_by_sequence_sparse' }, { name: 'entries_by_time_sparse' }]);
    db.close();
    expect(existsSync(`${file}-lock`)).toBe(true);
    expect(readFileSync(file).subarray(0, 15).toString()).toBe('SQLite format 3');
  });

  it('finds balanceAt and history by time exactly as a scan of the whole history would, with many entries in one millisecond', async () => {
    let now = new Date('2026-06-01T00:00:00Z').getTime();
    const bank = makeBank({ storage: sqliteAdapter({ filename: join(freshDataDir(), 'bankcore.db') }), clock: () => new Date(now) });
    await bank.init();
    const me = await userIn(bank, 'times');
    await bank.openAccount(me, acct('T001'));
    // 300 deposits: runs of up to 7 in one millisecond, then gaps of 1 ms to a minute.
    for (let i = 1; i <= 300; i++) {
      if (i % ((i % 7) + 1) === 0) now += [1, 2, 1_000, 60_000][i % 4]!;
      await bank.deposit(me, { account: acct('T001'), amount: i });
    }
    // Every page of a query, newest first, following the cursors.
    const everyPage = async (query: { from?: Date; to?: Date }) => {
      const sequences: number[] = [];
      let cursor: string | undefined;
      do {
        const page = await bank.history(me, acct('T001'), { ...query, limit: 100, ...(cursor ? { cursor } : {}) });
        sequences.push(...page.entries.map((e) => e.sequence));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return sequences;
    };
    const all: LedgerEntry[] = [];
    for (let cursor: string | null = null, first = true; first || cursor; first = false) {
      const page = await bank.history(me, acct('T001'), { limit: 100, ...(cursor ? { cursor } : {}) });
      all.unshift(...page.entries.reverse());
      cursor = page.nextCursor;
    }
    expect(all).toHaveLength(300);
    const times = [...new Set(all.map((e) => e.createdAt.getTime()))];
    const probes = [times[0]! - 1, ...times.flatMap((t) => [t - 1, t, t + 1]), now + 1];
    for (const at of probes) {
      const upTo = all.filter((e) => e.createdAt.getTime() <= at);
      expect((await bank.balanceAt(me, acct('T001'), new Date(at))).sequence).toBe(upTo.at(-1)?.sequence ?? 0);
    }
    for (let k = 0; k < 40; k++) {
      const from = probes[(k * 37) % probes.length]!;
      const to = Math.max(from, probes[(k * 53 + 11) % probes.length]!);
      const expected = all.filter((e) => e.createdAt.getTime() >= from && e.createdAt.getTime() <= to).map((e) => e.sequence).reverse();
      expect(await everyPage({ from: new Date(from), to: new Date(to) })).toEqual(expected);
    }
    await bank.close();
  });

  it('makes commits durable in order, and fails every later call once the WAL could not be synced', async () => {
    const file = join(freshDataDir(), 'bankcore.db');
    const { bank } = await seeded(file, 1);
    const sync = createWalSync(`${file}-wal`);
    const first = sync.committed();
    const second = sync.committed();
    let secondDurable = false;
    const done = sync.whenDurable(second).then(() => (secondDurable = true));
    await sync.whenDurable(first);
    await done;
    expect(secondDurable).toBe(true);
    sync.close();
    const broken = createWalSync(join(freshDataDir(), 'no-such-file-wal'));
    const failed = errorOf(broken.whenDurable(broken.committed()));
    expect(await failed).not.toBeNull();
    expect(() => broken.assertHealthy()).toThrow();
    await expect(broken.whenDurable(0)).rejects.toBeDefined();
    await bank.close();
  });

  it('keeps the WAL bounded under sustained writes: a worker thread checkpoints it and the log restarts', async () => {
    const file = join(freshDataDir(), 'bankcore.db');
    const { bank, me } = await seeded(file, 1);
    // About 100 MB of WAL frames if nothing checkpointed it (a deposit writes about 1.7 KB of pages, and each
    // group commit rewrites the pages it shares with the last one).
    await depositsOf1(bank, me, acct('D001'), 60_000);
    expect(statSync(`${file}-wal`).size).toBeLessThan(48 * 2 ** 20);
    expect((await bank.getAccount(me, acct('D001'))).balance).toBe(60_001);
    expect((await bank.verify()).problems).toEqual([]);
    await bank.close();
  }, 60_000);

  it('cuts a WAL that a long reader made grow back to 16 MiB once the reader is gone (the checkpoint worker truncates it)', async () => {
    const file = join(freshDataDir(), 'bankcore.db');
    const { bank, me } = await seeded(file, 1);
    const deposits = (count: number) => depositsOf1(bank, me, acct('D001'), count);
    // A reader's snapshot (the integrity check beside a serving store holds one for seconds) stops any checkpoint
    // from restarting the WAL, so the log grows past its bound meanwhile.
    const { db: reader } = await openDatabase(file, 'auto');
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) AS n FROM entries').get();
    await deposits(25_000);
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(20 * 2 ** 20);
    reader.exec('COMMIT');
    reader.close();
    // The cut needs a checkpoint that copies every frame (the next one is due within half a second) and then a
    // commit that restarts the log: writes go on, a thousand at a time, until it happened or 20 s have passed.
    let written = 25_000;
    const until = Date.now() + 20_000;
    do {
      await deposits(1_000);
      written += 1_000;
    } while (statSync(`${file}-wal`).size > 17 * 2 ** 20 && Date.now() < until);
    expect(statSync(`${file}-wal`).size).toBeLessThanOrEqual(17 * 2 ** 20);
    expect((await bank.getAccount(me, acct('D001'))).balance).toBe(written + 1);
    expect((await bank.verify()).problems).toEqual([]);
    await bank.close();
  }, 60_000);

  it('rolls back only a change that fails after updating rows: its neighbours before and after it in the batch commit, and no trace of it (cached row, entry) is left', async () => {
    const file = join(freshDataDir(), 'bankcore.db');
    const { db } = await openDatabase(file, 'auto');
    const bank = makeBank({ storage: sqliteAdapter({ database: db }) });
    await bank.init();
    const me = await userIn(bank, 'cache');
    await bank.openAccount(me, acct('C001'));
    await bank.deposit(me, { account: acct('C001'), amount: 100 });
    // A change that fails after its account rows were updated: its entry's insert aborts.
    db.exec("CREATE TRIGGER fail_13 BEFORE INSERT ON entries WHEN NEW.amount = 13 BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    // One batch: the first run (no savepoints) fails at the second change, and the batch runs again isolated.
    const settled = await Promise.allSettled([7, 13, 5].map((amount) => bank.deposit(me, { account: acct('C001'), amount })));
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await bank.getAccount(me, acct('C001'))).balance).toBe(112);
    expect((await bank.history(me, acct('C001'))).entries.map((e) => e.amount)).toEqual([5, 7, 100]);
    expect((await bank.deposit(me, { account: acct('C001'), amount: 1 })).account.balance).toBe(113);
    // A batch writes each account's row once, at its end: a failure there too runs the batch again isolated, and
    // only the change whose row fails (the third, whose balance would be 1,120) is refused.
    db.exec("CREATE TRIGGER fail_1120 BEFORE UPDATE ON accounts WHEN NEW.balance = 1120 BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    const rows = await Promise.allSettled([1000, 3, 4].map((amount) => bank.deposit(me, { account: acct('C001'), amount })));
    expect(rows.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((await bank.getAccount(me, acct('C001'))).balance).toBe(1116);
    expect((await bank.history(me, acct('C001'))).entries.map((e) => e.amount).slice(0, 3)).toEqual([3, 1000, 1]);
    expect((await bank.verify()).problems).toEqual([]);
    await bank.close();
    db.close();
  });
});
