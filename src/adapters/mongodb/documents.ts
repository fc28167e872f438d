import { Long } from 'mongodb';
import type { Account, IdempotencyRecord, LedgerEntry, StoredUser, Transaction } from 'bankcore';

// How domain objects are stored. Money is BSON Int64 (`Long`) so no amount is ever a double on disk; ids
// are the core's string ids, used as `_id`.

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
  ownerId: string;
  bankCode: string;
  accountNumber: string;
  currency: string;
  balance: Long;
  entryCount: number;
  createdAt: Date;
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
  createdAt: Date;
}

interface TransactionDocument extends Omit<Transaction, 'amount' | 'legs'> {
  amount: Long;
  legs: Array<Omit<Transaction['legs'][number], 'amount'> & { amount: Long }>;
}

export interface IdempotencyDocument {
  _id: string;
  userId: string;
  key: string;
  fingerprint: string;
  transaction: TransactionDocument;
  accounts: AccountDocument[];
  createdAt: Date;
}

/** Reads an Int64 (or a number written by other tools) as a JS number; the core keeps every value safe. */
export const num = (value: Long | number | bigint): number =>
  typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : value.toNumber();
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

export const accountToDocument = (a: Account): AccountDocument => ({
  _id: a.id,
  ownerId: a.ownerId,
  bankCode: a.bankCode,
  accountNumber: a.accountNumber,
  currency: a.currency,
  balance: int64(a.balance),
  entryCount: a.entryCount,
  createdAt: a.createdAt,
});

export const accountFromDocument = (d: AccountDocument): Account => ({
  id: d._id,
  ownerId: d.ownerId,
  bankCode: d.bankCode,
  accountNumber: d.accountNumber,
  currency: d.currency,
  balance: num(d.balance),
  entryCount: num(d.entryCount),
  createdAt: d.createdAt,
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
  createdAt: d.createdAt,
});

export const transactionToDocument = (t: Transaction): TransactionDocument => ({
  ...t,
  amount: int64(t.amount),
  legs: t.legs.map((l) => ({ ...l, amount: int64(l.amount) })),
});

const transactionFromDocument = (d: TransactionDocument): Transaction => ({
  id: d.id,
  type: d.type,
  amount: num(d.amount),
  currency: d.currency,
  legs: d.legs.map((l) => ({ accountId: l.accountId, bankCode: l.bankCode, accountNumber: l.accountNumber, amount: num(l.amount) })),
  reference: d.reference,
  initiatorId: d.initiatorId,
  createdAt: d.createdAt,
});

export const idempotencyFromDocument = (d: IdempotencyDocument): IdempotencyRecord => ({
  userId: d.userId,
  key: d.key,
  fingerprint: d.fingerprint,
  transaction: transactionFromDocument(d.transaction),
  accounts: d.accounts.map(accountFromDocument),
  createdAt: d.createdAt,
});
