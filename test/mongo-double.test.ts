// The wire-protocol test double must be honest about what the Mongo adapter relies on; these tests hold it to
// MongoDB's behaviour through the official driver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoClient, MongoServerError, type Collection } from 'mongodb';
import { startMongoDouble, type MongoDouble } from './support/mongo-double/server.js';

let double: MongoDouble;
let client: MongoClient;
let n = 0;
const fresh = (): Collection<{ _id: string; v?: number; k?: string }> => client.db(`double_${n++}`).collection('c');

beforeAll(async () => {
  double = await startMongoDouble();
  client = new MongoClient(double.uri);
  await client.connect();
});
afterAll(async () => {
  await client.close();
  await double.close();
});

describe('the MongoDB test double', () => {
  it('keeps a transaction’s writes invisible to others until it commits', async () => {
    const c = fresh();
    const session = client.startSession();
    session.startTransaction();
    await c.insertOne({ _id: 'a', v: 1 }, { session });
    expect(await c.findOne({ _id: 'a' })).toBeNull();
    expect(await c.findOne({ _id: 'a' }, { session })).toEqual({ _id: 'a', v: 1 });
    await session.commitTransaction();
    expect(await c.findOne({ _id: 'a' })).toEqual({ _id: 'a', v: 1 });
    await session.endSession();
  });

  it('rolls back every write of an aborted transaction', async () => {
    const c = fresh();
    await c.insertOne({ _id: 'a', v: 1 });
    const session = client.startSession();
    session.startTransaction();
    await c.updateOne({ _id: 'a' }, { $inc: { v: 10 } }, { session });
    await c.insertOne({ _id: 'b', v: 2 }, { session });
    await session.abortTransaction();
    expect(await c.find().toArray()).toEqual([{ _id: 'a', v: 1 }]);
    await session.endSession();
  });

  it('rejects the second of two transactions writing one document with TransientTransactionError', async () => {
    const c = fresh();
    await c.insertOne({ _id: 'a', v: 0 });
    const [s1, s2] = [client.startSession(), client.startSession()];
    s1.startTransaction();
    s2.startTransaction();
    await c.updateOne({ _id: 'a' }, { $inc: { v: 1 } }, { session: s1 });
    const error = await c.updateOne({ _id: 'a' }, { $inc: { v: 1 } }, { session: s2 }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(MongoServerError);
    expect((error as MongoServerError).code).toBe(112);
    expect((error as MongoServerError).hasErrorLabel('TransientTransactionError')).toBe(true);
    await s1.commitTransaction();
    await s2.abortTransaction();
    expect((await c.findOne({ _id: 'a' }))?.v).toBe(1);
    await Promise.all([s1.endSession(), s2.endSession()]);
  });

  it('reads a snapshot: a commit made after a transaction began is not visible to it, and writing over it conflicts', async () => {
    const c = fresh();
    await c.insertOne({ _id: 'a', v: 1 });
    const session = client.startSession();
    session.startTransaction({ readConcern: { level: 'snapshot' } });
    expect((await c.findOne({ _id: 'a' }, { session }))?.v).toBe(1);
    await c.updateOne({ _id: 'a' }, { $set: { v: 2 } });
    expect((await c.findOne({ _id: 'a' }, { session }))?.v).toBe(1);
    const error = await c.updateOne({ _id: 'a' }, { $set: { v: 3 } }, { session }).then(() => null, (e: unknown) => e);
    expect((error as MongoServerError).hasErrorLabel('TransientTransactionError')).toBe(true);
    await session.abortTransaction().catch(() => undefined);
    expect((await c.findOne({ _id: 'a' }))?.v).toBe(2);
    await session.endSession();
  });

  it('enforces unique indexes with error 11000, and two transactions inserting one key conflict', async () => {
    const c = fresh();
    await c.createIndex({ k: 1 }, { unique: true });
    await c.insertOne({ _id: 'a', k: 'x' });
    await expect(c.insertOne({ _id: 'b', k: 'x' })).rejects.toMatchObject({ code: 11000 });
    const [s1, s2] = [client.startSession(), client.startSession()];
    s1.startTransaction();
    s2.startTransaction();
    await c.insertOne({ _id: 'c', k: 'y' }, { session: s1 });
    const error = await c.insertOne({ _id: 'd', k: 'y' }, { session: s2 }).then(() => null, (e: unknown) => e);
    expect((error as MongoServerError).hasErrorLabel('TransientTransactionError')).toBe(true);
    await s1.commitTransaction();
    await s2.abortTransaction().catch(() => undefined);
    expect((await c.find({ k: 'y' }).toArray()).map((d) => d._id)).toEqual(['c']);
    await Promise.all([s1.endSession(), s2.endSession()]);
  });

  it('lets withTransaction retry conflicts until every increment lands exactly once', async () => {
    const c = fresh();
    await c.insertOne({ _id: 'a', v: 0 });
    await Promise.all(
      Array.from({ length: 40 }, async () => {
        const session = client.startSession();
        try {
          await session.withTransaction(async () => {
            const doc = await c.findOne({ _id: 'a' }, { session });
            await c.updateOne({ _id: 'a' }, { $set: { v: (doc?.v ?? 0) + 1 } }, { session });
          });
        } finally {
          await session.endSession();
        }
      }),
    );
    expect((await c.findOne({ _id: 'a' }))?.v).toBe(40);
  });

  it('refuses what it does not implement instead of ignoring it', async () => {
    const c = fresh();
    await c.insertOne({ _id: 'a', v: 1 });
    await expect(c.find({ v: { $mod: [2, 1] } }).toArray()).rejects.toThrow(/does not support/);
    await expect(c.updateOne({ _id: 'a' }, { $rename: { v: 'w' } })).rejects.toThrow(/does not support/);
  });
});
