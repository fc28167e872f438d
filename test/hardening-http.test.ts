// Regression tests for the hardening issue's defects at the HTTP edge (each title states the contract).
import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createPasswordHasher, type PasswordHasher } from 'bankcore';
import { createFetchHandler } from 'bankcore/http';
import { startServer } from 'bankcore/node';
import { acct, bankErrorOf, makeBank, userIn } from './support/bank.js';
import { startCli } from './support/cli.js';
import { caller, serve, signUpOverHttp } from './support/http.js';

/** Sends raw bytes on a fresh connection and resolves with everything the server answers before closing. */
function raw(url: string, bytes: string, waitMs = 3_000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.on('data', (c) => (answer += c.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', () => resolve(answer));
    socket.write(bytes);
    setTimeout(() => socket.destroy(), waitMs);
  });
}

const problemOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { status: number; code: string; requestId: string };

describe('hardening: what Node itself refuses', () => {
  it('answers a malformed request, oversized headers and a request that never finishes with problem+json', async () => {
    const server = await startServer({ bank: makeBank(), port: 0, headersTimeoutMs: 1_000, logger: { error: () => {} } });
    try {
      const garbage = await raw(server.url, 'GARBAGE\r\n\r\n');
      expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
      expect(garbage).toContain('content-type: application/problem+json');
      expect(garbage).toContain('cache-control: no-store');
      expect(problemOf(garbage)).toMatchObject({ status: 400, code: 'MALFORMED_REQUEST', requestId: expect.any(String) });
      const huge = await raw(server.url, `GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);
      expect(problemOf(huge)).toMatchObject({ status: 431, code: 'HEADERS_TOO_LARGE' });
      const slow = await raw(server.url, 'GET /healthz HTTP/1.1\r\nhost: x\r\n', 4_000);
      expect(problemOf(slow)).toMatchObject({ status: 408, code: 'REQUEST_TIMEOUT' });
      expect(garbage + huge + slow).not.toMatch(/at .*\.(ts|js):\d+/);
    } finally {
      await server.close();
    }
  }, 20_000);
});

describe('hardening: idle connections', () => {
  it('keeps answering a client while another holds 1,000 idle connections from its own address', async () => {
    const server = await startServer({ bank: makeBank(), port: 0, logger: { error: () => {} } });
    const { port } = new URL(server.url);
    const sockets = new Set<Socket>();
    let attacking = true;
    let connected = 0;
    // The attacker: 127.0.0.2, holding up to 1,000 sockets that never send a byte, reopening each as it is cut.
    const open = () => {
      if (!attacking) return;
      const s = connect({ port: Number(port), host: '127.0.0.1', localAddress: '127.0.0.2' });
      sockets.add(s);
      s.on('connect', () => connected++);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        setTimeout(open, 10);
      });
    };
    for (let i = 0; i < 1_000; i++) open();
    for (let waited = 0; connected < 1_000 && waited < 5_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(connected).toBeGreaterThanOrEqual(1_000);
    let answered = 0;
    const legit = () =>
      new Promise<void>((resolve) => {
        const req = request(`${server.url}/healthz`, { agent: false, timeout: 5_000 }, (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) answered++;
            resolve();
          });
        });
        req.on('error', () => resolve());
        req.on('timeout', () => req.destroy());
        req.end();
      });
    for (let i = 0; i < 100; i++) await legit();
    attacking = false;
    for (const s of sockets) s.destroy();
    await server.close();
    expect(answered).toBeGreaterThanOrEqual(99);
    expect(sockets.size).toBeLessThanOrEqual(1_000);
  }, 60_000);
});

describe('hardening: rate limits and admission control', () => {
  const at = (address: string) => ({ 'x-forwarded-for': address });

  it('counts login attempts per (username, address): a stranger cannot lock out a user who logs in from elsewhere', async () => {
    const client = await serve('node:http', { trustProxy: true });
    await signUpOverHttp(client, 'victim', 'victim-long-password');
    for (let i = 0; i < 10; i++) {
      expect((await client.call('POST', '/token', { form: { username: 'victim', password: `guess-${i}-wrong` }, headers: at('198.51.100.66') })).status).toBe(400);
    }
    expect((await client.call('POST', '/token', { form: { username: 'victim', password: 'guess-x-wrong' }, headers: at('198.51.100.66') })).status).toBe(429);
    expect((await client.call('POST', '/token', { form: { username: 'victim', password: 'victim-long-password' }, headers: at('203.0.113.10') })).status).toBe(200);
    await client.close();
  });

  it('rate-limits /changePassword per user, and lets a flood of wrong guesses run at most 4 password checks at once', async () => {
    // The default hashing (argon2id, 19 MiB), counted: the starvation was many such checks queued at once.
    const real = createPasswordHasher();
    let inFlight = 0;
    let most = 0;
    const counted: PasswordHasher = {
      hash: (p) => real.hash(p),
      async verify(p, stored) {
        most = Math.max(most, ++inFlight);
        try {
          return await real.verify(p, stored);
        } finally {
          inFlight--;
        }
      },
    };
    const client = await serve('node:http', { trustProxy: true }, makeBank({ passwordHasher: counted }));
    const guesser = await signUpOverHttp(client, 'guesser', 'guesser-long-password');
    await signUpOverHttp(client, 'bystander', 'bystander-long-password');
    most = 0;
    const guesses = Array.from({ length: 64 }, (_, i) =>
      client.call('POST', '/changePassword', { json: { currentPassword: `wrong-${i}`, newPassword: 'a-new-long-password' }, token: guesser, headers: at('198.51.100.66') }),
    );
    const started = performance.now();
    const login = await client.call('POST', '/token', { form: { username: 'bystander', password: 'bystander-long-password' }, headers: at('203.0.113.10') });
    const loginMs = performance.now() - started;
    const statuses = (await Promise.all(guesses)).map((r) => r.status);
    expect(login.status).toBe(200);
    // Structural, not timed: the flood reaches the hasher at most 4 at a time (plus the bystander's own check).
    expect(most).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(5);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(59);
    console.log(`changePassword flood: bystander login took ${loginMs.toFixed(0)} ms (informational; benchmarks measure, tests do not time)`);
    await client.close();
  }, 60_000);

  it('rate-limits /addAccount per user, caps the accounts one user holds, and limits failed transfers per user', async () => {
    const client = await serve('node:http', {}, makeBank({ maxAccountsPerUser: 25 }));
    const me = await signUpOverHttp(client, 'opener');
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await client.call('POST', '/addAccount', { json: { bankCode: 'CAP01', accountNumber: `N${1000 + i}` }, token: me })).status);
    expect(statuses.slice(0, 20).every((s) => s === 201)).toBe(true);
    expect(statuses[20]).toBe(429);
    const probes: number[] = [];
    for (let i = 0; i < 21; i++) {
      const reply = await client.call('POST', '/transfer', { json: { from: { bankCode: 'CAP01', accountNumber: 'N1000' }, to: { bankCode: 'CAP01', accountNumber: `Z${2000 + i}` }, amount: 1 }, token: me });
      probes.push(reply.status);
    }
    expect(probes.slice(0, 20).every((s) => s === 404)).toBe(true);
    expect(probes[20]).toBe(429);
    await client.close();
    const bank = makeBank({ maxAccountsPerUser: 2 });
    const user = await userIn(bank, 'capped');
    await bank.openAccount(user, acct('C001'));
    await bank.openAccount(user, acct('C002'));
    expect((await bankErrorOf(bank.openAccount(user, acct('C003')))).code).toBe('LIMIT_EXCEEDED');
  });

  it('refuses to build a rate-limited fetch handler that cannot tell clients apart, saying how to on each runtime', () => {
    const error = (() => {
      try {
        createFetchHandler(makeBank());
      } catch (e) {
        return e as { code: string; message: string };
      }
      return null;
    })();
    expect(error?.code).toBe('CONFIGURATION_INVALID');
    expect(error?.message).toMatch(/getClientAddress.*Bun.*Deno.*Cloudflare Workers/s);
    expect(() => createFetchHandler(makeBank(), { rateLimits: false })).not.toThrow();
    expect(() => createFetchHandler(makeBank(), { getClientAddress: () => '203.0.113.1' })).not.toThrow();
  });
});

describe('hardening: one user with many accounts', () => {
  it('pages GET /balance, so one user’s account list is never one huge response', async () => {
    const client = await serve('node:http', { rateLimits: false });
    const me = await signUpOverHttp(client, 'collector');
    for (let i = 0; i < 7; i++) expect((await client.call('POST', '/addAccount', { json: { bankCode: 'PAGE1', accountNumber: `P${1000 + i}` }, token: me })).status).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await client.call('GET', `/balance?limit=3${cursor ? `&cursor=${cursor}` : ''}`, { token: me });
      expect(page.body.accounts.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.accounts.map((a: { accountNumber: string }) => a.accountNumber));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(Array.from({ length: 7 }, (_, i) => `P${1000 + i}`));
    const invalid = await client.call('GET', '/balance?limit=0', { token: me });
    expect(invalid.status).toBe(422);
    // Every response, errors included, says no-store.
    expect(invalid.headers.get('cache-control')).toBe('no-store');
    expect((await client.call('GET', '/nowhere')).headers.get('cache-control')).toBe('no-store');
    await client.close();
  });
});

describe('hardening: development settings', () => {
  it('turns rate limits off with BANK_RATE_LIMITS=off, and says so loudly at start', async () => {
    const server = await startCli({ BANK_RATE_LIMITS: 'off', BANK_DATA_DIR: '', BANK_JWT_SECRET: 'a-development-secret-of-32-bytes-or-more' });
    try {
      expect(server.output()).toContain('WARNING: RATE LIMITS ARE OFF');
      const call = caller(server.url);
      for (let i = 0; i < 25; i++) expect((await call('POST', '/createUser', { json: { username: `dev${i}`, password: 'a-long-dev-password' } })).status).toBe(201);
    } finally {
      await server.stop();
    }
    const strict = await startCli({ BANK_DATA_DIR: '', BANK_JWT_SECRET: 'a-development-secret-of-32-bytes-or-more' });
    try {
      expect(strict.output()).not.toContain('RATE LIMITS ARE OFF');
    } finally {
      await strict.stop();
    }
  }, 60_000);
});
