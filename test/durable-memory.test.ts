import { appendFileSync, existsSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isBankError, type Bank, type Principal } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';
import { describeStorageAdapter } from 'bankcore/testing';
import { makeBank, userIn, acct } from './support/bank.js';
import { freshDataDir } from './support/data-dir.js';

describeStorageAdapter('memory adapter with dataDir', () => memoryAdapter({ dataDir: freshDataDir('conformance') }));

async function openBank(dataDir: string, snapshotAfterBytes?: number): Promise<Bank> {
  const bank = makeBank({ storage: memoryAdapter({ dataDir, ...(snapshotAfterBytes ? { snapshotAfterBytes } : {}) }) });
  await bank.init();
  return bank;
}

/** Opens `dir` again, checks its ledger, and returns the balances `me` sees there. */
async function balancesAfterRestart(dir: string, me: Principal, snapshotAfterBytes?: number): Promise<number[]> {
  const again = await openBank(dir, snapshotAfterBytes);
  try {
    expect((await again.verify()).problems).toEqual([]);
    return (await again.balances(me)).map((a) => a.balance);
  } finally {
    await again.close();
  }
}

async function seed(bank: Bank, deposits: number) {
  const me = await userIn(bank, 'saver');
  await bank.openAccount(me, acct('D001'));
  await bank.openAccount(me, acct('D002'));
  for (let i = 1; i <= deposits; i++) await bank.deposit(me, { account: acct(i % 2 ? 'D001' : 'D002'), amount: i });
  return me;
}

/** Leaves `dir` as a crashed process would: its lock names a process that no longer exists. */
const abandon = (dir: string) => writeFileSync(join(dir, 'LOCK'), '999999999\n');
const journals = (dir: string) => readdirSync(dir).filter((f) => f.startsWith('journal-')).sort();
const errorOf = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as Error);

describe('durable memory adapter', () => {
  it('keeps every acknowledged change across a restart', async () => {
    const dir = freshDataDir();
    const bank = await openBank(dir);
    const me = await seed(bank, 10);
    await bank.close();
    expect(await balancesAfterRestart(dir, me)).toEqual([25, 30]);
  });

  it('keeps changes when the process stops without closing (no snapshot at all)', async () => {
    const dir = freshDataDir();
    const bank = await openBank(dir);
    const me = await seed(bank, 6);
    // No close(): as after a crash, the journal alone must carry the state.
    expect(readdirSync(dir)).not.toContain('snapshot.bin');
    abandon(dir);
    expect(await balancesAfterRestart(dir, me)).toEqual([9, 12]);
  });

  it('cuts off a torn last record and keeps everything before it', async () => {
    const dir = freshDataDir();
    const bank = await openBank(dir);
    const me = await seed(bank, 4);
    abandon(dir);
    const [journal] = journals(dir);
    const file = join(dir, journal!);
    const size = readFileSync(file).length;
    truncateSync(file, size - 5);
    // The last deposit (4, into D002) was cut: D002 holds only the deposit of 2.
    expect(await balancesAfterRestart(dir, me)).toEqual([4, 2]);
  });

  it('treats zeros after the last record as a torn tail', async () => {
    const dir = freshDataDir();
    const bank = await openBank(dir);
    const me = await seed(bank, 2);
    abandon(dir);
    appendFileSync(join(dir, journals(dir)[0]!), Buffer.alloc(100));
    expect(await balancesAfterRestart(dir, me)).toEqual([1, 2]);
  });

  it('refuses to start on a flipped byte before the end, naming the file and offset', async () => {
    const dir = freshDataDir();
    const bank = await openBank(dir);
    await seed(bank, 4);
    abandon(dir);
    const file = join(dir, journals(dir)[0]!);
    const bytes = readFileSync(file);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x40;
    writeFileSync(file, bytes);
    const error = await errorOf(openBank(dir));
    expect(isBankError(error, 'STORAGE_UNAVAILABLE')).toBe(true);
    expect(error?.message).toMatch(new RegExp(`${journals(dir)[0]} is corrupt at byte offset \\d+`));
  });

  it('starts empty from an empty journal file', async () => {
    const dir = freshDataDir();
    writeFileSync(join(dir, 'journal-00000001.log'), '');
    const bank = await openBank(dir);
    expect((await bank.verify()).accountsChecked).toBe(0);
    await bank.close();
  });

  it('refuses a journal whose snapshot is missing, and a damaged snapshot', async () => {
    const dir = freshDataDir();
    writeFileSync(join(dir, 'journal-00000003.log'), '');
    expect((await errorOf(openBank(dir)))?.message).toMatch(/snapshot that is missing/);
    const other = freshDataDir();
    writeFileSync(join(other, 'snapshot.bin'), '');
    expect((await errorOf(openBank(other)))?.message).toMatch(/snapshot\.bin is damaged/);
  });

  it('writes snapshots, folds old journals into them, and loads a snapshot with or without a journal', async () => {
    const dir = freshDataDir();
    const bank = await openBank(dir, 2_000);
    const me = await seed(bank, 40);
    await bank.close();
    expect(readdirSync(dir)).toContain('snapshot.bin');
    expect(journals(dir).length).toBeLessThanOrEqual(2);
    for (const j of journals(dir)) if (readFileSync(join(dir, j)).length === 0) truncateSync(join(dir, j), 0);
    const again = await openBank(dir, 2_000);
    expect((await again.balances(me)).map((a) => a.balance)).toEqual([400, 420]);
    await again.deposit(me, { account: acct('D001'), amount: 1 });
    abandon(dir);
    // Snapshot without any journal: only what the snapshot holds.
    const bare = freshDataDir();
    writeFileSync(join(bare, 'snapshot.bin'), readFileSync(join(dir, 'snapshot.bin')));
    const fromSnapshot = await openBank(bare);
    expect((await fromSnapshot.balances(me)).map((a) => a.balance)).toEqual([400, 420]);
    await fromSnapshot.close();
  });

  it('loads the state a crash in the middle of a snapshot leaves: journals N and N+1 and a half-written snapshot', async () => {
    const dir = freshDataDir();
    const bank = await openBank(dir, 1_500);
    const me = await seed(bank, 30);
    // The first bank stays open, as a crashed process would have left it; let its background snapshot finish
    // first, so the half-written file below is the only one.
    for (let i = 0; i < 100 && existsSync(join(dir, 'snapshot.bin.tmp')); i++) await new Promise((r) => setTimeout(r, 20));
    abandon(dir);
    writeFileSync(join(dir, 'snapshot.bin.tmp'), 'half a snap');
    expect(await balancesAfterRestart(dir, me, 1_500)).toEqual([225, 240]);
  });

  it('refuses a second live process on the same data directory', async () => {
    const dir = freshDataDir();
    const first = await openBank(dir);
    writeFileSync(join(dir, 'LOCK'), `${process.ppid}\n`); // a live process other than this one
    const error = await errorOf(openBank(dir));
    expect(isBankError(error, 'CONFIGURATION_INVALID')).toBe(true);
    expect(error?.message).toMatch(/in use by process/);
    await first.close();
    expect(existsSync(join(dir, 'LOCK'))).toBe(false);
  });

  it('fails with STORAGE_UNAVAILABLE before init and after close', async () => {
    const adapter = memoryAdapter({ dataDir: freshDataDir() });
    expect(isBankError(await errorOf(adapter.ping()), 'STORAGE_UNAVAILABLE')).toBe(true);
  });
});
