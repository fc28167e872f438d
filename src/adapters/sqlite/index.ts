import { BankError, type StorageAdapter } from 'bankcore';
import { statSync } from 'node:fs';
import { checkInBackground, startCheckpointer, type Checkpointer } from './checkpointer.js';
import { createCommitter } from './commit.js';
import { failure, openDatabase, type SqlDatabase, type SqliteDriver } from './driver.js';
import { acquireOwnerLock, checkIntegrity, configure, damaged, fileOf, HISTORY_TABLES, WHOLE_FILE_CHECK_BYTES, type OwnerLock } from './open.js';
import { RECENT_KEYS } from './idempotency-keys.js';
import { createReads } from './reads.js';
import { migrate, type SchemaUpgrade } from './schema.js';
import { createWalSync, type WalSync } from './wal-sync.js';

export { backupDatabase } from './backup.js';
export { failure } from './driver.js';
export type { SqlDatabase, SqlStatement, SqliteDriver } from './driver.js';
export type { SchemaUpgrade } from './schema.js';

/** Options of {@link sqliteAdapter}: a file to open, or a database you opened (and close). */
export type SqliteAdapterOptions = ({ filename: string; driver?: SqliteDriver } | { database: SqlDatabase }) & {
  /**
   * Integrity check at `init()`: `quick` (default; `PRAGMA quick_check`), `full` (`integrity_check`) or `none`.
   * With `quick`, a file over 256 MiB that this store opened itself has every table checked at `init()` except the
   * history tables (transactions, entries, events, idempotency keys and records), which a worker thread checks
   * while the store serves: a restart stays short however long the history, and damage found then stops the store
   * (every call fails with STORAGE_UNAVAILABLE naming the file).
   */
  integrityCheck?: 'quick' | 'full' | 'none';
  /**
   * `owner` (default) serves a bank. `operator-keys` opens the file beside its running owner, for the short
   * `bankcore operator-key` commands: it takes no owner lock and runs no integrity check, and it serves only the
   * operator-key methods (anything else throws CONFIGURATION_INVALID). SQLite's own locking orders its few writes
   * with the owner's.
   */
  access?: 'owner' | 'operator-keys';
  /**
   * Called at `init()` just before a file written by an earlier release is brought to this release's schema (once
   * per upgrade): `from` and `to` are schema versions. An upgrade may rewrite the history (schema 9's: about 6 s of
   * `init()` per million ledger entries, measured here), so a server can say why it is not listening yet.
   */
  onMigrate?: (upgrade: SchemaUpgrade) => void;
  /**
   * How many new idempotency keys are kept in a recent level (appended in commit order, and found through memory:
   * about 120 bytes a key) before they are folded into the key index in hash order. Default 16,384. Clients' keys
   * are random, so a key written straight into the index costs a page of the WAL of its own; folded in order, a
   * page takes many. A larger level folds more keys per page, and holds more memory.
   */
  recentIdempotencyKeys?: number;
};

/**
 * Creates the durable embedded {@link StorageAdapter} on SQLite: on better-sqlite3 (Node 20+) or Node's built-in
 * `node:sqlite` (Node 22.13+). Every change is acknowledged, and every read answered (but a read to plan a change,
 * shown only through it), only after its commit reached the disk (WAL, fsynced off the event loop). The changes that
 * arrive in one event-loop turn share one SQLite transaction (a large batch two, when no fsync runs), and the commits
 * made during one fsync share the next (group commit). A refusal or a failure of one change never rolls back its
 * neighbours. History pages and point-in-time balances are index lookups. One store per database file: a second one,
 * in this process or another, is refused at `init()` (an OS lock, held through SQLite,
 * on `<file>-lock`), and released by the OS if the process dies.
 *
 * @throws BankError CONFIGURATION_INVALID at once for a `recentIdempotencyKeys` that is not a positive integer; from
 *   `init()` when the file is in use by another store, or no driver is
 *   available; STORAGE_UNAVAILABLE when the file is damaged (naming it), cannot be opened, or the disk is full.
 * @example
 * ```ts
 * import { sqliteAdapter } from 'bankcore/sqlite';
 * const bank = createBank({ storage: sqliteAdapter({ filename: './data/bankcore.db' }), tokens: { secret } });
 * await bank.init();
 * ```
 */
export function sqliteAdapter(options: SqliteAdapterOptions): StorageAdapter & { readonly filename: string | null; readonly driver: string | null } {
  let db: SqlDatabase | null = null;
  let lock: OwnerLock | null = null;
  let filename: string | null = null;
  let driver: string | null = null;
  let committer: ReturnType<typeof createCommitter> | null = null;
  let reads: ReturnType<typeof createReads> | null = null;
  let sync: WalSync | null = null;
  let checkpointer: Checkpointer | null = null;
  let damage: BankError | null = null;

  const keysOnly = options.access === 'operator-keys';
  const recentKeys = options.recentIdempotencyKeys ?? RECENT_KEYS;
  if (!Number.isSafeInteger(recentKeys) || recentKeys < 1) {
    throw new BankError('CONFIGURATION_INVALID', `recentIdempotencyKeys must be a positive integer (got ${String(recentKeys)})`);
  }
  const open = (forKeys = false) => {
    if (keysOnly && !forKeys) throw new BankError('CONFIGURATION_INVALID', "This SQLite store was opened with access: 'operator-keys'; it serves operator keys only");
    if (!reads || !committer || !sync) throw new BankError('STORAGE_UNAVAILABLE', 'The SQLite adapter needs bank.init() before use');
    if (damage) throw damage;
    return { reads, committer, sync };
  };
  // A read answers only once every commit it may have seen is durable: nothing not yet on disk (a balance, an
  // idempotent replay) is ever shown.
  // A read to plan a commit (see StorageAdapter.findAccount) answers at once: what it saw is shown only through that
  // commit, whose acknowledgement waits for a later fsync. Waiting here too would keep every caller in step with
  // the newest commit's fsync, and the writer idle while it runs.
  const read = <T>(run: (r: ReturnType<typeof createReads>) => T, forKeys = false, toPlan = false): Promise<T> => {
    try {
      const store = open(forKeys);
      store.sync.assertHealthy();
      const value = run(store.reads);
      if (toPlan) return Promise.resolve(value);
      return store.sync.whenDurable(store.sync.latest).then(
        () => value,
        (error: unknown) => Promise.reject(failure(error, filename)),
      );
    } catch (error) {
      return Promise.reject(failure(error, filename));
    }
  };

  return {
    get filename() {
      return filename;
    },
    get driver() {
      return driver;
    },
    async init() {
      if (db) return;
      damage = null;
      if (!('database' in options)) filename = options.filename;
      if ('database' in options) {
        db = options.database;
        driver = 'given';
      } else {
        const opened = await openDatabase(options.filename, options.driver ?? 'auto');
        db = opened.db;
        driver = opened.driver;
      }
      // The driver a worker thread can open the same file with: known only when this store opened it.
      const ownDriver = driver === 'better-sqlite3' || driver === 'node:sqlite' ? driver : null;
      try {
        filename = fileOf(db);
        // The owner lock first: nothing touches the database file before this store owns it.
        if (!keysOnly) lock = await acquireOwnerLock(filename, 'database' in options ? 'auto' : (options.driver ?? 'auto'));
        configure(db);
        const mode = options.integrityCheck ?? 'quick';
        const large = mode === 'quick' && ownDriver !== null && filename !== '' && statSync(filename).size > WHOLE_FILE_CHECK_BYTES;
        if (!keysOnly) checkIntegrity(db, filename, mode, large ? HISTORY_TABLES : []);
        if (!keysOnly && large && ownDriver) {
          const file = filename;
          void checkInBackground(file, ownDriver, HISTORY_TABLES).then(
            (problems) => {
              if (problems.length) damage = damaged(file, problems);
            },
            // A check that could not run leaves the store serving; a damaged page it reads still fails as such.
            () => {},
          );
        }
        migrate(db, filename, options.onMigrate);
      } catch (error) {
        lock?.release();
        if (!('database' in options)) db.close();
        db = null;
        throw failure(error, filename);
      }
      reads = createReads(db, recentKeys);
      sync = createWalSync(filename === '' ? null : `${filename}-wal`);
      // Checkpoints move to a worker thread when this store opened the file itself (so the worker can open it the
      // same way); a database you gave checkpoints on the event loop, as SQLite does by default.
      if (!keysOnly && filename !== '' && ownDriver !== null) {
        checkpointer = await startCheckpointer(filename, ownDriver).catch(() => null);
        // The worker cuts an outgrown WAL (see checkpoint-worker.mjs); the owner never truncates it on its thread.
        if (checkpointer) db.exec('PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = -1');
      }
      committer = createCommitter(db, reads, sync, (error) => failure(error, filename), checkpointer);
    },
    async close() {
      if (!db) return;
      await committer?.drain();
      await checkpointer?.close();
      checkpointer = null;
      sync?.close();
      if (!('database' in options)) db.close();
      lock?.release();
      db = null;
      damage = null;
      reads = null;
      committer = null;
      sync = null;
    },
    ping: () => read((r) => r.ping(), true),

    createUser: (user, event) => open().committer.write((w) => w.createUser(user, event)),
    findUserById: (id, purpose) => read((r) => r.userById(id), false, purpose === 'plan'),
    findUserByUsernameKey: (key) => read((r) => r.userByKey(key)),
    updatePassword: (userId, hash, version, expected, event) => open().committer.write((w) => w.updatePassword(userId, hash, version, expected, event)),

    createAccount: (account, event) => open().committer.write((w) => w.createAccount(account, event)),
    findAccount: (bankCode, accountNumber, purpose) => read((r) => r.accountByRef(bankCode, accountNumber), false, purpose === 'plan'),
    findAccountById: (id) => read((r) => r.accountById(id)),
    listAccounts: (ownerId) => read((r) => r.accountsOf(ownerId)),

    commit: (plan) => open().committer.write((w) => w.commit(plan)),
    findIdempotencyRecord: (scope, key) => read((r) => r.record(scope, key)),
    findTransaction: (id) => read((r) => r.transaction(id)),
    findHold: (id) => read((r) => r.hold(id)),
    listHolds: (accountId, status) => read((r) => r.holdsOf(accountId, status)),
    countPendingHolds: () => read((r) => r.pendingHolds()),
    listExpiredHolds: (at, limit) => read((r) => r.expiredHolds(at, limit)),
    listLedgerEntries: (accountId, query) => read((r) => r.entries(accountId, query)),
    findEntryAt: (accountId, at) => read((r) => r.entryAt(accountId, at)),

    readEvents: (after, limit) => read((r) => r.events(after, limit)),
    pruneEvents: (through) => open().committer.write((w) => w.pruneEvents(through)),
    createConsumer: (consumer) => open().committer.write((w) => w.createConsumer(consumer)),
    findConsumer: (name) => read((r) => r.consumer(name)),
    listConsumers: () => read((r) => r.consumers()),
    updateConsumer: (name, change) => open().committer.write((w) => w.updateConsumer(name, change)),
    deleteConsumer: (name) => open().committer.write((w) => w.deleteConsumer(name)),

    createOperatorKey: (key) => open(true).committer.write((w) => w.createOperatorKey(key)),
    findOperatorKey: (id) => read((r) => r.operatorKey(id), true),
    listOperatorKeys: () => read((r) => r.operatorKeys(), true),
    updateOperatorKey: (id, change) => open(true).committer.write((w) => w.updateOperatorKey(id, change)),

    readLedger() {
      return (async function* () {
        yield* open().reads.ledger();
      })();
    },
    readTransactions() {
      return (async function* () {
        yield* open().reads.transactions();
      })();
    },
  };
}
