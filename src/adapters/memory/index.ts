import { BankError, type StorageAdapter } from 'bankcore';
import type { DurabilityOptions, DurableStore } from './durable.js';
import {
  accepts,
  applyChange,
  applyCommit,
  copyAccount,
  copyHold,
  copyRecord,
  copyTransaction,
  copyUser,
  emptyState,
  idemKey,
  lastIndexAtOrBefore,
  ledgerView,
  refKey,
  type MemoryEvent,
  type MemoryState,
} from './state.js';

/** Options of {@link memoryAdapter}. */
export interface MemoryAdapterOptions extends DurabilityOptions {
  /**
   * Directory for the journal and snapshots. With it, every change is fsynced before it is acknowledged and
   * state survives restarts and crashes; one process per directory (a lock file enforces it). Without it, state
   * lives only as long as the process. Needs Node's file system; `bank.init()` must run before use.
   */
  dataDir?: string;
}

/**
 * Creates a storage adapter that keeps state in this process's memory: the default for embedding and tests, and,
 * with `dataDir`, a durable single-process store. Every money movement is checked and applied synchronously
 * inside one call (no `await` between its checks and its writes), so concurrent callers never interleave inside
 * it; with `dataDir` the call then waits until its journal record is on disk.
 *
 * @throws BankError CONFIGURATION_INVALID from `init()` when another live process holds `dataDir`;
 *   STORAGE_UNAVAILABLE when the journal cannot be read or written (a damaged file is named with its offset).
 * @example
 * ```ts
 * const bank = createBank({ storage: memoryAdapter({ dataDir: './data' }), tokens: { secret } });
 * await bank.init();
 * ```
 */
export function memoryAdapter(options: MemoryAdapterOptions = {}): StorageAdapter {
  let durable: DurableStore | null = null;
  let volatile: MemoryState = emptyState();
  const state = () => durable?.state ?? volatile;

  // Every call passes here: after a failed write it rebuilds state from disk, so no read shows a change that
  // was refused. (A read may still see a change whose fsync is pending; if that fsync fails, it is rolled back.)
  async function ready(): Promise<void> {
    if (options.dataDir === undefined) return;
    if (!durable) throw new BankError('STORAGE_UNAVAILABLE', 'The memory adapter with dataDir needs bank.init() before use');
    await durable.ready();
  }
  // Resolves once the change is durable (immediately without dataDir).
  const persist = (event: MemoryEvent) => (durable ? durable.append(event) : Promise.resolve());

  async function change(event: Exclude<MemoryEvent, { t: 'commit' }>): Promise<boolean> {
    await ready();
    if (!accepts(state(), event)) return false;
    applyChange(state(), event);
    await persist(event);
    return true;
  }

  return {
    async init() {
      if (options.dataDir === undefined || durable) return;
      // Loaded on demand, so the purely in-memory adapter runs where there is no file system.
      const { DurableStore } = await import('./durable.js');
      const store = new DurableStore(options.dataDir, options);
      await store.open();
      durable = store;
    },
    async close() {
      await durable?.close();
      volatile = emptyState();
    },
    async ping() {
      await ready();
    },

    createUser: (user) => change({ t: 'user', user: copyUser(user) }),
    async findUserById(id) {
      await ready();
      const user = state().users.get(id);
      return user ? copyUser(user) : null;
    },
    async findUserByUsernameKey(key) {
      await ready();
      const id = state().userIdByKey.get(key);
      return id === undefined ? null : copyUser(state().users.get(id)!);
    },
    updatePassword: (userId, passwordHash, credentialVersion) => change({ t: 'password', userId, passwordHash, credentialVersion }),

    createAccount: (account) => change({ t: 'account', account: copyAccount(account) }),
    async findAccount(bankCode, accountNumber) {
      await ready();
      const id = state().accountIdByRef.get(refKey(bankCode, accountNumber));
      return id === undefined ? null : copyAccount(state().accounts.get(id)!);
    },
    async findAccountById(id) {
      await ready();
      const account = state().accounts.get(id);
      return account ? copyAccount(account) : null;
    },
    async listAccounts(ownerId) {
      await ready();
      const s = state();
      return (s.accountIdsByOwner.get(ownerId) ?? []).map((id) => copyAccount(s.accounts.get(id)!));
    },

    async commit(plan) {
      await ready();
      const result = applyCommit(state(), plan);
      // The record is encoded synchronously inside append(), so the caller's objects are not retained.
      if (result.status === 'committed') await persist({ t: 'commit', plan });
      // A replay answers for an earlier change: it must not be acknowledged before that change is durable.
      else if (result.status === 'replayed' && durable) await durable.barrier();
      return result;
    },
    async findIdempotencyRecord(scope, key) {
      await ready();
      const record = state().idempotency.get(idemKey(scope, key));
      if (record && durable) await durable.barrier();
      return record ? copyRecord(record) : null;
    },
    async findTransaction(id) {
      await ready();
      const t = state().transactions.get(id);
      return t ? copyTransaction(t) : null;
    },
    async findHold(id) {
      await ready();
      const h = state().holds.get(id);
      return h ? copyHold(h) : null;
    },
    async listHolds(accountId, status) {
      await ready();
      const s = state();
      return (s.holdIdsByAccount.get(accountId) ?? []).map((id) => s.holds.get(id)!).filter((h) => status === null || h.status === status).map(copyHold);
    },
    async listExpiredHolds(at, limit) {
      await ready();
      const s = state();
      const due = [];
      for (const id of s.pendingHoldIds) {
        const h = s.holds.get(id)!;
        if (h.expiresAt && h.expiresAt.getTime() <= at.getTime()) due.push(copyHold(h));
        if (due.length >= limit) break;
      }
      return due;
    },

    async listLedgerEntries(accountId, { limit, beforeSequence, from, to }) {
      await ready();
      const view = ledgerView(state(), accountId);
      // Sequence n sits at index n - 1 and times never go backwards, so every bound is a slice or a binary search.
      let end = beforeSequence === null ? view.length : Math.min(view.length, Math.max(0, beforeSequence - 1));
      if (to) end = Math.min(end, lastIndexAtOrBefore(view.length, view.timeAt, to.getTime()) + 1);
      const start = Math.max(from ? lastIndexAtOrBefore(view.length, view.timeAt, from.getTime() - 1) + 1 : 0, end - limit);
      const page = [];
      for (let i = end - 1; i >= start; i--) page.push(view.entryAt(i));
      return page;
    },
    async findEntryAt(accountId, at) {
      await ready();
      const view = ledgerView(state(), accountId);
      const index = lastIndexAtOrBefore(view.length, view.timeAt, at.getTime());
      return index < 0 ? null : view.entryAt(index);
    },

    readLedger() {
      return (async function* () {
        await ready();
        const s = state();
        // Copied in one synchronous step: a consistent snapshot even while movements continue.
        const snapshot = [...s.accounts.values()].map((account) => {
          const view = ledgerView(s, account.id);
          return {
            account: copyAccount(account),
            entries: Array.from({ length: view.length }, (_, i) => view.entryAt(i)),
            holds: (s.holdIdsByAccount.get(account.id) ?? []).map((id) => copyHold(s.holds.get(id)!)),
          };
        });
        yield* snapshot;
      })();
    },
    readTransactions() {
      return (async function* () {
        await ready();
        const snapshot = [...state().transactions.values()].map(copyTransaction);
        yield* snapshot;
      })();
    },
  };
}
