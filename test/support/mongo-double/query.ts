// The query and update language of the double: enough of MongoDB's semantics for a driver-level test of a
// storage adapter, implemented strictly (an unsupported operator is an error, never ignored).
import { Binary, ObjectId, type Document } from 'bson';

export class CommandError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
    readonly labels: string[] = [],
  ) {
    super(message);
  }
}

const unsupported = (what: string) => new CommandError(2, 'BadValue', `the test double does not support ${what}`);

const isPlainObject = (v: unknown): v is Document =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date) && !(v instanceof ObjectId) && !(v instanceof Binary);

/** Deep copy that keeps BSON class instances (ObjectId, Binary) and bigint intact. */
export function clone<T>(value: T): T {
  if (Array.isArray(value)) return value.map(clone) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (isPlainObject(value)) {
    const out: Document = {};
    for (const [k, v] of Object.entries(value)) out[k] = clone(v);
    return out as T;
  }
  return value;
}

function rank(v: unknown): number {
  if (v === null || v === undefined) return 1;
  if (typeof v === 'number' || typeof v === 'bigint') return 2;
  if (typeof v === 'string') return 3;
  if (Array.isArray(v)) return 5;
  if (v instanceof Binary) return 6;
  if (v instanceof ObjectId) return 7;
  if (typeof v === 'boolean') return 8;
  if (v instanceof Date) return 9;
  if (isPlainObject(v)) return 4;
  throw unsupported(`values of type ${typeof v}`);
}

/** A canonical string for equality and unique-index keys; numbers compare by value across int32/int64/double. */
export function keyOf(v: unknown): string {
  switch (rank(v)) {
    case 1: return 'z';
    case 2: return `n:${typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : String(v)}`;
    case 3: return `s:${JSON.stringify(v)}`;
    case 5: return `[${(v as unknown[]).map(keyOf).join(',')}]`;
    case 6: return `x:${(v as Binary).sub_type}:${Buffer.from((v as Binary).buffer).toString('base64')}`;
    case 7: return `o:${(v as ObjectId).toHexString()}`;
    case 8: return `b:${v}`;
    case 9: return `d:${(v as Date).getTime()}`;
    default: return `{${Object.entries(v as Document).map(([k, x]) => `${JSON.stringify(k)}:${keyOf(x)}`).join(',')}}`;
  }
}

/** Orders two values as MongoDB does: by type class, then by value. */
export function compare(a: unknown, b: unknown): number {
  const [ra, rb] = [rank(a), rank(b)];
  if (ra !== rb) return ra - rb;
  if (ra === 2) {
    if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
    const [x, y] = [Number(a), Number(b)];
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (ra === 3) return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
  if (ra === 9) return (a as Date).getTime() - (b as Date).getTime();
  if (ra === 8) return Number(a) - Number(b);
  const [ka, kb] = [keyOf(a), keyOf(b)];
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export function getPath(doc: Document, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split('.')) {
    if (!isPlainObject(value)) return undefined;
    value = value[part];
  }
  return value;
}

function setPath(doc: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  let target = doc;
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(target[part])) target[part] = {};
    target = target[part] as Document;
  }
  target[parts[parts.length - 1]!] = value;
}

function unsetPath(doc: Document, path: string): void {
  const parts = path.split('.');
  const parent = parts.length === 1 ? doc : getPath(doc, parts.slice(0, -1).join('.'));
  if (isPlainObject(parent)) delete parent[parts[parts.length - 1]!];
}

const isOperatorObject = (v: unknown): v is Document => isPlainObject(v) && Object.keys(v).length > 0 && Object.keys(v)[0]!.startsWith('$');

const equals = (a: unknown, b: unknown) => (a === undefined && b === null) || keyOf(a ?? null) === keyOf(b);

function fieldMatches(value: unknown, condition: unknown): boolean {
  const any = (test: (v: unknown) => boolean) => test(value) || (Array.isArray(value) && value.some(test));
  if (!isOperatorObject(condition)) return any((v) => equals(v, condition));
  return Object.entries(condition).every(([op, arg]) => {
    const ordered = (ok: (c: number) => boolean) => any((v) => v !== undefined && rank(v) === rank(arg) && ok(compare(v, arg)));
    switch (op) {
      case '$eq': return any((v) => equals(v, arg));
      case '$ne': return !any((v) => equals(v, arg));
      case '$gt': return ordered((c) => c > 0);
      case '$gte': return ordered((c) => c >= 0);
      case '$lt': return ordered((c) => c < 0);
      case '$lte': return ordered((c) => c <= 0);
      case '$in': return (arg as unknown[]).some((x) => any((v) => equals(v, x)));
      case '$nin': return !(arg as unknown[]).some((x) => any((v) => equals(v, x)));
      case '$exists': return (value !== undefined) === Boolean(arg);
      default: throw unsupported(`the query operator ${op}`);
    }
  });
}

/** Whether `doc` matches a query filter. */
export function matches(doc: Document, filter: Document = {}): boolean {
  return Object.entries(filter).every(([key, condition]) => {
    if (key === '$and') return (condition as Document[]).every((f) => matches(doc, f));
    if (key === '$or') return (condition as Document[]).some((f) => matches(doc, f));
    if (key === '$nor') return !(condition as Document[]).some((f) => matches(doc, f));
    if (key.startsWith('$')) throw unsupported(`the top-level operator ${key}`);
    return fieldMatches(getPath(doc, key), condition);
  });
}

export function add(a: unknown, b: unknown, path: string): unknown {
  if (a === undefined) a = typeof b === 'bigint' ? 0n : 0;
  if (rank(a) !== 2 || rank(b) !== 2) throw new CommandError(14, 'TypeMismatch', `Cannot apply $inc to a non-numeric value at ${path}`);
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const sum = BigInt(a as number | bigint) + BigInt(b as number | bigint);
    if (sum > 2n ** 63n - 1n || sum < -(2n ** 63n)) throw new CommandError(2, 'BadValue', `$inc overflows int64 at ${path}`);
    return sum;
  }
  return (a as number) + (b as number);
}

/** Applies an update document (operators or a replacement) to a copy of `doc`. */
export function applyUpdate(doc: Document, update: Document, isInsert: boolean): Document {
  if (Array.isArray(update)) throw unsupported('pipeline updates');
  const keys = Object.keys(update);
  if (keys.length > 0 && !keys[0]!.startsWith('$')) {
    if (keys.some((k) => k.startsWith('$'))) throw new CommandError(9, 'FailedToParse', 'mixed replacement and operators');
    return { _id: doc['_id'], ...clone(update) };
  }
  const out = clone(doc);
  for (const [op, fields] of Object.entries(update)) {
    for (const [path, arg] of Object.entries(fields as Document)) {
      if (path === '_id' && op !== '$setOnInsert') throw new CommandError(66, 'ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
      switch (op) {
        case '$set': setPath(out, path, clone(arg)); break;
        case '$setOnInsert': if (isInsert) setPath(out, path, clone(arg)); break;
        case '$unset': unsetPath(out, path); break;
        case '$inc': setPath(out, path, add(getPath(out, path), arg, path)); break;
        case '$max': { const cur = getPath(out, path); if (cur === undefined || compare(arg, cur) > 0) setPath(out, path, clone(arg)); break; }
        case '$min': { const cur = getPath(out, path); if (cur === undefined || compare(arg, cur) < 0) setPath(out, path, clone(arg)); break; }
        default: throw unsupported(`the update operator ${op}`);
      }
    }
  }
  return out;
}

/** The document an upsert starts from: the filter's equality conditions. */
export function seedFromFilter(filter: Document): Document {
  const seed: Document = {};
  for (const [key, condition] of Object.entries(filter)) {
    if (key.startsWith('$')) continue;
    if (!isOperatorObject(condition)) setPath(seed, key, clone(condition));
    else if ('$eq' in condition) setPath(seed, key, clone(condition['$eq']));
  }
  return seed;
}

export function sortDocuments(docs: Document[], sort: Document | undefined): Document[] {
  if (!sort || Object.keys(sort).length === 0) return docs;
  const keys = Object.entries(sort).map(([k, d]) => [k, Number(d) < 0 ? -1 : 1] as const);
  return [...docs].sort((a, b) => {
    for (const [k, dir] of keys) {
      const c = compare(getPath(a, k) ?? null, getPath(b, k) ?? null);
      if (c !== 0) return c * dir;
    }
    return 0;
  });
}

export function project(doc: Document, projection: Document | undefined): Document {
  if (!projection || Object.keys(projection).length === 0) return doc;
  const entries = Object.entries(projection);
  const including = entries.some(([k, v]) => k !== '_id' && Boolean(v));
  if (!including) {
    const out = clone(doc);
    for (const [k] of entries) unsetPath(out, k);
    return out;
  }
  const out: Document = {};
  if (projection['_id'] === undefined || Boolean(projection['_id'])) out['_id'] = doc['_id'];
  for (const [k, v] of entries) if (k !== '_id' && Boolean(v) && getPath(doc, k) !== undefined) setPath(out, k, clone(getPath(doc, k)));
  return out;
}
