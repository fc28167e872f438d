import type { EventConsumer, EventPage, StoredOperatorKey, EntryQuery, Hold, HoldStatus, IdempotencyRecord, LedgerEntry, StoredAccount, StoredUser, Transaction } from 'bankcore';
import { createAccountCache } from './account-cache.js';
import type { SqlDatabase } from './driver.js';
import { TIME_INDEX_STRIDE } from './schema.js';
import { accountFromRow, consumerFromRow, entryFromRow, eventFromRow, holdFromBody, operatorKeyFromRow, type ConsumerRow, type EventRow, recordFromRow, transactionFromBody, userFromRow, type AccountRow, type EntryRow, type OperatorKeyRow, type UserRow } from './rows.js';

const ENTRY = 'SELECT a.id AS account_id, e.sequence, e.leg, e.balance_after, t.body, a.currency FROM entries e JOIN transactions t ON t.id = e.transaction_id JOIN accounts a ON a.pk = e.account_pk';

/** The adapter's reads: prepared once, each an index lookup or range (audits excepted). */
export function createReads(db: SqlDatabase) {
  const q = (sql: string) => db.prepare(sql);
  const userById = q('SELECT * FROM users WHERE id = ?');
  const userByKey = q('SELECT * FROM users WHERE username_key = ?');
  const accountById = q('SELECT * FROM accounts WHERE id = ?');
  const accountByRef = q('SELECT * FROM accounts WHERE bank_code = ? AND account_number = ?');
  const accountsOf = q('SELECT * FROM accounts WHERE owner_id = ? ORDER BY created_at, id');
  const record = q(
    'SELECT k.scope, k.key, r.fingerprint, r.body, r.transaction_id, t.body AS transaction_body FROM idempotency_keys k JOIN idempotency_records r ON r.id = k.record LEFT JOIN transactions t ON t.id = r.transaction_id WHERE k.scope = ? AND k.key = ?',
  );
  const transaction = q('SELECT body FROM transactions WHERE id = ?');
  const hold = q('SELECT body FROM holds WHERE id = ?');
  const holdsOf = q('SELECT body FROM holds WHERE from_account_id = ? ORDER BY created_at, id');
  const holdsOfWith = q('SELECT body FROM holds WHERE from_account_id = ? AND status = ? ORDER BY created_at, id');
  const expired = q("SELECT body FROM holds WHERE status = 'pending' AND expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?");
  const page = q(`${ENTRY} WHERE e.account_pk = ? AND e.sequence BETWEEN ? AND ? ORDER BY e.sequence DESC LIMIT ?`);
  // The partial index's condition is repeated word for word: SQLite uses a partial index only for a query whose
  // WHERE implies it.
  const lastIndexedAtOrBefore = q(
    `SELECT sequence FROM entries WHERE account_pk = ? AND sequence % ${TIME_INDEX_STRIDE} = 0 AND created_at <= ? ORDER BY created_at DESC, sequence DESC LIMIT 1`,
  );
  const lastInRangeAtOrBefore = q('SELECT max(sequence) AS sequence FROM entries WHERE account_pk = ? AND sequence BETWEEN ? AND ? AND created_at <= ?');
  const entry = q(`${ENTRY} WHERE e.account_pk = ? AND e.sequence = ?`);
  const all = q(`${ENTRY} WHERE e.account_pk = ? ORDER BY e.sequence`);
  const allAccounts = q('SELECT * FROM accounts ORDER BY created_at, id');
  const pendingHolds = q("SELECT count(*) AS n FROM holds WHERE status = 'pending'");
  const operatorKey = q('SELECT * FROM operator_keys WHERE id = ?');
  const operatorKeys = q('SELECT * FROM operator_keys ORDER BY created_at, id');
  const eventsAfter = q(
    'SELECT e.position, e.id, e.type, e.occurred_at, e.payload, e.transaction_id, t.body AS transaction_body FROM events e LEFT JOIN transactions t ON t.id = e.transaction_id WHERE e.position > ? ORDER BY e.position LIMIT ?',
  );
  const eventLog = q('SELECT coalesce((SELECT max(position) FROM events), 0) AS last_position, pruned_through FROM event_log');
  const consumer = q('SELECT * FROM consumers WHERE name = ?');
  const consumers = q('SELECT * FROM consumers ORDER BY created_at, name');
  const allTransactions = q('SELECT body FROM transactions ORDER BY created_at, id');

  const one = <R, T>(row: unknown, map: (r: R) => T): T | null => (row === undefined ? null : map(row as R));
  const accounts = createAccountCache();
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
   * The newest sequence of the account's entries committed at or before `ms` (0 if none). An account's entry times
   * never go backwards as its sequence rises, so it lies within the stride after the last indexed entry at or
   * before `ms` (see migration 6): one index descent, then a primary-key range of at most 64 rows.
   */
  const lastSequenceAtOrBefore = (row: AccountRow, ms: number): number => {
    const indexed = (lastIndexedAtOrBefore.get(row.pk, ms) as { sequence: number } | undefined)?.sequence ?? 0;
    const found = (lastInRangeAtOrBefore.get(row.pk, indexed, indexed + TIME_INDEX_STRIDE - 1, ms) as { sequence: number | null }).sequence;
    // The range starts at the indexed entry itself, so only an account with none at or before `ms` finds none.
    return found ?? 0;
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
    record: (scope: string, key: string): IdempotencyRecord | null => one(record.get(scope, key), recordFromRow),
    transaction: (id: string): Transaction | null => one(transaction.get(id), (r: { body: string }) => transactionFromBody(r.body)),
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
      return lo > hi ? [] : (page.all(row.pk, lo, hi, query.limit) as EntryRow[]).map(entryFromRow);
    },
    operatorKey: (id: string): StoredOperatorKey | null => one(operatorKey.get(id), operatorKeyFromRow),
    operatorKeys: (): StoredOperatorKey[] => (operatorKeys.all() as OperatorKeyRow[]).map(operatorKeyFromRow),
    events(after: number, limit: number): EventPage {
      const log = eventLog.get() as { last_position: number; pruned_through: number };
      return { events: (eventsAfter.all(after, limit) as EventRow[]).map(eventFromRow), prunedThrough: log.pruned_through, lastPosition: log.last_position };
    },
    consumer: (name: string): EventConsumer | null => one(consumer.get(name), consumerFromRow),
    consumers: (): EventConsumer[] => (consumers.all() as ConsumerRow[]).map(consumerFromRow),
    entryAt(accountId: string, when: Date): LedgerEntry | null {
      const row = accountRow(accountId);
      const sequence = row ? lastSequenceAtOrBefore(row, when.getTime()) : 0;
      return row && sequence > 0 ? one(entry.get(row.pk, sequence), entryFromRow) : null;
    },
    *ledger(): Generator<{ account: StoredAccount; entries: LedgerEntry[]; holds: Hold[] }> {
      for (const row of allAccounts.all() as AccountRow[]) {
        yield { account: accountFromRow(row), entries: (all.all(row.pk) as EntryRow[]).map(entryFromRow), holds: bodies(holdsOf.all(row.id), holdFromBody) };
      }
    },
    *transactions(): Generator<Transaction> {
      for (const row of allTransactions.all() as Array<{ body: string }>) yield transactionFromBody(row.body);
    },
  };
}
