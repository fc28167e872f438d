import { afterEach, describe, expect, it } from 'vitest';
import type { Bank } from 'bankcore';
import { makeBank } from './support/bank.js';
import { serve, signUpOverHttp, TRANSPORTS, type Client } from './support/http.js';

// The operator API over HTTP (/admin): operator keys, their scopes, and every operator method. Every response is
// checked against /openapi.json by the test client.

const A = { bankCode: 'BANK1', accountNumber: '00010001' };
const B = { bankCode: 'BANK1', accountNumber: '00020001' };
const path = (ref: { bankCode: string; accountNumber: string }) => `/admin/accounts/${ref.bankCode}/${ref.accountNumber}`;

describe.each(TRANSPORTS)('the operator API over %s', (transport) => {
  let client: Client;
  let bank: Bank;
  afterEach(async () => client?.close());

  async function setUp() {
    bank = makeBank();
    client = await serve(transport, { rateLimits: false }, bank);
    const alice = await signUpOverHttp(client, 'alice');
    const bob = await signUpOverHttp(client, 'bob');
    await client.call('POST', '/addAccount', { json: A, token: alice });
    await client.call('POST', '/addAccount', { json: B, token: bob });
    const { key } = await bank.operatorKeys.create({ name: 'back office' });
    return { alice, bob, key };
  }

  it('keeps operator keys and customer tokens apart: neither is accepted where the other belongs', async () => {
    const { alice, key } = await setUp();
    const none = await client.call('GET', path(A));
    expect([none.status, none.body.code]).toEqual([401, 'INVALID_TOKEN']);
    const customer = await client.call('GET', path(A), { token: alice });
    expect([customer.status, customer.body.code]).toEqual([401, 'INVALID_TOKEN']);
    const operatorOnCustomer = await client.call('GET', '/balance', { token: key });
    expect([operatorOnCustomer.status, operatorOnCustomer.body.code]).toEqual([401, 'INVALID_TOKEN']);
    expect((await client.call('GET', path(A), { token: key })).status).toBe(200);
    expect((await bank.operatorKeys.list())[0]!.lastUsedAt).toBeInstanceOf(Date);
  });

  it('refuses a key without the scope with 403 FORBIDDEN, and a revoked key with 401', async () => {
    await setUp();
    const reader = await bank.operatorKeys.create({ name: 'auditor', scopes: ['ledger:read'] });
    const refused = await client.call('POST', '/admin/fund', { json: { ...A, amount: 100 }, token: reader.key });
    expect([refused.status, refused.body.code, refused.body.detail]).toEqual([403, 'FORBIDDEN', 'This operator key lacks the funds:write scope']);
    expect((await client.call('GET', '/admin/verify', { token: reader.key })).body.ok).toBe(true);
    await bank.operatorKeys.revoke(reader.operatorKey.id);
    expect((await client.call('GET', '/admin/verify', { token: reader.key })).status).toBe(401);
    expect((await bank.getAccount(await bank.operator.principal((await bank.operator.getAccount(A)).ownerId!), A)).balance).toBe(0);
  });

  it('funds and pays out once per Idempotency-Key, saying when an answer is a replay', async () => {
    const { key, alice } = await setUp();
    const headers = { 'idempotency-key': 'fund-1' };
    const first = await client.call('POST', '/admin/fund', { json: { ...A, amount: 5000, reference: 'opening credit', metadata: { batch: '7' } }, token: key, headers });
    const again = await client.call('POST', '/admin/fund', { json: { ...A, amount: 5000, reference: 'opening credit', metadata: { batch: '7' } }, token: key, headers });
    expect([first.status, again.status, again.headers.get('idempotent-replayed')]).toEqual([201, 201, 'true']);
    expect(again.body).toEqual(first.body);
    expect(first.body.transaction).toMatchObject({ type: 'fund', metadata: { batch: '7' } });
    const paid = await client.call('POST', '/admin/payout', { json: { ...A, amount: 1500 }, token: key });
    expect(paid.body.accounts[0].balance).toBe(3500);
    const reused = await client.call('POST', '/admin/fund', { json: { ...A, amount: 1 }, token: key, headers });
    expect([reused.status, reused.body.code]).toEqual([409, 'IDEMPOTENCY_KEY_REUSED']);
    expect((await client.call('GET', '/balance', { token: alice })).body.accounts[0].balance).toBe(3500);
  });

  it('posts N-leg transactions that balance, refuses one that does not, and reverses once', async () => {
    const { key } = await setUp();
    await client.call('POST', '/admin/fund', { json: { ...A, amount: 1000 }, token: key });
    const unbalanced = await client.call('POST', '/admin/transactions', { json: { legs: [{ ...A, amount: -300 }, { ...B, amount: 299 }] }, token: key });
    expect([unbalanced.status, unbalanced.body.code]).toEqual([422, 'UNBALANCED_TRANSACTION']);
    const posted = await client.call('POST', '/admin/transactions', { json: { legs: [{ ...A, amount: -300 }, { ...B, amount: 200 }, { bankCode: '@world', accountNumber: 'USD', amount: 100 }], reference: 'split' }, token: key });
    expect(posted.status).toBe(201);
    expect(posted.body.transaction.legs).toHaveLength(3);
    const id = posted.body.transaction.id;
    const reversed = await client.call('POST', `/admin/transactions/${id}/reverse`, { json: { reason: 'posted in error' }, token: key });
    expect([reversed.status, reversed.body.transaction.reversalOf]).toEqual([201, id]);
    const twice = await client.call('POST', `/admin/transactions/${id}/reverse`, { token: key });
    expect([twice.status, twice.body.code]).toEqual([409, 'ALREADY_REVERSED']);
    expect((await client.call('GET', `/admin/transactions/${id}`, { token: key })).body.reversedBy).toBe(reversed.body.transaction.id);
    expect((await client.call('GET', '/admin/transactions/nope', { token: key })).status).toBe(404);
    expect((await client.call('GET', `${path({ bankCode: '@world', accountNumber: 'USD' })}`, { token: key })).body.balance).toBe(-1000);
  });

  it('holds, captures in part, voids and lists holds; the customer sees them and their available balance', async () => {
    const { key, alice } = await setUp();
    await client.call('POST', '/admin/fund', { json: { ...A, amount: 1000 }, token: key });
    const holdBody = { from: A, amount: 400, expiresAt: new Date(Date.now() + 60_000).toISOString(), reference: 'card' };
    const hold = await client.call('POST', '/admin/holds', { json: holdBody, token: key, headers: { 'idempotency-key': 'hold-1' } });
    expect([hold.status, hold.body.status, hold.headers.get('idempotent-replayed')]).toEqual([201, 'pending', null]);
    const replayed = await client.call('POST', '/admin/holds', { json: holdBody, token: key, headers: { 'idempotency-key': 'hold-1' } });
    expect([replayed.status, replayed.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
    expect(replayed.body).toEqual(hold.body);
    const mine = await client.call('GET', `/holds?bankCode=${A.bankCode}&accountNumber=${A.accountNumber}`, { token: alice });
    expect(mine.body.holds.map((h: { id: string }) => h.id)).toEqual([hold.body.id]);
    expect((await client.call('GET', '/balance', { token: alice })).body.accounts[0]).toMatchObject({ balance: 1000, pending: 400, available: 600, status: 'active', overdraftLimit: 0 });
    const capture = await client.call('POST', `/admin/holds/${hold.body.id}/capture`, { json: { amount: 250 }, token: key });
    expect([capture.status, capture.body.hold.status, capture.body.hold.capturedAmount, capture.body.accounts[0].balance]).toEqual([201, 'captured', 250, 750]);
    const again = await client.call('POST', `/admin/holds/${hold.body.id}/capture`, { token: key });
    expect([again.status, again.body.code]).toEqual([409, 'HOLD_NOT_PENDING']);
    const second = await client.call('POST', '/admin/holds', { json: { from: A, amount: 100 }, token: key });
    expect((await client.call('POST', `/admin/holds/${second.body.id}/void`, { token: key })).body.status).toBe('voided');
    expect((await client.call('GET', `/admin/holds/${second.body.id}`, { token: key })).body.status).toBe('voided');
    const listed = await client.call('GET', `${path(A)}/holds?status=captured`, { token: key });
    expect(listed.body.holds.map((h: { id: string }) => h.id)).toEqual([hold.body.id]);
    expect((await client.call('POST', '/admin/holds/expire', { token: key })).body).toEqual({ expired: 0 });
    expect((await client.call('POST', `/admin/holds/unknown/void`, { token: key })).status).toBe(404);
  });

  it('freezes, unfreezes, sets an overdraft limit and closes accounts', async () => {
    const { key, alice } = await setUp();
    expect((await client.call('POST', `${path(A)}/freeze`, { token: key })).body.status).toBe('frozen');
    const refused = await client.call('POST', '/withdraw', { json: { ...A, amount: 1 }, token: alice });
    expect([refused.status, refused.body.code]).toEqual([409, 'ACCOUNT_FROZEN']);
    expect((await client.call('POST', `${path(A)}/unfreeze`, { token: key })).body.status).toBe('active');
    const limited = await client.call('POST', `${path(A)}/overdraft-limit`, { json: { overdraftLimit: 500 }, token: key });
    expect(limited.body).toMatchObject({ overdraftLimit: 500, available: 0 });
    expect((await client.call('POST', '/withdraw', { json: { ...A, amount: 500 }, token: alice })).body.account.balance).toBe(-500);
    const notEmpty = await client.call('POST', `${path(A)}/close`, { token: key });
    expect([notEmpty.status, notEmpty.body.code]).toEqual([409, 'ACCOUNT_NOT_EMPTY']);
    await client.call('POST', '/admin/fund', { json: { ...A, amount: 500 }, token: key });
    expect((await client.call('POST', `${path(A)}/close`, { token: key })).body.status).toBe('closed');
    const badLimit = await client.call('POST', `${path(B)}/overdraft-limit`, { json: { overdraftLimit: -1 }, token: key });
    expect([badLimit.status, badLimit.body.errors[0].path]).toEqual([422, 'overdraftLimit']);
  });

  it('reads any account’s history in a time range, its balance at a past time, and verifies the books', async () => {
    const { key } = await setUp();
    for (const amount of [100, 200, 300]) await client.call('POST', '/admin/fund', { json: { ...A, amount }, token: key });
    const page = await client.call('GET', `${path(A)}/transactions?limit=2`, { token: key });
    expect(page.body.data.map((e: { balanceAfter: number }) => e.balanceAfter)).toEqual([600, 300]);
    const rest = await client.call('GET', `${path(A)}/transactions?limit=2&cursor=${page.body.nextCursor}`, { token: key });
    expect(rest.body).toMatchObject({ data: [{ balanceAfter: 100 }], nextCursor: null });
    const second = page.body.data[1];
    const inRange = await client.call('GET', `${path(A)}/transactions?from=${encodeURIComponent(second.createdAt)}&to=${encodeURIComponent(second.createdAt)}`, { token: key });
    expect(inRange.body.data.every((e: { createdAt: string }) => e.createdAt === second.createdAt)).toBe(true);
    const then = await client.call('GET', `${path(A)}/balance?at=${encodeURIComponent(new Date(Date.parse(rest.body.data[0].createdAt) - 1).toISOString())}`, { token: key });
    expect(then.body).toMatchObject({ ...A, balance: 0, sequence: 0 });
    const badAt = await client.call('GET', `${path(A)}/balance?at=yesterday`, { token: key });
    expect([badAt.status, badAt.body.errors[0].path]).toEqual([422, 'at']);
    expect((await client.call('GET', '/admin/verify', { token: key })).body).toMatchObject({ ok: true, problems: [] });
    expect((await client.call('GET', path({ bankCode: 'BANK1', accountNumber: 'missing' }), { token: key })).status).toBe(404);
  });
});
