import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { backupDatabase, sqliteAdapter } from 'bankcore/sqlite';
import { importJournal } from './import-journal.js';
import { databaseFile } from './storage.js';

/**
 * `bankcore backup <file>`: a consistent copy of the live database, taken while the server serves
 * (`backupDatabase`: checked and on disk before it answers, and `<file>` must be new); restoring is copying it back
 * as `bankcore.db` while the server is stopped.
 */
export async function backup(target: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  if (!target) throw new Error('usage: bankcore backup <file>');
  const source = databaseFile(env['BANK_DATA_DIR'] || './data');
  if (!existsSync(source)) throw new Error(`no database at ${source} (set BANK_DATA_DIR)`);
  await backupDatabase(source, resolve(target));
  return `backed up ${source} to ${target} (integrity checked, fsynced)`;
}

/** `bankcore import-journal [dir]`: imports a 0.1.0 journal directory into `dir/bankcore.db`, which must not exist. */
export async function importJournalCommand(dir: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  const dataDir = dir ?? (env['BANK_DATA_DIR'] || './data');
  const filename = databaseFile(dataDir);
  if (existsSync(filename)) throw new Error(`${filename} exists; import into a directory without one`);
  const adapter = sqliteAdapter({ filename });
  await adapter.init!();
  try {
    const n = await importJournal(dataDir, adapter);
    return `imported ${n.users} users, ${n.accounts} accounts and ${n.transactions} transactions into ${filename}`;
  } finally {
    await adapter.close!();
  }
}
