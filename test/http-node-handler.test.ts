import { createServer, type RequestListener, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { HttpOptions } from 'bankcore/http';
import { createHttpHandler } from 'bankcore/node';
import { makeBank } from './support/bank.js';
import { caller, signUpOverHttp } from './support/http.js';

/** Serves `listener` on a free loopback port; returns its base URL and a closer. */
async function listen(listener: RequestListener): Promise<{ base: string; close(): Promise<void> }> {
  const server: Server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const quiet: HttpOptions = { logger: { error: () => {} } };

describe('createHttpHandler', () => {
  it('serves under a base path, with or without its trailing slash', async () => {
    const server = await listen(createHttpHandler(makeBank(), { ...quiet, basePath: 'bank/' }));
    const call = caller(server.base, undefined, { basePath: 'bank/' });
    expect((await call('GET', '/bank/healthz')).status).toBe(200);
    const outside = await call('GET', '/healthz');
    expect([outside.status, outside.body.code]).toEqual([404, 'NOT_FOUND']);
    expect((await call('GET', '/bankrupt/healthz')).status).toBe(404);
    await server.close();
  });

  it('hands requests outside its base path to next, as Connect middleware', async () => {
    const handler = createHttpHandler(makeBank(), { ...quiet, basePath: '/bank' });
    const server = await listen((req, res) => handler(req, res, () => res.writeHead(200, { 'content-type': 'text/plain' }).end('the host app')));
    const call = caller(server.base, undefined, { basePath: '/bank' });
    expect((await call('GET', '/shop')).text).toBe('the host app');
    expect((await call('GET', '/bank/healthz')).body).toEqual({ status: 'ok' });
    await server.close();
  });

  it('rate-limits by the address the trusted proxy appended, counting hops from the right, never by what the client wrote', async () => {
    const rateLimits = { createUserPerAddress: { limit: 1, windowSeconds: 60 } };
    const create = (call: ReturnType<typeof caller>, username: string, forwardedFor: string) =>
      call('POST', '/createUser', { json: { username, password: 'long enough password' }, headers: { 'x-forwarded-for': forwardedFor } });

    // One proxy, which appends the address it saw: the client's own entries are to its left and change nothing.
    const trusting = await listen(createHttpHandler(makeBank(), { ...quiet, rateLimits, trustProxy: true }));
    const viaProxy = caller(trusting.base);
    expect((await create(viaProxy, 'alice', '203.0.113.1')).status).toBe(201);
    expect((await create(viaProxy, 'bob', '198.51.100.7, 203.0.113.1')).status).toBe(429);
    expect((await create(viaProxy, 'bob', '203.0.113.2')).status).toBe(201);
    await trusting.close();

    // Two proxies (a CDN, then a load balancer): the client is the second entry from the right.
    const twoHops = await listen(createHttpHandler(makeBank(), { ...quiet, rateLimits, trustProxy: 2 }));
    const viaTwo = caller(twoHops.base);
    expect((await create(viaTwo, 'alice', 'spoof-1, 203.0.113.5, 10.0.0.9')).status).toBe(201);
    expect((await create(viaTwo, 'bob', 'spoof-2, 203.0.113.5, 10.0.0.8')).status).toBe(429);
    await twoHops.close();

    // Untrusted, the header is the client's own word: every request counts against the socket's address.
    const direct = await listen(createHttpHandler(makeBank(), { ...quiet, rateLimits }));
    const call = caller(direct.base);
    expect((await create(call, 'alice', '203.0.113.1')).status).toBe(201);
    expect((await create(call, 'bob', '203.0.113.2')).status).toBe(429);
    await direct.close();
  });

  it('answers every request of a burst over many connections, each with its own body', async () => {
    const bank = makeBank();
    const server = await listen(createHttpHandler(bank, quiet));
    const call = caller(server.base);
    const token = await signUpOverHttp({ bank, base: server.base, call, close: server.close }, 'alice');
    const accounts = Array.from({ length: 20 }, (_, i) => ({ bankCode: 'BANK1', accountNumber: `ACC${String(i).padStart(3, '0')}` }));
    await Promise.all(accounts.map((account) => call('POST', '/addAccount', { json: account, token })));
    const replies = await Promise.all(
      accounts.flatMap((account, i) => Array.from({ length: 10 }, () => call('POST', '/deposit', { json: { ...account, amount: i + 1 }, token }))),
    );
    expect(replies.every((r) => r.status === 201)).toBe(true);
    // Responses are written in batches; each must still reach the request it answers.
    replies.forEach((reply, n) => expect(reply.body.account.accountNumber).toBe(accounts[Math.floor(n / 10)]!.accountNumber));
    // The accounts were opened concurrently, so the list's order (by opening) is not theirs: compare by number.
    const balances = await call('GET', '/balance', { token });
    const byNumber = Object.fromEntries(balances.body.accounts.map((a: { accountNumber: string; balance: number }) => [a.accountNumber, a.balance]));
    expect(byNumber).toEqual(Object.fromEntries(accounts.map((a, i) => [a.accountNumber, 10 * (i + 1)])));
    await server.close();
  });

  it('reads a body the same whether it came with its headers, in pieces after them, or chunked', async () => {
    const bank = makeBank();
    const server = await listen(createHttpHandler(bank, quiet));
    const call = caller(server.base);
    const token = await signUpOverHttp({ bank, base: server.base, call, close: server.close }, 'alice');
    await call('POST', '/addAccount', { json: { bankCode: 'BANK1', accountNumber: 'ACC001' }, token });
    const { port } = new URL(server.base);
    /** Writes each part of a raw request on one connection, `gapMs` apart; answers the status line and the body. */
    const raw = (parts: string[], gapMs: number) =>
      new Promise<{ status: string; body: string }>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1');
        let answer = '';
        socket.on('data', (d) => (answer += d));
        socket.on('end', () => resolve({ status: answer.split('\r\n')[0]!, body: answer.slice(answer.indexOf('\r\n\r\n') + 4) }));
        socket.on('error', reject);
        socket.on('connect', async () => {
          for (const part of parts) {
            socket.write(part);
            await new Promise((r) => setTimeout(r, gapMs));
          }
        });
      });
    const body = JSON.stringify({ bankCode: 'BANK1', accountNumber: 'ACC001', amount: 7 });
    const head = (extra: string) => `POST /deposit HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\n${extra}\r\n`;
    const whole = await raw([`${head(`Content-Length: ${body.length}\r\n`)}${body}`], 0);
    const pieces = await raw([head(`Content-Length: ${body.length}\r\n`), body.slice(0, 10), body.slice(10)], 30);
    const chunked = await raw([head('Transfer-Encoding: chunked\r\n'), `${(10).toString(16)}\r\n${body.slice(0, 10)}\r\n`, `${(body.length - 10).toString(16)}\r\n${body.slice(10)}\r\n0\r\n\r\n`], 30);
    for (const reply of [whole, pieces, chunked]) {
      expect(reply.status).toBe('HTTP/1.1 201 Created');
      expect(JSON.parse(reply.body).transaction.amount).toBe(7);
    }
    const balances = await call('GET', '/balance', { token });
    expect(balances.body.accounts[0].balance).toBe(21);
    // Too large, whether declared up front or only found while reading a chunked body.
    const large = JSON.stringify({ bankCode: 'BANK1', accountNumber: 'ACC001', amount: 7, reference: 'x'.repeat(20_000) });
    const declared = await raw([`${head(`Content-Length: ${large.length}\r\n`)}${large}`], 0);
    const found = await raw([head('Transfer-Encoding: chunked\r\n'), `${large.length.toString(16)}\r\n${large}\r\n0\r\n\r\n`], 30);
    expect([declared.status, found.status]).toEqual(['HTTP/1.1 413 Payload Too Large', 'HTTP/1.1 413 Payload Too Large']);
    expect((await call('GET', '/balance', { token })).body.accounts[0].balance).toBe(21);
    await server.close();
  });

  it('closes the connection of a response that cannot be written and still answers the others', async () => {
    const handler = createHttpHandler(makeBank(), quiet);
    const server = await listen((req, res) => {
      if (req.headers['x-break'] === 'yes') {
        res.writeHead = () => {
          throw new TypeError('a header the socket refuses');
        };
      }
      handler(req, res);
    });
    const call = caller(server.base);
    const [broken, ...fine] = await Promise.allSettled([
      call('GET', '/healthz', { headers: { 'x-break': 'yes' } }),
      ...Array.from({ length: 5 }, () => call('GET', '/healthz')),
    ]);
    expect(broken!.status).toBe('rejected');
    expect(fine.map((r) => (r.status === 'fulfilled' ? r.value.status : r.reason))).toEqual([200, 200, 200, 200, 200]);
    await server.close();
  });
});
