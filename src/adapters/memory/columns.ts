import { packUuid, unpackUuid } from 'bankcore';

// Compact storage for what the memory store keeps millions of: numbers in typed-array columns, strings that repeat
// (types, currencies, user and account ids) interned once, and version-7 UUIDs as four 32-bit words. An object per
// transaction, leg, event and Date cost about 940 heap bytes per deposit (a heap snapshot of 100,000 deposits: seven
// objects, two id strings, a Date and their arrays); columns hold the same facts in about 200.

const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

type Chunk = Float64Array | Uint32Array;

/**
 * A growable column of numbers in fixed chunks of 65,536: growing never copies more than one small first chunk,
 * so a store of millions of rows never pauses to copy a column, and whole chunks before a position can be freed.
 */
export class Column<T extends Chunk> {
  private chunks: Array<T | undefined> = [];
  length = 0;

  constructor(private readonly make: (size: number) => T) {}

  push(value: number): number {
    const index = this.length;
    const c = index >>> CHUNK_BITS;
    const offset = index & MASK;
    let chunk = this.chunks[c];
    if (chunk === undefined) {
      // The first chunk starts small and doubles, so a store with a handful of rows (a test's) stays small.
      chunk = this.make(c === 0 ? 256 : CHUNK);
      this.chunks[c] = chunk;
    } else if (offset === chunk.length) {
      const bigger = this.make(chunk.length * 2);
      bigger.set(chunk);
      chunk = bigger;
      this.chunks[c] = chunk;
    }
    chunk[offset] = value;
    this.length = index + 1;
    return index;
  }

  /**
   * Appends four values as one row of a column of rows of four (ids): the row's first value may open a chunk, and
   * every chunk's size is a multiple of four, so the other three always fit in it.
   */
  pushFour(a: number, b: number, c: number, d: number): void {
    const index = this.push(a);
    const chunk = this.chunks[index >>> CHUNK_BITS]!;
    const offset = index & MASK;
    chunk[offset + 1] = b;
    chunk[offset + 2] = c;
    chunk[offset + 3] = d;
    this.length = index + 4;
  }

  get(index: number): number {
    return this.chunks[index >>> CHUNK_BITS]![index & MASK]!;
  }

  set(index: number, value: number): void {
    this.chunks[index >>> CHUNK_BITS]![index & MASK] = value;
  }

  /** Frees every whole chunk below `index` (those rows must never be read again). */
  dropBefore(index: number): void {
    for (let c = 0; (c + 1) * CHUNK <= index; c++) this.chunks[c] = undefined;
  }
}

export const floats = () => new Column((n) => new Float64Array(n));
export const words = () => new Column((n) => new Uint32Array(n));

/**
 * An account's ledger, compactly: per entry, the row of its transaction and the balance after it. The first 65,536
 * entries go to two plain arrays, as most accounts never have more; past those, to plain arrays made at their whole
 * size, 65,536 each, written by index. A plain array of millions (a currency's settlement account takes a leg of
 * every deposit) is copied whole each time it outgrows itself: a push cost 26 to 35 ns there against 8 to 12 by
 * index into a chunk made whole (2 × 10^6 of each, Node 20). Plain arrays rather than typed ones, which cost about
 * 150 bytes each of their own, and whose freed growth raised resident memory per entry from 211 to 278 B in `bench
 * memory`.
 */
export class AccountLedger {
  private readonly rows: number[] = [];
  private readonly balances: number[] = [];
  private moreRows: number[][] | null = null;
  private moreBalances: number[][] | null = null;
  length = 0;

  push(transactionRow: number, balanceAfter: number): void {
    const index = this.length++;
    if (index < CHUNK) {
      this.rows.push(transactionRow);
      this.balances.push(balanceAfter);
      return;
    }
    const chunk = (index >>> CHUNK_BITS) - 1;
    const offset = index & MASK;
    const rows = (this.moreRows ??= []);
    const balances = (this.moreBalances ??= []);
    if (offset === 0) {
      rows.push(new Array<number>(CHUNK));
      balances.push(new Array<number>(CHUNK));
    }
    rows[chunk]![offset] = transactionRow;
    balances[chunk]![offset] = balanceAfter;
  }

  /** The row of the transaction of the entry at `index` (0 for the account's first). */
  transactionRow(index: number): number {
    return index < CHUNK ? this.rows[index]! : this.moreRows![(index >>> CHUNK_BITS) - 1]![index & MASK]!;
  }

  /** The account's balance after the entry at `index`. */
  balanceAfter(index: number): number {
    return index < CHUNK ? this.balances[index]! : this.moreBalances![(index >>> CHUNK_BITS) - 1]![index & MASK]!;
  }
}

/** Strings (or values keyed by a string) stored once and named by a small number. */
export class Interned<V = string> {
  private readonly numbers = new Map<string, number>();
  private readonly values: V[] = [];

  number(key: string, value: () => V): number {
    let n = this.numbers.get(key);
    if (n === undefined) {
      n = this.values.push(value()) - 1;
      this.numbers.set(key, n);
    }
    return n;
  }

  /** The number of `key` if it was interned, else undefined (nothing is added). */
  find(key: string): number | undefined {
    return this.numbers.get(key);
  }

  value(n: number): V {
    return this.values[n]!;
  }
}

/** Interns a plain string; one already interned, as nearly every one is, is found without making a closure. */
export const internString = (table: Interned, s: string): number => table.find(s) ?? table.number(s, () => s);

/**
 * UUIDs packed into four words each (`packUuid`), and any other id kept as a string. An indexed column finds the row of an id
 * by binary search over the rows whose ids arrived in increasing order, which is nearly all of them: the core's ids
 * are version-7 UUIDs that only ever grow in this process, and stores append in about the order they were made.
 * An id that arrives out of order (or is no such UUID) is kept in a map. The hash this replaces cost 550 ns a new
 * id at 400,000 rows (a cache miss in a table of millions of slots, and a rehash of every row at each doubling);
 * appending in order costs one comparison with the newest id. A lookup is then O(log n): about 24 steps at 10M rows.
 */
export class IdColumn {
  /** Each row's four words, in a row of four: a push writes one chunk, and a comparison reads one. */
  private readonly w = words();
  /** With `indexed: false` there is no index (and no `find`): for ids only ever read by row. */
  constructor(private readonly options: { indexed: boolean }) {}

  /** The rows whose ids arrived in increasing order, in that order (rows of an indexed column only). */
  private readonly ordered = words();
  private readonly others = new Map<string, number>();
  private readonly otherIds = new Map<number, string>();
  private readonly scratch = new Uint32Array(4);
  length = 0;

  /**
   * Appends an id and answers its row. An indexed column appends nothing, and answers null, for an id it holds.
   */
  push(id: string): number | null {
    const s = this.scratch;
    const packed = packUuid(id, s);
    const indexed = this.options.indexed;
    // In order when after the newest in-order id, which every append compares with.
    const newest = this.ordered.length - 1;
    const inOrder = packed && indexed && (newest < 0 || this.compare(s, this.ordered.get(newest)) > 0);
    if (indexed && !inOrder && this.find(id) !== null) return null;
    const row = this.length++;
    // packUuid wrote `s` for a UUID only; the string of any other id is kept whole (otherIds).
    if (packed) this.w.pushFour(s[0]!, s[1]!, s[2]!, s[3]!);
    else {
      this.w.pushFour(0, 0, 0, 0);
      this.otherIds.set(row, id);
    }
    if (inOrder) this.ordered.push(row);
    else if (indexed) this.others.set(id, row);
    return row;
  }

  find(id: string): number | null {
    const other = this.others.get(id);
    if (other !== undefined) return other;
    if (!packUuid(id, this.scratch)) return null;
    let lo = 0;
    let hi = this.ordered.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const row = this.ordered.get(mid);
      const order = this.compare(this.scratch, row);
      if (order === 0) return row;
      if (order > 0) lo = mid + 1;
      else hi = mid;
    }
    return null;
  }

  /** The order of the packed id `s` against row `row`'s id: negative, zero or positive. */
  private compare(s: Uint32Array, row: number): number {
    for (let i = 0; i < 4; i++) {
      const difference = s[i]! - this.w.get(4 * row + i);
      if (difference !== 0) return difference;
    }
    return 0;
  }

  id(row: number): string {
    const w = this.w;
    return this.otherIds.get(row) ?? unpackUuid(w.get(4 * row), w.get(4 * row + 1), w.get(4 * row + 2), w.get(4 * row + 3));
  }

  /** Frees the rows below `row` (unindexed columns only: the index would still name them). */
  dropBefore(row: number): void {
    this.w.dropBefore(4 * row);
    for (const other of this.otherIds.keys()) if (other < row) this.otherIds.delete(other);
  }
}
