// Compact storage for what the memory store keeps millions of: numbers in typed-array columns, strings that repeat
// (types, currencies, user and account ids) interned once, and version-7 UUIDs as four 32-bit words. An object per
// transaction, leg, event and Date cost about 940 heap bytes per deposit (a heap snapshot of 100,000 deposits: seven
// objects, two id strings, a Date and their arrays); columns hold the same facts in about 200.

const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

type Chunk = Float64Array | Uint32Array | Uint8Array;

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
export const bytes = () => new Column((n) => new Uint8Array(n));

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

/** Interns a plain string. */
export const internString = (table: Interned, s: string): number => table.number(s, () => s);

const HEX_CODE = new Uint8Array(128).fill(255);
for (let i = 0; i < 16; i++) HEX_CODE['0123456789abcdef'.charCodeAt(i)] = i;
// Character positions of the 32 hex digits in `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
const DIGIT_AT = Array.from({ length: 36 }, (_, i) => i).filter((i) => i !== 8 && i !== 13 && i !== 18 && i !== 23);

/**
 * Packs a lowercase, hyphenated UUID into `out` as four 32-bit words; false (and `out` unspecified) for any other
 * string, which the caller then keeps as a string. Every id bankcore makes is such a UUID; a plan built by hand
 * may carry any id.
 */
export function packUuid(id: string, out: Uint32Array): boolean {
  if (id.length !== 36 || id.charCodeAt(8) !== 45 || id.charCodeAt(13) !== 45 || id.charCodeAt(18) !== 45 || id.charCodeAt(23) !== 45) return false;
  for (let w = 0; w < 4; w++) {
    let word = 0;
    for (let d = 0; d < 8; d++) {
      const code = id.charCodeAt(DIGIT_AT[w * 8 + d]!);
      const value = code < 128 ? HEX_CODE[code]! : 255;
      if (value === 255) return false;
      word = (word << 4) | value;
    }
    out[w] = word >>> 0;
  }
  return true;
}

const text = new Uint8Array(36).fill(45);
const latin1 = new TextDecoder('latin1');
const HEX = '0123456789abcdef';

/** The UUID that {@link packUuid} packed, as one flat string. */
export function unpackUuid(w0: number, w1: number, w2: number, w3: number): string {
  const ws = [w0, w1, w2, w3];
  for (let i = 0; i < 32; i++) text[DIGIT_AT[i]!] = HEX.charCodeAt((ws[i >>> 3]! >>> (28 - 4 * (i & 7))) & 15);
  return latin1.decode(text);
}

/** The order of two packed ids: negative, zero or positive. */
function compareWords(a: Uint32Array, b: Uint32Array): number {
  for (let i = 0; i < 4; i++) {
    const difference = a[i]! - b[i]!;
    if (difference !== 0) return difference;
  }
  return 0;
}

/**
 * UUIDs packed into four word columns, and any other id kept as a string. An indexed column finds the row of an id
 * by binary search over the rows whose ids arrived in increasing order, which is nearly all of them: the core's ids
 * are version-7 UUIDs that only ever grow in this process, and stores append in about the order they were made.
 * An id that arrives out of order (or is no such UUID) is kept in a map. The hash this replaces cost 550 ns a new
 * id at 400,000 rows (a cache miss in a table of millions of slots, and a rehash of every row at each doubling);
 * appending in order costs one comparison with the newest id. A lookup is then O(log n): about 24 steps at 10M rows.
 */
export class IdColumn {
  private readonly w = [words(), words(), words(), words()];
  /** With `indexed: false` there is no index (and no `find`): for ids only ever read by row. */
  constructor(private readonly options: { indexed: boolean }) {}

  /** The rows whose ids arrived in increasing order, in that order (rows of an indexed column only). */
  private readonly ordered = words();
  private readonly others = new Map<string, number>();
  private readonly otherIds = new Map<number, string>();
  private readonly scratch = new Uint32Array(4);
  /** The words of the newest in-order id: every append compares with it, without reading four columns. */
  private readonly newest = new Uint32Array(4);
  length = 0;

  /**
   * Appends an id and answers its row. An indexed column appends nothing, and answers null, for an id it holds.
   */
  push(id: string): number | null {
    const s = this.scratch;
    const packed = packUuid(id, s);
    const inOrder = packed && this.options.indexed && (this.ordered.length === 0 || compareWords(s, this.newest) > 0);
    if (this.options.indexed && !inOrder && this.find(id) !== null) return null;
    const row = this.length++;
    // packUuid wrote `s` for a UUID only; the string of any other id is kept whole (otherIds).
    for (let i = 0; i < 4; i++) this.w[i]!.push(packed ? s[i]! : 0);
    if (!packed) this.otherIds.set(row, id);
    if (inOrder) {
      this.ordered.push(row);
      this.newest.set(s);
    }
    else if (this.options.indexed) this.others.set(id, row);
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
      const difference = s[i]! - this.w[i]!.get(row);
      if (difference !== 0) return difference;
    }
    return 0;
  }

  id(row: number): string {
    return this.otherIds.get(row) ?? unpackUuid(this.w[0]!.get(row), this.w[1]!.get(row), this.w[2]!.get(row), this.w[3]!.get(row));
  }

  /** Frees the rows below `row` (unindexed columns only: the index would still name them). */
  dropBefore(row: number): void {
    for (const w of this.w) w.dropBefore(row);
    for (const other of this.otherIds.keys()) if (other < row) this.otherIds.delete(other);
  }
}
