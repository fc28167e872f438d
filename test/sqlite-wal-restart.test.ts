import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { sqliteAdapter } from 'bankcore/sqlite';
import { acct, makeBank, passwordOf, userIn } from './support/bank.js';
import { freshDataDir } from './support/data-dir.js';

/** The WAL header's checkpoint sequence and salts (bytes 12 to 24): they change exactly when the log restarts. */
function walGeneration(file: string): string {
  const fd = openSync(`${file}-wal`, 'r');
  try {
    const header = Buffer.alloc(32);
    readSync(fd, header, 0, 32, 0);
    return header.subarray(12, 24).toString('hex');
  } finally {
    closeSync(fd);
  }
}

describe('sqlite adapter: WAL restarts', () => {
  it('restarts the copied WAL in the checkpoint worker, before the owner writes again, and loses nothing', async () => {
    const file = join(freshDataDir(), 'bankcore.db');
    const bank = makeBank({ storage: sqliteAdapter({ filename: file }) });
    await bank.init();
    const me = await userIn(bank, 'restarts');
    await bank.openAccount(me, acct('R001'));
    let expected = 0;
    // A checkpoint round starts after a commit once 500 ms have passed since the last; with no commit after it,
    // only the worker can have started the log's next generation (the first write after a restart writes and
    // fsyncs the new header, which on the owner ran on the event loop).
    const restarts: boolean[] = [];
    for (let round = 0; round < 3; round++) {
      await sleep(600);
      await bank.deposit(me, { account: acct('R001'), amount: 1 });
      expected += 1;
      const before = walGeneration(file);
      let after = before;
      for (let wait = 0; wait < 50 && after === before; wait++) {
        await sleep(100);
        after = walGeneration(file);
      }
      restarts.push(after !== before);
    }
    expect(restarts).toEqual([true, true, true]);
    expect((await bank.getAccount(me, acct('R001'))).balance).toBe(expected);
    expect((await bank.verify()).problems).toEqual([]);
    await bank.close();

    const again = makeBank({ storage: sqliteAdapter({ filename: file }) });
    await again.init();
    const meAgain = await again.authenticate((await again.login({ username: 'restarts', password: passwordOf('restarts') })).accessToken);
    expect((await again.getAccount(meAgain, acct('R001'))).balance).toBe(expected);
    expect((await again.verify()).problems).toEqual([]);
    await again.close();
  }, 60_000);
});
