import type { SqlDatabase, SqlStatement } from './driver.js';

/** The row counts of the multi-row INSERTs a batch's rows go in with, largest first. */
const CHUNKS = [64, 16, 4, 1] as const;

/**
 * Writes rows of `columns` into `table` as multi-row INSERTs of up to 64 rows (`params`: the rows' values one
 * after another), and answers how many rows went in (fewer, with `ON CONFLICT DO NOTHING`, when a key was taken).
 */
export function multiRowInsert(db: SqlDatabase, table: string, columns: readonly string[], onConflict: string) {
  const into = `INSERT INTO ${table} (${columns.join(', ')}) VALUES `;
  const row = `(${columns.map(() => '?').join(', ')})`;
  const statements = new Map<number, SqlStatement>();
  const statement = (rows: number) => {
    let s = statements.get(rows);
    if (!s) statements.set(rows, (s = db.prepare(`${into}${Array.from({ length: rows }, () => row).join(', ')} ${onConflict}`)));
    return s;
  };
  const width = columns.length;
  return (params: unknown[]): number => {
    let at = 0;
    let written = 0;
    for (const size of CHUNKS) {
      while (params.length - at >= size * width) {
        written += Number(statement(size).run(...params.slice(at, at + size * width)).changes);
        at += size * width;
      }
    }
    return written;
  };
}

/**
 * Rows a group commit appends to a table (ledger entries, events, idempotency records and recent keys,
 * transactions), queued while the batch runs optimistically and written together when it ends.
 *
 * A statement's call costs as much as the B-tree work of a small row: better-sqlite3 builds a `{ changes,
 * lastInsertRowid }` object for every `run()`, through V8's slow property path (callgrind, 64 callers in-process:
 * 13k of a durable deposit's 131k instructions on the event loop were those objects, for four or five calls). So a
 * batch's rows go in as multi-row INSERTs of up to 64 rows. A change that must read a queued row first calls
 * {@link RowQueue.flush}.
 */
export interface RowQueue {
  /** Whether rows are queued (true) or written at once (false). */
  readonly deferring: boolean;
  /** Writes every queued row; throws as an INSERT would, or if a row's key was taken (the caller rolls back). */
  flush(): void;
  /** From now on, queues rows (true) or writes them at once (false); drops whatever was queued either way. */
  defer(on: boolean): void;
}

/** A {@link RowQueue} of rows whose keys are given (transactions, keyed by their id's time and counter). */
export interface KeyedRowQueue extends RowQueue {
  /** Queues a row (its key first, then the other columns in order); only while deferring. */
  queue(values: unknown[]): void;
}

/** A {@link RowQueue} for a table keyed by an `INTEGER PRIMARY KEY` that SQLite gives as the largest plus one. */
export interface Appender extends RowQueue {
  /**
   * Appends a row (the columns other than the key, in order) and answers its key. While deferring, the keys are
   * known before the rows are written: the first is the table's largest plus one (read once a batch, one seek to
   * the B-tree's right edge), then one up per row, exactly the keys SQLite would give them one by one.
   */
  append(values: unknown[]): number;
  /** Whether the row with key `key` is queued, not yet written. */
  queued(key: number): boolean;
}

/**
 * Creates a {@link KeyedRowQueue} for `table`: `columns` start with the key.
 *
 * @example
 * ```ts
 * const transactions = createKeyedRowQueue(db, 'transactions', ['pk', 'id', 'body', 'created_at']);
 * transactions.defer(true);
 * transactions.queue([pk, id, body, at]);
 * transactions.flush();
 * ```
 */
export function createKeyedRowQueue(db: SqlDatabase, table: string, columns: readonly string[]): KeyedRowQueue {
  const insert = multiRowInsert(db, table, columns, 'ON CONFLICT DO NOTHING');
  let deferring = false;
  let params: unknown[] = [];
  let rows = 0;
  return {
    get deferring() {
      return deferring;
    },
    queue(values) {
      if (!deferring) throw new Error(`rows of ${table} are queued only while a batch defers them`);
      for (const v of values) params.push(v);
      rows += 1;
    },
    flush() {
      const queued = params;
      const expected = rows;
      params = [];
      rows = 0;
      if (insert(queued) !== expected) throw new Error(`a key of ${table} was taken: the batch runs again, change by change`);
    },
    defer(on) {
      deferring = on;
      params = [];
      rows = 0;
    },
  };
}

/**
 * Creates an {@link Appender} for `table`, whose key column is `key` and whose other columns are `columns`.
 *
 * @example
 * ```ts
 * const events = createAppender(db, 'events', 'position', ['id', 'type', 'occurred_at', 'payload', 'transaction_pk']);
 * events.defer(true);
 * const position = events.append([id, type, at, payload, null]);
 * events.flush();
 * ```
 */
export function createAppender(db: SqlDatabase, table: string, key: string, columns: readonly string[]): Appender {
  const single = db.prepare(`INSERT INTO ${table} (${key}, ${columns.join(', ')}) VALUES (NULL, ${columns.map(() => '?').join(', ')})`);
  const largest = db.prepare(`SELECT coalesce(max(${key}), 0) AS k FROM ${table}`);
  const rows = createKeyedRowQueue(db, table, [key, ...columns]);
  let next: number | null = null;
  let firstQueued = Infinity;
  return {
    get deferring() {
      return rows.deferring;
    },
    append(values) {
      if (!rows.deferring) return Number(single.run(...values).lastInsertRowid);
      next ??= Number((largest.get() as { k: number | bigint }).k) + 1;
      const k = next++;
      if (firstQueued === Infinity) firstQueued = k;
      rows.queue([k, ...values]);
      return k;
    },
    queued: (k) => k >= firstQueued,
    flush() {
      firstQueued = Infinity;
      rows.flush();
    },
    defer(on) {
      rows.defer(on);
      next = null;
      firstQueued = Infinity;
    },
  };
}
