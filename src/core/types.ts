/** An authenticated caller, as returned by `bank.authenticate` or `bank.operator.principal`. */
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

/**
 * What an account may do. `active` moves money; `frozen` refuses every movement and new hold (an operator's
 * reversal excepted) until unfrozen; `closed` is final.
 */
export type AccountStatus = 'active' | 'frozen' | 'closed';

/** A money account. Amounts are integer minor units (cents for USD). */
export interface Account extends AccountRef {
  id: string;
  /** The customer who owns it; `null` for the bank's own settlement accounts (`@world/<currency>`). */
  ownerId: string | null;
  /** ISO-4217 code, e.g. `USD`. */
  currency: string;
  /** Posted balance: the sum of the account's ledger entries. */
  balance: number;
  /** The sum of the account's open holds: reserved, not yet moved. */
  pending: number;
  /** `balance - pending`: what a new debit or hold may use (down to `-overdraftLimit`). */
  available: number;
  status: AccountStatus;
  /** The balance may go down to `-overdraftLimit`; 0 means no overdraft. */
  overdraftLimit: number;
  /** How many ledger entries the account has; the newest entry's `sequence`. */
  entryCount: number;
  createdAt: Date;
}

/** The kinds of transaction. Customers post the first three; the operator API posts the rest. */
export type TransactionType = 'deposit' | 'withdrawal' | 'transfer' | 'fund' | 'payout' | 'post' | 'capture' | 'reversal';

/** One account's side of a transaction: a signed amount (credit positive, debit negative). */
export interface TransactionLeg extends AccountRef {
  accountId: string;
  amount: number;
}

/** Free-form string facts about a transaction or hold: at most 16 keys, each value at most 256 characters. */
export type Metadata = Record<string, string>;

/** A posted transaction: two or more legs, applied together or not at all, summing to zero per currency. */
export interface Transaction {
  id: string;
  type: TransactionType;
  /** The sum of the credit legs in `currency`, in minor units. */
  amount: number;
  /** The currency of the first leg (every leg's, unless an operator posted across currencies). */
  currency: string;
  /** The customer's leg first for customer movements; the bank's settlement leg (`@world/…`) is one of them. */
  legs: TransactionLeg[];
  reference: string | null;
  metadata: Metadata;
  /** The user who asked for it; `null` when the operator API did. */
  initiatorId: string | null;
  /** The transaction this one reverses. */
  reversalOf: string | null;
  /** The transaction that reversed this one, once reversed. */
  reversedBy: string | null;
  /** The hold this transaction captured. */
  holdId: string | null;
  /** The commit time. */
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
  /** The one customer account on the other side, when there is exactly one; else null (deposits, fees). */
  counterparty: AccountRef | null;
  reference: string | null;
  metadata: Metadata;
  /** The commit time; never earlier than the entry before it. */
  createdAt: Date;
}

/** One side of a hold: the account as a customer names it, and its id. */
export interface HoldParty extends AccountRef {
  accountId: string;
}

/** Where a hold stands. It leaves `pending` exactly once. */
export type HoldStatus = 'pending' | 'captured' | 'voided' | 'expired';

/** Money reserved in one account for a later capture to another (a card authorisation, escrow). */
export interface Hold {
  id: string;
  status: HoldStatus;
  /** The account whose `available` the hold reduces. */
  from: HoldParty;
  /** Where a capture sends the money; the settlement account of the currency unless given. */
  to: HoldParty;
  amount: number;
  currency: string;
  /** What a capture moved (0 until captured). */
  capturedAmount: number;
  /** From this time on the hold can no longer be captured; `null` never expires. */
  expiresAt: Date | null;
  reference: string | null;
  metadata: Metadata;
  createdAt: Date;
  /** When it left `pending`. */
  resolvedAt: Date | null;
  /** The capture's transaction. */
  transactionId: string | null;
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

/** A balance at a point in time: right after the last entry at or before `asOf`. */
export interface PointInTimeBalance {
  balance: number;
  /** The time asked about. */
  asOf: Date;
  /** The sequence of the entry that set it; 0 before the first entry. */
  sequence: number;
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
  transactionsChecked: number;
  problems: LedgerProblem[];
}
