// Resident memory per account and per ledger entry of the in-memory store, with 100,000 accounts and
// 1,000,000 entries, measured in a fresh child process so nothing else is on its heap.
import { spawnSync } from 'node:child_process';
import { fmt, type Row } from './lib.js';

const CHILD = `
import { createBank } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';
const settle = async () => { for (let i = 0; i < 3; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 50)); } return process.memoryUsage().rss; };
// The JS heap and the typed arrays' memory outside it: the memory store keeps its ledger's numbers in typed arrays.
const heap = () => { const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
const storage = memoryAdapter();
const bank = createBank({ storage, tokens: { secret: 'benchmark-secret-of-at-least-32-bytes!!' }, passwordHashing: { algorithm: 'argon2id', memoryKiB: 64, iterations: 1, parallelism: 1, insecure: true }, maxAccountsPerUser: 200_000 });
globalThis.keepAlive = bank; // else V8 may collect the store once the loops no longer use it
const ACCOUNTS = 100_000, ENTRIES = 1_000_000;
const owners = [];
for (let u = 0; u < 100; u++) {
  await bank.register({ username: 'owner' + u, password: 'benchmark password' });
  owners.push(await bank.authenticate((await bank.login({ username: 'owner' + u, password: 'benchmark password' })).accessToken));
}
const refs = [];
const start = await settle();
const heap0 = heap();
for (let i = 0; i < ACCOUNTS; i++) {
  const ref = { bankCode: 'MEM01', accountNumber: 'N' + String(i).padStart(9, '0') };
  refs.push(ref);
  await bank.openAccount(owners[i % 100], ref);
}
const afterAccounts = await settle();
const heap1 = heap();
for (let i = 0; i < ENTRIES; i++) await bank.deposit(owners[i % ACCOUNTS % 100], { account: refs[i % ACCOUNTS], amount: 5 });
const afterEntries = await settle();
const heap2 = heap();
const first = await bank.history(owners[0], refs[0], { limit: 100 });
console.log(JSON.stringify({ perAccount: (afterAccounts - start) / ACCOUNTS, perEntry: (afterEntries - afterAccounts) / ENTRIES, rss: afterEntries, heapPerAccount: (heap1 - heap0) / ACCOUNTS, heapPerEntry: (heap2 - heap1) / ENTRIES, entries: first.entries.length }));
`;

export async function memoryScenarios(): Promise<Row[]> {
  const run = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', '--input-type=module', '-e', CHILD], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`memory benchmark failed: ${run.stderr}`);
  const m = JSON.parse(run.stdout.trim().split('\n').pop()!) as { perAccount: number; perEntry: number; rss: number; heapPerAccount: number; heapPerEntry: number; entries: number };
  if (m.entries !== 10) throw new Error(`expected 10 entries on the first account, found ${m.entries}`);
  return [
    { scenario: 'resident bytes per account (100,000 accounts)', measured: `${fmt(m.perAccount)} B (JS heap and typed arrays ${fmt(m.heapPerAccount)} B)`, baseline: `RSS ${fmt(m.rss / 2 ** 20)} MiB in all`, ratio: NaN, target: '–', met: null },
    { scenario: 'resident bytes per ledger entry (1,000,000 entries)', measured: `${fmt(m.perEntry)} B`, baseline: '–', ratio: NaN, target: '–', met: null },
    // The memory store is volatile since the journal was retired: there is no restart to measure it after.
    { scenario: 'JS heap (typed arrays included) per ledger entry, memory store (1,000,000 entries)', measured: `${fmt(m.heapPerEntry)} B`, baseline: '300 B budget', ratio: m.heapPerEntry / 300, target: '≤ 300 B', met: m.heapPerEntry <= 300 },
  ];
}
