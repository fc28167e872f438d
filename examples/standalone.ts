// The standalone server and the original service's flow, driven with fetch: createUser, a form-encoded
// /token, addAccount, deposit, transfer, balance, transactions. Exits non-zero on any unexpected answer.
import assert from 'node:assert/strict';
import { createBank } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';
import { startServer } from 'bankcore/node';

const bank = createBank({ storage: memoryAdapter(), tokens: { secret: 'an-example-secret-of-at-least-32-bytes!!' } });
await bank.init();
const server = await startServer({ bank, port: 0 });

async function call(method: string, path: string, init: { json?: unknown; form?: Record<string, string>; token?: string } = {}) {
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (init.json !== undefined) [headers['content-type'], body] = ['application/json', JSON.stringify(init.json)];
  if (init.form) [headers['content-type'], body] = ['application/x-www-form-urlencoded', new URLSearchParams(init.form).toString()];
  if (init.token) headers['authorization'] = `Bearer ${init.token}`;
  const response = await fetch(`${server.url}${path}`, { method, headers, body });
  // The example reads JSON of several shapes and checks them with assertions.
  return { status: response.status, body: (await response.json()) as any };
}

async function signUp(username: string, password: string): Promise<string> {
  assert.equal((await call('POST', '/createUser', { json: { username, password } })).status, 201);
  const token = await call('POST', '/token', { form: { grant_type: 'password', username, password } });
  assert.equal(token.status, 200);
  assert.equal(token.body.token_type, 'bearer');
  return token.body.access_token;
}

try {
  const alice = await signUp('alice', 'correct horse battery staple');
  const bob = await signUp('bob', 'bob likes long passphrases');
  const a = { bankCode: 'BANK1', accountNumber: '00010001' };
  const b = { bankCode: 'BANK1', accountNumber: '00020001' };
  assert.equal((await call('POST', '/addAccount', { json: a, token: alice })).status, 201);
  assert.equal((await call('POST', '/addAccount', { json: b, token: bob })).status, 201);
  assert.equal((await call('POST', '/deposit', { json: { ...a, amount: 100_00 }, token: alice })).body.account.balance, 100_00);
  const transfer = await call('POST', '/transfer', { json: { from: a, to: b, amount: 30_00 }, token: alice });
  assert.equal(transfer.status, 201);
  assert.equal(transfer.body.account.balance, 70_00);
  const overdraft = await call('POST', '/withdraw', { json: { ...a, amount: 1_000_00 }, token: alice });
  assert.deepEqual([overdraft.status, overdraft.body.code], [409, 'INSUFFICIENT_FUNDS']);
  const balance = await call('GET', '/balance', { token: bob });
  assert.equal(balance.body.accounts[0].balance, 30_00);
  const history = await call('GET', `/transactions?bankCode=BANK1&accountNumber=00020001`, { token: bob });
  assert.deepEqual(history.body.data.map((e: { amount: number }) => e.amount), [30_00]);
  console.log(`standalone example ok: served on ${server.url}`);
} finally {
  await server.close();
}
