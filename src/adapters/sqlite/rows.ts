import { entryOf, isoTime, storedEvent, type Account, type Metadata, type BankEvent, type EventConsumer, type StoredOperatorKey, type Hold, type IdempotencyRecord, type LedgerEntry, type StoredAccount, type StoredUser, type Transaction } from 'bankcore';

// How domain objects are stored. Columns hold what is queried or guarded; the rest of a transaction, hold or
// idempotency record is a JSON body. Times are epoch milliseconds; money is INTEGER minor units.

export interface UserRow {
  id: string;
  username: string;
  username_key: string;
  password_hash: string;
  credential_version: number;
  created_at: number;
}

export interface AccountRow {
  pk: number;
  id: string;
  owner_id: string | null;
  bank_code: string;
  account_number: string;
  currency: string;
  balance: number;
  pending: number;
  status: StoredAccount['status'];
  overdraft_limit: number;
  entry_count: number;
  created_at: number;
  last_entry_at: number | null;
  /** The id of the account's newest entry, the head of its chain (see migration 8); null before its first. */
  last_entry_id: number | null;
}

/** The columns a read joins of a transaction's row (see `POSTED` in reads.ts). */
interface JoinedTransactionColumns {
  transaction_id: string;
  transaction_body: string;
  transaction_created_at: number;
}

/** An entry row joined with its transaction's row. */
export interface EntryRow extends JoinedTransactionColumns {
  account_id: string;
  sequence: number;
  leg: number;
  balance_after: number;
  currency: string;
}

/** A time written by `JSON.stringify` (an ISO string) back as a Date; `null` stays `null`. */
const dateFromIso = <T>(value: T): T => (typeof value === 'string' ? (new Date(value) as T) : value);

// Bodies are parsed with plain JSON.parse and their times revived by path, never by key name: a reviver is called
// for every value (a history page parses fifty bodies, and a reviver made that several times slower), and it would
// also turn a customer's metadata value under a key such as `createdAt` into a Date.
const reviveTransaction = (t: Transaction): Transaction => ((t.createdAt = dateFromIso(t.createdAt)), t);
const reviveHold = (h: Hold): Hold => {
  h.createdAt = dateFromIso(h.createdAt);
  h.expiresAt = dateFromIso(h.expiresAt);
  h.resolvedAt = dateFromIso(h.resolvedAt);
  return h;
};

// The value of each lowercase hex digit's character code; -1 for any other character.
const HEX_VALUE = Array.from({ length: 128 }, (_, c) => '0123456789abcdef'.indexOf(String.fromCharCode(c)));

/**
 * A transaction's key in the `transactions` table, derived from its id: the 48-bit millisecond and the 12-bit
 * counter of a version-7 UUID (as the core's `newId` makes them) read as one 60-bit integer, so keys rise with
 * commit order and a new transaction appends to the table; null for an id that is not such a UUID (lowercase,
 * `xxxxxxxx-xxxx-7xxx-[89ab]xxx-xxxxxxxxxxxx`), which takes a negative key mapped in `transaction_pks` (see
 * migration 9). A number while it is exact (until 2039), else a BigInt. Read a character at a time: a regular
 * expression and three slices were 1.5 % of a durable deposit's CPU (`--cpu-prof`, 64 callers in-process).
 */
export function transactionPk(id: string): number | bigint | null {
  if (id.length !== 36 || id.charCodeAt(14) !== 0x37) return null;
  let pk = 0;
  for (let i = 0; i < 36; i++) {
    const c = id.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 0x2d) return null;
      continue;
    }
    const v = c < 128 ? HEX_VALUE[c]! : -1;
    if (v < 0) return null;
    // The key's 15 digits: the millisecond's 12 (before the version digit) and the counter's 3 (after it).
    if (i < 14 || (i > 14 && i < 18)) pk = pk * 16 + v;
  }
  const variant = id.charCodeAt(19);
  if (variant !== 0x38 && variant !== 0x39 && variant !== 0x61 && variant !== 0x62) return null;
  if (Number.isSafeInteger(pk)) return pk;
  return BigInt(`0x${id.slice(0, 8)}${id.slice(9, 13)}${id.slice(15, 18)}`);
}

/** Finds an account's row by id: how a read completes what a body holds of an account only by its id. */
export type AccountRowOf = (id: string) => AccountRow | undefined;

/** The columns a read selects of a transaction's row. */
export interface TransactionColumns {
  id: string;
  body: string;
  created_at: number;
}

/** A transaction's body as {@link storedTransactionJson} writes it. */
interface StoredTransactionBody {
  type: Transaction['type'];
  amount: number;
  currency: string;
  legs: Array<[accountId: string, amount: number]>;
  reference?: string;
  metadata?: Metadata;
  initiatorId: string | null;
  reversalOf?: string;
  reversedBy?: string;
  holdId?: string;
}

/**
 * A transaction's body as its row stores it. Its id and commit time are the row's columns. Each leg is its account's
 * id and its amount: an account's bank code and account number never change, so they are read back from its row.
 * The reference, metadata, reversal links and hold id are written only when set. A deposit's body took about 470
 * bytes written in full, and about 170 so. Bodies written in full before stay so, and read as they are.
 */
export function storedTransactionJson(t: Transaction): string {
  const body: StoredTransactionBody = { type: t.type, amount: t.amount, currency: t.currency, legs: t.legs.map((l) => [l.accountId, l.amount]), initiatorId: t.initiatorId };
  if (t.reference !== null) body.reference = t.reference;
  for (const _ in t.metadata) {
    body.metadata = t.metadata;
    break;
  }
  if (t.reversalOf !== null) body.reversalOf = t.reversalOf;
  if (t.reversedBy !== null) body.reversedBy = t.reversedBy;
  if (t.holdId !== null) body.holdId = t.holdId;
  return JSON.stringify(body);
}

/** A transaction from its row, in either form ({@link storedTransactionJson}, or in full as written before). */
export function transactionFromRow(r: TransactionColumns, rowOf: AccountRowOf): Transaction {
  const parsed = JSON.parse(r.body) as StoredTransactionBody | Transaction;
  if ('id' in parsed) return reviveTransaction(parsed);
  const b = parsed;
  return {
    id: r.id,
    type: b.type,
    amount: b.amount,
    currency: b.currency,
    legs: b.legs.map(([accountId, amount]) => {
      const row = accountRowOrThrow(rowOf, accountId);
      return { accountId, bankCode: row.bank_code, accountNumber: row.account_number, amount };
    }),
    reference: b.reference ?? null,
    metadata: b.metadata ?? {},
    initiatorId: b.initiatorId,
    reversalOf: b.reversalOf ?? null,
    reversedBy: b.reversedBy ?? null,
    holdId: b.holdId ?? null,
    createdAt: new Date(r.created_at),
  };
}

/** A transaction from the columns a read joined of its row. */
const joinedTransaction = (r: JoinedTransactionColumns, rowOf: AccountRowOf): Transaction =>
  transactionFromRow({ id: r.transaction_id, body: r.transaction_body, created_at: r.transaction_created_at }, rowOf);

function accountRowOrThrow(rowOf: AccountRowOf, id: string): AccountRow {
  const row = rowOf(id);
  if (!row) throw new Error('an account named by a stored transaction, event or idempotency record has no row');
  return row;
}

export const userFromRow = (r: UserRow): StoredUser => ({
  id: r.id,
  username: r.username,
  usernameKey: r.username_key,
  passwordHash: r.password_hash,
  credentialVersion: r.credential_version,
  createdAt: new Date(r.created_at),
});

export const accountFromRow = (r: AccountRow): StoredAccount => ({
  id: r.id,
  ownerId: r.owner_id,
  bankCode: r.bank_code,
  accountNumber: r.account_number,
  currency: r.currency,
  balance: r.balance,
  pending: r.pending,
  available: r.balance - r.pending,
  status: r.status,
  overdraftLimit: r.overdraft_limit,
  entryCount: r.entry_count,
  createdAt: new Date(r.created_at),
  lastEntryAt: r.last_entry_at === null ? null : new Date(r.last_entry_at),
});

/** The row of an account after a change, keeping its integer `pk`, with `lastEntryId` the head of its entries. */
export const accountRowOf = (a: StoredAccount, pk: number, lastEntryId: number | null): AccountRow => ({
  pk,
  id: a.id,
  owner_id: a.ownerId,
  bank_code: a.bankCode,
  account_number: a.accountNumber,
  currency: a.currency,
  balance: a.balance,
  pending: a.pending,
  status: a.status,
  overdraft_limit: a.overdraftLimit,
  entry_count: a.entryCount,
  created_at: a.createdAt.getTime(),
  last_entry_at: a.lastEntryAt?.getTime() ?? null,
  last_entry_id: lastEntryId,
});

/** The parameters of an account row, in column order (for INSERT and full UPDATE). */
export const accountParams = (a: StoredAccount) => [
  a.ownerId,
  a.bankCode,
  a.accountNumber,
  a.currency,
  a.balance,
  a.pending,
  a.status,
  a.overdraftLimit,
  a.entryCount,
  a.createdAt.getTime(),
  a.lastEntryAt?.getTime() ?? null,
];

/** An entry rebuilt from its row and its transaction: the core's `entryOf`, as a commit wrote it. */
export const entryFromRow = (r: EntryRow, rowOf: AccountRowOf): LedgerEntry =>
  entryOf(joinedTransaction(r, rowOf), r.leg, r.sequence, r.balance_after, r.currency);

/** Parses a hold's stored body. */
export const holdFromBody = (body: string): Hold => reviveHold(JSON.parse(body) as Hold);

/** The columns of a row that may name the transaction its commit posted instead of carrying a copy of it. */
export interface PostedTransactionColumns {
  /**
   * Whether the row's `transaction_pk` names a transaction (1) or not (0). Selected as a flag, not the key: a key
   * past 2^53 (from 2039) is more than `node:sqlite` reads as a number.
   */
  names_transaction: number;
  /** That transaction's row, joined: its id, body and commit time. */
  transaction_id: string | null;
  transaction_body: string | null;
  transaction_created_at: number | null;
}

/** Written where the posted transaction's text would be, in a row that names it. */
const POSTED_TRANSACTION_PLACEHOLDER = 0;

/**
 * An account that a commit touched, as its event payload and idempotency record body hold it: what a commit may
 * change of it, after its id. The rest (owner, bank code, account number, currency, opening time) never changes
 * once the account is opened (accounts are never deleted and keep their owner), so it is read back from the
 * account's row. Written in full, an account took about 330 bytes of each event and record; this, about 60.
 */
export type AccountChange = [id: string, balance: number, pending: number, status: Account['status'], overdraftLimit: number, entryCount: number];

/** The commit's touched accounts as {@link AccountChange}s. */
export const accountChanges = (accounts: readonly Account[]): AccountChange[] => accounts.map((a) => [a.id, a.balance, a.pending, a.status, a.overdraftLimit, a.entryCount]);

/**
 * How an event payload or an idempotency record body is written. The transaction its commit posts (`posted`, whose
 * own row holds it) becomes a placeholder, and `named` is true, for the row's `transaction_pk` to name it. A
 * transaction that already shows a reversal is never named, since {@link withPostedTransaction} puts one back as not
 * reversed. The accounts the commit touched (`touched.accounts`, the very array) become `touched.changes`.
 * Anything else is written as it is.
 */
export function storedForm<T extends { transaction?: unknown; accounts?: unknown }>(
  value: T,
  posted: Transaction | null,
  touched: { accounts: readonly Account[]; changes: AccountChange[] },
): { value: T; named: boolean } {
  const named = posted !== null && posted.reversedBy === null && value.transaction === posted;
  const changes = value.accounts === touched.accounts;
  if (!named && !changes) return { value, named };
  // Spread, then overwritten in place: the keys keep their order, and so the text its order.
  return { value: { ...value, ...(named ? { transaction: POSTED_TRANSACTION_PLACEHOLDER } : {}), ...(changes ? { accounts: touched.changes } : {}) }, named };
}

/**
 * Puts back, into a parsed event payload or idempotency record body, accounts written as {@link AccountChange}s,
 * completed from their rows (`rowOf`) as `publicAccount` shapes them. `time` gives the opening time as the body
 * holds times: a Date in a record, an ISO string in an event. Accounts written whole (before) stay as they are, and
 * the answer is false.
 */
function withAccounts(value: { accounts?: unknown }, rowOf: AccountRowOf, time: (ms: number) => Date | string): boolean {
  const list = value.accounts;
  if (!Array.isArray(list) || !Array.isArray(list[0])) return false;
  value.accounts = (list as AccountChange[]).map(([id, balance, pending, status, overdraftLimit, entryCount]) => {
    const row = accountRowOrThrow(rowOf, id);
    return { id, ownerId: row.owner_id, bankCode: row.bank_code, accountNumber: row.account_number, currency: row.currency, balance, pending, available: balance - pending, status, overdraftLimit, entryCount, createdAt: time(row.created_at) };
  });
  return true;
}

/**
 * Puts back, into a parsed event payload or idempotency record body, the transaction that its commit posted, where
 * the writer left a placeholder ({@link storedForm}). That transaction is as its row now holds it,
 * except `reversedBy`: the one thing a transaction's row takes after its commit (a later reversal), which the
 * commit's own event and record never showed.
 */
export function withPostedTransaction<T extends { transaction?: unknown }>(value: T, row: PostedTransactionColumns, rowOf: AccountRowOf): T {
  if (!row.names_transaction) return value;
  if (row.transaction_body === null) throw new Error('a transaction named by an event or idempotency record has no row');
  const posted = joinedTransaction(row as JoinedTransactionColumns, rowOf);
  // As the body held it: times as JSON writes them.
  value.transaction = { ...posted, reversedBy: null, createdAt: isoTime(posted.createdAt) };
  return value;
}

export type RecordRow = { scope: string; key: string; fingerprint: string; body: string } & PostedTransactionColumns;

export const recordFromRow = (r: RecordRow, rowOf: AccountRowOf): IdempotencyRecord => {
  const body = withPostedTransaction(JSON.parse(r.body) as Omit<IdempotencyRecord, 'scope' | 'key' | 'fingerprint'>, r, rowOf);
  if (!withAccounts(body, rowOf, (ms) => new Date(ms))) for (const account of body.accounts) account.createdAt = dateFromIso(account.createdAt);
  return {
    scope: r.scope,
    key: r.key,
    fingerprint: r.fingerprint,
    ...body,
    transaction: body.transaction && reviveTransaction(body.transaction),
    hold: body.hold && reviveHold(body.hold),
    createdAt: dateFromIso(body.createdAt),
  };
};

export interface OperatorKeyRow {
  id: string;
  name: string;
  scopes: string;
  secret_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export function operatorKeyFromRow(r: OperatorKeyRow): StoredOperatorKey {
  const time = (ms: number | null) => (ms === null ? null : new Date(ms));
  return { id: r.id, name: r.name, scopes: JSON.parse(r.scopes), secretHash: r.secret_hash, createdAt: new Date(r.created_at), lastUsedAt: time(r.last_used_at), revokedAt: time(r.revoked_at) };
}

export interface EventRow extends PostedTransactionColumns {
  position: number;
  id: string;
  type: BankEvent['type'];
  occurred_at: number;
  payload: string;
}

export function eventFromRow(r: EventRow, rowOf: AccountRowOf): BankEvent {
  const event = storedEvent({ id: r.id, type: r.type, occurredAt: new Date(r.occurred_at) }, r.payload, r.position);
  withPostedTransaction(event.payload as { transaction?: unknown }, r, rowOf);
  withAccounts(event.payload as { accounts?: unknown }, rowOf, (ms) => isoTime(new Date(ms)));
  return event;
}

export interface ConsumerRow {
  name: string;
  position: number;
  created_at: number;
  webhook: string | null;
}

export function consumerFromRow(r: ConsumerRow): EventConsumer {
  const webhook = r.webhook === null ? null : (JSON.parse(r.webhook) as EventConsumer['webhook'] & object);
  if (webhook) for (const key of ['failingSince', 'disabledAt'] as const) webhook[key] = webhook[key] === null ? null : new Date(webhook[key] as unknown as string);
  return { name: r.name, position: r.position, createdAt: new Date(r.created_at), webhook };
}
