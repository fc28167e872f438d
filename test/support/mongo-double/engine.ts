// Storage of the double: multi-version documents with snapshot-isolated transactions. A transaction reads the
// state as of its start plus its own writes; its writes stay invisible to others until it commits; a write to a
// document (or unique-index key) that another open transaction holds, or that changed after the snapshot, fails
// at once with WriteConflict, labelled TransientTransactionError, as MongoDB's first-writer-wins rule does.
import type { Document } from 'bson';
import { clone, CommandError, getPath, keyOf } from './query.js';

interface Version {
  ts: number;
  doc: Document | null;
}

export interface IndexSpec {
  name: string;
  key: Document;
  unique: boolean;
  expireAfterSeconds?: number;
}

class CollectionState {
  readonly versions = new Map<string, Version[]>();
  readonly indexes: IndexSpec[] = [{ name: '_id_', key: { _id: 1 }, unique: true }];
  /** For each unique index but _id: index key → id of the latest committed document holding it. */
  readonly uniqueKeys = new Map<string, Map<string, string>>();
}

export const writeConflict = () =>
  new CommandError(112, 'WriteConflict', 'Write conflict during plan execution and yielding is disabled.', ['TransientTransactionError']);

/** Raised by an implicit (single-command) transaction that must wait for another's lock, then retry. */
export class WouldBlock extends Error {
  constructor(readonly released: Promise<void>) {
    super('blocked');
  }
}

export class Txn {
  readonly writes = new Map<string, Map<string, Document | null>>();
  readonly held = new Set<string>();
  state: 'active' | 'committed' | 'aborted' = 'active';
  readonly startedAt = Date.now();
  constructor(
    readonly snapshot: number,
    /** Implicit transactions (one command outside a session transaction) wait on locks instead of failing. */
    readonly implicit: boolean,
  ) {}
}

export const indexKey = (spec: IndexSpec, doc: Document) => keyOf(Object.keys(spec.key).map((k) => getPath(doc, k) ?? null));

export class Engine {
  private readonly collections = new Map<string, CollectionState>();
  private clock = 0;
  /** `ns#id` or `ns|index|key` → the transaction holding it. */
  private readonly locks = new Map<string, Txn>();
  private readonly releases = new Map<Txn, { promise: Promise<void>; resolve: () => void }>();

  begin(implicit: boolean): Txn {
    const txn = new Txn(this.clock, implicit);
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.releases.set(txn, { promise, resolve });
    return txn;
  }

  collection(ns: string, create = false): CollectionState | undefined {
    let state = this.collections.get(ns);
    if (!state && create) this.collections.set(ns, (state = new CollectionState()));
    return state;
  }

  namespaces(db: string): string[] {
    return [...this.collections.keys()].filter((ns) => ns.startsWith(`${db}.`));
  }

  drop(ns: string): void {
    this.collections.delete(ns);
  }

  private visible(versions: Version[] | undefined, at: number): Document | null {
    if (!versions) return null;
    for (let i = versions.length - 1; i >= 0; i--) if (versions[i]!.ts <= at) return versions[i]!.doc;
    return null;
  }

  /** Every document of `ns` as `txn` sees it. */
  scan(ns: string, txn: Txn): Document[] {
    const state = this.collection(ns);
    const own = txn.writes.get(ns);
    const out: Document[] = [];
    if (state) {
      for (const [id, versions] of state.versions) {
        if (own?.has(id)) continue;
        const doc = this.visible(versions, txn.snapshot);
        if (doc) out.push(doc);
      }
    }
    for (const doc of own?.values() ?? []) if (doc) out.push(doc);
    return out;
  }

  /** One document by `_id` as `txn` sees it. */
  get(ns: string, id: unknown, txn: Txn): Document | null {
    const key = keyOf(id);
    const own = txn.writes.get(ns);
    if (own?.has(key)) return own.get(key) ?? null;
    return this.visible(this.collection(ns)?.versions.get(key), txn.snapshot);
  }

  private claim(lock: string, txn: Txn): void {
    const holder = this.locks.get(lock);
    if (holder && holder !== txn) {
      if (txn.implicit) throw new WouldBlock(this.releases.get(holder)!.promise);
      throw writeConflict();
    }
    this.locks.set(lock, txn);
    txn.held.add(lock);
  }

  /** Writes (or with `null`, deletes) one document in `txn`, enforcing locks, snapshot and unique indexes. */
  put(ns: string, id: unknown, doc: Document | null, txn: Txn): void {
    const state = this.collection(ns, true)!;
    const key = keyOf(id);
    this.claim(`${ns}#${key}`, txn);
    const latest = state.versions.get(key)?.at(-1);
    if (latest && latest.ts > txn.snapshot) {
      if (txn.implicit) throw new WouldBlock(Promise.resolve());
      throw writeConflict();
    }
    if (doc) {
      for (const spec of state.indexes) {
        if (spec.name === '_id_' || !spec.unique) continue;
        const value = indexKey(spec, doc);
        this.claim(`${ns}|${spec.name}|${value}`, txn);
        const holderId = state.uniqueKeys.get(spec.name)?.get(value);
        const pendingOwn = [...(txn.writes.get(ns) ?? [])].some(([otherId, other]) => otherId !== key && other && indexKey(spec, other) === value);
        const committedOther = holderId !== undefined && holderId !== key && txn.writes.get(ns)?.get(holderId) === undefined;
        if (pendingOwn || committedOther) {
          const holderVersion = holderId && state.versions.get(holderId)?.at(-1);
          if (!pendingOwn && holderVersion && holderVersion.ts > txn.snapshot && !txn.implicit) throw writeConflict();
          throw new CommandError(11000, 'DuplicateKey', `E11000 duplicate key error collection: ${ns} index: ${spec.name} dup key: ${value}`);
        }
      }
    }
    let own = txn.writes.get(ns);
    if (!own) txn.writes.set(ns, (own = new Map()));
    own.set(key, doc && clone(doc));
  }

  commit(txn: Txn): void {
    if (txn.state !== 'active') return;
    const ts = ++this.clock;
    for (const [ns, writes] of txn.writes) {
      const state = this.collection(ns, true)!;
      for (const [id, doc] of writes) {
        const versions = state.versions.get(id) ?? [];
        const before = versions.at(-1)?.doc;
        for (const spec of state.indexes) {
          if (spec.name === '_id_' || !spec.unique) continue;
          const keys = state.uniqueKeys.get(spec.name) ?? new Map<string, string>();
          state.uniqueKeys.set(spec.name, keys);
          if (before && keys.get(indexKey(spec, before)) === id) keys.delete(indexKey(spec, before));
          if (doc) keys.set(indexKey(spec, doc), id);
        }
        versions.push({ ts, doc });
        // Keep only what an open snapshot can still read.
        const oldest = Math.min(ts, ...[...this.releases.keys()].filter((t) => t.state === 'active').map((t) => t.snapshot));
        while (versions.length > 1 && versions[1]!.ts <= oldest) versions.shift();
        state.versions.set(id, versions);
      }
    }
    this.finish(txn, 'committed');
  }

  abort(txn: Txn): void {
    if (txn.state === 'active') this.finish(txn, 'aborted');
  }

  private finish(txn: Txn, state: 'committed' | 'aborted'): void {
    txn.state = state;
    for (const lock of txn.held) if (this.locks.get(lock) === txn) this.locks.delete(lock);
    this.releases.get(txn)?.resolve();
    this.releases.delete(txn);
  }

  /** Adds an index; a unique one over existing duplicates is refused. */
  createIndex(ns: string, spec: IndexSpec): 'created' | 'exists' {
    const state = this.collection(ns, true)!;
    const existing = state.indexes.find((i) => i.name === spec.name);
    if (existing) {
      if (keyOf(existing.key) !== keyOf(spec.key) || existing.unique !== spec.unique) {
        throw new CommandError(86, 'IndexKeySpecsConflict', `An existing index has the same name (${spec.name}) but different options`);
      }
      return 'exists';
    }
    if (spec.unique) {
      const keys = new Map<string, string>();
      for (const [id, versions] of state.versions) {
        const doc = versions.at(-1)?.doc;
        if (!doc) continue;
        const value = indexKey(spec, doc);
        if (keys.has(value)) throw new CommandError(11000, 'DuplicateKey', `E11000 duplicate key error building index ${spec.name}`);
        keys.set(value, id);
      }
      state.uniqueKeys.set(spec.name, keys);
    }
    state.indexes.push(spec);
    return 'created';
  }
}
