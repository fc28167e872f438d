import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isBankError } from 'bankcore';
import { sqliteAdapter } from 'bankcore/sqlite';
import { acct, makeBank, userIn } from './support/bank.js';
import { freshDataDir } from './support/data-dir.js';

// A real full disk: a 2 MiB tmpfs. Mounting needs root (CI runs as root); elsewhere the test says why it
// cannot run instead of faking the failure.
const mountPoint = freshDataDir('tmpfs');
let mounted = false;
let reason = '';
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint], { stdio: 'pipe' });
  mounted = true;
} catch (error) {
  reason = `cannot mount a tmpfs here (${String((error as Error).message).split('\n')[0]}); run as root to test a full disk`;
  console.warn(`skipping the disk-full test: ${reason}`);
}
afterAll(() => {
  if (mounted) execFileSync('umount', ['-l', mountPoint]);
});

function fill(dir: string): string {
  const filler = join(dir, 'filler');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) writeFileSync(filler, chunk, { flag: 'a' });
  } catch {
    return filler;
  }
}

describe.skipIf(!mounted)('sqlite adapter on a full disk', () => {
  it('fails with STORAGE_UNAVAILABLE, acknowledges nothing it could not write, and recovers when space returns', async () => {
    const file = join(mountPoint, 'bankcore.db');
    const bank = makeBank({ storage: sqliteAdapter({ filename: file }) });
    await bank.init();
    const me = await userIn(bank, 'fuller');
    await bank.openAccount(me, acct('FULL1'));
    let acknowledged = 0;
    const deposit = async (amount: number) => {
      await bank.deposit(me, { account: acct('FULL1'), amount });
      acknowledged += amount;
    };
    await deposit(100);

    const filler = fill(mountPoint);
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => deposit(i + 1)));
    const failures = results.filter((r) => r.status === 'rejected');
    expect(failures.length).toBeGreaterThan(0);
    for (const f of failures) expect(isBankError((f as PromiseRejectedResult).reason, 'STORAGE_UNAVAILABLE')).toBe(true);

    // Still full: what the store shows is only what it acknowledged.
    expect((await bank.getAccount(me, acct('FULL1'))).balance).toBe(acknowledged);
    rmSync(filler);
    await deposit(1_000);
    expect((await bank.getAccount(me, acct('FULL1'))).balance).toBe(acknowledged);
    await bank.close();

    const again = makeBank({ storage: sqliteAdapter({ filename: file }) });
    await again.init();
    expect((await again.getAccount(me, acct('FULL1'))).balance).toBe(acknowledged);
    expect((await again.verify()).ok).toBe(true);
    await again.close();
  });
});
