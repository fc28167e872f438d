// bankcore's standalone server set up for a benchmark, from the built package (as users run it): in-memory
// storage, one user with one funded account. Prints { port, token, account, password } on its first line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBank } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';
import { startServer } from 'bankcore/node';
import { createMetrics, createThreadedPasswordHasher, withMetrics } from 'bankcore/node';

/** A fresh directory for the SQLite file, removed when the process exits. */
function scratchDir() {
  const dir = mkdtempSync(join(tmpdir(), 'bench-sqlite-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// BENCH_METRICS=1: the standalone server's metrics on (storage timed, every request counted, /metrics served).
const metrics = process.env.BENCH_METRICS === '1' ? createMetrics() : null;

// BENCH_HASH=cheap for the request benchmarks (no logins measured); the default cost for the login storm.
const hashing = process.env.BENCH_HASH === 'cheap' ? { algorithm: 'argon2id', memoryKiB: 64, iterations: 1, parallelism: 1, insecure: true } : undefined;
const passwordHasher = process.env.BENCH_HASHER === 'single' ? undefined : createThreadedPasswordHasher(hashing);
// With BENCH_STORAGE=mongodb and MONGODB_URI, the same server on MongoDB (a fresh database per run); with
// BENCH_STORAGE=sqlite, on the standalone server's durable default (a fresh file, fsync before every answer).
const storage = process.env.BENCH_STORAGE === 'mongodb'
  ? (await import('bankcore/mongodb')).mongodbAdapter({ uri: process.env.MONGODB_URI, dbName: `bench_http_${Date.now()}` })
  : process.env.BENCH_STORAGE === 'sqlite'
    ? (await import('bankcore/sqlite')).sqliteAdapter({ filename: `${scratchDir()}/bankcore.db` })
    : memoryAdapter();
const bank = createBank({
  storage: metrics ? metrics.timeStorage(storage) : storage,
  tokens: { secret: 'benchmark-secret-of-at-least-32-bytes!!' },
  ...(passwordHasher ? { passwordHasher } : { passwordHashing: hashing }),
});
await bank.init();
const password = 'benchmark password';
await bank.register({ username: 'bench', password });
const { accessToken } = await bank.login({ username: 'bench', password });
const me = await bank.authenticate(accessToken);
const account = { bankCode: 'BENCH', accountNumber: 'HTTP0001' };
await bank.openAccount(me, account);
await bank.openAccount(me, { bankCode: 'BENCH', accountNumber: 'HTTP0002' }); // the payee of POST /transfer
await bank.deposit(me, { account, amount: 1_000_000 });
const quiet = { error: () => {} };
metrics?.watch(bank);
const server = await startServer({ bank, port: 0, rateLimits: false, maxConnections: 10_000, logger: metrics ? withMetrics(quiet, metrics) : quiet, ...(metrics ? { metrics } : {}) });
console.log(JSON.stringify({ port: Number(new URL(server.url).port), token: accessToken, account, password }));
process.on('SIGINT', () => process.exit(0)); // lets --cpu-prof write its profile
process.on('SIGTERM', () => process.exit(0)); // so that the 'exit' handler removes the database
