import { applyCommitPlan, createJsonParts, eventPayloadJson, isRefusal, type BankError, type CommitPlan, type CommitResult, type EventConsumer, type NewEvent, type StoredAccount, type StoredOperatorKey, type StoredUser, type Transaction, type WebhookSettings } from 'bankcore';
import { createAppender, createKeyedRowQueue } from './appender.js';
import type { SqlDatabase } from './driver.js';
import type { Checkpointer } from './checkpointer.js';
import { checkpointOnEventLoop } from './open.js';
import type { WalSync } from './wal-sync.js';
import { TRANSACTION_BY_ID, transactionByIdParams, type createReads } from './reads.js';
import { accountChanges, accountFromRow, accountParams, accountRowOf, storedForm, storedTransactionJson, transactionPk, type AccountRow } from './rows.js';

/** The writes one change may make, all inside the current batch's transaction. */
function createWriter(db: SqlDatabase, reads: ReturnType<typeof createReads>) {
  const insertUser = db.prepare('INSERT INTO users (id, username, username_key, password_hash, credential_version, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING');
  const setPassword = db.prepare('UPDATE users SET password_hash = ?, credential_version = ? WHERE id = ?');
  const setPasswordIf = db.prepare('UPDATE users SET password_hash = ?, credential_version = ? WHERE id = ? AND password_hash = ? AND credential_version = ?');
  const insertAccount = db.prepare(
    'INSERT INTO accounts (id, owner_id, bank_code, account_number, currency, balance, pending, status, overdraft_limit, entry_count, created_at, last_entry_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const updateAccount = db.prepare('UPDATE accounts SET balance = ?, pending = ?, status = ?, overdraft_limit = ?, entry_count = ?, last_entry_at = ?, last_entry_id = ? WHERE pk = ? AND entry_count = ?');
  const entries = createAppender(db, 'entries', 'id', ['account_pk', 'sequence', 'transaction_pk', 'leg', 'amount', 'balance_after', 'created_at', 'previous']);
  const insertTransaction = db.prepare('INSERT INTO transactions (pk, id, body, reversed_by, created_at) VALUES (?, ?, ?, NULL, ?) ON CONFLICT DO NOTHING');
  const transactions = createKeyedRowQueue(db, 'transactions', ['pk', 'id', 'body', 'created_at']);
  const transactionExists = db.prepare(`SELECT 1 FROM transactions WHERE ${TRANSACTION_BY_ID}`);
  const mapTransactionPk = db.prepare('INSERT INTO transaction_pks (id, pk) SELECT ?, min(coalesce(min(pk), 0), 0) - 1 FROM transactions RETURNING pk');
  const markReversed = db.prepare(`UPDATE transactions SET reversed_by = ?, body = json_set(body, '$.reversedBy', ?) WHERE ${TRANSACTION_BY_ID} AND reversed_by IS NULL`);
  const upsertHold = db.prepare(
    'INSERT INTO holds (id, from_account_id, status, expires_at, created_at, body) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET status = excluded.status, body = excluded.body',
  );
  const insertKey = db.prepare('INSERT INTO operator_keys (id, name, scopes, secret_hash, created_at, last_used_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING');
  const touchKey = db.prepare('UPDATE operator_keys SET last_used_at = coalesce(?, last_used_at), revoked_at = coalesce(?, revoked_at) WHERE id = ?');
  const records = createAppender(db, 'idempotency_records', 'id', ['fingerprint', 'body', 'transaction_pk']);
  // The position is the largest plus one (as SQLite gives a rowid), inside the batch's transaction, so a change
  // that rolls back takes its position back with it and positions have no gaps. Pruning never deletes the newest
  // event, so no position is ever given out twice.
  const events = createAppender(db, 'events', 'position', ['id', 'type', 'occurred_at', 'payload', 'transaction_pk']);
  const deleteEvents = db.prepare('DELETE FROM events WHERE position <= min(?, (SELECT max(position) FROM events) - 1)');
  const markPruned = db.prepare('UPDATE event_log SET pruned_through = max(pruned_through, min(?, coalesce((SELECT max(position) FROM events), 0))) WHERE one = 1');
  const insertConsumer = db.prepare('INSERT INTO consumers (name, position, created_at, webhook) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING');
  const setConsumer = db.prepare('UPDATE consumers SET position = coalesce(?, position), webhook = coalesce(?, webhook) WHERE name = ?');
  const deleteConsumer = db.prepare('DELETE FROM consumers WHERE name = ?');

  // Account rows changed by the batch so far, each written once, just before the batch commits: a batch of 64
  // deposits into 8 accounts updated the settlement account's row 64 times and each customer row 8 times (one
  // UPDATE per leg), where 9 UPDATEs leave the same rows. Only while the batch runs optimistically (see
  // `runChanges`): a change in its own savepoint writes its rows itself, so that rolling it back undoes them.
  const deferred = new Map<string, { row: AccountRow; before: number }>();
  let deferring = false;
  /** Writes an account's new row; the guard `before` is the entry count the row had when the batch read it. */
  function writeAccount(row: AccountRow, before: number): void {
    const changed = updateAccount.run(row.balance, row.pending, row.status, row.overdraft_limit, row.entry_count, row.last_entry_at, row.last_entry_id, row.pk, before);
    if (Number(changed.changes) !== 1) throw new Error(`account ${row.id} changed under its own commit`);
  }

  /**
   * Writes a transaction's row under the key derived from its id, or (no key derives, or another id took it) under
   * the next negative key, mapped in `transaction_pks` (see migration 9). Answers the key.
   */
  function insertTransactionRow(t: Transaction, body: string): number | bigint {
    const derived = transactionPk(t.id);
    // While the batch runs optimistically, a taken key fails the batch's flush, and the batch runs again isolated.
    if (derived !== null && transactions.deferring) {
      transactions.queue([derived, t.id, body, t.createdAt.getTime()]);
      return derived;
    }
    if (derived !== null && Number(insertTransaction.run(derived, t.id, body, t.createdAt.getTime()).changes) === 1) return derived;
    if (transactionExists.get(...transactionByIdParams(t.id))) throw new Error(`transaction ${t.id} already exists`);
    const { pk } = mapTransactionPk.get(t.id) as { pk: number };
    insertTransaction.run(pk, t.id, body, t.createdAt.getTime());
    return pk;
  }

  // Rows appended by a batch that runs optimistically, written when it ends (see appender.ts), table by table in the
  // order one change writes them.
  const queues = [transactions, entries, records, reads.keys.recentRows, events];
  const writeQueued = () => {
    for (const q of queues) q.flush();
  };

  /** Appends the event of a change that was written (`written`), and answers `written`. */
  function withEvent(written: boolean, event: NewEvent | null | undefined): boolean {
    if (written && event) events.append([event.id, event.type, event.occurredAt.getTime(), eventPayloadJson(event), null]);
    return written;
  }

  function commit(plan: CommitPlan): CommitResult {
    const claim = plan.idempotency;
    if (claim) {
      // A key that this batch recorded is read back with its transaction: both are written first.
      const recorded = reads.keys.recent(claim.scope, claim.key);
      if (recorded !== undefined && records.queued(recorded)) writeQueued();
      const earlier = reads.record(claim.scope, claim.key);
      if (earlier) return { status: earlier.fingerprint === claim.fingerprint ? 'replayed' : 'idempotency_key_reused', record: earlier };
    }
    const accounts = new Map<string, StoredAccount>();
    const rows = new Map<string, AccountRow>();
    for (const g of plan.guards) {
      const row = deferred.get(g.accountId)?.row ?? reads.accountRow(g.accountId);
      if (!row) continue;
      accounts.set(row.id, accountFromRow(row));
      rows.set(row.id, row);
    }
    const hold = plan.holdResolve ? reads.hold(plan.holdResolve.holdId) : null;
    if (plan.reverses !== null) transactions.flush();
    const reversed = plan.reverses === null ? null : reads.transaction(plan.reverses);
    // One writer at a time: a settlement account is an ordinary row here, with no contention to avoid.
    const outcome = applyCommitPlan(plan, { accounts, hold, reversed, derivedOnRead: false });
    if (isRefusal(outcome)) return { status: 'refused', reason: outcome.reason, accountId: outcome.accountId };
    // Objects a commit writes in more than one row (its accounts, and a hold, in its idempotency record and in its
    // event) are serialised once.
    const json = createJsonParts(outcome);
    const t = outcome.transaction;
    const transactionKey = t ? insertTransactionRow(t, storedTransactionJson(t)) : null;
    // Each entry links to its account's newest before it; the account's row then names the new newest.
    const heads = new Map<string, number>();
    for (const e of outcome.entries) {
      const row = rows.get(e.accountId)!;
      // Every entry a commit writes is a leg of the transaction it posts.
      if (e.transactionId !== t?.id) throw new Error(`entry ${e.id} is not a leg of the transaction its commit posts`);
      const previous = heads.get(e.accountId) ?? row.last_entry_id;
      const leg = Number(e.id.slice(e.id.lastIndexOf(':') + 1));
      heads.set(e.accountId, entries.append([row.pk, e.sequence, transactionKey, leg, e.amount, e.balanceAfter, e.createdAt.getTime(), previous]));
    }
    for (const a of outcome.accounts) {
      const read = rows.get(a.id)!;
      const row = accountRowOf(a, read.pk, heads.get(a.id) ?? read.last_entry_id);
      const before = read.entry_count;
      if (!deferring) writeAccount(row, before);
      else {
        const pending = deferred.get(a.id);
        if (pending) pending.row = row;
        else deferred.set(a.id, { row, before });
      }
      reads.accounts.put(row);
    }
    if (outcome.reversed) markReversed.run(outcome.reversed.reversedBy, outcome.reversed.reversedBy, ...transactionByIdParams(outcome.reversed.id));
    const h = outcome.hold;
    if (h) upsertHold.run(h.id, h.from.accountId, h.status, h.expiresAt?.getTime() ?? null, h.createdAt.getTime(), json.of(h));
    // The record and the event name the transaction this commit posts rather than copy it, and hold only what the
    // commit changed of its accounts (see rows.ts).
    const touched = { accounts: outcome.touched, changes: accountChanges(outcome.touched) };
    const r = outcome.record;
    if (r) {
      const body = storedForm({ transaction: r.transaction, hold: r.hold, accounts: r.accounts, createdAt: r.createdAt }, t, touched);
      reads.keys.add(r.scope, r.key, records.append([r.fingerprint, json.composite(body.value), body.named ? transactionKey : null]));
    }
    const e = outcome.event;
    if (e) {
      const payload = storedForm(e.payload as { transaction?: unknown; accounts?: unknown }, t, touched);
      events.append([e.id, e.type, e.occurredAt.getTime(), json.composite(payload.value), payload.named ? transactionKey : null]);
    }
    return { status: 'committed', transaction: t, hold: h, accounts: outcome.touched };
  }

  return {
    commit,
    /**
     * From now on, collects account rows and queues appended rows for {@link writeDeferred} (true), or writes them
     * at once (false); either way, drops what was collected.
     */
    deferRows(on: boolean): void {
      deferring = on;
      deferred.clear();
      for (const q of queues) q.defer(on);
    },
    /** Writes every collected row; throws, as a change would, if an account row moved under the batch. */
    writeDeferred(): void {
      writeQueued();
      for (const { row, before } of deferred.values()) writeAccount(row, before);
      deferred.clear();
    },
    createUser: (u: StoredUser, event?: NewEvent | null) => withEvent(Number(insertUser.run(u.id, u.username, u.usernameKey, u.passwordHash, u.credentialVersion, u.createdAt.getTime()).changes) === 1, event),
    updatePassword(id: string, hash: string, version: number, expected?: { passwordHash: string; credentialVersion: number }, event?: NewEvent | null) {
      reads.forgetUser(id);
      return withEvent(Number((expected ? setPasswordIf.run(hash, version, id, expected.passwordHash, expected.credentialVersion) : setPassword.run(hash, version, id)).changes) === 1, event);
    },
    pruneEvents(through: number) {
      // Reads the newest position: the batch's events so far are written first.
      events.flush();
      markPruned.run(through);
      deleteEvents.run(through);
    },
    createConsumer: (c: EventConsumer) => Number(insertConsumer.run(c.name, c.position, c.createdAt.getTime(), c.webhook && JSON.stringify(c.webhook)).changes) === 1,
    updateConsumer: (name: string, change: { position?: number; webhook?: WebhookSettings }) =>
      Number(setConsumer.run(change.position ?? null, change.webhook ? JSON.stringify(change.webhook) : null, name).changes) === 1,
    deleteConsumer: (name: string) => Number(deleteConsumer.run(name).changes) === 1,
    createOperatorKey: (k: StoredOperatorKey) =>
      Number(insertKey.run(k.id, k.name, JSON.stringify(k.scopes), k.secretHash, k.createdAt.getTime(), k.lastUsedAt?.getTime() ?? null, k.revokedAt?.getTime() ?? null).changes) === 1,
    updateOperatorKey: (id: string, change: { lastUsedAt?: Date; revokedAt?: Date }) =>
      Number(touchKey.run(change.lastUsedAt?.getTime() ?? null, change.revokedAt?.getTime() ?? null, id).changes) === 1,
    createAccount(a: StoredAccount, event?: NewEvent | null) {
      if (a.ownerId !== null) reads.accounts.forgetOwner(a.ownerId);
      return withEvent(Number(insertAccount.run(a.id, ...accountParams({ ...a, balance: 0, pending: 0, entryCount: 0, lastEntryAt: null })).changes) === 1, event);
    },
  };
}

type Writer = ReturnType<typeof createWriter>;
/** The smallest batch that commits in two halves when no fsync is running (see `flush`). */
const SPLIT_AT = 32;
interface Queued {
  run: (w: Writer) => unknown;
  resolve: (value: never) => void;
  reject: (error: unknown) => void;
  outcome?: { value: unknown } | { error: unknown };
}

/**
 * Group commit: the writes that arrive in one event-loop turn run at the end of it in one SQLite transaction (in two
 * halves, if the batch is large and no fsync is running; see `flush`). A refusal writes nothing; a change that fails
 * rolls back only itself (see `runChanges`). The batch is acknowledged together once the COMMIT has returned and
 * `sync` has made it durable (one fsync, off the event loop, shared by every commit made while the previous fsync
 * ran). If the COMMIT fails (a full disk), the whole batch is rolled back and every write in it fails: nothing
 * unwritten is ever acknowledged.
 */
export function createCommitter(db: SqlDatabase, reads: ReturnType<typeof createReads>, sync: WalSync, toError: (error: unknown) => BankError, checkpointer: Checkpointer | null = null) {
  const writer = createWriter(db, reads);
  // Prepared once: they run for every batch (and a savepoint pair per change when a batch runs isolated).
  const begin = db.prepare('BEGIN IMMEDIATE');
  const savepoint = db.prepare('SAVEPOINT change');
  const release = db.prepare('RELEASE change');
  const rollbackTo = db.prepare('ROLLBACK TO change');
  const commitBatch = db.prepare('COMMIT');
  const rollbackBatch = db.prepare('ROLLBACK');
  let queue: Queued[] = [];
  let scheduled: Promise<void> | null = null;
  let checkpointing: Promise<void> | null = null;
  // While the second checkpoint of a round runs, batches wait, so that the write after it restarts the WAL.
  let holding = false;

  function schedule(): void {
    if (scheduled || holding || !queue.length) return;
    scheduled = new Promise<void>((done) =>
      setImmediate(() => {
        flush();
        done();
      }),
    );
  }

  /**
   * One round: a checkpoint beside the writer copies the log (most of its frames), then one with the writer held
   * copies what was written meanwhile. Measured with 64 callers: holding the writer for a whole checkpoint held it
   * 9 % of the time unkeyed and 13 % keyed (21 to 26 ms a checkpoint), and the event loop idled meanwhile.
   */
  function checkpoint(worker: Checkpointer): void {
    checkpointing = worker
      .run(false)
      .then((complete) => {
        // A reader still in the log (a backup) keeps it from restarting: holding the writer would gain nothing.
        if (!complete) return;
        holding = true;
        return worker.run(true).then(() => {});
      })
      .then(
        () => {},
        () => {
          // The worker is gone: SQLite checkpoints on the event loop again, as it does by default.
          checkpointer = null;
          checkpointOnEventLoop(db);
        },
      );
    void checkpointing.then(() => {
      checkpointing = null;
      holding = false;
      schedule();
    });
  }

  /**
   * Runs the batch's changes inside the open transaction. Optimistic (`isolated` false): no savepoints, because a
   * savepoint copies every page a change touches into SQLite's statement journal (measured: 14 % of a keyed
   * deposit's CPU), and a change almost never fails once planned (a refusal is a value and writes nothing). On the
   * first error it stops and answers `{ error }`; the caller rolls the whole batch back and runs it again isolated:
   * each change in its own savepoint, so the failure undoes only itself.
   */
  function runChanges(batch: Queued[], isolated: boolean): { error: unknown } | null {
    for (const item of batch) {
      if (!isolated) {
        try {
          item.outcome = { value: item.run(writer) };
        } catch (error) {
          return { error };
        }
        continue;
      }
      savepoint.run();
      const mark = reads.keys.mark();
      try {
        item.outcome = { value: item.run(writer) };
        release.run();
      } catch (error) {
        // An error undoes this change only (unless SQLite already rolled the whole transaction back, as it does
        // for a full disk: then the ROLLBACK TO throws too). The cached rows it may have put go with it: errors are
        // rare, so all of them.
        reads.accounts.clear();
        reads.keys.rollbackTo(mark);
        rollbackTo.run();
        release.run();
        item.outcome = { error };
      }
    }
    return null;
  }

  function flush(): void {
    scheduled = null;
    // Scheduled before the hold began: the batch waits for it (schedule() runs again when it ends).
    if (holding) return;
    // With the disk idle, the first half of a large batch commits alone, so its fsync starts now and runs while the
    // second half is written. Its callers then plan their next changes during the second half's fsync: the halves
    // alternate, and neither the disk nor the event loop waits for the other (measured with 64 callers: the event
    // loop idled 25 % of the time with one batch a turn, 9 % with halves). A smaller batch stays whole: half of it
    // is less work than an fsync, and a second commit rewrites the pages both share (50 HTTP connections wrote
    // 18.7 KB a keyed deposit when every batch of two or more was halved, 16.1 KB with this bound, as unsplit).
    const split = !sync.syncing && queue.length >= SPLIT_AT;
    const batch = split ? queue.splice(0, Math.ceil(queue.length / 2)) : queue;
    if (split) schedule();
    else queue = [];
    try {
      begin.run();
      writer.deferRows(true);
      let failed = runChanges(batch, false);
      if (!failed) {
        try {
          writer.writeDeferred();
        } catch (error) {
          failed = { error };
        }
      }
      writer.deferRows(false);
      if (failed) {
        // Nothing of the batch stays: not its rows, not the account rows it cached. Every change runs again from
        // the committed state; changes are pure functions of it, so each computes what it would have.
        reads.accounts.clear();
        reads.keys.rollback();
        try {
          rollbackBatch.run();
        } catch {
          // SQLite already rolled the whole transaction back (a full disk): the batch fails with that cause.
          throw failed.error;
        }
        begin.run();
        runChanges(batch, true);
      }
      reads.keys.foldStep();
      commitBatch.run();
      reads.keys.committed();
      // Every commit is counted, even while a round runs; a new round starts only after the last one.
      if (checkpointer?.afterCommit() && !checkpointing) checkpoint(checkpointer);
    } catch (error) {
      reads.accounts.clear();
      reads.keys.rollback();
      try {
        db.exec('ROLLBACK');
      } catch {
        // Already rolled back by SQLite.
      }
      for (const item of batch) item.reject(toError(error));
      return;
    }
    sync.whenDurable(sync.committed()).then(
      () => {
        for (const item of batch) {
          const o = item.outcome!;
          if ('error' in o) item.reject(toError(o.error));
          else item.resolve(o.value as never);
        }
      },
      (error: unknown) => {
        for (const item of batch) item.reject(toError(error));
      },
    );
  }

  return {
    /** Queues a write for this turn's batch; resolves once it is durable. */
    write<T>(run: (w: Writer) => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        try {
          sync.assertHealthy();
        } catch (error) {
          return reject(toError(error));
        }
        queue.push({ run, resolve: resolve as (value: never) => void, reject });
        schedule();
      });
    },
    /** Resolves once every queued write has been committed and made durable, or refused. */
    async drain(): Promise<void> {
      while (scheduled || checkpointing) await (scheduled ?? checkpointing);
      await sync.drain();
    },
  };
}
