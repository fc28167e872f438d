// One measurement of the core scenario, in its own process so no run inherits another's heap:
// `plain`, `deposit`, `transfer` or `hold-capture` (operator API: a hold, then its capture, to the other account), on memory or (with MONGODB_URI and `mongodb`) MongoDB. Prints ops/s.
import { createBank, INSECURE_TEST_PASSWORD_HASHING, type StorageAdapter } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';
import { opsPerSecond } from './lib.js';

const [what = 'deposit', where = 'memory'] = process.argv.slice(2);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);

/**
 * Ops per second of `op` after a second of the same ops unmeasured, for the Map loop and the bank alike, as
 * bench/http.ts warms each server and bench/durable.ts each store: the first calls compile the code they run (JIT),
 * a cost a process pays once. In one process, the bank's first 400,000 deposits took 3.90 to 3.98 µs each and the
 * next 400,000 3.25 to 3.50 µs (two runs, Node 20): a run's figure depended on how much of it fell before compilation.
 */
async function warmedOpsPerSecond(op: () => Promise<unknown>): Promise<number> {
  await opsPerSecond(op, 1);
  return opsPerSecond(op, SECONDS);
}

async function storage(): Promise<StorageAdapter> {
  if (where !== 'mongodb') return memoryAdapter();
  const { mongodbAdapter } = await import('bankcore/mongodb');
  return mongodbAdapter({ uri: process.env['MONGODB_URI']!, dbName: `bench_${Date.now()}` });
}

if (what === 'plain') {
  const balances = new Map<string, number>([['a', 0]]);
  const ledger: object[] = [];
  const rate = await warmedOpsPerSecond(async () => {
    const balance = balances.get('a')! + 1;
    balances.set('a', balance);
    ledger.push({ accountId: 'a', amount: 1, balanceAfter: balance, createdAt: new Date() });
  });
  console.log(rate);
} else {
  const bank = createBank({ storage: await storage(), tokens: { secret: 'benchmark-secret-of-at-least-32-bytes!!' }, passwordHashing: INSECURE_TEST_PASSWORD_HASHING });
  await bank.init();
  await bank.register({ username: 'core', password: 'benchmark password' });
  const me = await bank.authenticate((await bank.login({ username: 'core', password: 'benchmark password' })).accessToken);
  const a = { bankCode: 'CORE1', accountNumber: 'ACCT0001' };
  const b = { bankCode: 'CORE1', accountNumber: 'ACCT0002' };
  await bank.openAccount(me, a);
  await bank.openAccount(me, b);
  await bank.deposit(me, { account: a, amount: 1_000_000_000 });
  const rate =
    what === 'transfer'
      ? await warmedOpsPerSecond(() => bank.transfer(me, { from: a, to: b, amount: 1 }))
      : what === 'hold-capture'
        ? await warmedOpsPerSecond(async () => bank.operator.captureHold((await bank.operator.hold({ from: a, to: b, amount: 1 })).id))
        : await warmedOpsPerSecond(() => bank.deposit(me, { account: a, amount: 2 }));
  console.log(rate);
  await bank.close();
}
