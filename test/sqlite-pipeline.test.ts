import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sqliteAdapter } from 'bankcore/sqlite';
import { openDatabase } from '../src/adapters/sqlite/driver.js';
import { acct, makeBank, passwordOf, userIn } from './support/bank.js';
import { freshDataDir } from './support/data-dir.js';
import { currentWalFrames } from './support/wal.js';

/** How many commits the WAL's current generation holds: only a commit's last frame gives the database's size. */
const commitsInWal = (file: string): number => currentWalFrames(file).filter((f) => f.commitSize !== 0).length;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A bank on `storage` with one user and one account that has had a deposit (which opened the settlement account). */
async function bankWithAccount(storage: ReturnType<typeof sqliteAdapter>, number: string) {
  const bank = makeBank({ storage });
  await bank.init();
  const me = await userIn(bank, `user-${number.toLowerCase()}`);
  await bank.openAccount(me, acct(number));
  await bank.deposit(me, { account: acct(number), amount: 1 });
  return { bank, me };
}

describe('sqlite adapter: commits and fsyncs overlap', () => {
  it('commits a large batch that arrives while no fsync runs in two halves, a small one whole, and acknowledges every change', async () => {
    const file = join(freshDataDir(), 'bankcore.db');
    // A database given to the adapter checkpoints on the event loop, past 4,000 pages: no checkpoint worker restarts
    // the log while the test counts its commits.
    const { db } = await openDatabase(file, 'auto');
    const { bank, me } = await bankWithAccount(sqliteAdapter({ database: db }), 'H001');
    const before = commitsInWal(file);
    await bank.deposit(me, { account: acct('H001'), amount: 1 });
    // One change alone is one commit.
    expect(commitsInWal(file) - before).toBe(1);
    // A small batch stays whole.
    await Promise.all(Array.from({ length: 8 }, () => bank.deposit(me, { account: acct('H001'), amount: 1 })));
    expect(commitsInWal(file) - before).toBe(2);
    const settled = await Promise.all(Array.from({ length: 40 }, () => bank.deposit(me, { account: acct('H001'), amount: 1 })));
    // The first half's fsync starts at once; the second half commits while it runs. Never one commit for all forty.
    expect(commitsInWal(file) - before - 2).toBe(2);
    expect(settled.map((r) => r.account.balance).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => 11 + i));
    expect((await bank.getAccount(me, acct('H001'))).balance).toBe(50);
    expect((await bank.verify()).problems).toEqual([]);
    await bank.close();
    db.close();
  });

  it('answers a read to plan a commit before the fsync of what it saw, and any other read only after it', async () => {
    const file = join(freshDataDir(), 'bankcore.db');
    const storage = sqliteAdapter({ filename: file });
    const { bank, me } = await bankWithAccount(storage, 'P001');
    const before = commitsInWal(file);
    const order: string[] = [];
    const deposit = bank.deposit(me, { account: acct('P001'), amount: 5 }).then(() => order.push('deposit acknowledged'));
    // The deposit plans in microtasks and queues its batch for this turn's end (setImmediate). Queued after it, the
    // test runs right after the COMMIT, with its fsync on the thread pool: the fsync's end is seen in a later turn.
    for (let hop = 0; hop < 100; hop++) await Promise.resolve();
    await nextTurn();
    expect(commitsInWal(file) - before).toBe(1);
    const planned = Promise.resolve(storage.findAccount(acct('P001').bankCode, acct('P001').accountNumber, 'plan')).then((a) => order.push(`plan read ${a?.balance}`));
    const shown = Promise.resolve(storage.findAccount(acct('P001').bankCode, acct('P001').accountNumber)).then((a) => order.push(`read ${a?.balance}`));
    await planned;
    // Answered from the commit, with its fsync still to end: nothing else has answered.
    expect(order).toEqual(['plan read 6']);
    await Promise.all([deposit, shown]);
    expect(order.slice(1).sort()).toEqual(['deposit acknowledged', 'read 6']);
    await bank.close();
  });

  it('authenticates a token without waiting for the fsync in flight, and refuses a revoked one only once the revocation is durable', async () => {
    const file = join(freshDataDir(), 'bankcore.db');
    const storage = sqliteAdapter({ filename: file });
    const { bank, me } = await bankWithAccount(storage, 'A001');
    const { accessToken } = await bank.login({ username: 'user-a001', password: passwordOf('user-a001') });
    // Verified once: the token cache then answers in microtasks, not from the thread pool, where the fsync runs.
    await bank.authenticate(accessToken);
    const order: string[] = [];
    const deposit = bank.deposit(me, { account: acct('A001'), amount: 5 });
    for (let hop = 0; hop < 100; hop++) await Promise.resolve();
    // Right after the deposit's COMMIT, its fsync still running (see the test above). The plain read, asked first,
    // answers once that fsync ends; the token is checked before.
    await nextTurn();
    const shown = Promise.resolve(storage.findUserById(me.userId)).then((u) => order.push(`read v${u?.credentialVersion}`));
    const user = Promise.resolve(storage.findUserById(me.userId, 'plan')).then((u) => order.push(`plan read v${u?.credentialVersion}`));
    const principal = bank.authenticate(accessToken).then((p) => order.push(`authenticated ${p.username}`));
    await Promise.all([user, principal]);
    expect(order).toEqual(['plan read v1', 'authenticated user-a001']);
    await Promise.all([deposit, shown]);

    // A new credential version, committed with its fsync still running: the old token is refused only after a plain
    // read issued before it has answered (which waits for that fsync), never from the commit alone.
    const revoked = storage.updatePassword(me.userId, 'another-hash', 2).then(() => order.push('revocation acknowledged'));
    await nextTurn();
    order.length = 0;
    const plain = Promise.resolve(storage.findUserById(me.userId)).then((u) => order.push(`read v${u?.credentialVersion}`));
    const refused = bank.authenticate(accessToken).then(
      () => order.push('authenticated'),
      (error: { code: string }) => order.push(`refused ${error.code}`),
    );
    await Promise.all([revoked, plain, refused]);
    expect(order.filter((o) => o !== 'revocation acknowledged')).toEqual(['read v2', 'refused INVALID_TOKEN']);
    await bank.close();
  });
});
