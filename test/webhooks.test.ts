import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { Bank } from 'bankcore';
import { signWebhook, startWebhookDelivery, verifyWebhook, type WebhookDelivery } from 'bankcore/webhooks';
import { makeBank, userIn } from './support/bank.js';
import { serve } from './support/http.js';
import { eventually, startReceiver } from './support/receiver.js';

const A = { bankCode: 'HOOK1', accountNumber: '00010001' };

describe('verifyWebhook', () => {
  const secret = 'whsec_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
  const body = '{"id":"evt-1","type":"transaction.posted","position":7}';
  const t = 1_780_000_000;

  it('accepts a signature computed by an independent implementation (openssl dgst -sha256 -hmac)', () => {
    const hex = execFileSync('openssl', ['dgst', '-sha256', '-hmac', secret], { input: `${t}.${body}`, encoding: 'utf8' }).trim().split(/\s+/).at(-1)!;
    expect(hex).toMatch(/^[0-9a-f]{64}$/);
    expect(signWebhook(body, secret, t)).toBe(`t=${t},v1=${hex}`);
    expect(verifyWebhook(body, `t=${t},v1=${hex}`, secret, { now: t + 10 })).toEqual({ valid: true, timestamp: t });
  });

  it('refuses a changed body, another secret, an old timestamp and a malformed header', () => {
    const header = signWebhook(body, secret, t);
    expect(verifyWebhook(body.replace('7', '8'), header, secret, { now: t })).toEqual({ valid: false, reason: 'signature_mismatch' });
    expect(verifyWebhook(body, header, `${secret}0`, { now: t })).toEqual({ valid: false, reason: 'signature_mismatch' });
    expect(verifyWebhook(body, header, secret, { now: t + 301 })).toEqual({ valid: false, reason: 'timestamp_out_of_tolerance' });
    expect(verifyWebhook(body, header, secret, { now: t + 3000, toleranceSeconds: 3600 }).valid).toBe(true);
    for (const bad of ['', 'v1=abc', `t=${t}`, `t=soon,v1=${'0'.repeat(64)}`, null]) expect(verifyWebhook(body, bad, secret).valid).toBe(false);
    // While a secret is rotated, several v1 values may come: one match is enough.
    expect(verifyWebhook(body, `${header},v1=${'0'.repeat(64)}`, secret, { now: t }).valid).toBe(true);
  });
});

describe('webhook delivery', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function bankWithAccount(): Promise<{ bank: Bank; deposit: (amount: number) => Promise<unknown> }> {
    const bank = makeBank();
    const alice = await userIn(bank, 'alice');
    await bank.openAccount(alice, A);
    return { bank, deposit: (amount) => bank.deposit(alice, { account: A, amount }) };
  }

  function deliver(bank: Bank, options: Parameters<typeof startWebhookDelivery>[1] = {}): WebhookDelivery {
    const delivery = startWebhookDelivery(bank, { refreshMs: 50, baseDelayMs: 50, maxDelayMs: 1_000, ...options });
    cleanups.push(() => delivery.stop());
    return delivery;
  }

  it('posts each event once, in commit order, signed, with its id, to the types it asked for', async () => {
    const { bank, deposit } = await bankWithAccount();
    const receiver = await startReceiver();
    cleanups.push(receiver.close);
    const { endpoint, secret } = await bank.webhooks.create({ url: receiver.url, types: ['transaction.posted', 'hold.created'] });
    deliver(bank);
    for (let i = 1; i <= 5; i++) await deposit(i);
    await bank.operator.hold({ from: A, amount: 3 });
    await eventually(() => receiver.deliveries.length === 6, 10_000, 'six deliveries');
    expect(receiver.deliveries.map((d) => d.event.type)).toEqual([...Array(5).fill('transaction.posted'), 'hold.created']);
    expect(receiver.deliveries.map((d) => d.event.payload.transaction?.amount ?? null)).toEqual([1, 2, 3, 4, 5, null]);
    for (const d of receiver.deliveries) {
      expect(verifyWebhook(d.body, d.signature, secret)).toMatchObject({ valid: true });
      expect(d.id).toBe(d.event.id);
    }
    await eventually(async () => (await bank.webhooks.list())[0]!.backlog === 0, 5_000, 'no backlog');
    expect((await bank.webhooks.list())[0]).toMatchObject({ id: endpoint.id, failingSince: null, disabledAt: null });
  });

  it('retries a receiver that answers 500 for a minute, then delivers everything, in order', async () => {
    const { bank, deposit } = await bankWithAccount();
    const failUntil = Date.now() + 60_000;
    const receiver = await startReceiver(() => (Date.now() < failUntil ? 500 : 200));
    cleanups.push(receiver.close);
    await bank.webhooks.create({ url: receiver.url, types: ['transaction.posted'] });
    deliver(bank, { baseDelayMs: 250, maxDelayMs: 4_000 });
    for (let i = 1; i <= 10; i++) await deposit(i);
    await eventually(async () => (await bank.webhooks.list())[0]!.failingSince !== null, 5_000, 'a failure on record');
    expect((await bank.webhooks.list())[0]!.lastError).toBe('HTTP 500');
    await eventually(() => receiver.deliveries.length === 10, 90_000, 'ten deliveries after recovery');
    expect(receiver.deliveries.map((d) => d.event.payload.transaction.amount)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await bank.webhooks.list())[0]).toMatchObject({ failingSince: null, lastError: null, disabledAt: null });
  }, 120_000);

  it('never lets a receiver that hangs hold back another endpoint', async () => {
    const { bank, deposit } = await bankWithAccount();
    const hangs = await startReceiver(() => 'hang');
    const works = await startReceiver();
    cleanups.push(hangs.close, works.close);
    await bank.webhooks.create({ url: hangs.url });
    await bank.webhooks.create({ url: works.url, types: ['transaction.posted'] });
    deliver(bank, { timeoutMs: 60_000 });
    for (let i = 1; i <= 5; i++) await deposit(i);
    await eventually(() => works.deliveries.length === 5, 5_000, 'the healthy endpoint to get all five');
    expect(hangs.deliveries).toHaveLength(0);
  });

  it('disables an endpoint that keeps failing past the horizon, and reports it over /admin/webhooks', async () => {
    const { bank, deposit } = await bankWithAccount();
    const client = await serve('fetch handler', { rateLimits: false }, bank);
    cleanups.push(() => client.close());
    const { key } = await bank.operatorKeys.create({ name: 'ops', scopes: ['webhooks:write', 'ledger:read'] });
    const created = await client.call('POST', '/admin/webhooks', { json: { url: 'http://127.0.0.1:9/nothing-listens-here' }, token: key });
    expect([created.status, created.body.secret]).toEqual([201, expect.stringMatching(/^whsec_[0-9a-f]{64}$/)]);
    deliver(bank, { horizonMs: 300, baseDelayMs: 20, maxDelayMs: 50 });
    await deposit(1);
    await eventually(async () => (await bank.webhooks.list())[0]!.disabledAt !== null, 10_000, 'the endpoint to be disabled');
    const listed = await client.call('GET', '/admin/webhooks', { token: key });
    expect(listed.body.webhooks).toEqual([expect.objectContaining({ id: created.body.endpoint.id, disabledAt: expect.any(String), lastError: expect.stringContaining('could not connect'), backlog: 1 })]);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);
  });

  it('registers, lists and deletes endpoints over /admin/webhooks, with the webhooks:write scope', async () => {
    const bank = makeBank();
    const client = await serve('node:http', { rateLimits: false }, bank);
    cleanups.push(() => client.close());
    const reader = await bank.operatorKeys.create({ name: 'reader', scopes: ['ledger:read'] });
    const writer = await bank.operatorKeys.create({ name: 'writer', scopes: ['webhooks:write', 'ledger:read'] });
    const refused = await client.call('POST', '/admin/webhooks', { json: { url: 'https://shop.example/hooks' }, token: reader.key });
    expect([refused.status, refused.body.code]).toEqual([403, 'FORBIDDEN']);
    const bad = await client.call('POST', '/admin/webhooks', { json: { url: 'ftp://shop.example', types: ['no.such'] }, token: writer.key });
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['types.0', 'url']);
    const created = await client.call('POST', '/admin/webhooks', { json: { url: 'https://shop.example/hooks', types: ['hold.captured'] }, token: writer.key });
    const id = created.body.endpoint.id;
    expect((await client.call('GET', '/admin/webhooks', { token: reader.key })).body.webhooks.map((w: { id: string }) => w.id)).toEqual([id]);
    expect((await client.call('DELETE', `/admin/webhooks/${id}`, { token: writer.key })).status).toBe(204);
    expect((await client.call('DELETE', `/admin/webhooks/${id}`, { token: writer.key })).status).toBe(404);
    expect(await bank.webhooks.list()).toEqual([]);
  });
});
