// One measurement of the `app` scenario, in its own process: bankcore's HTTP app driven in-process with no sockets
// (`app-deposit`, `app-balance`: a request object straight into `createHttpApp(...).handle`, the response body
// JSON-encoded as a transport would), or the same calls on the bank itself (`core-deposit`, `core-balance`), 64 at a
// time on the memory store. Prints ops/s.
import { createBank, INSECURE_TEST_PASSWORD_HASHING } from 'bankcore';
import { createHttpApp, type HttpRequest } from 'bankcore/http';
import { memoryAdapter } from 'bankcore/memory';
import { opsPerSecond } from './lib.js';

const what = process.argv[2] ?? 'app-deposit';
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
const bank = createBank({ storage: memoryAdapter(), tokens: { secret: 'benchmark-secret-of-at-least-32-bytes!!' }, passwordHashing: INSECURE_TEST_PASSWORD_HASHING });
await bank.init();
await bank.register({ username: 'bench', password: 'benchmark password' });
const { accessToken } = await bank.login({ username: 'bench', password: 'benchmark password' });
const me = await bank.authenticate(accessToken);
const account = { bankCode: 'BENCH', accountNumber: 'HTTP0001' };
await bank.openAccount(me, account);
const app = createHttpApp(bank, { rateLimits: false });
const body = new TextEncoder().encode(JSON.stringify({ ...account, amount: 1 }));

// What the HTTP benchmark's load generator sends: a bearer token and, on a movement, a fresh Idempotency-Key.
function request(method: 'GET' | 'POST', path: string): HttpRequest {
  const headers: Record<string, string> = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
  if (method === 'POST') headers['idempotency-key'] = crypto.randomUUID();
  return { method, path, query: new URLSearchParams(), header: (name) => headers[name], clientAddress: '127.0.0.1', readBody: async () => body, native: null };
}

async function handled(method: 'GET' | 'POST', path: string): Promise<void> {
  const response = await app.handle(request(method, path));
  if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}`);
  JSON.stringify(response.body);
}

const ops: Record<string, () => Promise<unknown>> = {
  'app-deposit': () => handled('POST', '/deposit'),
  'app-balance': () => handled('GET', '/balance'),
  'core-deposit': () => bank.deposit(me, { account, amount: 1, idempotencyKey: crypto.randomUUID() }),
  'core-balance': async () => bank.balances(await bank.authenticate(accessToken)),
};
const op = ops[what];
if (!op) throw new Error(`unknown measurement ${what}`);
console.log(await opsPerSecond(op, SECONDS, 64));
