import { BankError } from 'bankcore';
import { openDatabase, sqliteCode, type SqlDatabase, type SqliteDriver } from './driver.js';

/** The database's file name (empty for an in-memory database); reading it takes no lock. */
export function fileOf(db: SqlDatabase): string {
  const main = (db.prepare('PRAGMA database_list').all() as Array<{ name: string; file: string }>).find((d) => d.name === 'main');
  return main?.file ?? '';
}

/** Sets the durability and speed pragmas. Run only by the owner, once it holds the owner lock. */
export function configure(db: SqlDatabase): void {
  db.exec('PRAGMA busy_timeout = 5000');
  // WAL: readers never block the writer, which an online backup needs. synchronous=NORMAL, because the adapter
  // fsyncs the WAL itself, off the event loop, before it acknowledges anything (see wal-sync.ts): an acknowledged
  // change survives a crash of the process or of the machine, as at FULL.
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  // 32 MiB of page cache instead of SQLite's 2 MiB: with many active accounts every group commit touches one leaf
  // per account of the entries' B-tree (and, before schema 6, of a full index by time); measured then with 1,000
  // accounts at 1M entries, deposits went from 8,300/s to 9,900/s and their p99 from 62 to 44 ms (`npm run bench
  // scale`'s child, one run each).
  db.exec('PRAGMA cache_size = -32768');
  checkpointOnEventLoop(db);
}

/**
 * SQLite's own checkpointing, on the connection's thread: for a database you opened yourself, or once the
 * checkpoint worker is gone. A store with the worker turns both off (see checkpoint-worker.mjs).
 */
export function checkpointOnEventLoop(db: SqlDatabase): void {
  // A checkpoint moves WAL pages into the database file; 4,000 pages (about 16 MiB) bounds the WAL without
  // checkpointing on every group commit.
  db.exec('PRAGMA wal_autocheckpoint = 4000');
  // SQLite restarts a checkpointed WAL from its start but keeps the file's size: after a long reader held the WAL
  // (the integrity check beside a serving store), the file would stay at its largest for good. The restart now
  // cuts it back to WAL_LIMIT_BYTES.
  db.exec(`PRAGMA journal_size_limit = ${WAL_LIMIT_BYTES}`);
}

/** The WAL's size bound: the checkpointer copies it into the database file once it grows past this. */
export const WAL_LIMIT_BYTES = 16 * 2 ** 20;

/** The OS lock that makes one store the only owner of a database file. */
export interface OwnerLock {
  release(): void;
}

/** How long a store tries for the owner lock before it is refused: longer than any setup a racer holds it for. */
const OWNER_LOCK_WAIT_MS = 2_000;

/**
 * Takes `<file>-lock` in SQLite's exclusive locking mode and holds it: an OS-level lock (fcntl), so a second store
 * in this process or another is refused, with no pid file and no race; the OS releases it if the process dies. A
 * separate file, so that `bankcore backup` can still read the database itself.
 */
export async function acquireOwnerLock(filename: string, driver: SqliteDriver): Promise<OwnerLock> {
  if (filename === '') return { release() {} };
  // Two stores starting together each hold a lock on the new lock file for a moment while they take it; SQLite
  // answers one of them BUSY at once (waiting could deadlock), and the other waits for that one to let go. A
  // loser descheduled for longer than that wait (a loaded machine) used to make the winner give up too, leaving no
  // owner. So a BUSY store tries again, after a random pause, until OWNER_LOCK_WAIT_MS: a racer's moment passes,
  // an owner's lock never does. Each attempt waits at most 100 ms inside SQLite, which blocks the thread.
  const deadline = Date.now() + OWNER_LOCK_WAIT_MS;
  for (;;) {
    const { db } = await openDatabase(`${filename}-lock`, driver, { timeoutMs: 100 });
    try {
      db.exec('PRAGMA locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE');
      return {
        release() {
          try {
            db.exec('ROLLBACK');
          } finally {
            db.close();
          }
        },
      };
    } catch (error) {
      db.close();
      if (sqliteCode(error) !== 'SQLITE_BUSY') throw error;
      if (Date.now() >= deadline) {
        throw new BankError('CONFIGURATION_INVALID', `${filename} is in use by another bankcore store (in this process or another); one store per database file`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 80));
    }
  }
}

/** The tables that grow with history: on a large file, `quick` checks them in the background (see `sqliteAdapter`). */
export const HISTORY_TABLES = ['transactions', 'entries', 'events', 'idempotency_keys', 'idempotency_records'] as const;

/**
 * Up to this size, `quick` checks the whole file at open. Measured (`npm run bench scale`): a restart of the
 * standalone server on a file of 1M entries (events on; under the 1 GiB this limit was then) took 2.06 s with the
 * whole-file check; at 10M entries, with the split check, 0.47 s.
 */
export const WHOLE_FILE_CHECK_BYTES = 256 * 1024 ** 2;

/** The problems `PRAGMA quick_check` (or `integrity_check`) reports, of the whole file or of `tables` only. */
export function integrityProblems(db: SqlDatabase, mode: 'quick' | 'full', tables: readonly string[] | null = null): string[] {
  const pragma = mode === 'full' ? 'integrity_check' : 'quick_check';
  const statements = tables === null ? [`PRAGMA ${pragma}`] : tables.map((t) => `PRAGMA ${pragma}(${t})`);
  return statements.flatMap((sql) => (db.prepare(sql).all() as Array<Record<string, string>>).map((r) => Object.values(r)[0]!)).filter((v) => v !== 'ok');
}

/** The error that refuses a damaged file, naming it. */
export const damaged = (filename: string, problems: string[]) =>
  new BankError('STORAGE_UNAVAILABLE', `${filename} is damaged (${problems.slice(0, 3).join('; ')}); restore it from a backup`);

/**
 * Refuses a damaged database before serving from it, naming the file: the whole file, or (`except`) every table but
 * those.
 *
 * @throws BankError STORAGE_UNAVAILABLE
 */
export function checkIntegrity(db: SqlDatabase, filename: string, mode: 'quick' | 'full' | 'none', except: readonly string[] = []): void {
  if (mode === 'none') return;
  const tables = except.length
    ? (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as Array<{ name: string }>).map((r) => r.name).filter((n) => !except.includes(n))
    : null;
  const problems = integrityProblems(db, mode, tables);
  if (problems.length) throw damaged(filename, problems);
}
