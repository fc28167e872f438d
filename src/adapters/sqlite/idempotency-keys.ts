import { createAppender, multiRowInsert, type RowQueue } from './appender.js';
import type { SqlDatabase } from './driver.js';

/**
 * How many keys the recent level holds, by default, before they are folded into the settled one. Its rows stay in
 * memory (about 90 bytes for a 36-character key, measured, and 40 more while a fold runs), and a fold starts by
 * sorting them: 16,384 keys in about 6 ms.
 */
export const RECENT_KEYS = 16_384;

/** A fold takes at most this many batches: each folds this fraction of the level, or twice the keys it adds if more. */
const FOLD_SLICES = 32;

interface KeyRow {
  scope: string;
  key: string;
  record: number;
}

/** A recent key's row, with its place in commit order. */
interface RecentRow extends KeyRow {
  seq: number;
}

/**
 * Idempotency keys in two levels, so that a commit's new keys append instead of scattering (see migration 10).
 * Clients' keys are random: inserted into the settled B-tree ordered by key, each of a commit's keys lands on its own
 * leaf, and every leaf a commit touches is written whole to the WAL (42 of the 65 pages of a keyed group commit).
 * New keys append to `idempotency_recent_keys` instead, in commit order, and an in-memory map finds them. Once that
 * level holds `foldAt` keys, batches fold it into `idempotency_keys` in key order, a slice at a time inside
 * their own transactions, so each settled leaf is written about once a fold, then delete the folded rows in one
 * range. A fold interrupted by a crash starts again from the rows left: folding a key twice changes nothing.
 *
 * The map follows the transaction: keys a batch added are forgotten if it rolls back (`rollback`, `rollbackTo`),
 * and a fold's progress counts only once its batch committed (`committed`).
 */
export function createIdempotencyKeys(db: SqlDatabase, foldAt: number) {
  // Appended with the batch's other rows (see appender.ts): the map, not the table, answers lookups.
  const recentRows = createAppender(db, 'idempotency_recent_keys', 'seq', ['scope', 'key', 'record']);
  const settle = multiRowInsert(db, 'idempotency_keys', ['scope', 'key', 'record'], 'ON CONFLICT DO NOTHING');
  const dropGeneration = db.prepare('DELETE FROM idempotency_recent_keys WHERE seq <= ?');

  // Loaded on first use, so that a store opened only for operator keys never reads or folds them.
  let recent: Map<string, Map<string, number>> | null = null;
  let size = 0;
  // The newest committed recent row: a fold takes the rows up to it.
  let newest = 0;
  // Keys added since the last commit, in order, so that a rollback forgets exactly those.
  let added: RecentRow[] = [];
  // The fold under way: the recent rows up to `through`, in key order, folded up to `next`.
  let fold: { rows: KeyRow[]; through: number; next: number } | null = null;
  // Where this batch's fold step ended, applied to `fold.next` once the batch commits.
  let stepEnd: number | null = null;

  function loaded(): Map<string, Map<string, number>> {
    if (recent) return recent;
    recent = new Map();
    for (const row of db.prepare('SELECT seq, scope, key, record FROM idempotency_recent_keys').all() as RecentRow[]) {
      remember(recent, row);
      newest = Math.max(newest, row.seq);
    }
    return recent;
  }
  function remember(map: Map<string, Map<string, number>>, row: KeyRow): void {
    let keys = map.get(row.scope);
    if (!keys) map.set(row.scope, (keys = new Map()));
    if (!keys.has(row.key)) size++;
    keys.set(row.key, row.record);
  }
  function forget(row: KeyRow): void {
    const keys = recent?.get(row.scope);
    if (!keys?.delete(row.key)) return;
    size--;
    if (!keys.size) recent!.delete(row.scope);
  }

  return {
    /** The record of a recent key, or undefined: then look in `idempotency_keys`. */
    recent: (scope: string, key: string): number | undefined => loaded().get(scope)?.get(key),
    /** Adds a key for a record written in the current batch. */
    add(scope: string, key: string, record: number): void {
      const map = loaded();
      const row = { scope, key, record, seq: recentRows.append([scope, key, record]) };
      remember(map, row);
      added.push(row);
    },
    /** The batch's new recent rows: queued while it runs optimistically (see appender.ts). */
    recentRows: recentRows as RowQueue,
    /** How many keys the current batch has added so far: a savepoint's mark for {@link rollbackTo}. */
    mark: (): number => added.length,
    /** Forgets the keys added since `mark`, whose change rolled back to its savepoint. */
    rollbackTo(mark: number): void {
      for (const row of added.splice(mark)) forget(row);
    },
    /** Forgets every key the current batch added, and its fold step: the batch rolled back. */
    rollback(): void {
      for (const row of added) forget(row);
      added = [];
      stepEnd = null;
    },
    /** Folds the next slice of the fold under way into `idempotency_keys`, inside the batch's transaction. */
    foldStep(): void {
      if (!fold) return;
      const end = Math.min(fold.rows.length, fold.next + Math.max(Math.ceil(foldAt / FOLD_SLICES), 2 * added.length));
      const params: unknown[] = [];
      for (let i = fold.next; i < end; i++) {
        const row = fold.rows[i]!;
        params.push(row.scope, row.key, row.record);
      }
      settle(params);
      if (end === fold.rows.length) dropGeneration.run(fold.through);
      stepEnd = end;
    },
    /** The batch committed: its keys stay, its fold step counts, and a full recent level starts a fold. */
    committed(): void {
      if (added.length) newest = added[added.length - 1]!.seq;
      added = [];
      if (fold && stepEnd !== null) {
        fold.next = stepEnd;
        if (fold.next === fold.rows.length) {
          for (const row of fold.rows) forget(row);
          fold = null;
        }
      }
      stepEnd = null;
      if (!fold && recent && size >= foldAt) {
        // Every recent row is in the map, and every key in the map is committed. Sorted here rather than by an
        // ORDER BY: 16,384 rows read sorted took 33 ms of the event loop, two default string sorts take a few.
        const rows: KeyRow[] = [];
        for (const scope of [...recent.keys()].sort()) {
          const keys = recent.get(scope)!;
          for (const key of [...keys.keys()].sort()) rows.push({ scope, key, record: keys.get(key)! });
        }
        fold = { rows, through: newest, next: 0 };
      }
    },
  };
}
