// Regression tests for the hardening issue's defects at the HTTP edge (each title states the contract).
import { connect, type Socket } from 'node:net';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { startServer } from 'bankcore/node';
import { makeBank } from './support/bank.js';

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
  }, 60_000);
});
