export { createBank, usernameKey } from './bank.js';
export type { Bank, BankOptions, HistoryOptions, OpenAccountInput } from './bank.js';
export { BankError, BANK_ERROR_CODES, isBankError } from './errors.js';
export type { BankErrorCode, BankErrorDetails, ValidationIssue } from './errors.js';
export type { DepositInput, TransferInput } from './movements.js';
export {
  createPasswordHasher,
  constantTimeEqual,
  inProcessKdf,
  kdfOptions,
  DEFAULT_PASSWORD_HASHING,
  INSECURE_TEST_PASSWORD_HASHING,
} from './passwords.js';
export type { PasswordHasher, PasswordHashing, PasswordKdf } from './passwords.js';
export * as schemas from './schemas.js';
export type {
  IdempotencyClaim,
  IdempotencyRecord,
  PostTransactionRequest,
  PostTransactionResult,
  StorageAdapter,
  StoredUser,
} from './storage.js';
export type { TokenOptions } from './tokens.js';
export type {
  Account,
  AccountRef,
  HistoryPage,
  LedgerEntry,
  LedgerProblem,
  MovementResult,
  Principal,
  Transaction,
  TransactionLeg,
  TransactionType,
  User,
  VerifyReport,
} from './types.js';
