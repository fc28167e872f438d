import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isBankError, type Bank } from 'bankcore';
import { createHttpHandler } from 'bankcore/node';
import { createClient, createOperatorClient } from 'bankcore/client';
import { makeBank, manualClock } from './support/bank.js';

type Fault = (req: IncomingMessage, res: ServerResponse) => boolean;
const servers: Array<ReturnType<typeof createServer>> = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

/** A real server on port 0; `fault` may answer (or drop) a request itself by returning true. */
async function serveBank(bank: Bank = makeBank(), fault?: Fault) {
  const handler = createHttpHandler(bank, { rateLimits: false, logger: { error: () => {} } });
  const server = createServer((req, res) => (fault?.(req, res) ? undefined : handler(req, res)));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { bank, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const A = { bankCode: 'CLNT1', accountNumber: 'ACCT0001' };
const B = { bankCode: 'CLNT1', accountNumber: 'ACCT0002' };

async function loggedIn(baseUrl: string, extra: Partial<Parameters<typeof createClient>[0]> = {}) {
  const client = createClient({ baseUrl, baseDelayMs: 5, ...extra });
  await client.createUser({ username: 'carla', password: 'client-long-password' });
  const login = await client.login({ username: 'carla', password: 'client-long-password' });
  expect(login).toMatchObject({ accessToken: expect.any(String), tokenType: 'bearer', expiresIn: expect.any(Number) });
  await client.addAccount(A);
  return client;
}

describe('bankcore/client', () => {
  it('calls every endpoint with typed results', async () => {
    const { baseUrl } = await serveBank();
    const client = await loggedIn(baseUrl);
    await client.addAccount({ ...B, currency: 'USD' });
    expect((await client.deposit({ ...A, amount: 1_000, reference: 'pay' })).account.balance).toBe(1_000);
    expect((await client.withdraw({ ...A, amount: 100 })).account.balance).toBe(900);
    expect((await client.transfer({ from: A, to: B, amount: 50 })).transaction.legs).toHaveLength(2);
    expect((await client.balance()).accounts.map((a) => a.balance)).toEqual([850, 50]);
    expect((await client.balance(B)).accounts).toHaveLength(1);
    const page = await client.history(A, { limit: 2 });
    expect(page.entries.map((e) => e.balanceAfter)).toEqual([850, 900]);
    expect((await client.history(A, { limit: 2, cursor: page.nextCursor! })).entries).toHaveLength(1);
    const deposit = page.entries[1]!;
    expect((await client.getTransaction(deposit.transactionId)).id).toBe(deposit.transactionId);
    expect(await client.balanceAt(A, deposit.createdAt)).toMatchObject({ ...A, balance: 900, sequence: 2 });
    expect((await client.statement(A)).split('\r\n').filter(Boolean)).toHaveLength(4);
    expect(await client.holds(A)).toEqual([]);
    expect(await client.health()).toEqual({ status: 'ok' });
    await client.changePassword({ currentPassword: 'client-long-password', newPassword: 'a new client passphrase' });
    expect(isBankError(await client.balance().catch((e: unknown) => e), 'INVALID_TOKEN')).toBe(true);
  });

  it('drives every operator endpoint with an operator key, and reports a missing scope as FORBIDDEN', async () => {
    const { baseUrl, bank } = await serveBank();
    const client = await loggedIn(baseUrl);
    const { key } = await bank.operatorKeys.create({ name: 'ops' });
    const ops = createOperatorClient({ baseUrl, operatorKey: key, baseDelayMs: 5 });
    const funded = await ops.fund({ ...A, amount: 1_000, reference: 'opening credit', metadata: { batch: '7' } });
    expect(funded.accounts[0]!.balance).toBe(1_000);
    await ops.payout({ ...A, amount: 100 });
    const hold = await ops.hold({ from: A, amount: 300, expiresAt: new Date(Date.now() + 60_000) });
    expect((await client.holds(A)).map((h) => h.id)).toEqual([hold.id]);
    expect((await ops.getAccount(A)).available).toBe(600);
    const capture = await ops.captureHold(hold.id, { amount: 200 });
    expect([capture.hold.status, capture.accounts[0]!.balance]).toEqual(['captured', 700]);
    const second = await ops.hold({ from: A, amount: 50 });
    expect((await ops.voidHold(second.id)).status).toBe('voided');
    expect((await ops.listHolds(A)).map((h) => h.status)).toEqual(['captured', 'voided']);
    expect((await ops.getHold(second.id)).status).toBe('voided');
    expect(await ops.expireHolds()).toEqual({ expired: 0 });
    await client.addAccount(B);
    const posted = await ops.post({ legs: [{ ...A, amount: -70 }, { ...B, amount: 70 }], reference: 'fee refund' });
    const reversal = await ops.reverse(posted.transaction.id, { reason: 'posted in error' });
    expect((await ops.getTransaction(posted.transaction.id)).reversedBy).toBe(reversal.transaction.id);
    await ops.post({ legs: [{ ...A, amount: -70 }, { ...B, amount: 70 }] });
    expect((await ops.setOverdraftLimit(A, 2_000)).overdraftLimit).toBe(2_000);
    expect((await ops.freezeAccount(B)).status).toBe('frozen');
    expect((await ops.unfreezeAccount(B)).status).toBe('active');
    expect((await ops.history(A, { limit: 2 })).entries).toHaveLength(2);
    expect((await ops.balanceAt(A, new Date())).balance).toBe((await ops.getAccount(A)).balance);
    await ops.payout({ ...B, amount: 70 });
    expect((await ops.closeAccount(B)).status).toBe('closed');
    expect((await ops.verify()).ok).toBe(true);
    const reader = createOperatorClient({ baseUrl, operatorKey: (await bank.operatorKeys.create({ name: 'auditor', scopes: ['ledger:read'] })).key });
    expect(isBankError(await reader.fund({ ...A, amount: 1 }).catch((e: unknown) => e), 'FORBIDDEN')).toBe(true);
  });

  it('surfaces server errors as BankError with the server’s code and issues', async () => {
    const { baseUrl } = await serveBank();
    const client = await loggedIn(baseUrl);
    const overdraft = await client.withdraw({ ...A, amount: 5 }).catch((e: unknown) => e);
    expect(isBankError(overdraft, 'INSUFFICIENT_FUNDS')).toBe(true);
    const invalid = await client.deposit({ ...A, amount: 1.5 }).catch((e: unknown) => e);
    expect(isBankError(invalid, 'VALIDATION_FAILED')).toBe(true);
    expect((invalid as { details: { issues: unknown[] } }).details.issues).toEqual([{ path: 'amount', message: expect.any(String) }]);
  });

  it('answers a call after the token expired with TOKEN_EXPIRED', async () => {
    const clock = manualClock();
    const { baseUrl } = await serveBank(makeBank({ clock: clock.now }));
    const client = await loggedIn(baseUrl);
    clock.advance(3_600);
    expect(isBankError(await client.balance().catch((e: unknown) => e), 'TOKEN_EXPIRED')).toBe(true);
  });

  it('retries a deposit whose answer was lost, under the same key, and moves the money once', async () => {
    const { baseUrl, bank } = await serveBank();
    let lose = false;
    const keys: string[] = [];
    const lossy: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (String(input).endsWith('/deposit')) {
        keys.push(new Headers(init?.headers).get('idempotency-key')!);
        if (!lose) {
          lose = true;
          throw new TypeError('fetch failed'); // the server applied it; the client never hears back
        }
      }
      return response;
    };
    const client = await loggedIn(baseUrl, { fetch: lossy });
    const result = await client.deposit({ ...A, amount: 250 });
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
    expect(result.account.balance).toBe(250);
    expect((await client.balance()).accounts[0]!.balance).toBe(250);
    // One deposit: the customer's entry and the settlement account's.
    expect((await bank.verify()).entriesChecked).toBe(2);
  });

  it('retries after the server dropped the connection mid-request, and after a 503, without double-applying', async () => {
    let dropped = 0;
    let unavailable = 0;
    const { baseUrl } = await serveBank(makeBank(), (req, res) => {
      if (req.url === '/deposit' && dropped === 0) {
        dropped++;
        req.socket.destroy();
        return true;
      }
      if (req.url === '/transfer' && unavailable === 0) {
        unavailable++;
        res.writeHead(503, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ status: 503, code: 'STORAGE_UNAVAILABLE', detail: 'down' }));
        return true;
      }
      return false;
    });
    const client = await loggedIn(baseUrl);
    await client.addAccount(B);
    expect((await client.deposit({ ...A, amount: 300 })).account.balance).toBe(300);
    expect((await client.transfer({ from: A, to: B, amount: 100 })).account.balance).toBe(200);
    expect((await client.balance()).accounts.map((a) => a.balance)).toEqual([200, 100]);
    expect([dropped, unavailable]).toEqual([1, 1]);
  });

  it('honours Retry-After on 429 for safe calls', async () => {
    let limited = 0;
    const { baseUrl } = await serveBank(makeBank(), (req, res) => {
      if (req.url === '/healthz' && limited++ === 0) {
        res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/problem+json' }).end(JSON.stringify({ status: 429, code: 'RATE_LIMITED', detail: 'slow down' }));
        return true;
      }
      return false;
    });
    const client = createClient({ baseUrl, maxDelayMs: 50 });
    expect(await client.health()).toEqual({ status: 'ok' });
    expect(limited).toBe(2);
  });

  it('never retries a call without an idempotency key', async () => {
    let calls = 0;
    const { baseUrl } = await serveBank(makeBank(), (req, res) => {
      if (req.url === '/createUser') {
        calls++;
        res.writeHead(503, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ status: 503, code: 'STORAGE_UNAVAILABLE', detail: 'down' }));
        return true;
      }
      return false;
    });
    const client = createClient({ baseUrl, baseDelayMs: 1 });
    const error = await client.createUser({ username: 'once', password: 'only-once-please' }).catch((e: unknown) => e);
    expect(isBankError(error, 'STORAGE_UNAVAILABLE')).toBe(true);
    expect(calls).toBe(1);
  });

  it('reports NETWORK_ERROR when the server cannot be reached', async () => {
    const client = createClient({ baseUrl: 'http://127.0.0.1:9', attempts: 2, baseDelayMs: 1 });
    expect(isBankError(await client.health().catch((e: unknown) => e), 'NETWORK_ERROR')).toBe(true);
  });
});
