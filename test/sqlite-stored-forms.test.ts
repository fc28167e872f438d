import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sqliteAdapter, type SqliteDriver } from 'bankcore/sqlite';
import { openDatabase } from '../src/adapters/sqlite/driver.js';
import { acct, makeBank, userIn } from './support/bank.js';
import { freshDataDir } from './support/data-dir.js';

const driver = (process.env['BANKCORE_SQLITE_DRIVER'] ?? 'auto') as SqliteDriver;

/** A bank on a fresh SQLite file, with a user who owns account F001. */
async function bankWithAccount() {
  const file = join(freshDataDir('forms'), 'bankcore.db');
  const bank = makeBank({ storage: sqliteAdapter({ filename: file, driver }) });
  await bank.init();
  const me = await userIn(bank, 'forms');
  await bank.openAccount(me, acct('F001'));
  return { file, bank, me };
}

describe('sqlite adapter: what a transaction, an event and an idempotency record store of a movement', () => {
  it('stores a transaction\'s legs by account id, with no id, time or unset field in its body', async () => {
    const { file, bank, me } = await bankWithAccount();
    const { account, transaction } = await bank.deposit(me, { account: acct('F001'), amount: 5 });
    const paid = await bank.withdraw(me, { account: acct('F001'), amount: 2, reference: 'rent', metadata: { month: '11' } });
    const reversal = await bank.operator.reverse(paid.transaction.id);
    await bank.close();
    const raw = (await openDatabase(file, driver)).db;
    const bodyOf = (id: string) => JSON.parse((raw.prepare('SELECT body FROM transactions WHERE id = ?').get(id) as { body: string }).body);
    const world = '@world/USD';
    expect(bodyOf(transaction.id)).toEqual({ type: 'deposit', amount: 5, currency: 'USD', legs: [[account.id, 5], [world, -5]], initiatorId: me.userId });
    expect(bodyOf(paid.transaction.id)).toEqual({ type: 'withdrawal', amount: 2, currency: 'USD', legs: [[account.id, -2], [world, 2]], reference: 'rent', metadata: { month: '11' }, initiatorId: me.userId, reversedBy: reversal.transaction.id });
    expect(bodyOf(reversal.transaction.id)).toMatchObject({ type: 'reversal', reversalOf: paid.transaction.id });
    raw.close();
  });

  it('names the posted transaction and holds only what the movement changed of each account', async () => {
    const { file, bank, me } = await bankWithAccount();
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
