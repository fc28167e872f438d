// Picks the best MongoDB this machine has for the Mongo suite, in this order:
// 1. MONGODB_URI (a real server or replica set);
// 2. MongoMemoryReplSet (a real mongod from MONGOMS_SYSTEM_BINARY, `mongod` on PATH, or the download cache;
//    it downloads only when MONGOMS_RUNTIME_DOWNLOAD=true, so an offline machine fails fast instead of retrying);
// 3. the project's wire-protocol test double (test/support/mongo-double), which is not MongoDB.
import { execFileSync } from 'node:child_process';
import { MongoClient } from 'mongodb';
import { startMongoDouble } from './mongo-double/server.js';

export interface MongoTarget {
  uri: string;
  /** Printed once: which MongoDB the suite runs against. */
  label: string;
  kind: 'uri' | 'mongod' | 'double';
  stop(): Promise<void>;
}

async function describeServer(uri: string): Promise<string> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    const admin = client.db('admin');
    const [info, hello] = await Promise.all([admin.command({ buildInfo: 1 }), admin.command({ hello: 1 })]);
    return `mongod ${info['version']} ${hello['setName'] ? `replica set ${hello['setName']}` : 'standalone'}`;
  } finally {
    await client.close();
  }
}

function systemMongod(): string | undefined {
  if (process.env['MONGOMS_SYSTEM_BINARY']) return process.env['MONGOMS_SYSTEM_BINARY'];
  try {
    return execFileSync('sh', ['-c', 'command -v mongod'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export async function startBestMongo(): Promise<MongoTarget> {
  const uri = process.env['MONGODB_URI'];
  if (uri) {
    return { uri, kind: 'uri', label: `mongo suite: ${await describeServer(uri)} (MONGODB_URI)`, stop: async () => {} };
  }
  const notes: string[] = [];
  try {
    process.env['MONGOMS_RUNTIME_DOWNLOAD'] ??= 'false';
    const binary = systemMongod();
    if (binary) process.env['MONGOMS_SYSTEM_BINARY'] = binary;
    const { MongoMemoryReplSet, DryMongoBinary } = await import('mongodb-memory-server');
    // Look for a binary first, so an offline machine without one answers at once and quietly.
    const found = process.env['MONGOMS_RUNTIME_DOWNLOAD'] === 'true' || (await DryMongoBinary.locateBinary({ version: '' }).catch(() => undefined));
    if (!found) throw new Error('no mongod binary (set MONGOMS_SYSTEM_BINARY, or MONGOMS_RUNTIME_DOWNLOAD=true to download one)');
    const replSet = await MongoMemoryReplSet.create({ replSet: { count: 1, storageEngine: 'wiredTiger' } });
    const memoryUri = replSet.getUri();
    return {
      uri: memoryUri,
      kind: 'mongod',
      label: `mongo suite: ${await describeServer(memoryUri)} (mongodb-memory-server)`,
      stop: () => replSet.stop().then(() => undefined),
    };
  } catch (error) {
    notes.push(`no mongod for mongodb-memory-server (${(error as Error).message.split('\n')[0]})`);
  }
  const double = await startMongoDouble();
  return {
    uri: double.uri,
    kind: 'double',
    label: `mongo suite: wire-protocol test double, not MongoDB; ${notes.join('; ')}`,
    stop: double.close,
  };
}
