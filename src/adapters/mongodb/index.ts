import { MongoClient, type ClientSession, type Collection, type Db, type TransactionOptions } from 'mongodb';
import { BankError, type PostTransactionResult, type StorageAdapter } from 'bankcore';
import {
  accountFromDocument,
  accountToDocument,
  entryFromDocument,
  idempotencyFromDocument,
  int64,
  num,
  transactionToDocument,
  userFromDocument,
  userToDocument,
  type AccountDocument,
  type IdempotencyDocument,
  type LedgerEntryDocument,
  type UserDocument,
} from './documents.js';
import { guarded, isDuplicateKey, storageFailure } from './errors.js';

export { mongodbRateLimitStore } from './rate-limit.js';

/** Options of {@link mongodbAdapter}: a connected client you own, or a URI the adapter connects (and closes). */
export type MongodbAdapterOptions = ({ client: MongoClient } | { uri: string }) & {
  /** Database name; default the URI's, else `bankcore`. */
  dbName?: string;
  /**
   * Most money movements this process runs at once (default 8). A transaction holds its accounts from its first
   * write to its commit; letting hundreds queue for pool connections mid-transaction turns every hot account
   * into a storm of write conflicts and retries. Queued movements wait here instead, holding nothing.
   */
  maxConcurrentTransactions?: number;
};

/** Collection names, camelCase. */
export const COLLECTIONS = {
  users: 'users',
  accounts: 'accounts',
  ledgerEntries: 'ledgerEntries',
  idempotencyRecords: 'idempotencyRecords',
  rateLimits: 'rateLimits',
} as const;

const MAJORITY = { w: 'majority' } as const;
const TRANSACTION: TransactionOptions = {
  readConcern: { level: 'snapshot' },
  writeConcern: MAJORITY,
  readPreference: 'primary',
};

/**
 * The database a connection string names in its path, or `bankcore` when it names none.
 *
 * @example
 * ```ts
 * databaseNameOf('mongodb://db1,db2/payments?replicaSet=rs0') // 'payments'
 * ```
 */
export function databaseNameOf(uri: string): string {
  return /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]+)/.exec(uri)?.[1] ?? 'bankcore';
}

/** A counting semaphore: at most `limit` holders at once, the rest served first come, first served. */
function semaphore(limit: number) {
  let active = 0;
  const queue: Array<() => void> = [];
  return async <T>(run: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => queue.push(resolve));
    else active++;
    try {
      return await run();
    } finally {
      const next = queue.shift();
      if (next) next();
      else active--;
    }
  };
}

/** The answer to a movement whose key is already recorded: its replay, or a conflict if the payload differs. */
function answerFromRecord(doc: IdempotencyDocument, fingerprint: string): PostTransactionResult {
  const record = idempotencyFromDocument(doc);
  return { status: doc.fingerprint === fingerprint ? 'replayed' : 'idempotency_key_reused', record };
}

/** Thrown inside a transaction callback to abort it with an expected outcome. */
class Refusal {
  constructor(readonly result: PostTransactionResult) {}
}

/**
 * Creates a {@link StorageAdapter} on MongoDB through the official driver. Every money movement is one
 * multi-document transaction (snapshot read concern, majority write concern, retried by the driver on
 * `TransientTransactionError` and `UnknownTransactionCommitResult`) holding the no-overdraft guard, the ledger
 * entries and the idempotency record. Needs a replica set or sharded cluster: `init()` refuses a standalone
 * server rather than fall back to non-atomic writes.
 *
 * @param options - `{ client }` (you connect and close it) or `{ uri }`; `dbName` defaults to the URI's database
 *   or `bankcore`.
 * @throws BankError CONFIGURATION_INVALID from `init()` on a standalone server; STORAGE_UNAVAILABLE from any
 *   call when MongoDB cannot be reached.
 * @example
 * ```ts
 * import { mongodbAdapter } from 'bankcore/mongodb';
 * const bank = createBank({ storage: mongodbAdapter({ uri: 'mongodb://localhost:27017/?replicaSet=rs0' }), tokens });
 * await bank.init();
 * ```
 */
export function mongodbAdapter(options: MongodbAdapterOptions): StorageAdapter {
  const owned = 'uri' in options;
  const client = 'client' in options ? options.client : new MongoClient(options.uri, { writeConcern: MAJORITY });
  const db: Db = client.db(options.dbName ?? ('uri' in options ? databaseNameOf(options.uri) : 'bankcore'));
  const users: Collection<UserDocument> = db.collection(COLLECTIONS.users);
  const accounts: Collection<AccountDocument> = db.collection(COLLECTIONS.accounts);
  const entries: Collection<LedgerEntryDocument> = db.collection(COLLECTIONS.ledgerEntries);
  const idempotency: Collection<IdempotencyDocument> = db.collection(COLLECTIONS.idempotencyRecords);

  async function insertUnlessDuplicate(insert: () => Promise<unknown>): Promise<boolean> {
    try {
      await insert();
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw storageFailure(error);
    }
  }

  async function applyInTransaction(session: ClientSession, request: Parameters<StorageAdapter['postTransaction']>[0]) {
    const { transaction, idempotency: claim } = request;
    if (claim) {
      const earlier = await idempotency.findOne({ userId: claim.userId, key: claim.key }, { session });
      if (earlier) throw new Refusal(answerFromRecord(earlier, claim.fingerprint));
    }
    const after: AccountDocument[] = [];
    for (const leg of transaction.legs) {
      // The guard lives in the update's filter, so the check and the change are one atomic step.
      const bound = leg.amount < 0 ? { $gte: int64(-leg.amount) } : { $lte: int64(Number.MAX_SAFE_INTEGER - leg.amount) };
      const updated = await accounts.findOneAndUpdate(
        { _id: leg.accountId, balance: bound },
        { $inc: { balance: int64(leg.amount), entryCount: 1 } },
        { session, returnDocument: 'after' },
      );
      if (!updated) {
        const exists = await accounts.findOne({ _id: leg.accountId }, { session, projection: { _id: 1 } });
        const status = !exists ? 'account_not_found' : leg.amount < 0 ? 'insufficient_funds' : 'balance_overflow';
        throw new Refusal({ status, accountId: leg.accountId });
      }
      after.push(updated);
    }
    const ledger: LedgerEntryDocument[] = after.map((account, i) => {
      const leg = transaction.legs[i]!;
      const other = transaction.legs.find((l) => l.accountId !== leg.accountId);
      return {
        _id: `${transaction.id}:${i}`,
        accountId: account._id,
        transactionId: transaction.id,
        sequence: account.entryCount,
        type: transaction.type,
        amount: int64(leg.amount),
        balanceAfter: int64(num(account.balance)),
        currency: account.currency,
        counterparty: other ? { bankCode: other.bankCode, accountNumber: other.accountNumber } : null,
        reference: transaction.reference,
        createdAt: transaction.createdAt,
      };
    });
    await entries.insertMany(ledger, { session });
    if (claim) {
      await idempotency.insertOne(
        {
          _id: transaction.id,
          ...claim,
          transaction: transactionToDocument(transaction),
          accounts: after.map((a) => accountToDocument(accountFromDocument(a))),
          createdAt: transaction.createdAt,
        },
        { session },
      );
    }
    return after.map(accountFromDocument);
  }

  const admit = semaphore(options.maxConcurrentTransactions ?? 8);

  async function postTransaction(request: Parameters<StorageAdapter['postTransaction']>[0]): Promise<PostTransactionResult> {
    return admit(() => postTransactionNow(request));
  }

  async function postTransactionNow(request: Parameters<StorageAdapter['postTransaction']>[0]): Promise<PostTransactionResult> {
    const session = client.startSession();
    try {
      const touched = await session.withTransaction(() => applyInTransaction(session, request), TRANSACTION);
      return { status: 'posted', transaction: structuredClone(request.transaction), accounts: touched };
    } catch (error) {
      if (error instanceof Refusal) return error.result;
      if (request.idempotency && isDuplicateKey(error)) {
        // Another call with this key committed first: answer as its replay (or conflict).
        const { userId, key, fingerprint } = request.idempotency;
        const winner = await guarded(() => idempotency.findOne({ userId, key }));
        if (winner) return answerFromRecord(winner, fingerprint);
      }
      throw storageFailure(error);
    } finally {
      await session.endSession().catch(() => undefined);
    }
  }

  return {
    async init() {
      const hello = await guarded(() => db.admin().command({ hello: 1 }));
      if (!hello['setName'] && hello['msg'] !== 'isdbgrid') {
        throw new BankError(
          'CONFIGURATION_INVALID',
          'MongoDB is a standalone server, which has no transactions; bankcore needs them for atomic money movements. ' +
            'Start mongod with --replSet rs0 and run rs.initiate() (a one-member replica set is enough), or use ' +
            'MongoMemoryReplSet from mongodb-memory-server in tests.',
        );
      }
      await guarded(async () => {
        await users.createIndex({ usernameKey: 1 }, { unique: true, name: 'usernameKey_unique' });
        await accounts.createIndex({ bankCode: 1, accountNumber: 1 }, { unique: true, name: 'bankCode_accountNumber_unique' });
        await accounts.createIndex({ ownerId: 1, createdAt: 1, _id: 1 }, { name: 'ownerId_createdAt' });
        await entries.createIndex({ accountId: 1, sequence: 1 }, { unique: true, name: 'accountId_sequence_unique' });
        await idempotency.createIndex({ userId: 1, key: 1 }, { unique: true, name: 'userId_key_unique' });
      });
    },
    async close() {
      if (owned) await client.close();
    },
    ping: () => guarded(async () => void (await db.command({ ping: 1 }))),

    createUser: (user) => insertUnlessDuplicate(() => users.insertOne(userToDocument(user))),
    findUserById: (id) => guarded(async () => {
      const doc = await users.findOne({ _id: id });
      return doc && userFromDocument(doc);
    }),
    findUserByUsernameKey: (key) => guarded(async () => {
      const doc = await users.findOne({ usernameKey: key });
      return doc && userFromDocument(doc);
    }),
    updatePassword: (userId, passwordHash, credentialVersion) =>
      guarded(async () => (await users.updateOne({ _id: userId }, { $set: { passwordHash, credentialVersion } })).matchedCount === 1),

    createAccount: (account) =>
      insertUnlessDuplicate(() => accounts.insertOne(accountToDocument({ ...account, balance: 0, entryCount: 0 }))),
    findAccount: (bankCode, accountNumber) => guarded(async () => {
      const doc = await accounts.findOne({ bankCode, accountNumber });
      return doc && accountFromDocument(doc);
    }),
    listAccounts: (ownerId) =>
      guarded(async () => (await accounts.find({ ownerId }).sort({ createdAt: 1, _id: 1 }).toArray()).map(accountFromDocument)),

    postTransaction,
    findIdempotencyRecord: (userId, key) => guarded(async () => {
      const doc = await idempotency.findOne({ userId, key });
      return doc && idempotencyFromDocument(doc);
    }),

    listLedgerEntries: (accountId, { limit, beforeSequence }) =>
      guarded(async () => {
        const filter = beforeSequence === null ? { accountId } : { accountId, sequence: { $lt: beforeSequence } };
        return (await entries.find(filter).sort({ sequence: -1 }).limit(limit).toArray()).map(entryFromDocument);
      }),

    readLedger() {
      return (async function* () {
        const cursor = accounts.find({}).sort({ createdAt: 1, _id: 1 });
        try {
          for await (const account of cursor) {
            const rows = await entries.find({ accountId: account._id }).sort({ sequence: 1 }).toArray();
            yield { account: accountFromDocument(account), entries: rows.map(entryFromDocument) };
          }
        } catch (error) {
          throw storageFailure(error);
        }
      })();
    },
  };
}
