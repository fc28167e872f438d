import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBank } from 'bankcore';
import { sqliteAdapter } from 'bankcore/sqlite';
import { verifyWebhook } from 'bankcore/webhooks';
import { CLI, cliCwd, exited, startCli, type RunningCli } from './support/cli.js';
import { freshDataDir } from './support/data-dir.js';
import { eventually, startReceiver } from './support/receiver.js';

// The standalone server on SQLite, delivering webhooks to a real receiver while deposits keep coming, is killed with
// SIGKILL again and again, mid-delivery. Every committed event must still arrive, signed, in order per account.

const KILLS = 10;
const ACCOUNTS = [{ bankCode: 'KILL1', accountNumber: '00010001' }, { bankCode: 'KILL1', accountNumber: '00020001' }];

describe('webhooks under kill -9', () => {
  it(`deliver every committed event at least once, signed and in order, across ${KILLS} SIGKILLs mid-delivery`, async () => {
    const dataDir = freshDataDir('webhook-kill');
    const cwd = cliCwd();
    const env = { BANK_DATA_DIR: dataDir, BANK_RATE_LIMITS: 'off', BANK_JWT_SECRET: 'a-kill-test-secret-of-32-bytes-or-more' };
    // Each answer takes a little while, so a kill often lands while a delivery is in flight.
    const receiver = await startReceiver(() => 200, { delayMs: 5 });
    let server: RunningCli = await startCli(env, cwd);
    const keyRun = spawnSync(process.execPath, [...CLI, 'operator-key', 'create', '--name', 'kill-test'], { encoding: 'utf8', cwd, env: { ...process.env, ...env } });
    const key = /^(bko_\S+)$/m.exec(keyRun.stdout)![1]!;
    const call = async (method: string, path: string, body?: unknown, token?: string) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token) headers['authorization'] = `Bearer ${token}`;
      const response = await fetch(`${server.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: response.status, body: (await response.json().catch(() => null)) as any }; // any: answers of any shape
    };
    const hook = await call('POST', '/admin/webhooks', { url: receiver.url }, key);
    expect(hook.status).toBe(201);
    const secret: string = hook.body.secret;
    await call('POST', '/createUser', { username: 'kim', password: 'kim-has-a-long-password' });
    const token = (await (await fetch(`${server.url}/token`, { method: 'POST', body: new URLSearchParams({ username: 'kim', password: 'kim-has-a-long-password' }) })).json()) as { access_token: string };
    for (const a of ACCOUNTS) await call('POST', '/addAccount', a, token.access_token);

    let loading = true;
    let acknowledged = 0;
    const load = Promise.all(
      [0, 1, 2, 3].map(async (worker) => {
        for (let i = 0; loading; i++) {
          try {
            const r = await call('POST', '/deposit', { ...ACCOUNTS[(worker + i) % 2]!, amount: 1 + (i % 50) }, token.access_token);
            if (r.status === 201) acknowledged++;
            // A steady load, not a flood: one endpoint takes events one at a time, as fast as the receiver answers.
            await new Promise((resolve) => setTimeout(resolve, 10));
          } catch {
            await new Promise((resolve) => setTimeout(resolve, 20)); // the server is down: wait for the restart
          }
        }
      }),
    );
    for (let kill = 0; kill < KILLS; kill++) {
      await new Promise((resolve) => setTimeout(resolve, 300 + Math.floor(Math.random() * 500)));
      server.child.kill('SIGKILL');
      await exited(server.child);
      server = await startCli(env, cwd);
    }
    loading = false;
    await load;
    let state = '';
    await eventually(async () => {
      const listed = await call('GET', '/admin/webhooks', undefined, key);
      state = JSON.stringify(listed.body);
      return listed.status === 200 && listed.body.webhooks[0].backlog === 0;
    }, 120_000, 'the webhook backlog to drain').catch((error: Error) => {
      throw new Error(`${error.message}; last state ${state}; server output:\n${server.output().slice(-2000)}`);
    });
    expect(await server.stop()).toBe(0);
    await receiver.close();

    const bank = createBank({ storage: sqliteAdapter({ filename: join(dataDir, 'bankcore.db') }), tokens: { secret: env.BANK_JWT_SECRET } });
    await bank.init();
    const committed = [];
    for (let after = 0; ; ) {
      const page = await bank.events.read({ after, limit: 1000 });
      committed.push(...page);
      if (page.length < 1000) break;
      after = page.at(-1)!.position;
    }
    await bank.close();
    const sinceHook = committed.filter((e) => e.position > hook.body.endpoint.position);
    const received = receiver.deliveries;
    const firstSeen = new Map<string, number>();
    received.forEach((d, i) => firstSeen.has(d.id) || firstSeen.set(d.id, i));
    // Every committed event arrived at least once, and every signature verifies.
    expect(sinceHook.filter((e) => !firstSeen.has(e.id)).map((e) => e.position)).toEqual([]);
    expect(received.filter((d) => !verifyWebhook(d.body, d.signature, secret, { toleranceSeconds: 3600 }).valid)).toEqual([]);
    // A duplicate is only a redelivery of the same event: same id, same body.
    const bodies = new Map<string, string>();
    for (const d of received) {
      expect(bodies.get(d.id) ?? d.body).toBe(d.body);
      bodies.set(d.id, d.body);
    }
    // Per account, first deliveries arrive in commit order.
    for (const a of ACCOUNTS) {
      const touching = [...firstSeen.keys()].map((id) => JSON.parse(bodies.get(id)!)).filter((e) => JSON.stringify(e.payload).includes(a.accountNumber));
      const positions = touching.map((e) => e.position);
      expect(positions).toEqual([...positions].sort((x, y) => x - y));
    }
    expect(acknowledged).toBeGreaterThan(20);
    console.log(`webhooks under kill -9: ${KILLS} kills, ${acknowledged} deposits acknowledged, ${sinceHook.length} events committed, ${received.length} deliveries (${received.length - firstSeen.size} redeliveries)`);
  }, 240_000);
});
