import { BankError } from 'bankcore';

/** A prepared statement, as both `better-sqlite3` and `node:sqlite` shape it (positional `?` parameters only). */
export interface SqlStatement {
  run(...params: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

/** An open, synchronous SQLite database: a `better-sqlite3` `Database` or a `node:sqlite` `DatabaseSync`. */
export interface SqlDatabase {
  exec(sql: string): unknown;
  prepare(sql: string): SqlStatement;
  /** Registers a SQL function (both drivers take this signature); migrations use it. */
  function(name: string, options: { deterministic: boolean }, fn: (...args: unknown[]) => unknown): unknown;
  close(): unknown;
}

/** Which driver opens a file: `auto` prefers better-sqlite3 when installed, else Node's built-in `node:sqlite`. */
export type SqliteDriver = 'auto' | 'better-sqlite3' | 'node:sqlite';

type Opener = (filename: string, options: { timeoutMs: number; readOnly: boolean }) => SqlDatabase;

async function betterSqlite3(): Promise<Opener | null> {
  try {
    const mod = (await import('better-sqlite3')) as unknown as { default: new (file: string, options: object) => SqlDatabase };
    return (file, { timeoutMs, readOnly }) => new mod.default(file, { timeout: timeoutMs, readonly: readOnly, fileMustExist: readOnly });
  } catch {
    return null;
  }
}

async function nodeSqlite(): Promise<Opener | null> {
  try {
    const specifier = 'node:sqlite';
    // A variable specifier, so bundlers and Node 20 (which has no node:sqlite) never resolve it ahead of time.
    const mod = (await import(specifier)) as { DatabaseSync: new (file: string, options: object) => SqlDatabase };
    return (file, { timeoutMs, readOnly }) => new mod.DatabaseSync(file, { timeout: timeoutMs, readOnly });
  } catch {
    return null;
  }
}

/**
 * Opens `filename` with the chosen driver.
 *
 * @throws BankError CONFIGURATION_INVALID when no driver is available, naming how to get one.
 */
export async function openDatabase(filename: string, driver: SqliteDriver, options: { timeoutMs?: number; readOnly?: boolean } = {}): Promise<{ db: SqlDatabase; driver: Exclude<SqliteDriver, 'auto'> }> {
  const settings = { timeoutMs: options.timeoutMs ?? 5_000, readOnly: options.readOnly ?? false };
  const candidates: Array<Exclude<SqliteDriver, 'auto'>> = driver === 'auto' ? ['better-sqlite3', 'node:sqlite'] : [driver];
  for (const name of candidates) {
    const open = name === 'better-sqlite3' ? await betterSqlite3() : await nodeSqlite();
    if (open) {
      try {
        return { db: open(filename, settings), driver: name };
      } catch (error) {
        // better-sqlite3 loads its native binding at the first open: one built for another Node version (installed
        // on Node 20, run on 24) is an unavailable driver, so `auto` goes on to node:sqlite.
        if (driver === 'auto' && isBindingFailure(error)) continue;
        throw new BankError('STORAGE_UNAVAILABLE', `Cannot open the SQLite database ${filename}`, { cause: error });
      }
    }
  }
  throw new BankError(
    'CONFIGURATION_INVALID',
    driver === 'auto'
      ? 'No SQLite driver: install better-sqlite3 (npm install better-sqlite3) or run Node.js 22.13 or later, which has node:sqlite'
      : `The SQLite driver ${driver} is not available in this runtime`,
  );
}

function isBindingFailure(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return e?.code === 'ERR_DLOPEN_FAILED' || /NODE_MODULE_VERSION|Could not locate the bindings file/.test(String(e?.message ?? ''));
}

/** SQLite's error code (`SQLITE_FULL`, `SQLITE_BUSY`, `SQLITE_CORRUPT`…), as either driver reports it. */
export function sqliteCode(error: unknown): string {
  const e = error as { code?: unknown; errcode?: unknown; errstr?: unknown; message?: unknown } | null;
  if (typeof e?.code === 'string' && e.code.startsWith('SQLITE_')) return e.code;
  // node:sqlite reports the extended result code as a number; its low byte is the primary code.
  const primary: Record<number, string> = { 5: 'SQLITE_BUSY', 10: 'SQLITE_IOERR', 11: 'SQLITE_CORRUPT', 13: 'SQLITE_FULL', 26: 'SQLITE_NOTADB' };
  if (typeof e?.errcode === 'number' && primary[e.errcode & 0xff]) return primary[e.errcode & 0xff]!;
  const text = `${String(e?.errstr ?? '')} ${String(e?.message ?? '')}`.toLowerCase();
  if (text.includes('database or disk is full')) return 'SQLITE_FULL';
  if (text.includes('database is locked') || text.includes('database is busy')) return 'SQLITE_BUSY';
  if (text.includes('malformed') || text.includes('not a database') || text.includes('corrupt')) return 'SQLITE_CORRUPT';
  return 'SQLITE_ERROR';
}

/**
 * A driver failure as a BankError (returned, not thrown): a full disk or damage says so, damage naming the file;
 * a BankError passes through unchanged.
 *
 * @param error - what the driver threw.
 * @param filename - the database file, for the message about damage (null: "the SQLite database").
 * @returns a BankError STORAGE_UNAVAILABLE with `error` as its cause.
 * @example
 * ```ts
 * try { db.exec('COMMIT'); } catch (error) { throw failure(error, './data/bankcore.db'); }
 * ```
 */
export function failure(error: unknown, filename: string | null): BankError {
  if (error instanceof BankError) return error;
  const code = sqliteCode(error);
  const file = filename ?? 'the SQLite database';
  if (code === 'SQLITE_FULL') return new BankError('STORAGE_UNAVAILABLE', 'The disk is full; nothing was written', { cause: error });
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') return new BankError('STORAGE_UNAVAILABLE', `${file} is damaged; restore it from a backup`, { cause: error });
  return new BankError('STORAGE_UNAVAILABLE', 'Storage is unavailable; try again later', { cause: error });
}
