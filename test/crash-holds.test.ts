// Kills the durable standalone server (SQLite) with SIGKILL while an operator funds accounts, places holds and
// captures or voids them over /admin, then checks that every acknowledged hold and capture survived exactly once,
// that `pending` is exactly the open holds, and that verify() is clean.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { seededRandom } from 'bankcore/testing';
import { CLI, cliCwd, exited, startCli, type RunningCli } from './support/cli.js';
import { freshDataDir } from './support/data-dir.js';

const ROUNDS = 12;
const CLIENTS = 6;
const SECRET = 'crash-holds-secret-that-is-long-enough-32';
const ACCOUNTS = Array.from({ length: 4 }, (_, i) => ({ bankCode: 'HOLDX', accountNumber: `HX00${i}` }));

interface Hold {
  key: string;
  account: number;
  amount: number;
  id?: string;
  /** What the client was told; `unknown` when the server died first. */
  created: 'acked' | 'refused' | 'unknown';
  end: 'captured' | 'voided' | null;
  captured?: number;
}

async function admin(server: RunningCli, key: string, method: 'GET' | 'POST', path: string, body?: unknown, idempotencyKey?: string) {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
  const response = await fetch(`${server.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as any }; // any: a hold, a result or a problem
}

describe('crash safety with holds (SQLite, over /admin)', () => {
  it(`keeps every acknowledged hold and capture exactly once over ${ROUNDS} SIGKILLs, with pending equal to the open holds`, async () => {
    const dataDir = freshDataDir('crash-holds');
    const cwd = cliCwd();
    const env = { BANK_DATA_DIR: dataDir, BANK_JWT_SECRET: SECRET, BANK_RATE_LIMITS: 'off' };
    const random = seededRandom(20261202);
    let server = await startCli(env, cwd);
    const created = spawnSync(process.execPath, [...CLI, 'operator-key', 'create', '--name', 'crash'], { encoding: 'utf8', cwd, env: { ...process.env, ...env } });
    const key = /^(bko_\S+)$/m.exec(created.stdout)![1]!;
    await fetch(`${server.url}/createUser`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'holder', password: 'holder-long-password' }) });
    const token = ((await (await fetch(`${server.url}/token`, { method: 'POST', body: new URLSearchParams({ username: 'holder', password: 'holder-long-password' }) })).json()) as { access_token: string }).access_token;
    for (const ref of ACCOUNTS) await fetch(`${server.url}/addAccount`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(ref) });
    for (const [i, ref] of ACCOUNTS.entries()) expect((await admin(server, key, 'POST', '/admin/fund', { ...ref, amount: 100_000 }, `fund-${i}`)).status).toBe(201);

    const holds: Hold[] = [];
    let n = 0;
    const place = async (h: Hold) => {
      const reply = await admin(server, key, 'POST', '/admin/holds', { from: ACCOUNTS[h.account], amount: h.amount }, h.key);
      if (reply.status === 201) [h.created, h.id] = ['acked', reply.json.id];
      else if (reply.status === 409 && reply.json.code === 'INSUFFICIENT_FUNDS') h.created = 'refused';
      else throw new Error(`hold ${h.key}: ${reply.status} ${JSON.stringify(reply.json)}`);
    };
    for (let round = 0; round < ROUNDS; round++) {
      let running = true;
      const clients = Array.from({ length: CLIENTS }, async () => {
        while (running) {
          try {
            const open = holds.filter((h) => h.created === 'acked' && h.end === null);
            if (open.length > 3 && random() < 0.5) {
              const h = open[Math.floor(random() * open.length)]!;
              if (random() < 0.6) {
                const amount = 1 + Math.floor(random() * h.amount);
                const reply = await admin(server, key, 'POST', `/admin/holds/${h.id}/capture`, { amount }, `capture-${h.id}`);
                if (reply.status === 201) [h.end, h.captured] = ['captured', reply.json.hold.capturedAmount];
              } else {
                const reply = await admin(server, key, 'POST', `/admin/holds/${h.id}/void`);
                if (reply.status === 200) h.end = 'voided';
              }
            } else {
              const h: Hold = { key: `hold-${n++}`, account: Math.floor(random() * ACCOUNTS.length), amount: 1 + Math.floor(random() * 3_000), created: 'unknown', end: null };
              holds.push(h);
              await place(h);
            }
          } catch (error) {
            if (String(error).includes('hold-')) throw error;
            return; // the connection died with the server
          }
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 100 + random() * 300));
      server.child.kill('SIGKILL');
      await exited(server.child);
      running = false;
      await Promise.all(clients);
      server = await startCli(env, cwd);
      // Settle holds whose creation is unknown: the key replays the hold if it had committed, or places it now.
      for (const h of holds.filter((x) => x.created === 'unknown')) await place(h);
    }

    // Every acknowledged hold exists; its final state is what the server says, and never contradicts an answer.
    const acked = holds.filter((h) => h.created === 'acked');
    expect(acked.length).toBeGreaterThan(ROUNDS * 3);
    const pending = ACCOUNTS.map(() => 0);
    const captured = ACCOUNTS.map(() => 0);
    for (const h of acked) {
      const reply = await admin(server, key, 'GET', `/admin/holds/${h.id}`);
      expect([reply.status, reply.json.amount]).toEqual([200, h.amount]);
      if (h.end === 'captured') expect([reply.json.status, reply.json.capturedAmount]).toEqual(['captured', h.captured]);
      if (h.end === 'voided') expect(reply.json.status).toBe('voided');
      if (reply.json.status === 'pending') pending[h.account]! += h.amount;
      if (reply.json.status === 'captured') {
        captured[h.account]! += reply.json.capturedAmount;
        // Exactly one capture: its transaction names the hold.
        expect((await admin(server, key, 'GET', `/admin/transactions/${reply.json.transactionId}`)).json.holdId).toBe(h.id);
      }
    }
    for (const [i, ref] of ACCOUNTS.entries()) {
      const account = (await admin(server, key, 'GET', `/admin/accounts/${ref.bankCode}/${ref.accountNumber}`)).json;
      expect([account.pending, account.balance]).toEqual([pending[i], 100_000 - captured[i]!]);
    }
    expect((await admin(server, key, 'GET', '/admin/verify')).json).toMatchObject({ ok: true, problems: [] });
    expect(await server.stop()).toBe(0);
    console.log(`crash test with holds: ${ROUNDS} SIGKILLs, ${acked.length} holds acknowledged, ${acked.filter((h) => h.end === 'captured').length} captures and ${acked.filter((h) => h.end === 'voided').length} voids acknowledged`);
  }, 300_000);
});
