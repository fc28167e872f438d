import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI, cliCwd, startCli } from './support/cli.js';
import { freshDataDir } from './support/data-dir.js';

// `bankcore operator-key`, run beside a running standalone server on SQLite, as an operator would.

const A = { bankCode: 'BANK1', accountNumber: '00010001' };

function operatorKey(args: string[], dataDir: string) {
  const run = spawnSync(process.execPath, [...CLI, 'operator-key', ...args], { encoding: 'utf8', cwd: cliCwd(), env: { ...process.env, BANK_DATA_DIR: dataDir } });
  return { status: run.status, out: run.stdout, err: run.stderr };
}

async function call(url: string, method: string, path: string, token: string | null, json?: unknown) {
  const headers: Record<string, string> = json === undefined ? {} : { 'content-type': 'application/json' };
  if (token) headers['authorization'] = `Bearer ${token}`;
  const response = await fetch(`${url}${path}`, { method, headers, body: json === undefined ? undefined : JSON.stringify(json) });
  return { status: response.status, body: (await response.json()) as Record<string, any> }; // any: answers of any shape
}

describe('bankcore operator-key', () => {
  it('creates a key beside a running server (shown once), which then funds accounts; lists and revokes it', async () => {
    const dataDir = freshDataDir('operator-keys');
    const server = await startCli({ BANK_DATA_DIR: dataDir, BANK_SELF_DEPOSITS: 'off', BANK_RATE_LIMITS: 'off' });
    try {
      const created = operatorKey(['create', '--name', 'back office', '--scope', 'funds:write', '--scope', 'ledger:read'], dataDir);
      expect(created.status, created.err).toBe(0);
      const key = /^(bko_[0-9a-f]{16}_[0-9a-f]{64})$/m.exec(created.out)?.[1];
      expect(key).toBeDefined();
      const id = key!.slice(4, 20);

      await call(server.url, 'POST', '/createUser', null, { username: 'alice', password: 'alice-long-password' });
      const form = await fetch(`${server.url}/token`, { method: 'POST', body: new URLSearchParams({ username: 'alice', password: 'alice-long-password' }) });
      const token = ((await form.json()) as { access_token: string }).access_token;
      await call(server.url, 'POST', '/addAccount', token, A);
      const deposit = await call(server.url, 'POST', '/deposit', token, { ...A, amount: 100 });
      expect([deposit.status, deposit.body['code']]).toEqual([403, 'FORBIDDEN']);
      const funded = await call(server.url, 'POST', '/admin/fund', key!, { ...A, amount: 100 });
      expect(funded.status).toBe(201);
      const forbidden = await call(server.url, 'POST', `/admin/accounts/BANK1/00010001/freeze`, key!);
      expect([forbidden.status, forbidden.body['code']]).toEqual([403, 'FORBIDDEN']);

      const listed = operatorKey(['list'], dataDir);
      expect(listed.out).toContain(`${id}  back office  [funds:write ledger:read]`);
      expect(listed.out).not.toContain('last used never');
      expect(listed.out).not.toContain(key!.slice(21));

      expect(operatorKey(['revoke', id], dataDir).out).toContain(`revoked ${id}`);
      expect((await call(server.url, 'GET', '/admin/verify', key!)).status).toBe(401);
      expect(operatorKey(['revoke', 'ffffffffffffffff'], dataDir).status).toBe(1);
    } finally {
      await server.stop();
    }
  });

  it('refuses a key without a name or with an unknown scope, and on memory storage', () => {
    const dataDir = freshDataDir('operator-keys');
    expect(operatorKey(['create'], dataDir).err).toContain('--name is required');
    expect(operatorKey(['create', '--name', 'x', '--scope', 'everything'], dataDir).err).toContain('must be one of funds:write');
    expect(operatorKey(['list'], '').err).toContain('operator keys need durable storage');
  });
});
