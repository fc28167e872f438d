import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sqliteAdapter, type SqliteDriver } from 'bankcore/sqlite';
import { openDatabase } from '../src/adapters/sqlite/driver.js';
import { acct, makeBank, userIn } from './support/bank.js';
import { freshDataDir } from './support/data-dir.js';
import { everyPage } from './support/history.js';
import { brokenLinks } from './support/sqlite-links.js';

const driver = (process.env['BANKCORE_SQLITE_DRIVER'] ?? 'auto') as SqliteDriver;

describe('sqlite adapter: entries in commit order, chained per account', () => {
  it('keeps each account’s chain whole when many accounts share each group commit: every page, window and balanceAt agrees with the whole history', async () => {
    let now = new Date('2026-06-01T00:00:00Z').getTime();
    const file = join(freshDataDir(), 'bankcore.db');
    const bank = makeBank({ storage: sqliteAdapter({ filename: file, driver }), clock: () => new Date(now) });
    await bank.init();
    const me = await userIn(bank, 'chains');
    const accounts = ['K001', 'K002', 'K003', 'K004', 'K005'].map((n) => acct(n));
    for (const a of accounts) await bank.openAccount(me, a);
    // Bursts of 40 concurrent movements (one group commit each, several entries per account in it): deposits into
    // all five and, after the first burst, transfers between them; 1 ms to 1 s apart, until each account is several
    // strides (64) deep.
    for (let burst = 0; burst < 24; burst++) {
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          i % 4 === 3 && burst > 0
            ? bank.transfer(me, { from: accounts[i % 5]!, to: accounts[(i + 1 + (burst % 4)) % 5]!, amount: 1 })
            : bank.deposit(me, { account: accounts[(i + burst) % 5]!, amount: 10 + i }),
        ),
      );
      now += [1, 7, 1_000][burst % 3]!;
    }
    for (const account of accounts) {
      const whole = await everyPage(bank, me, account, 100);
      expect(whole.length).toBeGreaterThan(3 * 64);
      expect(whole.map((e) => e.sequence)).toEqual(Array.from({ length: whole.length }, (_, i) => whole.length - i));
      expect(whole[0]!.balanceAfter).toBe((await bank.getAccount(me, account)).balance);
      for (const limit of [1, 13, 64]) expect(await everyPage(bank, me, account, limit)).toEqual(whole);
      const times = [...new Set(whole.map((e) => e.createdAt.getTime()))];
      for (const t of times.flatMap((at) => [at - 1, at])) {
        const last = whole.find((e) => e.createdAt.getTime() <= t);
        expect(await bank.balanceAt(me, account, new Date(t))).toMatchObject({ balance: last?.balanceAfter ?? 0, sequence: last?.sequence ?? 0 });
      }
      const [from, to] = [new Date(times[times.length - 3]!), new Date(times[2]!)];
      expect(await everyPage(bank, me, account, 17, { from, to })).toEqual(whole.filter((e) => e.createdAt >= from && e.createdAt <= to));
    }
    expect((await bank.verify()).problems).toEqual([]);
    await bank.close();
    const { db } = await openDatabase(file, driver, { readOnly: true });
    expect(brokenLinks(db)).toEqual({ entries: 0, accounts: 0 });
    db.close();
  });
});
