import { describe, expect, it, vi } from 'vitest';
import type { StorageAdapter } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';
import { memoryRateLimitStore, type HttpLogger } from 'bankcore/http';
import { makeBank } from './support/bank.js';
import { serve, signUpOverHttp, TRANSPORTS } from './support/http.js';

const quietLogger = (): HttpLogger & { errors: unknown[] } => {
  const errors: unknown[] = [];
  return { errors, error: (entry) => errors.push(entry.error) };
};

describe.each(TRANSPORTS)('protection over %s', (transport) => {
  it('limits /token per username under a concurrent burst and says when to retry', async () => {
    const client = await serve(transport, { rateLimits: { tokenPerUsername: { limit: 5, windowSeconds: 60 } } });
    await signUpOverHttp(client, 'alice');
    const burst = await Promise.all(
      Array.from({ length: 30 }, () => client.call('POST', '/token', { form: { username: 'alice', password: 'wrong-password' } })),
    );
    // One attempt was spent by signUpOverHttp's own login.
    expect(burst.filter((r) => r.status === 400 && r.body.error === 'invalid_grant')).toHaveLength(4);
    const limited = burst.filter((r) => r.status === 429);
    expect(limited).toHaveLength(26);
    expect(limited[0]!.body.code).toBe('RATE_LIMITED');
    expect(Number(limited[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
    await client.close();
  });

  it('resets a limit when its window ends', async () => {
    let now = 0;
    const client = await serve(transport, {
      rateLimits: { createUserPerAddress: { limit: 2, windowSeconds: 60 } },
      rateLimitStore: memoryRateLimitStore(() => now),
    });
    const create = (username: string) => client.call('POST', '/createUser', { json: { username, password: 'long enough password' } });
    expect((await create('user1')).status).toBe(201);
    expect((await create('user2')).status).toBe(201);
    const limited = await create('user3');
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '60']);
    now += 60_000;
    expect((await create('user3')).status).toBe(201);
    await client.close();
  });

  it('answers an unexpected failure with an opaque 500 and a request id, and logs the cause', async () => {
    const storage = memoryAdapter();
    const broken: StorageAdapter = { ...storage, listAccounts: () => Promise.reject(new TypeError('secret internals at db.ts:42')) };
    const logger = quietLogger();
    const client = await serve(transport, { logger }, makeBank({ storage: broken }));
    const token = await signUpOverHttp(client, 'alice');
    const reply = await client.call('GET', '/balance', { token });
    expect(reply.status).toBe(500);
    expect(reply.body).toMatchObject({ code: 'INTERNAL', requestId: reply.headers.get('x-request-id') });
    expect(reply.text).not.toContain('secret internals');
    expect(logger.errors).toHaveLength(1);
    await client.close();
  });

  it('answers /healthz with 503 when storage is down', async () => {
    const broken: StorageAdapter = { ...memoryAdapter(), ping: () => Promise.reject(new Error('connection refused')) };
    const logger = quietLogger();
    const client = await serve(transport, { logger }, makeBank({ storage: broken }));
    const reply = await client.call('GET', '/healthz');
    expect([reply.status, reply.body.code]).toEqual([503, 'STORAGE_UNAVAILABLE']);
    expect(reply.text).not.toContain('connection refused');
    await client.close();
  });

  it('never puts a token, hash or password in a response to a failed login', async () => {
    const client = await serve(transport);
    await signUpOverHttp(client, 'alice');
    const reply = await client.call('POST', '/token', { form: { username: 'alice', password: 'alice-long-passwordX' } });
    expect(reply.status).toBe(400);
    expect(reply.text).not.toMatch(/argon2|alice-long-password/);
  });

  it('keeps the total constant over concurrent HTTP transfers among several users', async () => {
    const client = await serve(transport, { rateLimits: false });
    const tokens: string[] = [];
    const refs = Array.from({ length: 6 }, (_, i) => ({ bankCode: 'BANK1', accountNumber: `HTTP000${i}` }));
    for (let u = 0; u < 3; u++) tokens.push(await signUpOverHttp(client, `user${u}`));
    for (let i = 0; i < refs.length; i++) {
      await client.call('POST', '/addAccount', { json: refs[i], token: tokens[i % 3] });
      await client.call('POST', '/deposit', { json: { ...refs[i], amount: 500 }, token: tokens[i % 3] });
    }
    const replies = await Promise.all(
      Array.from({ length: 300 }, (_, n) => {
        const from = n % refs.length;
        const to = (from + 1 + (n % 5)) % refs.length;
        return client.call('POST', '/transfer', { json: { from: refs[from], to: refs[to], amount: 1 + ((n * 37) % 200) }, token: tokens[from % 3] });
      }),
    );
    expect(replies.every((r) => r.status === 201 || (r.status === 409 && r.body.code === 'INSUFFICIENT_FUNDS'))).toBe(true);
    let total = 0;
    for (const token of tokens) for (const a of (await client.call('GET', '/balance', { token })).body.accounts) total += a.balance;
    expect(total).toBe(3000);
    expect((await client.bank.verify()).ok).toBe(true);
    await client.close();
  });
});

describe('request logging', () => {
  it('logs one line per request with method, path, status, duration and request id, and never the body', async () => {
    const lines: unknown[] = [];
    const client = await serve('fetch handler', { logger: { request: (e) => lines.push(e), error: vi.fn() } });
    await client.call('POST', '/createUser', { json: { username: 'alice', password: 'alice-long-password' } });
    expect(lines).toEqual([{ method: 'POST', path: '/createUser', route: '/createUser', status: 201, durationMs: expect.any(Number), requestId: expect.any(String) }]);
    expect(JSON.stringify(lines)).not.toContain('alice-long-password');
  });
});
