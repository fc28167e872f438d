import { afterAll, beforeAll, inject } from 'vitest';
import { MongoClient } from 'mongodb';
import { describeStorageAdapter } from 'bankcore/testing';
import { mongodbAdapter } from 'bankcore/mongodb';

let client: MongoClient;
let n = 0;
beforeAll(async () => {
  client = new MongoClient(inject('mongoUri'));
  await client.connect();
});
afterAll(() => client.close());

// Every test gets its own database, so each starts empty.
describeStorageAdapter('mongodb adapter', () => mongodbAdapter({ client, dbName: `conformance_${process.pid}_${n++}` }), {
  concurrencyTimeoutMs: 180_000,
});
