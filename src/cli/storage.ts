import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RateLimitStore, StorageAdapter } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';
import { sqliteAdapter, type SchemaUpgrade } from 'bankcore/sqlite';
import { hasJournal, importJournal } from './import-journal.js';

/** The storage the standalone server runs on, as the environment chose it. */
export interface Storage {
  adapter: StorageAdapter;
  rateLimitStore?: RateLimitStore;
  description: string;
  /** Done after `bank.init()`: imports a 0.1.0 journal directory once, and says so. */
  afterInit(): Promise<string | null>;
  close(): Promise<void>;
}

/** The database file of a data directory. */
export const databaseFile = (dataDir: string) => join(dataDir, 'bankcore.db');

/**
 * `BANK_STORAGE`: `sqlite` (default: `BANK_DATA_DIR/bankcore.db`, durable), `memory` (volatile), or `mongodb`.
 *
 * @throws Error with a message for the start-up line when the settings are wrong.
 */
export async function openStorage(env: NodeJS.ProcessEnv, options: { operatorKeysOnly?: boolean; notice?: (message: string) => void } = {}): Promise<Storage> {
  const kind = env['BANK_STORAGE'] ?? 'sqlite';
  const none = async () => null;
  if (kind === 'memory') {
    return { adapter: memoryAdapter(), description: 'memory only (volatile: state is lost when the process stops)', afterInit: none, close: async () => {} };
  }
  if (kind === 'sqlite') {
    const dataDir = env['BANK_DATA_DIR'] ?? './data';
    if (dataDir === '') {
      return { adapter: memoryAdapter(), description: 'memory only (BANK_DATA_DIR is empty: state is lost when the process stops)', afterInit: none, close: async () => {} };
    }
    mkdirSync(dataDir, { recursive: true });
    const filename = databaseFile(dataDir);
    const fresh = !existsSync(filename);
    // The operator-key commands run beside a running server: SQLite's locking orders their few writes.
    // An upgrade of the schema runs inside `init()` and may take a while on a large file: said before and after.
    let upgrade: { to: number; since: number } | null = null;
    const onMigrate = ({ from, to }: SchemaUpgrade) => {
      upgrade = { to, since: performance.now() };
      options.notice?.(`upgrading ${filename} from schema ${from} to ${to}, once (on a large file this takes a while)`);
    };
    const recent = env['BANK_SQLITE_RECENT_KEYS'];
    if (recent !== undefined && !/^[1-9][0-9]{0,8}$/.test(recent)) throw new Error(`BANK_SQLITE_RECENT_KEYS must be a positive whole number (got "${recent}")`);
    const adapter = sqliteAdapter({
      filename,
      onMigrate,
      ...(recent === undefined ? {} : { recentIdempotencyKeys: Number(recent) }),
      ...(options.operatorKeysOnly ? { access: 'operator-keys' as const } : {}),
    });
    return {
      adapter,
      description: `sqlite, durable in ${filename}`,
      async afterInit() {
        if (upgrade) options.notice?.(`upgraded ${filename} to schema ${upgrade.to} in ${((performance.now() - upgrade.since) / 1000).toFixed(1)} s`);
        if (!hasJournal(dataDir)) return null;
        if (!fresh) throw new Error(`${dataDir} holds both ${filename} and a 0.1.0 journal; run "bankcore import-journal" into an empty directory, or move the journal away`);
        const n = await importJournal(dataDir, adapter);
        return `imported the 0.1.0 journal in ${dataDir}: ${n.users} users, ${n.accounts} accounts, ${n.transactions} transactions (old files kept in ${dataDir}/imported-0.1.0-journal)`;
      },
      close: async () => {},
    };
  }
  if (kind !== 'mongodb') throw new Error(`BANK_STORAGE must be "sqlite", "memory" or "mongodb" (got "${kind}")`);
  const uri = env['MONGODB_URI'];
  if (!uri) throw new Error('BANK_STORAGE=mongodb needs MONGODB_URI');
  // Loaded only here, so the other storages never load the driver.
  const [{ MongoClient }, { mongodbAdapter, mongodbRateLimitStore, databaseNameOf }] = await Promise.all([import('mongodb'), import('bankcore/mongodb')]);
  const client = new MongoClient(uri, { writeConcern: { w: 'majority' } });
  const dbName = databaseNameOf(uri);
  const rateLimitStore = mongodbRateLimitStore(client.db(dbName));
  await rateLimitStore.init();
  return { adapter: mongodbAdapter({ client, dbName }), rateLimitStore, description: `mongodb (database ${dbName})`, afterInit: none, close: () => client.close() };
}
