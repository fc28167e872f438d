import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sqliteAdapter, type SqliteDriver } from 'bankcore/sqlite';
import { openDatabase } from '../src/adapters/sqlite/driver.js';
import { acct, makeBank, userIn } from './support/bank.js';
import { freshDataDir } from './support/data-dir.js';

const driver = (process.env['BANKCORE_SQLITE_DRIVER'] ?? 'auto') as SqliteDriver;

describe('sqlite adapter: what an event and an idempotency record store of a movement', () => {
  it('names the posted transaction and holds only what the movement changed of each account', async () => {
    const file = join(freshDataDir('forms'), 'bankcore.db');
    const bank = makeBank({ storage: sqliteAdapter({ filename: file, driver }) });
    await bank.init();
    const me = await userIn(bank, 'forms');
    await bank.openAccount(me, acct('F001'));
    const { account, transaction } = await bank.deposit(me, { account: acct('F001'), amount: 5, idempotencyKey: 'f-1' });
    await bank.close();
    const raw = (await openDatabase(file, driver)).db;
    const event = raw.prepare("SELECT payload FROM events WHERE type = 'transaction.posted'").get() as { payload: string };
    const record = raw.prepare('SELECT body FROM idempotency_records').get() as { body: string };
    raw.close();
    // The account's id, balance, pending, status, overdraft limit and entry count; its row holds the rest.
    const changed = [account.id, 5, 0, 'active', 0, 1];
    expect(JSON.parse(event.payload)).toEqual({ transaction: 0, accounts: [changed] });
    expect(JSON.parse(record.body)).toEqual({ transaction: 0, hold: null, accounts: [changed], createdAt: transaction.createdAt.toISOString() });
  });
});
