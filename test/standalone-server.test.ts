import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createBank, INSECURE_TEST_PASSWORD_HASHING } from 'bankcore';
import { sqliteAdapter } from 'bankcore/sqlite';
import { CLI, cliCwd, exited, logLines, startCli } from './support/cli.js';

describe('standalone server (npm start)', () => {
  it('prints --help with every environment variable', () => {
    const run = spawnSync(process.execPath, [...CLI, '--help'], { encoding: 'utf8', cwd: cliCwd() });
    expect(run.status).toBe(0);
    for (const name of ['PORT', 'HOST', 'BANK_JWT_SECRET', 'BANK_STORAGE', 'BANK_SQLITE_RECENT_KEYS']) expect(run.stdout).toContain(name);
  });

  it('says when it keeps state in memory only', async () => {
    const server = await startCli({ BANK_DATA_DIR: '' });
    expect(server.output()).toContain('storage memory only (BANK_DATA_DIR is empty');
    expect(await server.stop()).toBe(0);
  });

  it('refuses a secret shorter than 32 bytes at start', () => {
    const run = spawnSync(process.execPath, CLI, { encoding: 'utf8', cwd: cliCwd(), env: { ...process.env, PORT: '0', BANK_JWT_SECRET: 'short', BANK_DATA_DIR: '' } });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('at least 32 bytes');
  });

  it('refuses a BANK_SQLITE_RECENT_KEYS that is not a positive whole number at start', () => {
    for (const value of ['0', '-5', '1.5', 'many']) {
      const run = spawnSync(process.execPath, CLI, { encoding: 'utf8', cwd: cliCwd(), env: { ...process.env, PORT: '0', BANK_SQLITE_RECENT_KEYS: value } });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`BANK_SQLITE_RECENT_KEYS must be a positive whole number (got "${value}")`);
    }
  });

  it('reads settings from ./.env, and the environment wins over the file', async () => {
    const cwd = cliCwd();
    writeFileSync(join(cwd, '.env'), '# as the original service kept them\nBANK_JWT_SECRET=short\nBANK_DATA_DIR=\n');
    const { BANK_JWT_SECRET: _unset, ...env } = process.env;
    const fromFile = spawnSync(process.execPath, CLI, { encoding: 'utf8', cwd, env: { ...env, PORT: '0' } });
    expect([fromFile.status, fromFile.stderr]).toEqual([1, expect.stringContaining('at least 32 bytes')]);

    const server = await startCli({ BANK_JWT_SECRET: 'a-standalone-test-secret-of-32-bytes-or-more' }, cwd);
    expect(server.output()).toContain('read settings from ./.env');
    expect(server.output()).toContain('storage memory only (BANK_DATA_DIR is empty');
    expect(await server.stop()).toBe(0);
  });

  it('answers, logs one line per request without bodies, and on SIGTERM finishes the request in flight and exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bankcore-cli-'));
    const server = await startCli({ BANK_JWT_SECRET: 'a-standalone-test-secret-of-32-bytes-or-more', BANK_DATA_DIR: dataDir });
    expect(server.output()).toContain(`storage sqlite, durable in ${join(dataDir, 'bankcore.db')}`);
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });

    const body = JSON.stringify({ username: 'inflight', password: 'in-flight-password' });
    const reply = new Promise<number>((resolve, reject) => {
      const req = request(`${server.url}/createUser`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.write(body.slice(0, 10));
      // The rest arrives after SIGTERM: the server must still finish this request.
      setTimeout(() => {
        server.child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(10)), 300);
      }, 200);
    });
    const [status, code] = await Promise.all([reply, exited(server.child)]);
    expect(status).toBe(201);
    expect(code).toBe(0);
    const lines = logLines(server.output());
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request', method: 'GET', route: '/healthz', status: 200, durationMs: expect.any(Number), requestId: expect.any(String) }));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'request', method: 'POST', route: '/createUser', status: 201 }));
    expect(server.output()).not.toContain('in-flight-password');
  });

  it('takes an online backup with `bankcore backup <file>` while serving; the copy opens and verifies', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bankcore-cli-'));
    const env = { BANK_JWT_SECRET: 'a-standalone-test-secret-of-32-bytes-or-more', BANK_DATA_DIR: dataDir };
    const server = await startCli(env);
    const creds = { username: 'backed', password: 'backed-up-password' };
    expect((await fetch(`${server.url}/createUser`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(creds) })).status).toBe(201);
    const copy = join(mkdtempSync(join(tmpdir(), 'bankcore-backup-')), 'copy.db');
    const run = spawnSync(process.execPath, [...CLI, 'backup', copy], { encoding: 'utf8', cwd: cliCwd(), env: { ...process.env, ...env } });
    expect(run.stdout).toContain(`backed up ${join(dataDir, 'bankcore.db')} to ${copy} (integrity checked, fsynced)`);
    expect(run.status).toBe(0);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect(await server.stop()).toBe(0);
    const bank = createBank({ storage: sqliteAdapter({ filename: copy }), tokens: { secret: env.BANK_JWT_SECRET }, passwordHashing: INSECURE_TEST_PASSWORD_HASHING });
    await bank.init();
    await expect(bank.login(creds)).resolves.toMatchObject({ tokenType: 'bearer' });
    expect((await bank.verify()).ok).toBe(true);
    await bank.close();
  });
});
