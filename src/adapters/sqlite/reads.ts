import type { EventConsumer, EventPage, StoredOperatorKey, EntryQuery, Hold, HoldStatus, IdempotencyRecord, LedgerEntry, StoredAccount, StoredUser, Transaction } from 'bankcore';
import { createAccountCache } from './account-cache.js';
import type { SqlDatabase } from './driver.js';
import { createIdempotencyKeys, hashBytes } from './idempotency-keys.js';
import { TIME_INDEX_STRIDE } from './schema.js';
import { accountFromRow, consumerFromRow, entryFromRow, eventFromRow, holdFromBody, operatorKeyFromRow, type ConsumerRow, type EventRow, recordFromRow, type RecordRow, transactionFromRow, transactionPk, type TransactionColumns, userFromRow, type AccountRow, type EntryRow, type OperatorKeyRow, type UserRow } from './rows.js';

/** The columns of a transaction's row that a read joins as `t` (see `joinedTransaction` in rows.ts). */
const POSTED = 't.id AS transaction_id, t.body AS transaction_body, t.created_at AS transaction_created_at';

/**
 * An account's entries, newest first, from the entry whose id is the first parameter along the chain of `previous`
 * links (see migration 8): at most the second parameter's count of them (all, for -1), with their transactions'
 * bodies.
 */
const CHAIN = `WITH RECURSIVE chain(id, account_pk, sequence, transaction_pk, leg, balance_after, previous) AS (
    SELECT id, account_pk, sequence, transaction_pk, leg, balance_after, previous FROM entries WHERE id = ?
    UNION ALL
    SELECT e.id, e.account_pk, e.sequence, e.transaction_pk, e.leg, e.balance_after, e.previous FROM chain c JOIN entries e ON e.id = c.previous
    LIMIT ?
  )
  SELECT a.id AS account_id, c.sequence, c.leg, c.balance_after, a.currency, ${POSTED}
  FROM chain c JOIN transactions t ON t.pk = c.transaction_pk JOIN accounts a ON a.pk = c.account_pk`;

/**
 * The condition that finds a transaction by id, with the parameters {@link transactionByIdParams} gives: its key
 * as `transaction_pks` maps it, else as derived from the id (see migration 9), and the id itself.
 */
export const TRANSACTION_BY_ID = 'pk = coalesce((SELECT pk FROM transaction_pks WHERE id = ?), ?) AND id = ?';

/** The parameters of {@link TRANSACTION_BY_ID} for `id`. */
export const transactionByIdParams = (id: string) => [id, transactionPk(id), id];

/**
 * The statements that find entries, each a lookup by index or by id whatever the history's length (the plans are
 * checked in test/sqlite-durable.test.ts). The partial indexes' condition is repeated word for word: SQLite uses a
 * partial index only for a query whose WHERE implies it.
 */
export const ENTRY_SQL = {
  /** The chain from an entry, down to a sequence (the third parameter). */
  chainDown: `${CHAIN} WHERE c.sequence <= ? ORDER BY c.sequence DESC`,
  /** The chain from an entry, oldest first. */
  chainUp: `${CHAIN} ORDER BY c.sequence`,
  /** The account's last indexed entry committed at or before a time. */
  lastIndexedAtOrBefore: `SELECT sequence FROM entries WHERE account_pk = ? AND sequence % ${TIME_INDEX_STRIDE} = 0 AND created_at <= ? ORDER BY created_at DESC, sequence DESC LIMIT 1`,
  /** The account's first indexed entry at or above a sequence. */
  firstIndexedAtOrAbove: `SELECT id, sequence FROM entries WHERE account_pk = ? AND sequence % ${TIME_INDEX_STRIDE} = 0 AND sequence >= ? ORDER BY sequence LIMIT 1`,
  /** From an entry down the chain to the first committed at or before a time (given twice), and its sequence. */
  lastAtOrBeforeFrom: `WITH RECURSIVE chain(sequence, created_at, previous) AS (
      SELECT sequence, created_at, previous FROM entries WHERE id = ?
      UNION ALL
      SELECT e.sequence, e.created_at, e.previous FROM chain c JOIN entries e ON e.id = c.previous WHERE c.created_at > ?
    )
    SELECT max(sequence) AS sequence FROM chain WHERE created_at <= ?`,
};

/** The adapter's reads: prepared once, each an index lookup or range (audits excepted). */
export function createReads(db: SqlDatabase, recentKeys: number) {
  const q = (sql: string) => db.prepare(sql);
  const userById = q('SELECT * FROM users WHERE id = ?');
  const userByKey = q('SELECT * FROM users WHERE username_key = ?');
  const accountById = q('SELECT * FROM accounts WHERE id = ?');
  const accountByRef = q('SELECT * FROM accounts WHERE bank_code = ? AND account_number = ?');
  const accountsOf = q('SELECT * FROM accounts WHERE owner_id = ? ORDER BY created_at, id');
  const RECORD_COLUMNS = `r.fingerprint, r.body, r.transaction_pk IS NOT NULL AS names_transaction, ${POSTED}`;
  const settledRecord = q(
    `SELECT ? AS scope, ? AS key, ${RECORD_COLUMNS} FROM idempotency_keys k JOIN idempotency_records r ON r.id = k.record LEFT JOIN transactions t ON t.pk = r.transaction_pk WHERE k.hash = ?`,
  );
  const recentRecord = q(`SELECT ? AS scope, ? AS key, ${RECORD_COLUMNS} FROM idempotency_records r LEFT JOIN transactions t ON t.pk = r.transaction_pk WHERE r.id = ?`);
  const transaction = q(`SELECT id, body, created_at FROM transactions WHERE ${TRANSACTION_BY_ID}`);
  const hold = q('SELECT body FROM holds WHERE id = ?');
  const holdsOf = q('SELECT body FROM holds WHERE from_account_id = ? ORDER BY created_at, id');
  const holdsOfWith = q('SELECT body FROM holds WHERE from_account_id = ? AND status = ? ORDER BY created_at, id');
  const expired = q("SELECT body FROM holds WHERE status = 'pending' AND expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?");
  const chainDown = q(ENTRY_SQL.chainDown);
  const chainUp = q(ENTRY_SQL.chainUp);
  const lastIndexedAtOrBefore = q(ENTRY_SQL.lastIndexedAtOrBefore);
  const firstIndexedAtOrAbove = q(ENTRY_SQL.firstIndexedAtOrAbove);
  const lastAtOrBeforeFrom = q(ENTRY_SQL.lastAtOrBeforeFrom);
  const allAccounts = q('SELECT * FROM accounts ORDER BY created_at, id');
  const pendingHolds = q("SELECT count(*) AS n FROM holds WHERE status = 'pending'");
  const operatorKey = q('SELECT * FROM operator_keys WHERE id = ?');
  const operatorKeys = q('SELECT * FROM operator_keys ORDER BY created_at, id');
  const eventsAfter = q(
    `SELECT e.position, e.id, e.type, e.occurred_at, e.payload, e.transaction_pk IS NOT NULL AS names_transaction, ${POSTED} FROM events e LEFT JOIN transactions t ON t.pk = e.transaction_pk WHERE e.position > ? ORDER BY e.position LIMIT ?`,
  );
  const eventLog = q('SELECT coalesce((SELECT max(position) FROM events), 0) AS last_position, pruned_through FROM event_log');
  const consumer = q('SELECT * FROM consumers WHERE name = ?');
  const consumers = q('SELECT * FROM consumers ORDER BY created_at, name');
  const allTransactions = q('SELECT id, body, created_at FROM transactions ORDER BY created_at, id');

  const one = <R, T>(row: unknown, map: (r: R) => T): T | null => (row === undefined ? null : map(row as R));
  const accounts = createAccountCache();
  const keys = createIdempotencyKeys(db, recentKeys);
  const entry = (e: EntryRow): LedgerEntry => entryFromRow(e, accountRow);
  const cached = (row: AccountRow | undefined) => {
    if (row) accounts.put(row);
    return row;
  };
  const accountRow = (id: string) => accounts.byId(id) ?? cached(accountById.get(id) as AccountRow | undefined);
  // User rows by id: every authenticated request reads its user (to check the token's credential version). The
  // writer forgets a user before it changes one, so a rolled-back change leaves only a miss behind. Bounded: past
  // 10,000 users the oldest goes.
  const users = new Map<string, UserRow>();
  const userRow = (id: string): UserRow | undefined => {
    let row = users.get(id);
    if (row) return row;
    row = userById.get(id) as UserRow | undefined;
    if (row) {
      if (users.size >= 10_000) users.delete(users.keys().next().value!);
      users.set(id, row);
    }
    return row;
  };
  /**
   * Where to enter an account's chain to reach sequence `s`, or its newest if that is lower: the first indexed entry
   * at or above `s`, else the newest. Either is fewer than 64 links above the one sought. Null for an account with
   * no entries.
   */
  const chainEntryAbove = (row: AccountRow, s: number): { id: number; sequence: number } | null => {
    if (row.last_entry_id === null) return null;
    const indexed = firstIndexedAtOrAbove.get(row.pk, s) as { id: number; sequence: number } | undefined;
    return indexed ?? { id: row.last_entry_id, sequence: row.entry_count };
  };
  /** Entries `lo..hi` of the account (1 ≤ lo, hi ≤ its newest), newest first, at most `limit` of them. */
  const entriesDown = (row: AccountRow, lo: number, hi: number, limit: number): EntryRow[] => {
    const start = chainEntryAbove(row, hi);
    if (!start) return [];
    return chainDown.all(start.id, start.sequence - hi + Math.min(limit, hi - lo + 1), hi) as EntryRow[];
  };
  /**
   * The newest sequence of the account's entries committed at or before `ms` (0 if none). An account's entry times
   * never go backwards as its sequence rises, so it lies within the stride after the last indexed entry at or
   * before `ms` (see migrations 6 and 8): one descent of the time index, one of the sequence index, then at most 64
   * links down the chain.
   */
  const lastSequenceAtOrBefore = (row: AccountRow, ms: number): number => {
    const indexed = (lastIndexedAtOrBefore.get(row.pk, ms) as { sequence: number } | undefined)?.sequence ?? 0;
    const start = chainEntryAbove(row, indexed + TIME_INDEX_STRIDE - 1);
    if (!start) return 0;
    // The walk stops at the indexed entry itself, so only an account with none at or before `ms` finds none.
    return (lastAtOrBeforeFrom.get(start.id, ms, ms) as { sequence: number | null }).sequence ?? 0;
  };
  const bodies = <T>(rows: unknown[], map: (body: string) => T) => (rows as Array<{ body: string }>).map((r) => map(r.body));

  return {
    ping: () => void q('SELECT 1').get(),
    userById: (id: string): StoredUser | null => one(userRow(id), userFromRow),
    /** Drops a user's cached row: the writer calls it before changing the user. */
    forgetUser: (id: string): void => void users.delete(id),
    userByKey: (key: string): StoredUser | null => one(userByKey.get(key), userFromRow),
    /** The writer's cache of account rows: it puts what it wrote and forgets what rolled back. */
    accounts,
    accountById: (id: string): StoredAccount | null => one(accountRow(id), accountFromRow),
    /** The row itself, with its integer `pk`, for the writer. */
    accountRow,
    accountByRef: (bankCode: string, accountNumber: string): StoredAccount | null =>
      one(accounts.byRef(bankCode, accountNumber) ?? cached(accountByRef.get(bankCode, accountNumber) as AccountRow | undefined), accountFromRow),
    accountsOf(ownerId: string): StoredAccount[] {
      const ids = accounts.owned(ownerId);
      // An id always has its row: accounts are never deleted (an evicted row is read again by id).
      if (ids) return ids.map((id) => accountFromRow(accountRow(id)!));
      const rows = accountsOf.all(ownerId) as AccountRow[];
      for (const row of rows) accounts.put(row);
      accounts.putOwned(ownerId, rows.map((r) => r.id));
      return rows.map(accountFromRow);
    },
    /** The writer's two-level index of idempotency keys: it adds what it wrote and forgets what rolled back. */
    keys,
    record(scope: string, key: string): IdempotencyRecord | null {
      const id = keys.recent(scope, key);
      const row = id === undefined ? settledRecord.get(scope, key, hashBytes(keys.hashOf(scope, key))) : recentRecord.get(scope, key, id);
      return one(row, (r: RecordRow) => recordFromRow(r, accountRow));
    },
    transaction: (id: string): Transaction | null => one(transaction.get(...transactionByIdParams(id)), (r: TransactionColumns) => transactionFromRow(r, accountRow)),
    hold: (id: string): Hold | null => one(hold.get(id), (r: { body: string }) => holdFromBody(r.body)),
    holdsOf: (accountId: string, status: HoldStatus | null): Hold[] => bodies(status === null ? holdsOf.all(accountId) : holdsOfWith.all(accountId, status), holdFromBody),
    pendingHolds: (): number => (pendingHolds.get() as { n: number }).n,
    expiredHolds: (when: Date, limit: number): Hold[] => bodies(expired.all(when.getTime(), limit), holdFromBody),
    entries(accountId: string, query: EntryQuery): LedgerEntry[] {
      // Times never go backwards as sequence rises, so a time range is a sequence range: two lookups by time,
      // then one primary-key range, whatever the history's length.
      const row = accountRow(accountId);
      if (!row) return [];
      let hi = Math.min(row.entry_count, query.beforeSequence === null ? Number.MAX_SAFE_INTEGER : query.beforeSequence - 1);
      let lo = 1;
      if (query.to) hi = Math.min(hi, lastSequenceAtOrBefore(row, query.to.getTime()));
      // Times are whole milliseconds: the first entry at or after `from` follows the last one before it.
      if (query.from) lo = lastSequenceAtOrBefore(row, query.from.getTime() - 1) + 1;
      return lo > hi ? [] : entriesDown(row, lo, hi, query.limit).map(entry);
    },
    operatorKey: (id: string): StoredOperatorKey | null => one(operatorKey.get(id), operatorKeyFromRow),
    operatorKeys: (): StoredOperatorKey[] => (operatorKeys.all() as OperatorKeyRow[]).map(operatorKeyFromRow),
    events(after: number, limit: number): EventPage {
      const log = eventLog.get() as { last_position: number; pruned_through: number };
      return { events: (eventsAfter.all(after, limit) as EventRow[]).map((r) => eventFromRow(r, accountRow)), prunedThrough: log.pruned_through, lastPosition: log.last_position };
    },
    consumer: (name: string): EventConsumer | null => one(consumer.get(name), consumerFromRow),
    consumers: (): EventConsumer[] => (consumers.all() as ConsumerRow[]).map(consumerFromRow),
    entryAt(accountId: string, when: Date): LedgerEntry | null {
      const row = accountRow(accountId);
      const sequence = row ? lastSequenceAtOrBefore(row, when.getTime()) : 0;
      return row && sequence > 0 ? one(entriesDown(row, sequence, sequence, 1)[0], entry) : null;
    },
    *ledger(): Generator<{ account: StoredAccount; entries: LedgerEntry[]; holds: Hold[] }> {
      for (const row of allAccounts.all() as AccountRow[]) {
        const entries = row.last_entry_id === null ? [] : (chainUp.all(row.last_entry_id, -1) as EntryRow[]);
        yield { account: accountFromRow(row), entries: entries.map(entry), holds: bodies(holdsOf.all(row.id), holdFromBody) };
      }
    },
    *transactions(): Generator<Transaction> {
      for (const row of allTransactions.all() as TransactionColumns[]) yield transactionFromRow(row, accountRow);
    },
  };
}
