// Command handlers of the double, each running in a transaction: the session's open one, or an implicit one
// for a single command (committed at its end, retried while another transaction holds what it writes).
import { ObjectId, type Document } from 'bson';
import { Engine, Txn, WouldBlock, type IndexSpec } from './engine.js';
import { add, applyUpdate, CommandError, getPath, matches, project, seedFromFilter, sortDocuments } from './query.js';

export interface DoubleOptions {
  /** Answer as a one-member replica set (`rs0`, transactions available) or as a standalone server. */
  topology: 'replicaSet' | 'standalone';
  host: () => string;
}

type Handler = (cmd: Document, ctx: { db: string; txn: Txn }) => Document;

const MAX_TXN_MS = 60_000;

export class CommandRouter {
  private readonly engine = new Engine();
  private readonly sessions = new Map<string, { txnNumber: bigint; txn: Txn }>();
  private readonly retried = new Map<string, Document>();
  private readonly cursors = new Map<bigint, { ns: string; docs: Document[] }>();
  private nextCursor = 1n;
  private connections = 0;
  private readonly electionId = new ObjectId();

  constructor(private readonly options: DoubleOptions) {}

  connectionOpened(): number {
    return ++this.connections;
  }

  async run(cmd: Document, connectionId: number): Promise<Document> {
    try {
      return await this.dispatch(cmd, connectionId);
    } catch (error) {
      if (error instanceof CommandError) {
        return { ok: 0, errmsg: error.message, code: error.code, codeName: error.codeName, ...(error.labels.length ? { errorLabels: error.labels } : {}) };
      }
      return { ok: 0, errmsg: `test double failure: ${(error as Error).message}`, code: 1, codeName: 'InternalError' };
    }
  }

  private hello(connectionId: number): Document {
    const base = {
      helloOk: true,
      isWritablePrimary: true,
      ismaster: true,
      maxBsonObjectSize: 16 * 1024 * 1024,
      maxMessageSizeBytes: 48_000_000,
      maxWriteBatchSize: 100_000,
      localTime: new Date(),
      logicalSessionTimeoutMinutes: 30,
      connectionId,
      minWireVersion: 0,
      maxWireVersion: 21,
      readOnly: false,
      ok: 1,
    };
    if (this.options.topology === 'standalone') return base;
    const me = this.options.host();
    return { ...base, setName: 'rs0', setVersion: 1, hosts: [me], primary: me, me, electionId: this.electionId, secondary: false };
  }

  private async dispatch(cmd: Document, connectionId: number): Promise<Document> {
    const name = Object.keys(cmd)[0] ?? '';
    const lower = name.toLowerCase();
    if (lower === 'hello' || lower === 'ismaster') return this.hello(connectionId);
    if (['ping', 'endsessions', 'killsessions', 'buildinfo', 'getparameter'].includes(lower)) {
      return lower === 'buildinfo' ? { version: '7.0.0-bankcore-test-double', versionArray: [7, 0, 0, 0], ok: 1 } : { ok: 1 };
    }
    const db = String(cmd['$db'] ?? 'admin');
    if (cmd['txnNumber'] !== undefined && this.options.topology === 'standalone') {
      throw new CommandError(20, 'IllegalOperation', 'Transaction numbers are only allowed on a replica set member or mongos');
    }
    if (name === 'commitTransaction' || name === 'abortTransaction') return this.endTransaction(cmd, name);
    const handler = this.handlers[name];
    if (!handler) throw new CommandError(59, 'CommandNotFound', `no such command: '${name}' (not implemented by the test double)`);

    if (cmd['autocommit'] === false) {
      const txn = this.sessionTransaction(cmd);
      try {
        return handler(cmd, { db, txn });
      } catch (error) {
        // As in MongoDB, a failed operation aborts the whole transaction.
        this.engine.abort(txn);
        throw error;
      }
    }
    const retryKey = cmd['txnNumber'] !== undefined && cmd['lsid'] ? `${this.sessionKey(cmd)}:${cmd['txnNumber']}` : null;
    if (retryKey && this.retried.has(retryKey)) return this.retried.get(retryKey)!;
    for (;;) {
      const txn = this.engine.begin(true);
      try {
        const reply = handler(cmd, { db, txn });
        this.engine.commit(txn);
        if (retryKey) this.retried.set(retryKey, reply);
        return reply;
      } catch (error) {
        if (error instanceof PartialWrite) {
          this.engine.commit(txn);
          return error.reply;
        }
        this.engine.abort(txn);
        if (!(error instanceof WouldBlock)) throw error;
        await error.released;
      }
    }
  }

  private sessionKey(cmd: Document): string {
    const lsid = cmd['lsid'] as { id?: { buffer: Uint8Array } } | undefined;
    if (!lsid?.id) throw new CommandError(72, 'InvalidOptions', 'a transaction needs a session (lsid)');
    return Buffer.from(lsid.id.buffer).toString('hex');
  }

  private sessionTransaction(cmd: Document): Txn {
    const key = this.sessionKey(cmd);
    const txnNumber = BigInt(cmd['txnNumber'] as bigint | number);
    const current = this.sessions.get(key);
    if (cmd['startTransaction'] === true) {
      if (current && current.txnNumber >= txnNumber) throw new CommandError(225, 'TransactionTooOld', 'txnNumber is not newer than the last');
      if (current) this.engine.abort(current.txn);
      const txn = this.engine.begin(false);
      this.sessions.set(key, { txnNumber, txn });
      return txn;
    }
    if (!current || current.txnNumber !== txnNumber || current.txn.state !== 'active' || Date.now() - current.txn.startedAt > MAX_TXN_MS) {
      if (current) this.engine.abort(current.txn);
      throw new CommandError(251, 'NoSuchTransaction', `Transaction ${txnNumber} has been aborted.`, ['TransientTransactionError']);
    }
    return current.txn;
  }

  private endTransaction(cmd: Document, name: string): Document {
    const key = this.sessionKey(cmd);
    const current = this.sessions.get(key);
    const txnNumber = BigInt(cmd['txnNumber'] as bigint | number);
    if (!current || current.txnNumber !== txnNumber) {
      throw new CommandError(251, 'NoSuchTransaction', `Transaction ${txnNumber} has been aborted.`, ['TransientTransactionError']);
    }
    if (name === 'abortTransaction') {
      this.engine.abort(current.txn);
      return { ok: 1 };
    }
    if (current.txn.state === 'committed') return { ok: 1 }; // a retried commit
    if (current.txn.state === 'aborted' || Date.now() - current.txn.startedAt > MAX_TXN_MS) {
      this.engine.abort(current.txn);
      throw new CommandError(251, 'NoSuchTransaction', `Transaction ${txnNumber} has been aborted.`, ['TransientTransactionError']);
    }
    this.engine.commit(current.txn);
    return { ok: 1 };
  }

  private cursorReply(ns: string, docs: Document[], batchSize: number | undefined, first: boolean, single = false): Document {
    const size = batchSize && batchSize > 0 ? batchSize : first ? 101 : docs.length;
    const batch = docs.slice(0, size);
    let id = 0n;
    if (!single && docs.length > size) {
      id = this.nextCursor++;
      this.cursors.set(id, { ns, docs: docs.slice(size) });
    }
    return { cursor: { [first ? 'firstBatch' : 'nextBatch']: batch, id, ns }, ok: 1 };
  }

  private find(ns: string, txn: Txn, filter: Document | undefined): Document[] {
    const id = filter?.['_id'];
    if (id !== undefined && (typeof id !== 'object' || id === null || id instanceof ObjectId)) {
      const doc = this.engine.get(ns, id, txn);
      return doc && matches(doc, filter) ? [doc] : [];
    }
    return this.engine.scan(ns, txn).filter((d) => matches(d, filter));
  }

  private upsertOrUpdate(ns: string, txn: Txn, q: Document, u: Document, upsert: boolean, sort?: Document) {
    const [found] = sortDocuments(this.find(ns, txn, q), sort);
    if (found) {
      const next = applyUpdate(found, u, false);
      this.engine.put(ns, found['_id'], next, txn);
      return { before: found, after: next, upserted: undefined };
    }
    if (!upsert) return null;
    const seeded = applyUpdate(seedFromFilter(q), u, true);
    const doc = seeded['_id'] === undefined ? { _id: new ObjectId(), ...seeded } : seeded;
    if (this.engine.get(ns, doc['_id'], txn)) throw new CommandError(11000, 'DuplicateKey', `E11000 duplicate key error collection: ${ns} index: _id_`);
    this.engine.put(ns, doc['_id'], doc, txn);
    return { before: null, after: doc, upserted: doc['_id'] };
  }

  private readonly handlers: Record<string, Handler> = {
    insert: (cmd, { db, txn }) => {
      const ns = `${db}.${cmd['insert']}`;
      const docs = (cmd['documents'] as Document[]) ?? [];
      let n = 0;
      for (const [index, raw] of docs.entries()) {
        const doc = raw['_id'] === undefined ? { _id: new ObjectId(), ...raw } : raw;
        try {
          if (this.engine.get(ns, doc['_id'], txn)) throw new CommandError(11000, 'DuplicateKey', `E11000 duplicate key error collection: ${ns} index: _id_`);
          this.engine.put(ns, doc['_id'], doc, txn);
          n++;
        } catch (error) {
          if (!(error instanceof CommandError) || error.code !== 11000 || !txn.implicit) throw error;
          throw new PartialWrite({ n, writeErrors: [{ index, code: error.code, errmsg: error.message }], ok: 1 });
        }
      }
      return { n, ok: 1 };
    },
    find: (cmd, { db, txn }) => {
      const ns = `${db}.${cmd['find']}`;
      let docs = sortDocuments(this.find(ns, txn, cmd['filter'] as Document), cmd['sort'] as Document);
      if (cmd['skip']) docs = docs.slice(Number(cmd['skip']));
      const limit = Math.abs(Number(cmd['limit'] ?? 0));
      if (limit) docs = docs.slice(0, limit);
      docs = docs.map((d) => project(d, cmd['projection'] as Document));
      return this.cursorReply(ns, docs, cmd['batchSize'] === undefined ? undefined : Number(cmd['batchSize']), true, Boolean(cmd['singleBatch']));
    },
    getMore: (cmd) => {
      const id = BigInt(cmd['getMore'] as bigint);
      const cursor = this.cursors.get(id);
      if (!cursor) throw new CommandError(43, 'CursorNotFound', `cursor id ${id} not found`);
      this.cursors.delete(id);
      const reply = this.cursorReply(cursor.ns, cursor.docs, cmd['batchSize'] === undefined ? undefined : Number(cmd['batchSize']), false);
      return reply;
    },
    killCursors: (cmd) => {
      const ids = (cmd['cursors'] as bigint[]) ?? [];
      for (const id of ids) this.cursors.delete(BigInt(id));
      return { cursorsKilled: ids, cursorsNotFound: [], cursorsAlive: [], cursorsUnknown: [], ok: 1 };
    },
    update: (cmd, { db, txn }) => {
      const ns = `${db}.${cmd['update']}`;
      let n = 0;
      let nModified = 0;
      const upserted: Document[] = [];
      for (const [index, u] of ((cmd['updates'] as Document[]) ?? []).entries()) {
        const targets = u['multi'] ? this.find(ns, txn, u['q'] as Document) : [];
        if (u['multi']) {
          for (const doc of targets) this.engine.put(ns, doc['_id'], applyUpdate(doc, u['u'] as Document, false), txn);
          n += targets.length;
          nModified += targets.length;
          continue;
        }
        const result = this.upsertOrUpdate(ns, txn, u['q'] as Document, u['u'] as Document, Boolean(u['upsert']));
        if (!result) continue;
        n++;
        if (result.upserted !== undefined) upserted.push({ index, _id: result.upserted });
        else nModified++;
      }
      return { n, nModified, ...(upserted.length ? { upserted } : {}), ok: 1 };
    },
    delete: (cmd, { db, txn }) => {
      const ns = `${db}.${cmd['delete']}`;
      let n = 0;
      for (const d of (cmd['deletes'] as Document[]) ?? []) {
        const targets = this.find(ns, txn, d['q'] as Document);
        for (const doc of Number(d['limit']) === 1 ? targets.slice(0, 1) : targets) {
          this.engine.put(ns, doc['_id'], null, txn);
          n++;
        }
      }
      return { n, ok: 1 };
    },
    findAndModify: (cmd, { db, txn }) => {
      const ns = `${db}.${cmd['findAndModify']}`;
      const query = (cmd['query'] as Document) ?? {};
      if (cmd['remove']) {
        const [doc] = sortDocuments(this.find(ns, txn, query), cmd['sort'] as Document);
        if (doc) this.engine.put(ns, doc['_id'], null, txn);
        return { lastErrorObject: { n: doc ? 1 : 0 }, value: doc ? project(doc, cmd['fields'] as Document) : null, ok: 1 };
      }
      const result = this.upsertOrUpdate(ns, txn, query, cmd['update'] as Document, Boolean(cmd['upsert']), cmd['sort'] as Document);
      if (!result) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
      const value = cmd['new'] ? result.after : result.before;
      return {
        lastErrorObject: { n: 1, updatedExisting: result.upserted === undefined, ...(result.upserted !== undefined ? { upserted: result.upserted } : {}) },
        value: value ? project(value, cmd['fields'] as Document) : null,
        ok: 1,
      };
    },
    aggregate: (cmd, { db, txn }) => {
      const ns = `${db}.${cmd['aggregate']}`;
      let docs = this.engine.scan(ns, txn);
      for (const stage of (cmd['pipeline'] as Document[]) ?? []) {
        const [op, arg] = Object.entries(stage)[0] ?? [];
        if (op === '$match') docs = docs.filter((d) => matches(d, arg as Document));
        else if (op === '$sort') docs = sortDocuments(docs, arg as Document);
        else if (op === '$skip') docs = docs.slice(Number(arg));
        else if (op === '$limit') docs = docs.slice(0, Number(arg));
        else if (op === '$group' && isSumGroup(arg as Document)) docs = docs.length ? [sumGroup(docs, arg as Document)] : [];
        else throw new CommandError(2, 'BadValue', `the test double does not support the aggregation stage ${JSON.stringify(stage)}`);
      }
      return this.cursorReply(ns, docs, undefined, true);
    },
    count: (cmd, { db, txn }) => ({ n: this.find(`${db}.${cmd['count']}`, txn, cmd['query'] as Document).length, ok: 1 }),
    createIndexes: (cmd, { db }) => {
      const ns = `${db}.${cmd['createIndexes']}`;
      const before = this.engine.collection(ns)?.indexes.length ?? 1;
      const created = !this.engine.collection(ns);
      for (const index of (cmd['indexes'] as Document[]) ?? []) {
        const spec: IndexSpec = { name: String(index['name']), key: index['key'] as Document, unique: Boolean(index['unique']) };
        if (index['expireAfterSeconds'] !== undefined) spec.expireAfterSeconds = Number(index['expireAfterSeconds']);
        this.engine.createIndex(ns, spec);
      }
      return { createdCollectionAutomatically: created, numIndexesBefore: before, numIndexesAfter: this.engine.collection(ns)!.indexes.length, ok: 1 };
    },
    listIndexes: (cmd, { db }) => {
      const ns = `${db}.${cmd['listIndexes']}`;
      const indexes = (this.engine.collection(ns)?.indexes ?? []).map((i) => ({ v: 2, key: i.key, name: i.name, ...(i.unique && i.name !== '_id_' ? { unique: true } : {}), ...(i.expireAfterSeconds !== undefined ? { expireAfterSeconds: i.expireAfterSeconds } : {}) }));
      return this.cursorReply(ns, indexes, undefined, true);
    },
    drop: (cmd, { db }) => {
      this.engine.drop(`${db}.${cmd['drop']}`);
      return { ok: 1 };
    },
    dropDatabase: (_cmd, { db }) => {
      for (const ns of this.engine.namespaces(db)) this.engine.drop(ns);
      return { ok: 1 };
    },
  };
}

/** Only one group over every document (`_id` a constant) with `$sum` accumulators of 1 or of a `'$field'`. */
function isSumGroup(group: Document): boolean {
  if (typeof group['_id'] === 'object' && group['_id'] !== null) return false;
  return Object.entries(group).every(([key, acc]) => {
    if (key === '_id') return true;
    const sum = (acc as Document | undefined)?.['$sum'];
    return sum === 1 || (typeof sum === 'string' && sum.startsWith('$'));
  });
}

function sumGroup(docs: Document[], group: Document): Document {
  const out: Document = { _id: group['_id'] };
  for (const [key, acc] of Object.entries(group)) {
    if (key === '_id') continue;
    const sum = (acc as Document)['$sum'];
    out[key] = docs.reduce((total: unknown, d) => add(total, sum === 1 ? 1 : (getPath(d, String(sum).slice(1)) ?? 0), key), 0);
  }
  return out;
}

/** An unordered write that failed part-way outside a transaction: what was written stays, as in MongoDB. */
class PartialWrite extends Error {
  constructor(readonly reply: Document) {
    super('partial write');
  }
}

