import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import { sqliteAdapter } from 'bankcore/sqlite';
import { acct, depositsOf1, makeBank, passwordOf, userIn } from './support/bank.js';
import { freshDataDir } from './support/data-dir.js';

// Every worker thread this file's code starts, so that a test can stop the checkpoint worker the way a crash of
// that thread would: the adapter has no hook for it, and should need none.
const started = vi.hoisted(() => [] as Worker[]);
vi.mock('node:worker_threads', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:worker_threads')>();
  class RecordedWorker extends actual.Worker {
    constructor(...args: ConstructorParameters<typeof actual.Worker>) {
      super(...args);
      started.push(this);
    }
  }
  return { ...actual, Worker: RecordedWorker };
});

describe('sqlite adapter: a store whose checkpoint worker stopped', () => {
  it('keeps acknowledging deposits, keeps the WAL bounded (SQLite checkpoints on the event loop again) and loses nothing across a restart', async () => {
    const file = join(freshDataDir(), 'bankcore.db');
    started.length = 0;
    const bank = makeBank({ storage: sqliteAdapter({ filename: file }) });
    await bank.init();
    // A new file is small: no background integrity check, so the one worker is the checkpointer.
    expect(started).toHaveLength(1);
    const me = await userIn(bank, 'fallback');
    await bank.openAccount(me, acct('F001'));
    await bank.deposit(me, { account: acct('F001'), amount: 1 });
    await started[0]!.terminate();

    // About 100 MB of WAL frames if nothing checkpointed it (see the bounded-WAL test in sqlite-durable).
    await depositsOf1(bank, me, acct('F001'), 60_000);
    expect(statSync(`${file}-wal`).size).toBeLessThan(48 * 2 ** 20);
    expect((await bank.getAccount(me, acct('F001'))).balance).toBe(60_001);
    expect((await bank.verify()).problems).toEqual([]);
    await bank.close();

    const again = makeBank({ storage: sqliteAdapter({ filename: file }) });
    await again.init();
    const meAgain = await again.authenticate((await again.login({ username: 'fallback', password: passwordOf('fallback') })).accessToken);
    expect((await again.getAccount(meAgain, acct('F001'))).balance).toBe(60_001);
    expect((await again.verify()).problems).toEqual([]);
    await again.close();
  }, 90_000);
});
