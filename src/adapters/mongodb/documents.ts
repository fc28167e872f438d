import { Long } from 'mongodb';
import { publicAccount, type Account, type Hold, type IdempotencyRecord, type LedgerEntry, type Metadata, type StoredAccount, type StoredOperatorKey, type StoredUser, type Transaction, type UnsequencedEntry } from 'bankcore';

// How domain objects are stored. Money is BSON Int64 (`Long`) so no amount is ever a double on disk; ids
// are the core's string ids, used as `_id`. Fields added by schema 2 are read with their defaults, so a
// document written by schema 1 reads correctly while the migration runs.

export interface UserDocument {
  _id: string;
  username: string;
  usernameKey: string;
  passwordHash: string;
  credentialVersion: number;
  createdAt: Date;
}

export interface AccountDocument {
  _id: string;
  ownerId: string | null;
  bankCode: string;
  accountNumber: string;
  currency: string;
  /** For a settlement account this stays 0: its balance is the sum of its settlement entries. */
  balance: Long;
  entryCount: number;
  createdAt: Date;
  pending?: Long;
  status?: Account['status'];
  overdraftLimit?: Long;
  lastEntryAt?: Date | null;
}

export interface LedgerEntryDocument {
  _id: string;
  accountId: string;
  transactionId: string;
  sequence: number;
  type: LedgerEntry['type'];
  amount: Long;
  balanceAfter: Long;
  currency: string;
  counterparty: { bankCode: string; accountNumber: string } | null;
  reference: string | null;
  metadata?: Metadata;
  createdAt: Date;
}

/** A settlement account's entry: numbered and summed on read, so no commit writes a shared row. */
export interface SettlementEntryDocument extends Omit<LedgerEntryDocument, 'sequence' | 'balanceAfter'> {
  metadata: Metadata;
}

export interface TransactionDocument {
  _id: string;
  type: Transaction['type'];
  amount: Long;
  currency: string;
  legs: Array<{ accountId: string; bankCode: string; accountNumber: string; amount: Long }>;
  reference: string | null;
  metadata?: Metadata;
  initiatorId: string | null;
  reversalOf?: string | null;
  reversedBy?: string | null;
  holdId?: string | null;
  createdAt: Date;
}

export interface HoldDocument extends Omit<Hold, 'id' | 'amount' | 'capturedAmount'> {
  _id: string;
  amount: Long;
  capturedAmount: Long;
}

/** Schema 1 embedded the transaction with its `id`; schema 2 stores it as a {@link TransactionDocument}. */
type EmbeddedTransaction = Omit<TransactionDocument, '_id'> & { id?: string; _id?: string };

export interface IdempotencyDocument {
  _id: string;
  /** The claim's scope: a user id, or `@operator`. */
  userId: string;
  key: string;
  fingerprint: string;
  transaction: EmbeddedTransaction | null;
  hold?: HoldDocument | null;
  accounts: AccountDocument[];
  createdAt: Date;
}

/** Reads an Int64 (or a number written by other tools) as a JS number; the core keeps every value safe. */
export const num = (value: Long | number | bigint | undefined): number =>
  value === undefined ? 0 : typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : value.toNumber();
export const int64 = (value: number): Long => Long.fromNumber(value);

export const userToDocument = (u: StoredUser): UserDocument => ({
  _id: u.id,
  username: u.username,
  usernameKey: u.usernameKey,
  passwordHash: u.passwordHash,
  credentialVersion: u.credentialVersion,
  createdAt: u.createdAt,
});

export const userFromDocument = (d: UserDocument): StoredUser => ({
  id: d._id,
  username: d.username,
  usernameKey: d.usernameKey,
  passwordHash: d.passwordHash,
  credentialVersion: num(d.credentialVersion),
  createdAt: d.createdAt,
});

export const accountToDocument = (a: StoredAccount | Account): AccountDocument => ({
  _id: a.id,
  ownerId: a.ownerId,
  bankCode: a.bankCode,
  accountNumber: a.accountNumber,
  currency: a.currency,
  balance: int64(a.balance),
  entryCount: a.entryCount,
  createdAt: a.createdAt,
  pending: int64(a.pending),
  status: a.status,
  overdraftLimit: int64(a.overdraftLimit),
  lastEntryAt: 'lastEntryAt' in a ? a.lastEntryAt : null,
});

export function accountFromDocument(d: AccountDocument): StoredAccount {
  const balance = num(d.balance);
  const pending = num(d.pending);
  return {
    id: d._id,
    ownerId: d.ownerId,
    bankCode: d.bankCode,
    accountNumber: d.accountNumber,
    currency: d.currency,
    balance,
    pending,
    available: balance - pending,
    status: d.status ?? 'active',
    overdraftLimit: num(d.overdraftLimit),
    entryCount: num(d.entryCount),
    createdAt: d.createdAt,
    lastEntryAt: d.lastEntryAt ?? null,
  };
}

export const entryToDocument = (e: LedgerEntry): LedgerEntryDocument => ({
  _id: e.id,
  accountId: e.accountId,
  transactionId: e.transactionId,
  sequence: e.sequence,
  type: e.type,
  amount: int64(e.amount),
  balanceAfter: int64(e.balanceAfter),
  currency: e.currency,
  counterparty: e.counterparty,
  reference: e.reference,
  metadata: e.metadata,
  createdAt: e.createdAt,
});

export const settlementEntryToDocument = (e: UnsequencedEntry): SettlementEntryDocument => ({
  _id: e.id,
  accountId: e.accountId,
  transactionId: e.transactionId,
  type: e.type,
  amount: int64(e.amount),
  currency: e.currency,
  counterparty: e.counterparty,
  reference: e.reference,
  metadata: e.metadata,
  createdAt: e.createdAt,
});

export const entryFromDocument = (d: LedgerEntryDocument): LedgerEntry => ({
  id: d._id,
  accountId: d.accountId,
  transactionId: d.transactionId,
  sequence: num(d.sequence),
  type: d.type,
  amount: num(d.amount),
  balanceAfter: num(d.balanceAfter),
  currency: d.currency,
  counterparty: d.counterparty,
  reference: d.reference,
  metadata: d.metadata ?? {},
  createdAt: d.createdAt,
});

export const transactionToDocument = (t: Transaction): TransactionDocument => ({
  _id: t.id,
  type: t.type,
  amount: int64(t.amount),
  currency: t.currency,
  legs: t.legs.map((l) => ({ accountId: l.accountId, bankCode: l.bankCode, accountNumber: l.accountNumber, amount: int64(l.amount) })),
  reference: t.reference,
  metadata: t.metadata,
  initiatorId: t.initiatorId,
  reversalOf: t.reversalOf,
  reversedBy: t.reversedBy,
  holdId: t.holdId,
  createdAt: t.createdAt,
});

export const transactionFromDocument = (d: TransactionDocument | EmbeddedTransaction): Transaction => ({
  id: ('_id' in d && d._id ? d._id : (d as EmbeddedTransaction).id)!,
  type: d.type,
  amount: num(d.amount),
  currency: d.currency,
  legs: d.legs.map((l) => ({ accountId: l.accountId, bankCode: l.bankCode, accountNumber: l.accountNumber, amount: num(l.amount) })),
  reference: d.reference,
  metadata: d.metadata ?? {},
  initiatorId: d.initiatorId,
  reversalOf: d.reversalOf ?? null,
  reversedBy: d.reversedBy ?? null,
  holdId: d.holdId ?? null,
  createdAt: d.createdAt,
});

export const holdToDocument = (h: Hold): HoldDocument => {
  const { id, amount, capturedAmount, ...rest } = h;
  return { _id: id, ...rest, amount: int64(amount), capturedAmount: int64(capturedAmount) };
};

export const holdFromDocument = (d: HoldDocument): Hold => {
  const { _id, amount, capturedAmount, ...rest } = d;
  return { id: _id, ...rest, amount: num(amount), capturedAmount: num(capturedAmount) };
};

export const idempotencyToDocument = (r: IdempotencyRecord, id: string): IdempotencyDocument => ({
  _id: id,
  userId: r.scope,
  key: r.key,
  fingerprint: r.fingerprint,
  transaction: r.transaction && transactionToDocument(r.transaction),
  hold: r.hold && holdToDocument(r.hold),
  accounts: r.accounts.map(accountToDocument),
  createdAt: r.createdAt,
});

export const idempotencyFromDocument = (d: IdempotencyDocument): IdempotencyRecord => ({
  scope: d.userId,
  key: d.key,
  fingerprint: d.fingerprint,
  transaction: d.transaction && transactionFromDocument(d.transaction),
  hold: d.hold ? holdFromDocument(d.hold) : null,
  accounts: d.accounts.map((a) => publicAccount(accountFromDocument(a))),
  createdAt: d.createdAt,
});

/** An operator key as stored: `_id` is the key id. */
export type OperatorKeyDocument = Omit<StoredOperatorKey, 'id'> & { _id: string };

export const operatorKeyToDocument = ({ id, ...rest }: StoredOperatorKey): OperatorKeyDocument => ({ _id: id, ...rest, scopes: [...rest.scopes] });
export const operatorKeyFromDocument = ({ _id, ...rest }: OperatorKeyDocument): StoredOperatorKey => ({ id: _id, ...rest, scopes: [...rest.scopes] });
