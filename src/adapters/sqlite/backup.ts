import { BankError } from 'bankcore';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { failure, openDatabase, sqliteCode, type SqliteDriver } from './driver.js';
import { checkIntegrity } from './open.js';

/**
 * Copies a live database to `target` while its owner keeps serving, and returns once the copy is complete, checked
 * and on disk. A read-only connection of its own (WAL readers never block the writer) runs `VACUUM INTO`, which
 * writes a complete, compact database from one read transaction, into a hidden file beside `target`. That copy is
 * integrity-checked and fsynced (SQLite's documentation does not promise that `VACUUM INTO` syncs what it writes;
 * the versions in better-sqlite3 12 and Node 22 and 24 do), then given its name and its directory fsynced: `target`
 * never names a partial or unsynced copy, and a copy that fails is removed. Restore by
 * putting it in place as the database file while no store has it open. `VACUUM INTO` runs on the calling thread:
 * `bankcore backup` runs it in a process of its own.
 *
 * @param source - the live database file.
 * @param target - a new file; its directory must exist.
 * @param driver - which SQLite driver opens the files (default: whichever the runtime has).
 * @throws BankError CONFIGURATION_INVALID when `target` exists or its directory does not; STORAGE_UNAVAILABLE
 *   when the source cannot be read, or the copy cannot be written or fails its check.
 * @example
 * ```ts
 * await backupDatabase('./data/bankcore.db', './backups/2026-12-02.db');
 * ```
 */
export async function backupDatabase(source: string, target: string, driver: SqliteDriver = 'auto'): Promise<void> {
  const directory = dirname(target);
  if (!existsSync(directory)) throw new BankError('CONFIGURATION_INVALID', `Cannot back up to ${target}: its directory does not exist`);
  if (existsSync(target)) throw targetExists(target);
  const partial = join(directory, `.${basename(target)}.partial-${randomUUID()}`);
  try {
    const { db } = await openDatabase(source, driver, { readOnly: true });
    try {
      db.prepare('VACUUM INTO ?').run(partial);
    } catch (error) {
      // A full disk or a damaged source says so; anything else is the target's (a directory it cannot write to).
      const code = sqliteCode(error);
      if (code === 'SQLITE_FULL' || code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') throw failure(error, source);
      throw new BankError('STORAGE_UNAVAILABLE', `Cannot write a backup to ${target}`, { cause: error });
    } finally {
      db.close();
    }
    const { db: copy } = await openDatabase(partial, driver, { readOnly: true });
    try {
      checkIntegrity(copy, partial, 'full');
    } catch (error) {
      throw new BankError('STORAGE_UNAVAILABLE', `The copy of ${source} failed its integrity check; nothing was written to ${target}`, { cause: error });
    } finally {
      copy.close();
    }
    await fsync(partial);
    await giveName(partial, target);
    await rm(partial);
    await fsync(directory);
  } finally {
    // A copy that failed goes (a finished one is already gone from this name).
    await rm(partial, { force: true });
  }
}

const targetExists = (target: string) => new BankError('CONFIGURATION_INVALID', `Cannot back up to ${target}: it exists; a backup goes to a new file`);

/** Links `file` as `name` without replacing a file that appeared there meanwhile (rename where links are refused). */
async function giveName(file: string, name: string): Promise<void> {
  try {
    await link(file, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST' || existsSync(name)) throw targetExists(name);
    // A file system without hard links: the check above and the rename are not one step, which only matters if
    // something else creates the same name in that instant.
    await rename(file, name);
  }
}

/** Fsyncs a file, or a directory (so that the entries made or removed in it are on disk). */
async function fsync(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
