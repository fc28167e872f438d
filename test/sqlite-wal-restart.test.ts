import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { sqliteAdapter } from 'bankcore/sqlite';
import { acct, makeBank, passwordOf, userIn } from './support/bank.js';
import { freshDataDir } from './support/data-dir.js';
import { currentWalFrames } from './support/wal.js';

/** The pages of the WAL's current generation, in order. */
const currentFrames = (file: string): number[] => currentWalFrames(file).map((f) => f.page);

describe('sqlite adapter: WAL restarts', () => {
  it('restarts the copied WAL in the checkpoint worker, before the owner writes again, and loses nothing', async () => {
    const file = join(freshDataDir(), 'bankcore.db');
    const bank = makeBank({ storage: sqliteAdapter({ filename: file }) });
    await bank.init();
    const me = await userIn(bank, 'restarts');
    await bank.openAccount(me, acct('R001'));
    let expected = 0;
    // A checkpoint round starts after a commit once 500 ms have passed since the last round ended. With no commit
    // after it, a log that holds one frame of a new generation, the database header, was restarted by the worker:
    // the owner's commits write their own pages (and, as the first write after a restart, had to fsync the new
    // header on the event loop), so the old worker never leaves that state. The worker runs at a low priority: on
    // a loaded machine a round can still be running when the next deposit comes, which then appends to the log the
    // round restarted and starts no round of its own. So deposits go on until three rounds were seen settled, ten
    // at most.
    const seen: number[][] = [];
    for (let attempt = 0; attempt < 10 && seen.filter((pages) => pages.join() === '1').length < 3; attempt++) {
      await sleep(600);
      await bank.deposit(me, { account: acct('R001'), amount: 1 });
      expected += 1;
      let pages = currentFrames(file);
      for (let wait = 0; wait < 30 && pages.join() !== '1'; wait++) {
        await sleep(100);
        pages = currentFrames(file);
      }
      seen.push(pages);
    }
    expect(seen.filter((pages) => pages.join() === '1'), JSON.stringify(seen)).toEqual([[1], [1], [1]]);
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
