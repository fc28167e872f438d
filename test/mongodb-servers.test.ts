import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { mongodbAdapter } from 'bankcore/mongodb';
import { testBank } from 'bankcore/testing';
import { startCli, type RunningCli } from './support/cli.js';
import { caller } from './support/http.js';

const SECRET = 'two-processes-share-this-secret-of-32-bytes';
const dbName = `servers_${process.pid}`;

/** The suite's MongoDB URI with `dbName` as its path. */
function withDatabase(uri: string, db: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!match) throw new Error(`cannot place a database in ${uri}`);
  return `${match[1]}/${db}${match[2] ?? ''}`;
}

let a: RunningCli;
let b: RunningCli;
beforeAll(async () => {
  const env = { BANK_STORAGE: 'mongodb', MONGODB_URI: withDatabase(inject('mongoUri'), dbName), BANK_JWT_SECRET: SECRET };
  [a, b] = await Promise.all([startCli(env), startCli(env)]);
}, 60_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

const call = (server: RunningCli, ...args: Parameters<ReturnType<typeof caller>>) => caller(server.url)(...args);

describe('two server processes on one MongoDB database', () => {
  it('keep the total constant under concurrent transfers through both, share idempotency keys and rate limits, and stop cleanly', async () => {
    expect(a.output()).toContain(`storage mongodb (database ${dbName})`);
    const tokens: string[] = [];
    const refs = Array.from({ length: 6 }, (_, i) => ({ bankCode: 'DUAL1', accountNumber: `DUAL000${i}` }));
    for (let u = 0; u < 3; u++) {
      const creds = { username: `dual${u}`, password: `dual-${u}-long-password` };
      expect((await call(a, 'POST', '/createUser', { json: creds })).status).toBe(201);
      const token = await call(b, 'POST', '/token', { form: creds });
      expect(token.status).toBe(200);
      tokens.push(token.body.access_token);
    }
    for (let i = 0; i < refs.length; i++) {
      const server = i % 2 ? a : b;
      expect((await call(server, 'POST', '/addAccount', { json: refs[i], token: tokens[i % 3] })).status).toBe(201);
      expect((await call(server, 'POST', '/deposit', { json: { ...refs[i], amount: 1_000 }, token: tokens[i % 3] })).status).toBe(201);
    }

    const replies = await Promise.all(
      Array.from({ length: 240 }, (_, n) => {
        const from = n % refs.length;
        const to = (from + 1 + (n % 5)) % refs.length;
        return call(n % 2 ? a : b, 'POST', '/transfer', { json: { from: refs[from], to: refs[to], amount: 1 + ((n * 53) % 300) }, token: tokens[from % 3] });
      }),
    );
    const statuses = replies.map((r) => (r.status === 201 ? 201 : `${r.status} ${r.body?.code}`));
    expect(statuses.filter((s) => s !== 201 && s !== '409 INSUFFICIENT_FUNDS')).toEqual([]);

    // One idempotency key sent to both processes at once moves money once (from an account with money left: the
    // burst above may have spent it to the last unit).
    expect((await call(a, 'POST', '/deposit', { json: { ...refs[0], amount: 1_000 }, token: tokens[0] })).status).toBe(201);
    const transfer = { json: { from: refs[0], to: refs[1], amount: 1 }, token: tokens[0], headers: { 'idempotency-key': 'dual-key-1' } };
    const [first, second] = await Promise.all([call(a, 'POST', '/transfer', transfer), call(b, 'POST', '/transfer', transfer)]);
    if (first.status === 201 && second.status === 201) {
      expect(first.body.transaction.id).toBe(second.body.transaction.id);
      expect([first, second].filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(1);
    } else {
      // One moved the money; the other lost a write conflict past its retries.
      expect([first, second].map((r) => (r.status === 201 ? '201' : `${r.status} ${r.body?.code}`)).sort()).toEqual(['201', '409 CONFLICT']);
    }

    // The per-username login limit (10 a minute) counts attempts on both processes together.
    const attempts = [];
    for (let i = 0; i < 14; i++) attempts.push((await call(i % 2 ? a : b, 'POST', '/token', { form: { username: 'dual2', password: 'wrong-password' } })).status);
    expect(attempts.filter((s) => s === 429).length).toBe(14 - 9); // one login of dual2 above already counted

    const client = new MongoClient(inject('mongoUri'));
    try {
      const storage = mongodbAdapter({ client, dbName });
      let total = 0;
      let world = 0;
      for await (const { account } of storage.readLedger()) {
        if (account.ownerId === null) world += account.balance;
        else total += account.balance;
      }
      // Customers hold what was deposited (6 × 1,000, and 1,000 more before the shared key); the settlement account
      // holds exactly the opposite.
      expect(total).toBe(7_000);
      expect(world).toBe(-7_000);
      expect((await testBank(storage).verify()).problems).toEqual([]);
    } finally {
      await client.close();
    }
    expect(await Promise.all([a.stop(), b.stop()])).toEqual([0, 0]);
  }, 120_000);
});
