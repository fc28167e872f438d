import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startServer } from 'bankcore/node';
import { makeBank } from './support/bank.js';
import { serve, signUpOverHttp, TRANSPORTS } from './support/http.js';

const PATHS = ['/createUser', '/token', '/addAccount', '/deposit', '/withdraw', '/transfer', '/balance', '/transactions', '/healthz', '/openapi.json', '/changePassword'];
const A = { bankCode: 'FUZZ1', accountNumber: 'ACCT0001' };

describe.each(TRANSPORTS)('HTTP under random requests over %s', (transport) => {
  it('never answers 5xx or crashes, and the ledger still verifies', async () => {
    const client = await serve(transport, { rateLimits: false });
    const token = await signUpOverHttp(client, 'fuzzer');
    await client.call('POST', '/addAccount', { json: A, token });
    await client.call('POST', '/deposit', { json: { ...A, amount: 10_000 }, token });

    const body = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.record({ ...Object.fromEntries(Object.keys(A).map((k) => [k, fc.oneof(fc.constant((A as Record<string, string>)[k]), fc.string())])), amount: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(1e309)) }).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 300 }),
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
      fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 })).map((d) => new URLSearchParams(d).toString()),
    );
    const request = fc.record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'),
      path: fc.oneof(fc.constantFrom(...PATHS), fc.webPath(), fc.string({ maxLength: 40 }).map((s) => `/${encodeURIComponent(s)}`)),
      query: fc.oneof(fc.constant(''), fc.webQueryParameters().map((q) => `?${q}`), fc.constant('?bankCode=FUZZ1&accountNumber=ACCT0001&limit=5')),
      type: fc.constantFrom(undefined, 'application/json', 'application/json; charset=utf-8', 'application/x-www-form-urlencoded', 'text/plain', 'application/problem+json', 'multipart/form-data; boundary=x', '☃'),
      auth: fc.constantFrom('valid', 'none', 'garbage'),
      encoding: fc.constantFrom(undefined, 'gzip', 'identity'),
      body: fc.option(body, { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers: Record<string, string> = {};
        if (r.type) headers['content-type'] = r.type;
        if (r.encoding) headers['content-encoding'] = r.encoding;
        if (r.auth === 'valid') headers['authorization'] = `Bearer ${token}`;
        if (r.auth === 'garbage') headers['authorization'] = 'Bearer ☃☃';
        const canHaveBody = !['GET', 'HEAD'].includes(r.method);
        let reply;
        try {
          reply = await client.call(r.method, `${r.path}${r.query}`, { headers, raw: canHaveBody ? r.body : undefined, type: r.type });
        } catch (error) {
          // The Request constructor itself refuses some inputs (a header value it cannot carry): not our server.
          if (error instanceof TypeError) return;
          throw error;
        }
        expect(reply.status).toBeLessThan(500);
      }),
      { numRuns: 600, interruptAfterTimeLimit: 20_000 },
    );
    expect((await client.bank.verify()).problems).toEqual([]);
    await client.close();
  });
});

describe('the node:http server under raw input', () => {

  it('answers raw garbage on the socket with a 4xx or a closed connection, and keeps serving', async () => {
    const bank = makeBank();
    const server = await startServer({ bank, port: 0 });
    const port = Number(new URL(server.url).port);
    const junk = ['GARBAGE\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', 'POST /deposit HTTP/1.1\r\nContent-Length: -5\r\n\r\n', 'GET /balance HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n', '\u0000\u0001\u0002'];
    for (const payload of junk) {
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(payload));
        let data = '';
        socket.on('data', (d) => (data += d.toString()));
        socket.on('close', () => resolve(data));
        socket.on('error', () => resolve(data));
      });
      if (answer) expect(answer).toMatch(/^HTTP\/1\.1 4\d\d/);
    }
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await server.close();
  });
});

describe('slow and idle clients', () => {
  it('cuts off a client that trickles its headers, and serves others meanwhile', async () => {
    const server = await startServer({ bank: makeBank(), port: 0, headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 });
    const port = Number(new URL(server.url).port);
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      const line = 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ';
      let i = 0;
      const timer = setInterval(() => socket.write(line[i++ % line.length]!), 200);
      socket.on('close', () => {
        clearInterval(timer);
        resolve(Date.now() - started);
      });
      socket.on('error', () => undefined);
    });
    expect(closedAfter).toBeLessThan(4_000);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    await server.close();
  });

  it('keeps serving new clients while hundreds of idle connections from other addresses are open', async () => {
    const server = await startServer({ bank: makeBank(), port: 0 });
    const port = Number(new URL(server.url).port);
    const idle = await Promise.all(Array.from({ length: 300 }, (_, i) => new Promise<ReturnType<typeof connect>>((resolve) => {
      const socket = connect({ port, host: '127.0.0.1', localAddress: `127.0.0.${2 + (i % 10)}` }, () => resolve(socket));
      socket.on('error', () => undefined);
    })));
    const replies = await Promise.all(Array.from({ length: 20 }, () => fetch(`${server.url}/healthz`).then((r) => r.status)));
    expect(replies.every((s) => s === 200)).toBe(true);
    for (const socket of idle) socket.destroy();
    await server.close();
  });
});
