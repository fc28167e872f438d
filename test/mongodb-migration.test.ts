import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EJSON, type Document } from 'bson';
import { MongoClient } from 'mongodb';
import { mongodbAdapter } from 'bankcore/mongodb';
import { testBank } from 'bankcore/testing';

// test/fixtures/mongodb-schema1.json was written by release 0.1.0's own MongoDB adapter (commit abd1c45: two
// users, three accounts in two currencies, deposits, a withdrawal, transfers, two idempotency keys), then dumped
// as canonical EJSON so every Int64 stays an Int64.
const fixture = EJSON.parse(readFileSync(new URL('./fixtures/mongodb-schema1.json', import.meta.url), 'utf8'), { relaxed: false }) as Record<string, Document[]>;

let client: MongoClient;
let n = 0;
beforeAll(async () => {
  client = new MongoClient(inject('mongoUri'));
  await client.connect();
});
afterAll(() => client.close());

async function schema1Database(): Promise<string> {
  const dbName = `schema1_${process.pid}_${n++}`;
  for (const [name, docs] of Object.entries(fixture)) if (docs.length) await client.db(dbName).collection(name).insertMany(docs);
  return dbName;
}

describe('upgrading a MongoDB database written by release 0.1.0 (schema 1)', () => {
  it('migrates at init: every transaction stored and balanced with its settlement leg, balances unchanged, verify clean', async () => {
    const dbName = await schema1Database();
    const bank = testBank(mongodbAdapter({ client, dbName }));
    await bank.init();
    await bank.init();
    const alice = await bank.operator.principal(String((await client.db(dbName).collection('users').findOne({ usernameKey: 'alice' }))!['_id']));
    const A = { bankCode: 'BANK1', accountNumber: 'A0001' };
    expect(await bank.getAccount(alice, A)).toMatchObject({ balance: 6_100, pending: 0, available: 6_100, status: 'active', overdraftLimit: 0, entryCount: 4 });
    expect((await bank.operator.getAccount({ bankCode: '@world', accountNumber: 'USD' })).balance).toBe(-8_500);
    expect((await bank.operator.getAccount({ bankCode: '@world', accountNumber: 'EUR' })).balance).toBe(-700);
    const report = await bank.verify();
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, transactionsChecked: 5 });
    const [newest] = (await bank.history(alice, A)).entries;
    const transfer = await bank.getTransaction(alice, newest!.transactionId);
    expect(transfer).toMatchObject({ type: 'transfer', amount: 100, reversedBy: null, metadata: {} });
    expect(await client.db(dbName).collection('bankcoreMeta').findOne({ _id: 'schema' as never })).toMatchObject({ version: 2 });
    await bank.close();
  });

  it('replays an idempotency key recorded before the upgrade, moving no money, and keeps taking new movements', async () => {
    const dbName = await schema1Database();
    const bank = testBank(mongodbAdapter({ client, dbName }));
    await bank.init();
    const alice = await bank.operator.principal(String((await client.db(dbName).collection('users').findOne({ usernameKey: 'alice' }))!['_id']));
    const A = { bankCode: 'BANK1', accountNumber: 'A0001' };
    const replay = await bank.deposit(alice, { account: A, amount: 10_000, reference: 'salary', idempotencyKey: 'dep-1' });
    expect(replay.replayed).toBe(true);
    expect((await bank.getAccount(alice, A)).balance).toBe(6_100);
    const rent = await bank.transfer(alice, { from: A, to: { bankCode: 'BANK1', accountNumber: 'B0001' }, amount: 2_500, reference: 'rent', idempotencyKey: 'rent-1' });
    expect(rent.replayed).toBe(true);
    await bank.deposit(alice, { account: A, amount: 1 });
    // Bob has sent 100 of the 2,500 on: the reversal would overdraw him until the operator funds it.
    expect(await bank.operator.reverse(rent.transaction.id).then(() => 'reversed', (e: { code: string }) => e.code)).toBe('INSUFFICIENT_FUNDS');
    await bank.operator.fund({ account: { bankCode: 'BANK1', accountNumber: 'B0001' }, amount: 100 });
    expect((await bank.operator.reverse(rent.transaction.id)).transaction.legs.map((l) => l.amount)).toEqual([2_500, -2_500]);
    expect((await bank.getAccount(alice, A)).balance).toBe(6_100 + 1 + 2_500);
    expect((await bank.verify()).problems).toEqual([]);
    await bank.close();
  });
});
