import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createBank, INSECURE_TEST_PASSWORD_HASHING } from 'bankcore';
import { sqliteAdapter } from 'bankcore/sqlite';
import { CLI, cliCwd, startCli } from './support/cli.js';
import { freshDataDir } from './support/data-dir.js';

// test/fixtures/journal-0.1.0/data was written by release 0.1.0's own durable journal store (commit abd1c45): a
// snapshot taken at close, a journal of later changes (a password change, a new user, concurrent transfers), and a
// torn last record, as a crash mid-write leaves. expected.json is what that store acknowledged.
const FIXTURE = new URL('./fixtures/journal-0.1.0/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('expected.json', FIXTURE), 'utf8')) as Record<'alice' | 'bob' | 'carol', Array<[string, number, number]>>;
const SECRET = 'journal-import-test-secret-of-32-bytes!';

function copyOfFixture(): string {
  const dir = join(freshDataDir('journal'), 'data');
  cpSync(new URL('data/', FIXTURE), dir, { recursive: true });
  return dir;
}

async function balancesOverHttp(url: string, username: string, password: string): Promise<Array<[string, number]>> {
  const token = await fetch(`${url}/token`, { method: 'POST', body: new URLSearchParams({ username, password }) });
  expect(token.status).toBe(200);
  const { access_token } = (await token.json()) as { access_token: string };
  const res = await fetch(`${url}/balance`, { headers: { authorization: `Bearer ${access_token}` } });
  return ((await res.json()) as { accounts: Array<{ accountNumber: string; balance: number }> }).accounts.map((a) => [a.accountNumber, a.balance]);
}

describe('importing a 0.1.0 journal directory', () => {
  it('is done once by the standalone server at start: every acknowledged change, torn tail cut, keys replay, verify clean', async () => {
    const dataDir = copyOfFixture();
    const server = await startCli({ BANK_DATA_DIR: dataDir, BANK_JWT_SECRET: SECRET });
    expect(server.output()).toMatch(/imported the 0\.1\.0 journal in .*: 3 users, 4 accounts, 17 transactions/);
    expect(await balancesOverHttp(server.url, 'alice', 'alice-changed-her-password')).toEqual(expected.alice.map(([n, b]) => [n, b]));
    expect(await balancesOverHttp(server.url, 'bob', 'bob-has-a-long-password')).toEqual(expected.bob.map(([n, b]) => [n, b]));
    expect(await balancesOverHttp(server.url, 'carol', 'carol-has-a-long-password')).toEqual(expected.carol.map(([n, b]) => [n, b]));
    expect(await server.stop()).toBe(0);
    expect(readdirSync(join(dataDir, 'imported-0.1.0-journal')).sort()).toEqual(['LOCK', 'journal-00000002.log', 'snapshot.bin']);

    const again = await startCli({ BANK_DATA_DIR: dataDir, BANK_JWT_SECRET: SECRET });
    expect(again.output()).not.toContain('imported');
    expect(await again.stop()).toBe(0);

    const bank = createBank({ storage: sqliteAdapter({ filename: join(dataDir, 'bankcore.db') }), tokens: { secret: SECRET }, passwordHashing: INSECURE_TEST_PASSWORD_HASHING });
    await bank.init();
    const bob = await bank.authenticate((await bank.login({ username: 'bob', password: 'bob-has-a-long-password' })).accessToken);
    const replay = await bank.deposit(bob, { account: { bankCode: 'BANK1', accountNumber: 'B0001' }, amount: 42, idempotencyKey: 'after-snapshot' });
    expect(replay.replayed).toBe(true);
    const alice = await bank.authenticate((await bank.login({ username: 'alice', password: 'alice-changed-her-password' })).accessToken);
    expect((await bank.getAccount(alice, { bankCode: 'BANK1', accountNumber: 'A0001' })).entryCount).toBe(expected.alice[0]![2]);
    const report = await bank.verify();
    expect(report.problems).toEqual([]);
    expect(report.transactionsChecked).toBe(17);
    await bank.close();
  }, 60_000);

  it('is done by `bankcore import-journal DIR`, which refuses a directory that already has a database', async () => {
    const dataDir = copyOfFixture();
    const run = (args: string[]) => spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8', cwd: cliCwd() });
    const first = run(['import-journal', dataDir]);
    expect(first.stdout + first.stderr).toContain('imported 3 users, 4 accounts and 17 transactions');
    expect(first.status).toBe(0);
    expect(existsSync(join(dataDir, 'bankcore.db'))).toBe(true);
    const second = run(['import-journal', dataDir]);
    expect(second.status).toBe(1);
    expect(second.stderr).toContain('exists; import into a directory without one');
  }, 60_000);
});
