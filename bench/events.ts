// What the outbox costs: deposits per second through a bank that writes one event per change, against the same
// bank with `events: false`, alternated three rounds each (medians compared) so a slow spell falls on both. On
// memory and SQLite; on MongoDB (the wire-protocol double, or MONGODB_URI) also the write conflicts the one event
// counter adds: every change increments it in its transaction, so concurrent changes conflict there.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { createBank, INSECURE_TEST_PASSWORD_HASHING, type StorageAdapter } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';
import { mongodbAdapter } from 'bankcore/mongodb';
import { sqliteAdapter } from 'bankcore/sqlite';
import { startMongoDouble } from '../test/support/mongo-double/server.js';
import { alternated, fmt, opsPerSecond, type Row } from './lib.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 3);
const CLIENTS = 32;

/** Deposits per second by CLIENTS concurrent callers into 32 accounts of one user. */
async function depositRate(storage: StorageAdapter, events: boolean): Promise<number> {
  const bank = createBank({ storage, tokens: { secret: 'benchmark-secret-of-at-least-32-bytes!!' }, passwordHashing: INSECURE_TEST_PASSWORD_HASHING, ...(events ? {} : { events: false }) });
  await bank.init();
  const me = await bank.operator.principal((await bank.operator.createUser({ username: 'bench' })).id);
  const accounts = Array.from({ length: 32 }, (_, i) => ({ bankCode: 'BENCH', accountNumber: `EVT${1000 + i}` }));
  for (const account of accounts) await bank.openAccount(me, account);
  let n = 0;
  const rate = await opsPerSecond(() => bank.deposit(me, { account: accounts[n++ % accounts.length]!, amount: 1 }), SECONDS, CLIENTS);
  if (events && (await bank.events.lastPosition()) < rate * SECONDS * 0.9) throw new Error('events were not written');
  await bank.close();
  return rate;
}

async function compare(label: string, make: () => { storage: StorageAdapter; done?: () => void }): Promise<Row> {
  const rate = async (events: boolean) => {
    const { storage, done } = make();
    const r = await depositRate(storage, events);
    done?.();
    return r;
  };
  const { subject: withEvents, baseline: without } = await alternated(3, () => rate(true), () => rate(false));
  return {
    scenario: `${CLIENTS} concurrent deposits with their events (${label})`,
    measured: `${fmt(withEvents)}/s deposits = ${fmt(withEvents)} events/s`,
    baseline: `${fmt(without)}/s with events: false`,
    ratio: withEvents / without,
    target: '– (reported, no target set)',
    met: null,
  };
}

async function mongoRow(): Promise<Row> {
  const double = process.env['MONGODB_URI'] ? null : await startMongoDouble();
  const uri = process.env['MONGODB_URI'] ?? double!.uri;
  const measured: Record<'on' | 'off', { rate: number; conflicts: number }> = { on: { rate: 0, conflicts: 0 }, off: { rate: 0, conflicts: 0 } };
  for (const mode of ['off', 'on'] as const) {
    const client = new MongoClient(uri, { monitorCommands: true });
    let conflicts = 0;
    client.on('commandFailed', (event) => {
      if ((event.failure as { code?: number }).code === 112) conflicts++;
    });
    const dbName = `bench_events_${process.pid}_${mode}`;
    const rate = await depositRate(mongodbAdapter({ client, dbName }), mode === 'on');
    measured[mode] = { rate, conflicts: (conflicts / (rate * SECONDS)) * 1000 };
    await client.db(dbName).dropDatabase().catch(() => undefined);
    await client.close();
  }
  await double?.close();
  return {
    scenario: `${CLIENTS} concurrent deposits into 32 accounts with their events (${double ? 'MongoDB test double' : 'MongoDB (MONGODB_URI)'}; one event counter)`,
    measured: `${fmt(measured.on.rate)}/s; ${fmt(measured.on.conflicts, 1)} write conflicts per 1,000`,
    baseline: `${fmt(measured.off.rate)}/s with events: false; ${fmt(measured.off.conflicts, 1)} per 1,000`,
    ratio: measured.on.rate / measured.off.rate,
    target: '– (the cost of a total order on MongoDB)',
    met: null,
  };
}

export async function eventScenarios(): Promise<Row[]> {
  const memory = await compare('memory', () => ({ storage: memoryAdapter() }));
  const sqlite = await compare('SQLite, fsync before acknowledging', () => {
    const dir = mkdtempSync(join(process.cwd(), 'bench', '.tmp-'));
    return { storage: sqliteAdapter({ filename: join(dir, 'bankcore.db') }), done: () => rmSync(dir, { recursive: true, force: true }) };
  });
  return [memory, sqlite, await mongoRow()];
}
