import type {
  Account,
  IdempotencyRecord,
  LedgerEntry,
  PostTransactionRequest,
  PostTransactionResult,
  StorageAdapter,
  StoredUser,
} from 'bankcore';

/** Options of {@link memoryAdapter}. */
export interface MemoryAdapterOptions {}

const copyAccount = (a: Account): Account => ({ ...a });
const copyUser = (u: StoredUser): StoredUser => ({ ...u });
const copyEntry = (e: LedgerEntry): LedgerEntry => ({ ...e, counterparty: e.counterparty && { ...e.counterparty } });

/**
 * Creates a storage adapter that keeps everything in this process's memory: the default for embedding and
 * tests. Every money movement is applied synchronously inside one call (no `await` between its checks and its
 * writes), so concurrent callers can never interleave inside it.
 *
 * @example
 * ```ts
 * import { createBank } from 'bankcore';
 * import { memoryAdapter } from 'bankcore/memory';
 * const bank = createBank({ storage: memoryAdapter(), tokens: { secret } });
 * ```
 */
export function memoryAdapter(_options: MemoryAdapterOptions = {}): StorageAdapter {
  const users = new Map<string, StoredUser>();
  const userIdByKey = new Map<string, string>();
  const accounts = new Map<string, Account>();
  const accountIdByRef = new Map<string, string>();
  const accountIdsByOwner = new Map<string, string[]>();
  const entriesByAccount = new Map<string, LedgerEntry[]>();
  const idempotency = new Map<string, IdempotencyRecord>();
  const refKey = (bankCode: string, accountNumber: string) => `${bankCode}/${accountNumber}`;
  const idemKey = (userId: string, key: string) => `${userId}\u0000${key}`;

  function apply({ transaction, idempotency: claim }: PostTransactionRequest): PostTransactionResult {
    if (claim) {
      const earlier = idempotency.get(idemKey(claim.userId, claim.key));
      if (earlier) {
        const record = structuredClone(earlier);
        return earlier.fingerprint === claim.fingerprint ? { status: 'replayed', record } : { status: 'idempotency_key_reused', record };
      }
    }
    const next = new Map<string, number>();
    for (const leg of transaction.legs) {
      const account = accounts.get(leg.accountId);
      if (!account) return { status: 'account_not_found', accountId: leg.accountId };
      const balance = (next.get(account.id) ?? account.balance) + leg.amount;
      if (balance < 0) return { status: 'insufficient_funds', accountId: account.id };
      if (balance > Number.MAX_SAFE_INTEGER) return { status: 'balance_overflow', accountId: account.id };
      next.set(account.id, balance);
    }
    for (const [legIndex, leg] of transaction.legs.entries()) {
      const account = accounts.get(leg.accountId)!;
      account.balance += leg.amount;
      account.entryCount += 1;
      const other = transaction.legs.find((l) => l.accountId !== leg.accountId);
      entriesByAccount.get(account.id)!.push({
        id: `${transaction.id}:${legIndex}`,
        accountId: account.id,
        transactionId: transaction.id,
        sequence: account.entryCount,
        type: transaction.type,
        amount: leg.amount,
        balanceAfter: account.balance,
        currency: account.currency,
        counterparty: other ? { bankCode: other.bankCode, accountNumber: other.accountNumber } : null,
        reference: transaction.reference,
        createdAt: transaction.createdAt,
      });
    }
    const touched = [...next.keys()].map((id) => copyAccount(accounts.get(id)!));
    if (claim) {
      idempotency.set(idemKey(claim.userId, claim.key), structuredClone({ ...claim, transaction, accounts: touched, createdAt: transaction.createdAt }));
    }
    return { status: 'posted', transaction: structuredClone(transaction), accounts: touched };
  }

  return {
    async ping() {},

    async createUser(user) {
      if (userIdByKey.has(user.usernameKey)) return false;
      users.set(user.id, copyUser(user));
      userIdByKey.set(user.usernameKey, user.id);
      return true;
    },
    async findUserById(id) {
      const user = users.get(id);
      return user ? copyUser(user) : null;
    },
    async findUserByUsernameKey(key) {
      const id = userIdByKey.get(key);
      return id === undefined ? null : copyUser(users.get(id)!);
    },
    async updatePassword(userId, passwordHash, credentialVersion) {
      const user = users.get(userId);
      if (!user) return false;
      user.passwordHash = passwordHash;
      user.credentialVersion = credentialVersion;
      return true;
    },

    async createAccount(account) {
      const ref = refKey(account.bankCode, account.accountNumber);
      if (accountIdByRef.has(ref)) return false;
      accounts.set(account.id, { ...copyAccount(account), balance: 0, entryCount: 0 });
      accountIdByRef.set(ref, account.id);
      const owned = accountIdsByOwner.get(account.ownerId) ?? [];
      owned.push(account.id);
      accountIdsByOwner.set(account.ownerId, owned);
      entriesByAccount.set(account.id, []);
      return true;
    },
    async findAccount(bankCode, accountNumber) {
      const id = accountIdByRef.get(refKey(bankCode, accountNumber));
      return id === undefined ? null : copyAccount(accounts.get(id)!);
    },
    async listAccounts(ownerId) {
      return (accountIdsByOwner.get(ownerId) ?? []).map((id) => copyAccount(accounts.get(id)!));
    },

    async postTransaction(request) {
      return apply(request);
    },
    async findIdempotencyRecord(userId, key) {
      const record = idempotency.get(idemKey(userId, key));
      return record ? structuredClone(record) : null;
    },

    async listLedgerEntries(accountId, { limit, beforeSequence }) {
      const entries = entriesByAccount.get(accountId) ?? [];
      // Sequence n sits at index n - 1, so a page is a slice, not a scan.
      const end = beforeSequence === null ? entries.length : Math.min(entries.length, Math.max(0, beforeSequence - 1));
      return entries.slice(Math.max(0, end - limit), end).reverse().map(copyEntry);
    },

    readLedger() {
      // Copied now, synchronously: one consistent snapshot even while movements continue.
      const snapshot = [...accounts.values()].map((account) => ({
        account: copyAccount(account),
        entries: entriesByAccount.get(account.id)!.map(copyEntry),
      }));
      return (async function* () {
        yield* snapshot;
      })();
    },
  };
}
