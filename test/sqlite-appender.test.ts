import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Bank, BankEvent } from 'bankcore';
import { sqliteAdapter, type SqliteDriver } from 'bankcore/sqlite';
import { account, postingPlan, settlementAccount } from 'bankcore/testing';
import { openDatabase } from '../src/adapters/sqlite/driver.js';
import { acct, makeBank, passwordOf, userIn } from './support/bank.js';
import { freshDataDir } from './support/data-dir.js';
import { everyPage } from './support/history.js';
import { brokenLinks } from './support/sqlite-links.js';

const driver = (process.env['BANKCORE_SQLITE_DRIVER'] ?? 'auto') as SqliteDriver;

/** Every event after `after`, in pages of 100. */
async function eventsAfter(bank: Bank, after: number): Promise<BankEvent[]> {
  const all: BankEvent[] = [];
  for (let page = await bank.events.read({ after, limit: 100 }); page.length; page = await bank.events.read({ after: page.at(-1)!.position, limit: 100 })) all.push(...page);
  return all;
}

describe('sqlite adapter: a group commit appends its entries and events together, with the keys SQLite would give', () => {
  it('gives a batch of 150 movements gapless event positions in commit order and unbroken entry chains, as one-by-one inserts would', async () => {
    const file = join(freshDataDir(), 'bankcore.db');
    const bank = makeBank({ storage: sqliteAdapter({ filename: file, driver }) });
    await bank.init();
    const me = await userIn(bank, 'appends');
    const accounts = ['B001', 'B002', 'B003'].map((n) => acct(n));
    for (const a of accounts) {
      await bank.openAccount(me, a);
      await bank.deposit(me, { account: a, amount: 1000 });
    }
    const first = (await eventsAfter(bank, 0)).at(-1)!.position;
    // One turn's worth: 150 movements (300 entries, 150 events) go in as INSERTs of 64, 16, 4 and 1 rows.
    const results = await Promise.all(
      Array.from({ length: 150 }, (_, i) =>
        i % 5 === 4 ? bank.transfer(me, { from: accounts[i % 3]!, to: accounts[(i + 1) % 3]!, amount: 1 }) : bank.deposit(me, { account: accounts[i % 3]!, amount: 10 + i }),
      ),
    );
    const events = await eventsAfter(bank, first);
    expect(events.map((e) => e.position)).toEqual(Array.from({ length: 150 }, (_, i) => first + 1 + i));
    // Each movement's event names its transaction, in the order the movements committed (times never go back).
    const posted = events.map((e) => (e.payload as { transaction: { id: string; createdAt: string } }).transaction);
    expect(new Set(posted.map((t) => t.id))).toEqual(new Set(results.map((r) => r.transaction.id)));
    const times = posted.map((t) => Date.parse(t.createdAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    for (const a of accounts) {
      const history = await everyPage(bank, me, a, 100);
      expect(history.map((e) => e.sequence)).toEqual(Array.from({ length: history.length }, (_, i) => history.length - i));
      expect(history[0]!.balanceAfter).toBe((await bank.getAccount(me, a)).balance);
    }
    await bank.close();
    const { db } = await openDatabase(file, 'auto');
    expect(brokenLinks(db)).toEqual({ entries: 0, accounts: 0 });
    db.close();
    // After a restart, the next keys continue where the batch's ended.
    const again = makeBank({ storage: sqliteAdapter({ filename: file, driver }) });
    await again.init();
    const me2 = await again.authenticate((await again.login({ username: 'appends', password: passwordOf('appends') })).accessToken);
    await again.deposit(me2, { account: accounts[0]!, amount: 1 });
    expect((await again.events.read({ after: first + 150, limit: 10 })).map((e) => e.position)).toEqual([first + 151]);
    expect((await again.verify()).problems).toEqual([]);
    await again.close();
  });

  it('writes the events queued so far before a prune in the same batch: it deletes through the position asked, and positions stay gapless', async () => {
    const file = join(freshDataDir(), 'bankcore.db');
    const storage = sqliteAdapter({ filename: file, driver });
    const bank = makeBank({ storage });
    await bank.init();
    const me = await userIn(bank, 'prunes');
    await bank.openAccount(me, acct('P001'));
    // The first deposit in a currency opens its settlement account (a write of its own): done before the batch.
    await bank.deposit(me, { account: acct('P001'), amount: 1 });
    const newest = (await eventsAfter(bank, 0)).at(-1)!.position;
    // One batch: two deposits, then a prune through the newest event before the batch, then a third deposit. The
    // deposits queue after some microtasks and the batch runs at the turn's end, so the prune sits between them.
    const before = [1, 2].map((amount) => bank.deposit(me, { account: acct('P001'), amount }));
    for (let hop = 0; hop < 100; hop++) await Promise.resolve();
    const pruned = storage.pruneEvents(newest);
    const after = bank.deposit(me, { account: acct('P001'), amount: 3 });
    await Promise.all([...before, pruned, after]);
    const rest = await eventsAfter(bank, newest);
    expect(rest.map((e) => e.position)).toEqual([newest + 1, newest + 2, newest + 3]);
    expect((await bank.verify()).problems).toEqual([]);
    await bank.close();
    // The newest event before the batch was not the newest when the prune ran: it is gone, as the prune asked.
    const { db } = await openDatabase(file, 'auto');
    expect(db.prepare('SELECT min(position) AS first, (SELECT pruned_through FROM event_log) AS through FROM events').get()).toEqual({ first: newest + 1, through: newest });
    db.close();
  });

  it('reads a transaction that its own batch posted: a reversal planned in the same turn finds it, and links both', async () => {
    const storage = sqliteAdapter({ filename: join(freshDataDir(), 'bankcore.db'), driver });
    await storage.init?.();
    const [x, world] = [account('u1'), settlementAccount()];
    await storage.createAccount(x);
    await storage.createAccount(world);
    // Version-7 ids, as the bank makes them: their rows are the ones a batch queues (keys derive from them).
    const posted = postingPlan('u1', 'deposit', [[x, 10], [world, -10]]);
    posted.transaction!.id = '01a248c8-8062-72b4-8550-d7eec5b33e6d';
    const reversal = postingPlan(null, 'reversal', [[x, -10], [world, 10]]);
    reversal.transaction!.id = '01a248c8-8062-72b5-8550-d7eec5b33e6d';
    reversal.transaction!.reversalOf = posted.transaction!.id;
    reversal.reverses = posted.transaction!.id;
    const [first, second] = await Promise.all([storage.commit(posted), storage.commit(reversal)]);
    expect([first.status, second.status]).toEqual(['committed', 'committed']);
    expect((await storage.findTransaction(posted.transaction!.id))?.reversedBy).toBe(reversal.transaction!.id);
    expect(await storage.findAccount(x.bankCode, x.accountNumber)).toMatchObject({ balance: 0, entryCount: 2 });
    await storage.close?.();
  });
});
