import { BankError } from 'bankcore';
import type { SqlDatabase } from './driver.js';
import { hashBytes, keyHash } from './idempotency-keys.js';
import { transactionPk } from './rows.js';

/** One entry in this many is in the index of entries by time: migration 6's stride, which never changes. */
export const TIME_INDEX_STRIDE = 64;

/**
 * Forward migrations, in order: migration N brings the database to `schema_version` N. A released migration is
 * never edited; a change is a new one. Amounts and times are INTEGERs (minor units, epoch milliseconds). Entries
 * name their account by its integer `pk`: the ledger's two largest B-trees then carry 8-byte keys, not 36-byte
 * ids (an entry's insert costs a third as much).
 */
const MIGRATIONS: string[] = [
  `CREATE TABLE users (
     id TEXT PRIMARY KEY,
     username TEXT NOT NULL,
     username_key TEXT NOT NULL UNIQUE,
     password_hash TEXT NOT NULL,
     credential_version INTEGER NOT NULL,
     created_at INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE accounts (
     pk INTEGER PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     owner_id TEXT,
     bank_code TEXT NOT NULL,
     account_number TEXT NOT NULL,
     currency TEXT NOT NULL,
     balance INTEGER NOT NULL,
     pending INTEGER NOT NULL,
     status TEXT NOT NULL,
     overdraft_limit INTEGER NOT NULL,
     entry_count INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     last_entry_at INTEGER,
     UNIQUE (bank_code, account_number)
   ) STRICT;
   CREATE INDEX accounts_by_owner ON accounts (owner_id, created_at, id);
   CREATE TABLE transactions (
     id TEXT PRIMARY KEY,
     body TEXT NOT NULL,
     reversed_by TEXT,
     created_at INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE entries (
     account_pk INTEGER NOT NULL,
     sequence INTEGER NOT NULL,
     transaction_id TEXT NOT NULL,
     leg INTEGER NOT NULL,
     amount INTEGER NOT NULL,
     balance_after INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (account_pk, sequence)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX entries_by_time ON entries (account_pk, created_at, sequence);
   CREATE TABLE holds (
     id TEXT PRIMARY KEY,
     from_account_id TEXT NOT NULL,
     status TEXT NOT NULL,
     expires_at INTEGER,
     created_at INTEGER NOT NULL,
     body TEXT NOT NULL
   ) STRICT;
   CREATE INDEX holds_by_account ON holds (from_account_id, created_at, id);
   CREATE INDEX holds_pending_by_expiry ON holds (expires_at) WHERE status = 'pending' AND expires_at IS NOT NULL;
   CREATE TABLE idempotency (
     scope TEXT NOT NULL,
     key TEXT NOT NULL,
     fingerprint TEXT NOT NULL,
     body TEXT NOT NULL,
     PRIMARY KEY (scope, key)
   ) STRICT, WITHOUT ROWID;`,
  `CREATE TABLE operator_keys (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     scopes TEXT NOT NULL,
     secret_hash TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     last_used_at INTEGER,
     revoked_at INTEGER
   ) STRICT;`,
  `CREATE TABLE events (
     position INTEGER PRIMARY KEY,
     id TEXT NOT NULL,
     type TEXT NOT NULL,
     occurred_at INTEGER NOT NULL,
     payload TEXT NOT NULL
   ) STRICT;
   CREATE TABLE event_log (
     one INTEGER PRIMARY KEY CHECK (one = 1),
     pruned_through INTEGER NOT NULL
   ) STRICT;
   INSERT INTO event_log VALUES (1, 0);
   CREATE INDEX holds_pending ON holds (status) WHERE status = 'pending';
   CREATE TABLE consumers (
     name TEXT PRIMARY KEY,
     position INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     webhook TEXT
   ) STRICT;`,
  // Transactions clustered by id: a rowid table with a TEXT primary key kept two B-trees (the rows, and an index
  // from id to rowid), so every insert wrote both and every lookup (a history page joins one per entry) descended
  // both. Ids are time-ordered, so the copy, like every later insert, appends.
  `CREATE TABLE transactions_by_id (
     id TEXT PRIMARY KEY,
     body TEXT NOT NULL,
     reversed_by TEXT,
     created_at INTEGER NOT NULL
   ) STRICT, WITHOUT ROWID;
   INSERT INTO transactions_by_id (id, body, reversed_by, created_at) SELECT id, body, reversed_by, created_at FROM transactions ORDER BY id;
   DROP TABLE transactions;
   ALTER TABLE transactions_by_id RENAME TO transactions;`,
  // Idempotency records apart from their keys. Keys are random (a client's UUIDs), so each insert lands on a random
  // leaf of the keys' B-tree, and every page a commit touches is written whole to the WAL and fsynced. With the
  // record's body (about 1.2 KB: the transaction and the accounts) in that leaf, only three fitted in a page, and
  // each record's insert wrote about 15 KB to the WAL (page splits included); with 80-byte key rows and the bodies
  // appended in order in a table of their own, about 7 KB, and the insert costs a third as much (measured in
  // batches of 64 into 43,000 keys).
  // Both copies number the records by the old table's key order, so each key meets its own record. Measured: 15 s
  // per million keyed movements, once.
  `CREATE TABLE idempotency_records (
     id INTEGER PRIMARY KEY,
     fingerprint TEXT NOT NULL,
     body TEXT NOT NULL
   ) STRICT;
   CREATE TABLE idempotency_keys (
     scope TEXT NOT NULL,
     key TEXT NOT NULL,
     record INTEGER NOT NULL,
     PRIMARY KEY (scope, key)
   ) STRICT, WITHOUT ROWID;
   INSERT INTO idempotency_records (id, fingerprint, body) SELECT row_number() OVER (ORDER BY scope, key), fingerprint, body FROM idempotency;
   INSERT INTO idempotency_keys (scope, key, record) SELECT scope, key, row_number() OVER (ORDER BY scope, key) FROM idempotency;
   DROP TABLE idempotency;`,
  // Entries by time, one in 64. Every entry's insert wrote the full index too: a second B-tree insert and its own
  // leaf pages in each group commit's WAL frames (measured: durable deposits from 64 callers, three alternating
  // runs each, 17,900/s with it and 19,600/s without). An account's entry times never go backwards as its
  // sequence rises (the core commits an entry no earlier than the account's newest), so the last entry at or
  // before a time lies within 63 sequences after the last indexed one at or before it: one descent of this index,
  // then one short primary-key range. (A binary search of the primary key alone touched a cold leaf per probe:
  // balanceAt's p99 at 10M entries in one account was 3.67 ms in a scale run, against 0.54 to 1.78 ms with the
  // full index.)
  `DROP INDEX entries_by_time;
   CREATE INDEX entries_by_time_sparse ON entries (account_pk, created_at, sequence) WHERE sequence % 64 = 0;`,
  // The transaction a commit posts, written once. Its event and its idempotency record carried a copy of it too:
  // a durable deposit took 1,747 bytes of file, 2,865 with an Idempotency-Key; with the copies gone, 1,177 and 1,781.
  // They now name it, with a placeholder where its text was (see `withPostedTransaction` in rows.ts). Rows written
  // before keep their copy and a NULL id.
  `ALTER TABLE events ADD COLUMN transaction_id TEXT;
   ALTER TABLE idempotency_records ADD COLUMN transaction_id TEXT;`,
  // Entries in commit order. Clustered by (account, sequence), a group commit rewrote one leaf per account it
  // touched, and every split of a leaf in the middle of the tree rewrote its siblings and parents (whose cells, in a
  // WITHOUT ROWID table, are whole rows): 27 of the 46 pages a commit of 32 deposits into 9 accounts wrote to the
  // WAL. Appended in commit order, the new entries fill one or two pages. An account's entries form a chain, newest
  // first (`previous`), from its row's `last_entry_id`; the entries whose sequence is a multiple of 64 are indexed by
  // sequence and by time, so any entry is at most 63 links from an indexed one or the newest (see reads.ts).
  // Existing entries are numbered in (account, sequence) order, so each account's newest is the running count of
  // entries through it.
  `ALTER TABLE accounts ADD COLUMN last_entry_id INTEGER;
   UPDATE accounts SET last_entry_id = heads.id
     FROM (SELECT account_pk, sum(count(*)) OVER (ORDER BY account_pk) AS id FROM entries GROUP BY account_pk) AS heads
     WHERE heads.account_pk = accounts.pk;
   CREATE TABLE entries_in_commit_order (
     id INTEGER PRIMARY KEY,
     account_pk INTEGER NOT NULL,
     sequence INTEGER NOT NULL,
     transaction_id TEXT NOT NULL,
     leg INTEGER NOT NULL,
     amount INTEGER NOT NULL,
     balance_after INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     previous INTEGER
   ) STRICT;
   INSERT INTO entries_in_commit_order (id, account_pk, sequence, transaction_id, leg, amount, balance_after, created_at, previous)
     SELECT row_number() OVER w, account_pk, sequence, transaction_id, leg, amount, balance_after, created_at,
            CASE WHEN lag(account_pk) OVER w = account_pk THEN row_number() OVER w - 1 END
     FROM entries WINDOW w AS (ORDER BY account_pk, sequence);
   DROP TABLE entries;
   ALTER TABLE entries_in_commit_order RENAME TO entries;
   CREATE INDEX entries_by_time_sparse ON entries (account_pk, created_at, sequence) WHERE sequence % 64 = 0;
   CREATE INDEX entries_by_sequence_sparse ON entries (account_pk, sequence) WHERE sequence % 64 = 0;`,
  // Transactions by an integer key derived from their time-ordered id (`transactionPk` in rows.ts), and named by it
  // in entries, events and idempotency records. Clustered by the 36-byte id (a WITHOUT ROWID table, whose inner
  // pages hold whole rows of about 500 bytes: a tree seven levels deep at a million), each group commit of 32
  // deposits rewrote 10.5 pages of it; a rowid table appended in order takes 6.7, and an index by id (3.9 pages a
  // commit) is not needed when the key is computed from the id. An id from which no key derives (an id that is
  // not a version-7 UUID, as 0.1.0's journal wrote, or a second id with the same millisecond and counter) takes a
  // negative key, and `transaction_pks` maps it. Entries keep their ids (their chains link by id).
  `CREATE TABLE transactions_by_pk (
     pk INTEGER PRIMARY KEY,
     id TEXT NOT NULL,
     body TEXT NOT NULL,
     reversed_by TEXT,
     created_at INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE transaction_pks (
     id TEXT PRIMARY KEY,
     pk INTEGER NOT NULL
   ) STRICT, WITHOUT ROWID;
   INSERT OR IGNORE INTO transactions_by_pk (pk, id, body, reversed_by, created_at)
     SELECT bankcore_transaction_pk(id), id, body, reversed_by, created_at FROM transactions WHERE bankcore_transaction_pk(id) IS NOT NULL ORDER BY id;
   INSERT INTO transaction_pks (id, pk)
     SELECT t.id, -row_number() OVER (ORDER BY t.id) FROM transactions t
     WHERE NOT EXISTS (SELECT 1 FROM transactions_by_pk p WHERE p.pk = bankcore_transaction_pk(t.id) AND p.id = t.id);
   INSERT INTO transactions_by_pk (pk, id, body, reversed_by, created_at)
     SELECT n.pk, t.id, t.body, t.reversed_by, t.created_at FROM transaction_pks n JOIN transactions t ON t.id = n.id ORDER BY n.pk;
   CREATE TABLE entries_by_transaction_pk (
     id INTEGER PRIMARY KEY,
     account_pk INTEGER NOT NULL,
     sequence INTEGER NOT NULL,
     transaction_pk INTEGER NOT NULL,
     leg INTEGER NOT NULL,
     amount INTEGER NOT NULL,
     balance_after INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     previous INTEGER
   ) STRICT;
   INSERT INTO entries_by_transaction_pk (id, account_pk, sequence, transaction_pk, leg, amount, balance_after, created_at, previous)
     SELECT e.id, e.account_pk, e.sequence, coalesce(n.pk, bankcore_transaction_pk(e.transaction_id)), e.leg, e.amount, e.balance_after, e.created_at, e.previous
     FROM entries e LEFT JOIN transaction_pks n ON n.id = e.transaction_id ORDER BY e.id;
   DROP TABLE entries;
   ALTER TABLE entries_by_transaction_pk RENAME TO entries;
   CREATE INDEX entries_by_time_sparse ON entries (account_pk, created_at, sequence) WHERE sequence % 64 = 0;
   CREATE INDEX entries_by_sequence_sparse ON entries (account_pk, sequence) WHERE sequence % 64 = 0;
   CREATE TABLE events_by_transaction_pk (
     position INTEGER PRIMARY KEY,
     id TEXT NOT NULL,
     type TEXT NOT NULL,
     occurred_at INTEGER NOT NULL,
     payload TEXT NOT NULL,
     transaction_pk INTEGER
   ) STRICT;
   INSERT INTO events_by_transaction_pk (position, id, type, occurred_at, payload, transaction_pk)
     SELECT e.position, e.id, e.type, e.occurred_at, e.payload, coalesce(n.pk, bankcore_transaction_pk(e.transaction_id))
     FROM events e LEFT JOIN transaction_pks n ON n.id = e.transaction_id ORDER BY e.position;
   DROP TABLE events;
   ALTER TABLE events_by_transaction_pk RENAME TO events;
   CREATE TABLE idempotency_records_by_transaction_pk (
     id INTEGER PRIMARY KEY,
     fingerprint TEXT NOT NULL,
     body TEXT NOT NULL,
     transaction_pk INTEGER
   ) STRICT;
   INSERT INTO idempotency_records_by_transaction_pk (id, fingerprint, body, transaction_pk)
     SELECT r.id, r.fingerprint, r.body, coalesce(n.pk, bankcore_transaction_pk(r.transaction_id))
     FROM idempotency_records r LEFT JOIN transaction_pks n ON n.id = r.transaction_id ORDER BY r.id;
   DROP TABLE idempotency_records;
   ALTER TABLE idempotency_records_by_transaction_pk RENAME TO idempotency_records;
   DROP TABLE transactions;
   ALTER TABLE transactions_by_pk RENAME TO transactions;`,
  // New idempotency keys, in commit order, until they are folded into idempotency_keys in key order (see
  // idempotency-keys.ts). A client's keys are random, so each new key in idempotency_keys wrote a leaf of its own
  // to the WAL: 42 of the 65 pages of a group commit of 32 keyed deposits. Measured in-process (64 callers, a fresh
  // key each, alternated with the code before): +9 % to +25 % deposits a second, 12.0–14.7 KB written to the WAL a
  // deposit against 5.4–7.3 KB.
  `CREATE TABLE idempotency_recent_keys (
     seq INTEGER PRIMARY KEY,
     scope TEXT NOT NULL,
     key TEXT NOT NULL,
     record INTEGER NOT NULL
   ) STRICT;`,
  // The settled keys by 16 bytes of a hash of (scope, key) rather than by the text (see keyHash in
  // idempotency-keys.ts): 94 bytes a key in the B-tree at 2.5 million keys became 29. Measured: 4.7 s per million
  // keys, once.
  `CREATE TABLE idempotency_key_hashes (
     hash BLOB NOT NULL PRIMARY KEY,
     record INTEGER NOT NULL
   ) STRICT, WITHOUT ROWID;
   INSERT INTO idempotency_key_hashes (hash, record) SELECT bankcore_key_hash(scope, key), record FROM idempotency_keys ORDER BY 1;
   DROP TABLE idempotency_keys;
   ALTER TABLE idempotency_key_hashes RENAME TO idempotency_keys;`,
];

/** An upgrade of a file's schema, as `onMigrate` is told of it: schema versions. */
export interface SchemaUpgrade {
  from: number;
  to: number;
}

/** The schema version this release writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the database to {@link SCHEMA_VERSION}, each migration in its own transaction.
 *
 * @throws BankError CONFIGURATION_INVALID when the database was written by a newer release.
 */
export function migrate(db: SqlDatabase, filename: string, onMigrate?: (upgrade: SchemaUpgrade) => void): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL) STRICT');
  const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
  const current = row?.version ?? 0;
  if (current > SCHEMA_VERSION) {
    throw new BankError('CONFIGURATION_INVALID', `${filename} has schema version ${current}, newer than this release of bankcore understands (${SCHEMA_VERSION}); upgrade bankcore`);
  }
  if (current > 0 && current < SCHEMA_VERSION) onMigrate?.({ from: current, to: SCHEMA_VERSION });
  // Migration 9 derives transactions' keys with the rule the writer uses.
  if (current < 9) db.function('bankcore_transaction_pk', { deterministic: true }, (id: unknown) => (typeof id === 'string' ? transactionPk(id) : null));
  // Migration 11 hashes the settled idempotency keys as the writer does.
  if (current < 11) db.function('bankcore_key_hash', { deterministic: true }, (scope: unknown, key: unknown) => hashBytes(keyHash(String(scope), String(key))));
  for (let version = current + 1; version <= SCHEMA_VERSION; version++) {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(MIGRATIONS[version - 1]!);
      if (version === 1) db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(1);
      else db.prepare('UPDATE schema_version SET version = ?').run(version);
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }
}
