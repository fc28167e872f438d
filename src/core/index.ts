export { createBank, usernameKey } from './bank.js';
export type { Bank, BankOperator, BankOptions, OpenAccountInput } from './bank.js';
export { applyCommitPlan, copyEntry, copyHold, copyTransaction, emptyAccount, entryOf, newSettlementAccount, isRefusal, publicAccount, rowOf, SETTLEMENT_ID_PREFIX, settlementId } from './commit.js';
export type { CommitInputs, CommitOutcome, CommitRefusal, UnsequencedEntry } from './commit.js';
export { BankError, BANK_ERROR_CODES, isBankError } from './errors.js';
export type { BankErrorCode, BankErrorDetails, ValidationIssue } from './errors.js';
export { packUuid, unpackUuid } from './ids.js';
export type { MaybePromise } from './maybe-promise.js';
export { OPERATOR_SCOPE } from './ledger.js';
export { OPERATOR_SCOPES } from './operator-keys.js';
export { createJsonParts, EVENT_TYPES, eventPayloadJson, newEvent, storedEvent } from './events.js';
export type { BankEvent, EventConsumer, EventPage, EventPayloads, EventType, JsonParts, Jsonified, NewEvent, WebhookSettings } from './events.js';
export type { BankEvents, EventLogOptions } from './event-log.js';
export type { WebhookEndpoint, WebhookEndpoints } from './webhook-endpoints.js';
export type { OperatorCredential, OperatorKey, OperatorKeys, OperatorScope, StoredOperatorKey } from './operator-keys.js';
export type { DepositInput, TransferInput } from './movements.js';
export type { CaptureResult, CreatedHold, FundInput, HoldInput, MovementOptions, Operator, OperatorResult, PostInput } from './operator.js';
export {
  createPasswordHasher,
  constantTimeEqual,
  inProcessKdf,
  kdfOptions,
  DEFAULT_PASSWORD_HASHING,
  INSECURE_TEST_PASSWORD_HASHING,
} from './passwords.js';
export type { PasswordHasher, PasswordHashing, PasswordKdf } from './passwords.js';
export { DEFAULT_RATE_LIMITS, memoryRateLimitStore } from './rate-limit.js';
export type { RateLimitHit, RateLimitRule, RateLimits, RateLimitStore } from './rate-limit.js';
export type { HistoryOptions } from './reads.js';
export { isoTime, jsonTime } from './time.js';
export * as schemas from './schemas.js';
export type {
  AccountGuard,
  AccountUpdate,
  CommitPlan,
  CommitResult,
  EntryQuery,
  HoldResolution,
  IdempotencyClaim,
  IdempotencyRecord,
  ReadPurpose,
  RefusalReason,
  StorageAdapter,
  StoredAccount,
  StoredUser,
} from './storage.js';
export type { TokenOptions } from './tokens.js';
export type {
  Account,
  AccountRef,
  AccountStatus,
  HistoryPage,
  Hold,
  HoldParty,
  HoldStatus,
  LedgerEntry,
  LedgerProblem,
  Metadata,
  MovementResult,
  PointInTimeBalance,
  Principal,
  Transaction,
  TransactionLeg,
  TransactionType,
  User,
  VerifyReport,
} from './types.js';
