import { Interned, internString, words } from './columns.js';

/**
 * Bob Jenkins' one-at-a-time hash of a scope's number and a key, from a random seed: the family V8 used for its own
 * seeded string hashes (a JavaScript `Map` of client keys is protected no better): about 100 ns for a 36-character
 * key.
 */
function hashOf(seed: number, scope: number, key: string): number {
  let h = seed ^ Math.imul(scope + 1, 0x9e3779b1);
  for (let i = 0; i < key.length; i++) {
    h = (h + key.charCodeAt(i)) | 0;
    h = (h + (h << 10)) | 0;
    h ^= h >>> 6;
  }
  h = (h + (h << 3)) | 0;
  h ^= h >>> 11;
  return (h + (h << 15)) >>> 0;
}

const FIRST_CAPACITY = 1024;
/** Slots of the previous table moved per `add` while growing: the new table holds twice as many, so 4 is ample. */
const MOVES_PER_ADD = 4;

/** The first empty slot from `hash`'s place on, in `table` (pairs of a hash and its row + 1; 0 is empty). */
function probe(table: Uint32Array, hash: number): number {
  const mask = (table.length >>> 1) - 1;
  let i = hash & mask;
  while (table[2 * i + 1] !== 0) i = (i + 1) & mask;
  return i;
}

/**
 * Idempotency keys, per scope, to the rows of their records: an open-addressed table of (hash, row + 1) pairs in one
 * typed array, kept at most half full, with each row's key and scope kept to confirm a match.
 *
 * Why not a `Map`: with millions of client keys it cost a keyed movement more the more keys it held. Each probe of
 * its chains reads the stored key's string to compare hashes, a cache miss apiece, and growing rebuilt it in one
 * go. Measured with random UUID keys (`Map` → this index, Node 20): a miss 440 → 407 ns at 10,000 keys and
 * 1,373 → 520 ns at 2M; an insert 471 → 314 ns and 3,184 → 489 ns; the slowest single insert 74 → 0.2 ms at 1M
 * and 230 → 2.1 ms at 2M. Here a probe reads the slot's stored hash, beside its row, and a key's string only when
 * the hashes agree. Growing never stops the caller: a table twice the size takes new keys at once, and each `add`
 * then moves a few slots of the old one, which lookups still read until every slot has moved.
 */
export class KeyIndex {
  private table = new Uint32Array(2 * FIRST_CAPACITY);
  /** The table before the last growth, while its slots are being moved; `moved` slots of it have been. */
  private previous: Uint32Array | null = null;
  private moved = 0;
  /** Each row's key, and its scope's number in `scopes`. */
  private readonly keys: string[] = [];
  private readonly scopeOf = words();
  private readonly scopes = new Interned();
  /**
   * Random per index, as V8 seeds its string hashes, so that no client can aim keys at one chain of the table. Drawn
   * at the first key, not when the module loads or the store is made: Cloudflare's workerd refuses random values
   * in a worker's global scope, where a bank is often created.
   */
  private seed = 0;

  /** The row of `key` in `scope`, or undefined. */
  get(scope: string, key: string): number | undefined {
    const s = this.scopes.find(scope);
    if (s === undefined) return undefined;
    const hash = hashOf(this.seed, s, key);
    return this.find(this.table, hash, s, key) ?? (this.previous ? this.find(this.previous, hash, s, key) : undefined);
  }

  /** Adds a key that is not in the index (the caller looked first), for `row`: rows arrive as 0, 1, 2 and on. */
  add(scope: string, key: string, row: number): void {
    if (row !== this.keys.length) throw new Error(`key row ${row} out of order (next is ${this.keys.length})`);
    if (this.keys.length === 0) this.seed = crypto.getRandomValues(new Uint32Array(1))[0]!;
    const s = internString(this.scopes, scope);
    this.keys.push(key);
    this.scopeOf.push(s);
    // At most half full, counting this key.
    if (this.previous) this.move();
    else if (2 * this.keys.length > this.table.length >>> 1) {
      this.previous = this.table;
      this.table = new Uint32Array(this.table.length * 2);
      this.moved = 0;
      this.move();
    }
    this.place(hashOf(this.seed, s, key), row);
  }

  private find(table: Uint32Array, hash: number, scope: number, key: string): number | undefined {
    const mask = (table.length >>> 1) - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const stored = table[2 * i + 1]!;
      if (stored === 0) return undefined;
      const row = stored - 1;
      if (table[2 * i] === hash && this.keys[row] === key && this.scopeOf.get(row) === scope) return row;
    }
  }

  private place(hash: number, row: number): void {
    const at = probe(this.table, hash);
    this.table[2 * at] = hash;
    this.table[2 * at + 1] = row + 1;
  }

  /** Moves the next few slots of the previous table into the current one (the previous one is only read). */
  private move(): void {
    const old = this.previous!;
    const end = Math.min(old.length >>> 1, this.moved + MOVES_PER_ADD);
    for (let i = this.moved; i < end; i++) if (old[2 * i + 1] !== 0) this.place(old[2 * i]!, old[2 * i + 1]! - 1);
    this.moved = end;
    if (end === old.length >>> 1) this.previous = null;
  }
}
