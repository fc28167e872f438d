import { Buffer } from 'node:buffer';
import * as crypto from 'node:crypto';
import { createAppender, multiRowInsert, type RowQueue } from './appender.js';
import type { SqlDatabase } from './driver.js';

/**
 * The hash an idempotency key is found by: SHA-256 over its scope and key (the scope's length first, so no two pairs
 * share an input), as 64 hex digits. The settled index keeps its first 16 bytes ({@link hashBytes}): under a third
 * of the B-tree the (scope, key) text took (17,388 pages against 56,980 for 2.5 million keys, measured), so more of
 * it stays in the page cache and a fold touches fewer leaves. Two keys meet only by a collision of those 128 bits
 * (among 10^12 keys, a chance of about 10^-15): the second would then be answered as the first's replay, or refused
 * as a reuse if its request differs.
 */
export function keyHash(scope: string, key: string): string {
  const input = `${scope.length}:${scope}${key}`;
  // Node's one-shot `hash` takes 0.8 µs here where a Hash object takes 2.4 to 3.8 µs; a runtime without it (an
  // older Deno) gets the object. The whole digest, not a slice of it: V8 keeps a slice's parent string alive, and
  // sorts slices three times slower (measured: 149 bytes a key in the recent map, against 118 whole).
  return typeof crypto.hash === 'function' ? crypto.hash('sha256', input, 'hex') : crypto.createHash('sha256').update(input).digest('hex');
}

/** The 16 bytes of a {@link keyHash} that `idempotency_keys.hash` holds. */
export const hashBytes = (hash: string): Uint8Array => Buffer.from(hash.slice(0, 32), 'hex');

/**
 * How many keys the recent level holds, by default, before they are folded into the settled one. Its rows stay in
 * memory, by {@link keyHash} (about 120 bytes a key, measured, and 60 more while a fold runs), and a fold starts by
 * sorting them: 16,384 keys in about 6 ms.
 */
export const RECENT_KEYS = 16_384;

/** A fold takes at most this many batches: each folds this fraction of the level, or twice the keys it adds if more. */
const FOLD_SLICES = 32;

/** A recent key's row, with its place in commit order. */
interface RecentRow {
  seq: number;
  scope: string;
  key: string;
  record: number;
}

/** A key of either level: its {@link keyHash} and its record. */
interface KeyRow {
  hash: string;
  record: number;
}

/**
 * Idempotency keys in two levels, so that a commit's new keys append instead of scattering (see migration 10).
 * Clients' keys are random: inserted into the settled B-tree ordered by key, each of a commit's keys lands on its own
 * leaf, and every leaf a commit touches is written whole to the WAL (42 of the 65 pages of a keyed group commit).
 * New keys append to `idempotency_recent_keys` instead, in commit order, and an in-memory map finds them. Once that
 * level holds `foldAt` keys, batches fold it into `idempotency_keys` in the order of their hashes (see
 * {@link keyHash}), a slice at a time inside their own transactions, so each settled leaf is written about once a
 * fold, then delete the folded rows in one range. A fold interrupted by a crash starts again from the rows left:
 * folding a key twice changes nothing.
 *
 * The map follows the transaction: keys a batch added are forgotten if it rolls back (`rollback`, `rollbackTo`),
 * and a fold's progress counts only once its batch committed (`committed`).
 */
export function createIdempotencyKeys(db: SqlDatabase, foldAt: number) {
  // Appended with the batch's other rows (see appender.ts): the map, not the table, answers lookups.
  const recentRows = createAppender(db, 'idempotency_recent_keys', 'seq', ['scope', 'key', 'record']);
  const settle = multiRowInsert(db, 'idempotency_keys', ['hash', 'record'], 'ON CONFLICT DO NOTHING');
  const dropGeneration = db.prepare('DELETE FROM idempotency_recent_keys WHERE seq <= ?');

  // Loaded on first use, so that a store opened only for operator keys never reads or folds them. By hash.
  let recent: Map<string, number> | null = null;
  // The newest committed recent row: a fold takes the rows up to it.
  let newest = 0;
  // Keys added since the last commit, in order (with their rows' places), so that a rollback forgets exactly those.
  let added: Array<KeyRow & { seq: number }> = [];
  // The fold under way: the recent rows up to `through`, in hash order, folded up to `next`.
  let fold: { rows: KeyRow[]; through: number; next: number } | null = null;
  // Where this batch's fold step ended, applied to `fold.next` once the batch commits.
  let stepEnd: number | null = null;
  // A commit asks for the same key's hash up to three times (recent level, settled level, add): the last is kept.
  let last = { scope: '', key: '', hash: keyHash('', '') };

  function hashOf(scope: string, key: string): string {
    if (last.scope !== scope || last.key !== key) last = { scope, key, hash: keyHash(scope, key) };
    return last.hash;
  }
  function loaded(): Map<string, number> {
    if (recent) return recent;
    recent = new Map();
    for (const row of db.prepare('SELECT seq, scope, key, record FROM idempotency_recent_keys').all() as RecentRow[]) {
      recent.set(keyHash(row.scope, row.key), row.record);
      newest = Math.max(newest, row.seq);
    }
    return recent;
  }

  return {
    /** The {@link keyHash} of `key` in `scope`: the settled level's key. */
    hashOf,
    /** The record of a recent key, or undefined: then look in `idempotency_keys` by {@link hashOf}. */
    recent: (scope: string, key: string): number | undefined => loaded().get(hashOf(scope, key)),
    /** Adds a key for a record written in the current batch. */
    add(scope: string, key: string, record: number): void {
      const map = loaded();
      const row = { hash: hashOf(scope, key), record, seq: recentRows.append([scope, key, record]) };
      map.set(row.hash, record);
      added.push(row);
    },
    /** The batch's new recent rows: queued while it runs optimistically (see appender.ts). */
    recentRows: recentRows as RowQueue,
    /** How many keys the current batch has added so far: a savepoint's mark for {@link rollbackTo}. */
    mark: (): number => added.length,
    /** Forgets the keys added since `mark`, whose change rolled back to its savepoint. */
    rollbackTo(mark: number): void {
      for (const row of added.splice(mark)) recent?.delete(row.hash);
    },
    /** Forgets every key the current batch added, and its fold step: the batch rolled back. */
    rollback(): void {
      for (const row of added) recent?.delete(row.hash);
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
        params.push(hashBytes(row.hash), row.record);
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
          for (const row of fold.rows) recent?.delete(row.hash);
          fold = null;
        }
      }
      stepEnd = null;
      if (!fold && recent && recent.size >= foldAt) {
        // Every key in the map is committed. Sorted here rather than by an ORDER BY: 16,384 rows read sorted took
        // 33 ms of the event loop, a default string sort a few.
        const rows: KeyRow[] = [];
        for (const hash of [...recent.keys()].sort()) rows.push({ hash, record: recent.get(hash)! });
        fold = { rows, through: newest, next: 0 };
      }
    },
  };
}
