// Durable deposits per second (SQLite: each acknowledged only once an fsync of the WAL that began after its COMMIT has ended) against a plain loop that appends one
// record and fsyncs it per operation, on the same disk, in the same run.
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { createBank, INSECURE_TEST_PASSWORD_HASHING } from 'bankcore';
import { sqliteAdapter } from 'bankcore/sqlite';
import { alternated, fmt, opsPerSecond, type Row } from './lib.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);

/**
 * Ops per second of `op` after a second of the same ops unmeasured, for both sides alike, as bench/http.ts warms
 * each server: the first calls compile the code they run (JIT), a cost a store pays once a start.
 */
async function warmedOpsPerSecond(op: () => Promise<unknown>, concurrency = 1): Promise<number> {
  await opsPerSecond(op, 1, concurrency);
  return opsPerSecond(op, SECONDS, concurrency);
}
const scratch = () => mkdtempSync(join(process.cwd(), 'bench', '.tmp-'));

async function fsyncLoop(): Promise<number> {
  const dir = scratch();
  const file = await open(join(dir, 'plain.log'), 'a');
  const record = Buffer.alloc(300, 'x');
  const rate = await warmedOpsPerSecond(async () => {
    await file.write(record);
    await file.datasync();
  });
  await file.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

async function durableDeposits(concurrency: number, keyed = false): Promise<number> {
  const dir = scratch();
  const bank = createBank({
    storage: sqliteAdapter({ filename: join(dir, 'bankcore.db') }),
    tokens: { secret: 'benchmark-secret-of-at-least-32-bytes!!' },
    passwordHashing: INSECURE_TEST_PASSWORD_HASHING,
  });
  await bank.init();
  await bank.register({ username: 'bench', password: 'benchmark password' });
  const me = await bank.authenticate((await bank.login({ username: 'bench', password: 'benchmark password' })).accessToken);
  const accounts = Array.from({ length: 8 }, (_, i) => ({ bankCode: 'BENCH', accountNumber: `DUR${1000 + i}` }));
  for (const account of accounts) await bank.openAccount(me, account);
  let n = 0;
  // keyed: a fresh random Idempotency-Key on every deposit, as a careful client sends (each a new key: appended to the
  // recent level, then folded into the key index in key order).
  const rate = await warmedOpsPerSecond(() => bank.deposit(me, { account: accounts[n++ % accounts.length]!, amount: 1, ...(keyed ? { idempotencyKey: crypto.randomUUID() } : {}) }), concurrency);
  await bank.close();
  rmSync(dir, { recursive: true, force: true });
  return rate;
}

export async function durableScenarios(): Promise<Row[]> {
  const one = await durableDeposits(1);
  // The fsync loop's rate moves with the disk's mood (2,900 to 3,700/s across runs): it alternates with the
  // group commit, three rounds each, and the medians are compared.
  const { subject: many, baseline } = await alternated(3, () => durableDeposits(64), fsyncLoop);
  const keyed = await durableDeposits(64, true);
  const base = `${fmt(baseline)}/s append+fsync loop`;
  return [
    { scenario: 'durable deposits, 1 client', measured: `${fmt(one)}/s`, baseline: base, ratio: one / baseline, target: '–', met: null },
    { scenario: 'durable deposits, 64 concurrent clients (group commit)', measured: `${fmt(many)}/s`, baseline: base, ratio: many / baseline, target: '≥ 10×', met: many / baseline >= 10 },
    { scenario: 'durable deposits, 64 concurrent clients, each with a fresh Idempotency-Key', measured: `${fmt(keyed)}/s`, baseline: `${fmt(many)}/s without keys`, ratio: keyed / many, target: '– (reported)', met: null },
  ];
}
