// Mounting bankcore under /bank in an existing node:http application that keeps its own routes.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBank } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';
import { createHttpHandler } from 'bankcore/node';

const bank = createBank({ storage: memoryAdapter(), tokens: { secret: 'an-example-secret-of-at-least-32-bytes!!' } });
const bankApi = createHttpHandler(bank, { basePath: '/bank' });

const server = createServer((req, res) => {
  // bankcore answers what is under /bank and hands everything else back through `next`.
  bankApi(req, res, () => {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('the rest of the app');
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

try {
  assert.equal(await (await fetch(`${base}/`)).text(), 'the rest of the app');
  const health = await fetch(`${base}/bank/healthz`);
  assert.deepEqual([health.status, await health.json()], [200, { status: 'ok' }]);
  const created = await fetch(`${base}/bank/createUser`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'alice', password: 'correct horse battery staple' }),
  });
  assert.equal(created.status, 201);
  assert.equal((await fetch(`${base}/createUser`, { method: 'POST' })).status, 200, 'outside /bank the app answers');
  console.log(`mount example ok: bankcore under ${base}/bank`);
} finally {
  server.closeAllConnections();
  server.close();
}
