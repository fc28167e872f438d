/** An authenticated caller, as returned by `bank.authenticate`. */
export interface Principal {
  userId: string;
  username: string;
}

/** A registered user as callers see it: never the password hash. */
export interface User {
  id: string;
  /** The username as registered (NFKC-normalised); uniqueness ignores case. */
  username: string;
  createdAt: Date;
}

/** Identifies an account by its bank code and account number, as a customer would. */
export interface AccountRef {
  bankCode: string;
  accountNumber: string;
}

/** A money account. `balance` is in integer minor units (cents for USD). */
export interface Account extends AccountRef {
  id: string;
  ownerId: string;
  /** ISO-4217 code, e.g. `USD`. */
  currency: string;
  balance: number;
  /** How many ledger entries the account has; the newest entry's `sequence`. */
  entryCount: number;
  createdAt: Date;
}

/** The kinds of money movement. */
export type TransactionType = 'deposit' | 'withdrawal' | 'transfer';

/** One account's side of a transaction: a signed amount (credit positive, debit negative). */
export interface TransactionLeg extends AccountRef {
  accountId: string;
  amount: number;
}

/** A posted money movement. Its legs were applied together or not at all. */
export interface Transaction {
  id: string;
  type: TransactionType;
  /** The positive amount moved, in minor units. */
  amount: number;
  currency: string;
  legs: TransactionLeg[];
  reference: string | null;
  /** The user who asked for it. */
  initiatorId: string;
  createdAt: Date;
}

/** One line of an account's ledger: the change and the balance right after it. */
export interface LedgerEntry {
  id: string;
  accountId: string;
  transactionId: string;
  /** 1, 2, 3… per account, with no gaps: the order the entries were applied in. */
  sequence: number;
  type: TransactionType;
  /** Signed change in minor units: positive credits, negative debits. */
  amount: number;
  balanceAfter: number;
  currency: string;
  /** The other account of a transfer; null for deposits and withdrawals. */
  counterparty: AccountRef | null;
  reference: string | null;
  createdAt: Date;
}

/** What a money movement returns: the transaction and the caller's own accounts as they are after it. */
export interface MovementResult {
  transaction: Transaction;
  /** The account the caller acted on (the source, for a transfer), after the movement. */
  account: Account;
  /** Every account of the caller that the movement touched, after it (both, for a transfer between own accounts). */
  accounts: Account[];
  /** True when this is the stored result of an earlier call with the same idempotency key. */
  replayed: boolean;
}

/** A page of ledger entries, newest first; pass `nextCursor` back to read older ones. */
export interface HistoryPage {
  entries: LedgerEntry[];
  nextCursor: string | null;
}

/** One inconsistency found by `bank.verify()`. */
export interface LedgerProblem {
  accountId: string | null;
  transactionId: string | null;
  message: string;
}

/** The result of `bank.verify()`. */
export interface VerifyReport {
  ok: boolean;
  accountsChecked: number;
  entriesChecked: number;
  problems: LedgerProblem[];
}
