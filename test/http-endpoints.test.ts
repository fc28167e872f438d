import { afterEach, describe, expect, it } from 'vitest';
import { makeBank, manualClock } from './support/bank.js';
import { serve, signUpOverHttp, TRANSPORTS, type Client } from './support/http.js';

const A = { bankCode: 'BANK1', accountNumber: '00010001' };
const B = { bankCode: 'BANK1', accountNumber: '00020001' };

describe.each(TRANSPORTS)('HTTP API over %s', (transport) => {
  let client: Client;
  afterEach(() => client?.close());

  async function aliceAndBob() {
    client = await serve(transport);
    const alice = await signUpOverHttp(client, 'alice');
    const bob = await signUpOverHttp(client, 'bob');
    expect((await client.call('POST', '/addAccount', { json: A, token: alice })).status).toBe(201);
    expect((await client.call('POST', '/addAccount', { json: B, token: bob })).status).toBe(201);
    return { alice, bob };
  }

  it('runs the seed flow: createUser, form-encoded token, addAccount, deposit, balance', async () => {
    client = await serve(transport);
    const created = await client.call('POST', '/createUser', { json: { username: 'alice', password: 'alice-long-password' } });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(['createdAt', 'id', 'username']);
    const token = await client.call('POST', '/token', { form: { grant_type: 'password', username: 'alice', password: 'alice-long-password', scope: '' } });
    expect(token.status).toBe(200);
    expect(token.body).toEqual({ access_token: expect.any(String), token_type: 'bearer', expires_in: 900 });
    expect(token.headers.get('cache-control')).toBe('no-store');
    const t = token.body.access_token;
    const account = await client.call('POST', '/addAccount', { json: { ...A, currency: 'USD' }, token: t });
    expect(account.status).toBe(201);
    expect(account.body).toEqual({ id: expect.any(String), ...A, currency: 'USD', balance: 0, pending: 0, available: 0, status: 'active', overdraftLimit: 0, createdAt: expect.any(String) });
    const deposit = await client.call('POST', '/deposit', { json: { ...A, amount: 1500, reference: 'pay' }, token: t });
    expect(deposit.status).toBe(201);
    expect(deposit.body.account.balance).toBe(1500);
    expect(deposit.body.transaction).toMatchObject({ type: 'deposit', amount: 1500, currency: 'USD', reference: 'pay', legs: [{ ...A, amount: 1500 }, { bankCode: '@world', accountNumber: 'USD', amount: -1500 }] });
    const balance = await client.call('GET', '/balance', { token: t });
    expect(balance.status).toBe(200);
    expect(balance.body.accounts).toEqual([expect.objectContaining({ ...A, balance: 1500 })]);
    expect(balance.headers.get('cache-control')).toBe('no-store');
    expect(balance.headers.get('x-powered-by')).toBeNull();
  });

  it('accepts a JSON token request too', async () => {
    client = await serve(transport);
    await signUpOverHttp(client, 'carol');
    const token = await client.call('POST', '/token', { json: { username: 'carol', password: 'carol-long-password' } });
    expect(token.status).toBe(200);
  });

  it('withdraws, transfers and pages history with nextCursor', async () => {
    const { alice, bob } = await aliceAndBob();
    await client.call('POST', '/deposit', { json: { ...A, amount: 1000 }, token: alice });
    const w = await client.call('POST', '/withdraw', { json: { ...A, amount: 100 }, token: alice });
    expect([w.status, w.body.account.balance]).toEqual([201, 900]);
    const t = await client.call('POST', '/transfer', { json: { from: A, to: B, amount: 300, reference: 'rent' }, token: alice });
    expect(t.status).toBe(201);
    expect(t.body.account).toMatchObject({ ...A, balance: 600 });
    const one = await client.call('GET', `/balance?bankCode=${B.bankCode}&accountNumber=${B.accountNumber}`, { token: bob });
    expect(one.body.accounts).toEqual([expect.objectContaining({ balance: 300 })]);
    const page1 = await client.call('GET', `/transactions?bankCode=BANK1&accountNumber=00010001&limit=2`, { token: alice });
    expect(page1.status).toBe(200);
    expect(page1.body.data.map((e: { amount: number; balanceAfter: number }) => [e.amount, e.balanceAfter])).toEqual([[-300, 600], [-100, 900]]);
    expect(page1.body.data[0].counterparty).toEqual(B);
    const page2 = await client.call('GET', `/transactions?bankCode=BANK1&accountNumber=00010001&limit=2&cursor=${page1.body.nextCursor}`, { token: alice });
    expect(page2.body).toEqual({ data: [expect.objectContaining({ amount: 1000, balanceAfter: 1000 })], nextCursor: null });
  });

  it('replays an Idempotency-Key with the original status and body and Idempotent-Replayed: true', async () => {
    const { alice, bob } = await aliceAndBob();
    await client.call('POST', '/deposit', { json: { ...A, amount: 500 }, token: alice });
    const send = () => client.call('POST', '/transfer', { json: { from: A, to: B, amount: 200 }, token: alice, headers: { 'idempotency-key': 'tx-1' } });
    const first = await send();
    const again = await send();
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect([again.status, again.text]).toEqual([first.status, first.text]);
    const conflict = await client.call('POST', '/transfer', { json: { from: A, to: B, amount: 201 }, token: alice, headers: { 'idempotency-key': 'tx-1' } });
    expect([conflict.status, conflict.body.code]).toEqual([409, 'IDEMPOTENCY_KEY_REUSED']);
    expect((await client.call('GET', '/balance', { token: bob })).body.accounts[0].balance).toBe(200);
  });

  it("answers 404 to user B for every use of A's account except transferring to it", async () => {
    const { alice, bob } = await aliceAndBob();
    await client.call('POST', '/deposit', { json: { ...A, amount: 500 }, token: alice });
    await client.call('POST', '/deposit', { json: { ...B, amount: 500 }, token: bob });
    const attempts = [
      client.call('POST', '/deposit', { json: { ...A, amount: 1 }, token: bob }),
      client.call('POST', '/withdraw', { json: { ...A, amount: 1 }, token: bob }),
      client.call('POST', '/transfer', { json: { from: A, to: B, amount: 1 }, token: bob }),
      client.call('GET', `/balance?bankCode=${A.bankCode}&accountNumber=${A.accountNumber}`, { token: bob }),
      client.call('GET', `/transactions?bankCode=${A.bankCode}&accountNumber=${A.accountNumber}`, { token: bob }),
    ];
    for (const reply of await Promise.all(attempts)) {
      expect(reply.status).toBe(404);
      expect(reply.body.code).toBe('ACCOUNT_NOT_FOUND');
    }
    expect((await client.call('POST', '/transfer', { json: { from: B, to: A, amount: 5 }, token: bob })).status).toBe(201);
    expect((await client.call('GET', '/balance', { token: alice })).body.accounts[0].balance).toBe(505);
  });

  it.each([
    ['USERNAME_TAKEN', 409],
    ['ACCOUNT_EXISTS', 409],
    ['INSUFFICIENT_FUNDS', 409],
    ['CURRENCY_MISMATCH', 409],
    ['INVALID_CREDENTIALS', 401],
    ['INVALID_TOKEN', 401],
    ['ACCOUNT_NOT_FOUND', 404],
    ['VALIDATION_FAILED', 422],
  ])('answers %s with status %i as problem+json', async (code, status) => {
    const { alice, bob } = await aliceAndBob();
    await client.call('POST', '/addAccount', { json: { bankCode: 'BANK1', accountNumber: 'EUR0001', currency: 'EUR' }, token: bob });
    const replies: Record<string, () => ReturnType<Client['call']>> = {
      USERNAME_TAKEN: () => client.call('POST', '/createUser', { json: { username: 'ALICE', password: 'another-long-password' } }),
      ACCOUNT_EXISTS: () => client.call('POST', '/addAccount', { json: B, token: alice }),
      INSUFFICIENT_FUNDS: () => client.call('POST', '/withdraw', { json: { ...A, amount: 1 }, token: alice }),
      CURRENCY_MISMATCH: () => client.call('POST', '/transfer', { json: { from: B, to: { bankCode: 'BANK1', accountNumber: 'EUR0001' }, amount: 1 }, token: bob }),
      INVALID_CREDENTIALS: () => client.call('POST', '/changePassword', { json: { currentPassword: 'wrong-password', newPassword: 'a-new-long-password' }, token: alice }),
      INVALID_TOKEN: () => client.call('GET', '/balance', { token: 'not.a.token' }),
      ACCOUNT_NOT_FOUND: () => client.call('POST', '/deposit', { json: { bankCode: 'NOPE1', accountNumber: '0000', amount: 1 }, token: alice }),
      VALIDATION_FAILED: () => client.call('POST', '/deposit', { json: { ...A, amount: 1.5 }, token: alice }),
    };
    const reply = await replies[code]!();
    expect(reply.status).toBe(status);
    expect(reply.headers.get('content-type')).toBe('application/problem+json');
    expect(reply.body).toMatchObject({ type: expect.stringMatching(/^urn:bankcore:problem:/), title: expect.any(String), status, code, detail: expect.any(String) });
    if (status === 401) expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer/);
    if (code === 'VALIDATION_FAILED') expect(reply.body.errors).toEqual([{ path: 'amount', message: expect.any(String) }]);
  });

  it('answers 401 with WWW-Authenticate when the bearer token is missing or expired', async () => {
    client = await serve(transport);
    const none = await client.call('GET', '/balance');
    expect([none.status, none.body.code, none.headers.get('www-authenticate')]).toEqual([401, 'INVALID_TOKEN', 'Bearer error="invalid_token"']);
  });

  it('takes the Bearer scheme in any case and after any number of spaces, and refuses any other scheme', async () => {
    const { alice } = await aliceAndBob();
    const status = async (authorization: string) => (await client.call('GET', '/balance', { headers: { authorization } })).status;
    for (const ok of [`Bearer ${alice}`, `bearer ${alice}`, `BEARER   ${alice}`, `bEaReR ${alice} \t `]) expect(await status(ok)).toBe(200);
    for (const refused of [`Basic ${alice}`, `Bearer${alice}`, `Bearerx ${alice}`, 'Bearer', 'Bearer    ', `Bearer\t${alice}`, `Token ${alice}`, `xBearer ${alice}`]) {
      expect(await status(refused)).toBe(401);
    }
  });

  it('answers 404 for an unknown path and 405 with Allow for a wrong method', async () => {
    client = await serve(transport);
    const missing = await client.call('GET', '/nope');
    expect([missing.status, missing.body.code]).toEqual([404, 'NOT_FOUND']);
    const wrong = await client.call('GET', '/deposit');
    expect([wrong.status, wrong.headers.get('allow')]).toEqual([405, 'POST']);
    const wrong2 = await client.call('DELETE', '/balance');
    expect([wrong2.status, wrong2.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });

  it('serves /healthz and an OpenAPI 3.1 document listing every endpoint', async () => {
    client = await serve(transport);
    expect((await client.call('GET', '/healthz')).body).toEqual({ status: 'ok' });
    const doc = await client.call('GET', '/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths).filter((p) => !p.startsWith('/admin/')).sort()).toEqual(
      ['/addAccount', '/balance', '/changePassword', '/createUser', '/deposit', '/docs', '/healthz', '/holds', '/openapi.json', '/token', '/transactions', '/transactions/{id}', '/transfer', '/withdraw'],
    );
    expect(Object.keys(doc.body.paths).filter((p) => p.startsWith('/admin/')).length).toBeGreaterThanOrEqual(13);
    expect(doc.body.paths['/token'].post.requestBody.content).toHaveProperty('application/x-www-form-urlencoded');
  });

  it('changes the password and revokes the old token', async () => {
    const { alice } = await aliceAndBob();
    const changed = await client.call('POST', '/changePassword', { json: { currentPassword: 'alice-long-password', newPassword: 'a brand new passphrase' }, token: alice });
    expect(changed.status).toBe(204);
    expect((await client.call('GET', '/balance', { token: alice })).status).toBe(401);
  });
});

describe.each(TRANSPORTS)('HTTP statuses that need a controlled bank, over %s', (transport) => {
  it('answers an expired token with 401 TOKEN_EXPIRED and WWW-Authenticate', async () => {
    const clock = manualClock();
    const client = await serve(transport, {}, makeBank({ clock: clock.now }));
    const token = await signUpOverHttp(client, 'alice');
    clock.advance(3600);
    const reply = await client.call('GET', '/balance', { token });
    expect([reply.status, reply.body.code, reply.headers.get('www-authenticate')]).toEqual([401, 'TOKEN_EXPIRED', 'Bearer error="invalid_token"']);
    await client.close();
  });

  it('answers a balance overflow with 422 LIMIT_EXCEEDED', async () => {
    const client = await serve(transport);
    const token = await signUpOverHttp(client, 'alice');
    await client.call('POST', '/addAccount', { json: A, token });
    expect((await client.call('POST', '/deposit', { json: { ...A, amount: Number.MAX_SAFE_INTEGER }, token })).status).toBe(201);
    const reply = await client.call('POST', '/deposit', { json: { ...A, amount: 1 }, token });
    expect([reply.status, reply.body.code]).toEqual([422, 'LIMIT_EXCEEDED']);
    await client.close();
  });
});
