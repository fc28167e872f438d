// bankcore's standalone server exactly as users start it (`npm start`: node dist/cli.js): durable SQLite in a fresh
// BANK_DATA_DIR, fsync before every answer, one JSON log line per request on stdout (here into a file, as a
// service's log would go), the threaded password hasher at its default cost. Only the rate limits are off
// (BANK_RATE_LIMITS=off): fifty connections from one address would otherwise measure 429s. Sets up a user with
// two funded accounts over HTTP, as a client would, then prints { port, token } on its first line.
// BENCH_STANDALONE_ENTRY starts another script in dist/cli.js's place, with the same environment and setup (the
// ceiling server, bench/servers/durable-ceiling.mjs).
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'bench-standalone-'));
const log = join(dir, 'server.log');
const child = spawn(process.execPath, [process.env.BENCH_STANDALONE_ENTRY ?? 'dist/cli.js'], {
  env: { ...process.env, BANK_DATA_DIR: dir, BANK_JWT_SECRET: 'benchmark-secret-of-at-least-32-bytes!!', PORT: '0', BANK_RATE_LIMITS: 'off' },
  stdio: ['ignore', openSync(log, 'a'), 'inherit'],
});
process.on('SIGTERM', () => child.kill('SIGKILL'));
child.once('exit', () => {
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});

let url = null;
for (let i = 0; i < 400 && !url; i++) {
  await new Promise((r) => setTimeout(r, 25));
  url = /listening on (http:\/\/[^"\s]+)/.exec(readFileSync(log, 'utf8'))?.[1] ?? null;
}
if (!url) throw new Error('the standalone server did not start');
const post = async (path, body, token) => {
  const response = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${path} answered ${response.status}`);
  return response.json();
};
const password = 'benchmark password';
await post('/createUser', { username: 'bench', password });
const { access_token: token } = await post('/token', { username: 'bench', password });
for (const accountNumber of ['HTTP0001', 'HTTP0002']) await post('/addAccount', { bankCode: 'BENCH', accountNumber }, token);
await post('/deposit', { bankCode: 'BENCH', accountNumber: 'HTTP0001', amount: 1_000_000_000 }, token);
console.log(JSON.stringify({ port: Number(new URL(url).port), token }));
