import { afterEach, describe, expect, it } from 'vitest';
import type { Bank, Principal } from 'bankcore';
import { makeBank } from './support/bank.js';
import { serve, signUpOverHttp, TRANSPORTS, type Client } from './support/http.js';

// What HTTP v2 adds for customers, and the consumer-facing fixes: RFC 6749 /token errors, policies, own auth.
// Every response is checked against /openapi.json by the test client.

const A = { bankCode: 'BANK1', accountNumber: '00010001' };
const B = { bankCode: 'BANK1', accountNumber: '00020001' };
const q = (ref: { bankCode: string; accountNumber: string }, extra = '') => `bankCode=${ref.bankCode}&accountNumber=${ref.accountNumber}${extra}`;

describe.each(TRANSPORTS)('customer endpoints of HTTP v2 over %s', (transport) => {
  let client: Client;
  afterEach(async () => client?.close());

  async function aliceAndBob(bank: Bank = makeBank()) {
    client = await serve(transport, { rateLimits: false }, bank);
    const alice = await signUpOverHttp(client, 'alice');
    const bob = await signUpOverHttp(client, 'bob');
    await client.call('POST', '/addAccount', { json: A, token: alice });
    await client.call('POST', '/addAccount', { json: B, token: bob });
    return { alice, bob, bank };
  }

  it('takes metadata on deposits, withdrawals and transfers, and returns it on the transaction and entries', async () => {
    const { alice } = await aliceAndBob();
    const deposit = await client.call('POST', '/deposit', { json: { ...A, amount: 1000, metadata: { invoice: 'INV-7' } }, token: alice });
    expect(deposit.body.transaction.metadata).toEqual({ invoice: 'INV-7' });
    await client.call('POST', '/withdraw', { json: { ...A, amount: 100, metadata: { atm: 'A1' } }, token: alice });
    const transfer = await client.call('POST', '/transfer', { json: { from: A, to: B, amount: 50, metadata: { note: 'lunch' } }, token: alice });
    expect(transfer.body.transaction.metadata).toEqual({ note: 'lunch' });
    const history = await client.call('GET', `/transactions?${q(A)}`, { token: alice });
    expect(history.body.data.map((e: { metadata: object }) => e.metadata)).toEqual([{ note: 'lunch' }, { atm: 'A1' }, { invoice: 'INV-7' }]);
    const bad = await client.call('POST', '/deposit', { json: { ...A, amount: 1, metadata: { 'bad key!': 'x' } }, token: alice });
    expect([bad.status, bad.body.errors[0].path]).toEqual([422, 'metadata.bad key!']);
  });

  it('answers the balance at a past time, and history within a time range', async () => {
    const { alice } = await aliceAndBob();
    for (const amount of [100, 200, 300]) await client.call('POST', '/deposit', { json: { ...A, amount }, token: alice });
    const entries = (await client.call('GET', `/transactions?${q(A)}`, { token: alice })).body.data;
    const middle = entries[1];
    const at = await client.call('GET', `/balance?${q(A, `&at=${encodeURIComponent(middle.createdAt)}`)}`, { token: alice });
    expect(at.body).toMatchObject({ ...A, currency: 'USD', asOf: middle.createdAt });
    expect(at.body.balance).toBeGreaterThanOrEqual(300);
    const before = await client.call('GET', `/balance?${q(A, '&at=2000-01-01T00:00:00Z')}`, { token: alice });
    expect(before.body).toMatchObject({ balance: 0, sequence: 0 });
    const ranged = await client.call('GET', `/transactions?${q(A, `&from=${encodeURIComponent(middle.createdAt)}&to=${encodeURIComponent(middle.createdAt)}`)}`, { token: alice });
    expect(ranged.body.data.length).toBeGreaterThanOrEqual(1);
    expect(ranged.body.data.every((e: { createdAt: string }) => e.createdAt === middle.createdAt)).toBe(true);
    const alone = await client.call('GET', '/balance?at=2026-01-01T00:00:00Z', { token: alice });
    expect([alone.status, alone.body.errors[0]]).toEqual([422, { path: 'at', message: 'needs bankCode and accountNumber' }]);
  });

  it('streams every page of a range as a CSV statement, with formula-looking text made inert', async () => {
    const { alice } = await aliceAndBob();
    await client.call('POST', '/deposit', { json: { ...A, amount: 1, reference: '=HYPERLINK("x")' }, token: alice });
    for (let i = 0; i < 130; i++) await client.call('POST', '/deposit', { json: { ...A, amount: 10 }, token: alice });
    const csv = await client.call('GET', `/transactions?${q(A)}`, { token: alice, headers: { accept: 'text/csv' } });
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="statement-BANK1-00010001.csv"');
    const lines = csv.text.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe('createdAt,transactionId,sequence,type,amount,balanceAfter,currency,counterpartyBankCode,counterpartyAccountNumber,reference');
    expect(lines).toHaveLength(1 + 131);
    expect(lines[1]).toMatch(/,131,deposit,10,1301,USD,,,$/);
    expect(lines[131]).toMatch(/,1,deposit,1,1,USD,,,"'=HYPERLINK\(""x""\)"$/);
    const other = await client.call('GET', `/transactions?${q(B)}`, { token: alice, headers: { accept: 'text/csv' } });
    expect([other.status, other.body.code]).toEqual([404, 'ACCOUNT_NOT_FOUND']);
  });

  it('shows a transaction with a leg on one of the caller’s accounts, and no one else’s', async () => {
    const { alice, bob } = await aliceAndBob();
    const deposit = await client.call('POST', '/deposit', { json: { ...A, amount: 100 }, token: alice });
    const id = deposit.body.transaction.id;
    expect((await client.call('GET', `/transactions/${id}`, { token: alice })).body).toEqual(deposit.body.transaction);
    const hidden = await client.call('GET', `/transactions/${id}`, { token: bob });
    expect([hidden.status, hidden.body.code]).toEqual([404, 'TRANSACTION_NOT_FOUND']);
    const transfer = await client.call('POST', '/transfer', { json: { from: A, to: B, amount: 10 }, token: alice });
    expect((await client.call('GET', `/transactions/${transfer.body.transaction.id}`, { token: bob })).status).toBe(200);
  });

  it('lists open holds on an own account only', async () => {
    const { alice, bob, bank } = await aliceAndBob();
    await bank.operator.fund({ account: A, amount: 500 });
    const hold = await bank.operator.hold({ from: A, amount: 200 });
    expect((await client.call('GET', `/holds?${q(A)}`, { token: alice })).body.holds).toMatchObject([{ id: hold.id, amount: 200, status: 'pending' }]);
    expect((await client.call('GET', `/holds?${q(A)}`, { token: bob })).status).toBe(404);
  });

  it('refuses customer deposits with 403 FORBIDDEN when self-service deposits are off; the operator still funds', async () => {
    const bank = makeBank({ selfServiceDeposits: false });
    const { alice } = await aliceAndBob(bank);
    const refused = await client.call('POST', '/deposit', { json: { ...A, amount: 100 }, token: alice });
    expect([refused.status, refused.body.code, refused.headers.get('cache-control')]).toEqual([403, 'FORBIDDEN', 'no-store']);
    await bank.operator.fund({ account: A, amount: 100 });
    expect((await client.call('GET', '/balance', { token: alice })).body.accounts[0].balance).toBe(100);
  });

  it('names wire fields in validation errors, never internal schema names', async () => {
    const { alice } = await aliceAndBob();
    const extra = await client.call('POST', '/deposit', { json: { ...A, amount: 1, admin: true }, token: alice });
    expect(extra.body.errors).toEqual([{ path: 'admin', message: 'is not a known field' }]);
    expect(extra.body.detail).toBe('Invalid request body: admin is not a known field');
    const missing = await client.call('GET', '/transactions?bankCode=BANK1', { token: alice });
    expect(missing.body.detail).toBe('Invalid query: accountNumber is required');
  });
});

describe.each(TRANSPORTS)('/token as RFC 6749 §5.2 says, over %s', (transport) => {
  let client: Client;
  afterEach(async () => client?.close());

  it('answers a wrong password with 400 invalid_grant, in a body that is also a problem document', async () => {
    client = await serve(transport, { rateLimits: false });
    await signUpOverHttp(client, 'alice');
    const reply = await client.call('POST', '/token', { form: { grant_type: 'password', username: 'alice', password: 'wrong-password' } });
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(reply.headers.get('www-authenticate')).toBeNull();
    expect(reply.body).toMatchObject({ error: 'invalid_grant', error_description: 'Incorrect username or password', type: 'urn:bankcore:problem:invalid-credentials', title: 'Bad Request', status: 400, detail: 'Incorrect username or password', code: 'INVALID_CREDENTIALS' });
  });

  it('answers an unsupported grant type and a missing password as the RFC names them', async () => {
    client = await serve(transport, { rateLimits: false });
    const grant = await client.call('POST', '/token', { form: { grant_type: 'client_credentials', username: 'a', password: 'b' } });
    expect([grant.status, grant.body.error]).toEqual([400, 'unsupported_grant_type']);
    const missing = await client.call('POST', '/token', { form: { grant_type: 'password', username: 'alice' } });
    expect([missing.status, missing.body.error, missing.body.errors]).toEqual([400, 'invalid_request', [{ path: 'password', message: 'is required' }]]);
  });

  it('answers a rate-limited grant with 429, Retry-After and error slow_down', async () => {
    client = await serve(transport, { rateLimits: { tokenPerUsername: { limit: 1, windowSeconds: 60 } } });
    await client.call('POST', '/token', { form: { username: 'nobody', password: 'x' } });
    const limited = await client.call('POST', '/token', { form: { username: 'nobody', password: 'x' } });
    expect([limited.status, limited.body.error, limited.body.code]).toEqual([429, 'slow_down', 'RATE_LIMITED']);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe.each(TRANSPORTS)('bring your own auth, over %s', (transport) => {
  it('serves customer routes behind the app’s own cookie sessions, and still takes bearer tokens', async () => {
    const bank = makeBank();
    const sessions = new Map<string, Principal>();
    const cookieOf = (request: unknown): string => {
      const headers = (request as { headers: Headers | Record<string, string | undefined> }).headers;
      return (headers instanceof Headers ? headers.get('cookie') : headers['cookie']) ?? '';
    };
    const authenticate = async (request: unknown) => {
      const sid = /(?:^|;\s*)sid=([A-Za-z0-9-]+)/.exec(cookieOf(request))?.[1];
      return sid ? (sessions.get(sid) ?? null) : null;
    };
    const client = await serve(transport, { rateLimits: false, authenticate }, bank);
    const user = await bank.operator.createUser({ username: 'carol' });
    sessions.set('s-1', await bank.operator.principal(user.id));
    const cookie = { cookie: 'theme=dark; sid=s-1' };
    expect((await client.call('POST', '/addAccount', { json: A, headers: cookie })).status).toBe(201);
    expect((await client.call('POST', '/deposit', { json: { ...A, amount: 700 }, headers: cookie })).body.account.balance).toBe(700);
    expect((await client.call('GET', '/balance', { headers: cookie })).body.accounts[0].balance).toBe(700);
    const stranger = await client.call('GET', '/balance', { headers: { cookie: 'sid=unknown' } });
    expect([stranger.status, stranger.body.code]).toEqual([401, 'INVALID_TOKEN']);
    const token = await signUpOverHttp(client, 'dave');
    expect((await client.call('GET', '/balance', { token })).body.accounts).toEqual([]);
    await client.close();
  });
});

describe.each(TRANSPORTS)('small consumer fixes, over %s', (transport) => {
  it('sends /docs/ to /docs, and marks every error no-store', async () => {
    const client = await serve(transport);
    const docs = await client.call('GET', '/docs/');
    // A real fetch follows the redirect to the page; the fetch handler, called directly, shows the redirect itself.
    if (transport === 'node:http') expect([docs.status, docs.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    else expect([docs.status, docs.headers.get('location')]).toEqual([308, '../docs']);
    for (const reply of [await client.call('GET', '/nowhere'), await client.call('DELETE', '/deposit'), await client.call('GET', '/balance')]) {
      expect(reply.headers.get('cache-control'), String(reply.status)).toBe('no-store');
    }
    await client.close();
  });
});
