import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createPasswordHasher, INSECURE_TEST_PASSWORD_HASHING } from 'bankcore';
import { createThreadedPasswordHasher } from 'bankcore/node';
import { makeBank } from './support/bank.js';
import { CLI } from './support/cli.js';

const cheap = { algorithm: 'argon2id' as const, memoryKiB: 256, iterations: 1, parallelism: 1, insecure: true };

describe('threaded password hasher', () => {
  it('makes hashes the in-process hasher verifies, and verifies the in-process hasher’s', async () => {
    const threaded = createThreadedPasswordHasher(cheap, { threads: 2 });
    const local = createPasswordHasher(cheap);
    const fromThread = await threaded.hash('correct horse battery');
    expect(await local.verify('correct horse battery', fromThread)).toEqual({ ok: true, needsRehash: false });
    const fromLocal = await local.hash('another passphrase');
    expect(await threaded.verify('another passphrase', fromLocal)).toEqual({ ok: true, needsRehash: false });
    expect((await threaded.verify('wrong', fromLocal)).ok).toBe(false);
  });

  it('serves many concurrent logins through a bank, scrypt included', async () => {
    const bank = makeBank({ passwordHasher: createThreadedPasswordHasher(INSECURE_TEST_PASSWORD_HASHING, { threads: 2 }) });
    await Promise.all(Array.from({ length: 12 }, (_, i) => bank.register({ username: `pool${i}`, password: `pool-password-${i}` })));
    const tokens = await Promise.all(Array.from({ length: 12 }, (_, i) => bank.login({ username: `pool${i}`, password: `pool-password-${i}` })));
    expect(tokens.every((t) => t.tokenType === 'bearer')).toBe(true);
    const scrypt = createThreadedPasswordHasher({ algorithm: 'scrypt', log2N: 4, blockSize: 8, parallelism: 1, insecure: true }, { threads: 1 });
    expect((await scrypt.verify('s3cret words', await scrypt.hash('s3cret words'))).ok).toBe(true);
  });

  it('refuses parameters below the OWASP minimum unless marked insecure', () => {
    expect(() => createThreadedPasswordHasher({ ...cheap, insecure: false })).toThrow(expect.objectContaining({ code: 'CONFIGURATION_INVALID' }));
  });

  it('lets a program exit once its work is done: idle workers never keep the process alive', () => {
    const run = spawnSync(process.execPath, [...CLI.slice(0, 2), join(import.meta.dirname, 'support', 'hasher-exit.ts')], { encoding: 'utf8', timeout: 20_000 });
    expect(run.signal).toBeNull();
    expect(run.stdout).toContain('done');
    expect(run.status).toBe(0);
  }, 30_000);

  it('stops its workers on close(), after which hashing fails', async () => {
    const threaded = createThreadedPasswordHasher(cheap, { threads: 1 });
    await threaded.hash('warm the pool up');
    await threaded.close();
    await expect(threaded.hash('after close')).rejects.toThrow(/closed/);
  });
});
