import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { isBankError } from 'bankcore';
import { COLLECTIONS, mongodbAdapter, mongodbRateLimitStore } from 'bankcore/mongodb';
import { testBank, signUp } from 'bankcore/testing';
import { startMongoDouble } from './support/mongo-double/server.js';
import { serve } from './support/http.js';

let client: MongoClient;
let n = 0;
const freshDb = () => `specific_${process.pid}_${n++}`;
beforeAll(async () => {
  client = new MongoClient(inject('mongoUri'));
  await client.connect();
});
afterAll(() => client.close());

describe('mongodb adapter specifics', () => {
  it('refuses a standalone server at init, saying how to fix it, and never falls back', async () => {
    const standalone = await startMongoDouble({ topology: 'standalone' });
    const adapter = mongodbAdapter({ uri: standalone.uri });
    try {
      const error = await adapter.init!().then(() => null, (e: unknown) => e);
      expect(isBankError(error, 'CONFIGURATION_INVALID')).toBe(true);
      expect((error as Error).message).toMatch(/--replSet/);
      expect((error as Error).message).toMatch(/MongoMemoryReplSet/);
    } finally {
      await adapter.close!();
      await standalone.close();
    }
  });

  it('creates its indexes idempotently, each unique where the domain needs it', async () => {
    const dbName = freshDb();
    const adapter = mongodbAdapter({ client, dbName });
    await adapter.init!();
    await adapter.init!();
    const unique = async (collection: string) =>
      (await client.db(dbName).collection(collection).listIndexes().toArray()).filter((i) => i['unique']).map((i) => i['key']);
    expect(await unique(COLLECTIONS.users)).toEqual([{ usernameKey: 1 }]);
    expect(await unique(COLLECTIONS.accounts)).toEqual([{ bankCode: 1, accountNumber: 1 }]);
    expect(await unique(COLLECTIONS.ledgerEntries)).toEqual([{ accountId: 1, sequence: 1 }]);
    expect(await unique(COLLECTIONS.idempotencyRecords)).toEqual([{ userId: 1, key: 1 }]);
  });

  it('stores many users with many accounts each (the original service could store only one document)', async () => {
    const dbName = freshDb();
    const bank = testBank(mongodbAdapter({ client, dbName }));
    await bank.init();
    for (let u = 0; u < 40; u++) {
      const me = await signUp(bank, `many${u}`);
      await Promise.all(Array.from({ length: 5 }, (_, a) => bank.openAccount(me, { bankCode: 'MANY1', accountNumber: `U${u}A${a}X` })));
      await bank.deposit(me, { account: { bankCode: 'MANY1', accountNumber: `U${u}A0X` }, amount: 100 + u });
    }
    expect(await client.db(dbName).collection(COLLECTIONS.users).countDocuments()).toBe(40);
    // 200 customer accounts and the USD settlement account; each deposit is two entries.
    expect(await client.db(dbName).collection(COLLECTIONS.accounts).countDocuments()).toBe(201);
    expect(await bank.verify()).toMatchObject({ ok: true, accountsChecked: 201, entriesChecked: 80, transactionsChecked: 40 });
  });

  it('stores amounts and balances as BSON Int64', async () => {
    const dbName = freshDb();
    const bank = testBank(mongodbAdapter({ client, dbName }));
    await bank.init();
    const me = await signUp(bank, 'int64user');
    const ref = { bankCode: 'INT64', accountNumber: 'ACCT0001' };
    await bank.openAccount(me, ref);
    await bank.deposit(me, { account: ref, amount: 2 ** 40 + 7 });
    const raw = client.db(dbName, { useBigInt64: true });
    const account = await raw.collection(COLLECTIONS.accounts).findOne({ accountNumber: 'ACCT0001' });
    const entry = await raw.collection(COLLECTIONS.ledgerEntries).findOne({});
    expect(typeof account?.['balance']).toBe('bigint');
    expect(account?.['balance']).toBe(2n ** 40n + 7n);
    expect([typeof entry?.['amount'], typeof entry?.['balanceAfter']]).toEqual(['bigint', 'bigint']);
  });

  it('treats an operator object as bad input, never as a query', async () => {
    const bank = testBank(mongodbAdapter({ client, dbName: freshDb() }));
    await bank.init();
    await signUp(bank, 'victim');
    for (const attempt of [
      bank.login({ username: { $gt: '' }, password: { $gt: '' } } as never),
      bank.register({ username: { $ne: null }, password: 'long enough password' } as never),
    ]) {
      const error = await attempt.then(() => null, (e: unknown) => e);
      expect(isBankError(error, 'VALIDATION_FAILED')).toBe(true);
    }
  });

  it('answers STORAGE_UNAVAILABLE (HTTP 503, no driver text) when MongoDB cannot be reached', async () => {
    const gone = await startMongoDouble();
    await gone.close();
    const adapter = mongodbAdapter({ uri: `${gone.uri}&serverSelectionTimeoutMS=300&connectTimeoutMS=300` });
    const bank = testBank(adapter);
    const error = await bank.ping().then(() => null, (e: unknown) => e);
    expect(isBankError(error, 'STORAGE_UNAVAILABLE')).toBe(true);
    const http = await serve('fetch handler', { logger: { error: () => {} } }, bank);
    const health = await http.call('GET', '/healthz');
    expect([health.status, health.body.code]).toEqual([503, 'STORAGE_UNAVAILABLE']);
    const signup = await http.call('POST', '/createUser', { json: { username: 'someone', password: 'long enough password' } });
    expect(signup.status).toBe(503);
    expect(signup.text).not.toMatch(/Mongo|ECONNREFUSED|127\.0\.0\.1/);
    await adapter.close!();
  });
});

describe('mongodb rate-limit store', () => {
  it('allows exactly the limit under a concurrent burst shared by two stores (two processes)', async () => {
    const db = client.db(freshDb());
    const [a, b] = [mongodbRateLimitStore(db), mongodbRateLimitStore(db)];
    await a.init();
    const hits = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).hit('token:user:alice', 10, 60)));
    expect(hits.filter((h) => h.allowed)).toHaveLength(10);
    expect(hits.every((h) => h.retryAfterSeconds > 0 && h.retryAfterSeconds <= 60)).toBe(true);
  });

  it('starts a new window when the old one ends', async () => {
    let now = Date.parse('2026-11-25T00:00:00Z');
    const store = mongodbRateLimitStore(client.db(freshDb()), () => now);
    expect((await store.hit('k', 1, 60)).allowed).toBe(true);
    expect((await store.hit('k', 1, 60)).allowed).toBe(false);
    now += 60_000;
    expect((await store.hit('k', 1, 60)).allowed).toBe(true);
  });
});
