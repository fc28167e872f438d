// What reaches the disk, and in which order, around an acknowledgement: the first write of a reopened store, and a
// backup. The order of the system calls is read from strace; the rest from the files left behind.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backupDatabase, sqliteAdapter } from 'bankcore/sqlite';
import { acct, bankErrorOf, makeBank, userIn } from './support/bank.js';
import { CLI } from './support/cli.js';
import { damagePage } from './support/damage.js';
import { freshDataDir } from './support/data-dir.js';

const hasStrace = spawnSync('strace', ['-V']).status === 0;

async function seeded(file: string) {
  const bank = makeBank({ storage: sqliteAdapter({ filename: file }) });
  await bank.init();
  const me = await userIn(bank, 'fsync');
  await bank.openAccount(me, acct('F001'));
  for (let i = 1; i <= 10; i++) await bank.deposit(me, { account: acct('F001'), amount: i });
  await bank.close();
}

interface Call {
  name: string;
  args: string;
  result: string;
}

/**
 * Runs the probe (test/support/fsync-probe.ts) under `strace -f` and answers its system calls in the order they
 * returned: a call another thread interrupted is joined with its "resumed" line.
 */
function traced(...args: string[]): { calls: Call[]; stdout: string } {
  const log = join(freshDataDir('strace'), 'trace.txt');
  const probe = [...CLI.slice(0, 2), join(import.meta.dirname, 'support', 'fsync-probe.ts'), ...args];
  const run = spawnSync('strace', ['-f', '-qq', '-o', log, '-e', 'trace=openat,fsync,fdatasync,link,linkat,rename,renameat,renameat2,unlink,unlinkat,write', process.execPath, ...probe], { encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  const pending = new Map<string, { name: string; args: string }>();
  const calls: Call[] = [];
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    const started = /^(\d+) +(\w+)\((.*) <unfinished \.\.\.>$/.exec(line);
    if (started) {
      pending.set(started[1]!, { name: started[2]!, args: started[3]! });
      continue;
    }
    const resumed = /^(\d+) +<\.\.\. (\w+) resumed>(.*)\) += (.*)$/.exec(line);
    if (resumed) {
      const begun = pending.get(resumed[1]!);
      calls.push({ name: resumed[2]!, args: `${begun?.args ?? ''}${resumed[3]}`, result: resumed[4]! });
      continue;
    }
    const whole = /^(\d+) +(\w+)\((.*)\) += (.*)$/.exec(line);
    if (whole) calls.push({ name: whole[2]!, args: whole[3]!, result: whole[4]! });
  }
  return { calls, stdout: run.stdout };
}

/** The index of the first call that `match` accepts after `from`; -1 if none. */
const indexOf = (calls: Call[], match: (c: Call) => boolean, from = 0) => calls.findIndex((c, i) => i >= from && match(c));

/** Whether call `i` fsyncs a descriptor that was last opened on `path`. */
function syncsPath(calls: Call[], i: number, path: string): boolean {
  const call = calls[i]!;
  if ((call.name !== 'fsync' && call.name !== 'fdatasync') || call.result !== '0') return false;
  for (let j = i - 1; j >= 0; j--) {
    const c = calls[j]!;
    if (c.name === 'openat' && c.result === call.args) return c.args.includes(`"${path}"`);
  }
  return false;
}

describe.skipIf(!hasStrace)('sqlite adapter: fsync order (needs strace; CI installs it)', () => {
  it("has the WAL's directory fsynced before a reopened store acknowledges its first write, as at synchronous=FULL", async () => {
    // A database closed cleanly: SQLite deleted its WAL at close and creates it again at the next open. The adapter
    // fsyncs only the WAL's data itself (wal-sync.ts); the directory is SQLite's: its first write to a new WAL syncs
    // the header before any frame, and the first sync of a WAL it created fsyncs the directory too. This guards that.
    const dir = freshDataDir();
    await seeded(join(dir, 'bankcore.db'));
    expect(existsSync(join(dir, 'bankcore.db-wal'))).toBe(false);
    const { calls, stdout } = traced('first-write', join(dir, 'bankcore.db'));
    expect(stdout).toBe('acknowledged\n');
    const acknowledged = indexOf(calls, (c) => c.name === 'write' && c.args.startsWith('1, "acknowledged'));
    expect(acknowledged).toBeGreaterThan(0);
    const wal = join(dir, 'bankcore.db-wal');
    // The directory's entry for the WAL is on disk only after a directory fsync that follows the WAL's creation.
    const created = indexOf(calls, (c) => c.name === 'openat' && c.args.includes(`"${wal}"`) && c.args.includes('O_CREAT'));
    expect(created).toBeGreaterThan(0);
    const directorySynced = calls.findIndex((_, i) => i > created && i < acknowledged && syncsPath(calls, i, dir));
    const walSynced = calls.findIndex((_, i) => i < acknowledged && syncsPath(calls, i, wal));
    expect(directorySynced, 'an fsync of the data directory after the WAL was created, before the acknowledgement').toBeGreaterThan(created);
    expect(walSynced, 'an fsync of the WAL before the acknowledgement').toBeGreaterThanOrEqual(0);
  });

  it('fsyncs a backup before it takes its name, and its directory after, before answering', async () => {
    const source = join(freshDataDir(), 'bankcore.db');
    await seeded(source);
    const dir = freshDataDir('backup');
    const target = join(dir, 'copy.db');
    const { calls, stdout } = traced('backup', source, target);
    expect(stdout).toBe('backed up\n');
    const named = indexOf(calls, (c) => (c.name === 'link' || c.name === 'linkat' || c.name.startsWith('rename')) && c.args.includes(`"${target}"`) && c.result === '0');
    expect(named).toBeGreaterThan(0);
    const partial = /"([^"]*\.copy\.db\.partial-[^"]*)"/.exec(calls[named]!.args)![1]!;
    const copySynced = calls.findIndex((_, i) => i < named && syncsPath(calls, i, partial));
    expect(copySynced, 'an fsync of the copy before it is named').toBeGreaterThanOrEqual(0);
    const answered = indexOf(calls, (c) => c.name === 'write' && c.args.startsWith('1, "backed up'));
    const directorySynced = calls.findIndex((_, i) => i > named && i < answered && syncsPath(calls, i, dir));
    expect(directorySynced, 'an fsync of the directory after the copy is named, before the answer').toBeGreaterThan(named);
    expect(readdirSync(dir)).toEqual(['copy.db']);
  }, 60_000);
});

describe('sqlite adapter: backups under a new name only', () => {
  it('refuses a target that exists, leaving it untouched, and one whose directory does not exist', async () => {
    const source = join(freshDataDir(), 'bankcore.db');
    await seeded(source);
    const dir = freshDataDir('backup');
    const target = join(dir, 'copy.db');
    writeFileSync(target, 'an earlier file');
    const taken = await bankErrorOf(backupDatabase(source, target));
    expect(taken.code).toBe('CONFIGURATION_INVALID');
    expect(taken.message).toContain(target);
    expect(readFileSync(target, 'utf8')).toBe('an earlier file');
    expect(readdirSync(dir)).toEqual(['copy.db']);
    const nowhere = await bankErrorOf(backupDatabase(source, join(dir, 'missing', 'copy.db')));
    expect(nowhere.code).toBe('CONFIGURATION_INVALID');
    expect(nowhere.message).toMatch(/directory does not exist/);
  });

  it('leaves nothing behind when the copy fails: a damaged source is named and no file appears in the target directory', async () => {
    const source = join(freshDataDir(), 'bankcore.db');
    await seeded(source);
    damagePage(source);
    const dir = freshDataDir('backup');
    const target = join(dir, 'copy.db');
    const error = await bankErrorOf(backupDatabase(source, target));
    expect(error.code).toBe('STORAGE_UNAVAILABLE');
    expect(error.message).toContain(source);
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});

