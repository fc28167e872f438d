/**
 * Every error code bankcore can raise. One union, so a `switch` over `error.code` is checked
 * for completeness by the compiler (as `bankcore/http` does to map codes to statuses).
 */
export const BANK_ERROR_CODES = [
  'VALIDATION_FAILED',
  'USERNAME_TAKEN',
  'INVALID_CREDENTIALS',
  'INVALID_TOKEN',
  // The caller is known but may not do this: an operator key without the scope, or self-service deposits turned off.
  'FORBIDDEN',
  'TOKEN_EXPIRED',
  'ACCOUNT_EXISTS',
  'ACCOUNT_NOT_FOUND',
  'INSUFFICIENT_FUNDS',
  'CURRENCY_MISMATCH',
  'IDEMPOTENCY_KEY_REUSED',
  'LIMIT_EXCEEDED',
  'INVALID_PRINCIPAL',
  'ACCOUNT_FROZEN',
  'ACCOUNT_CLOSED',
  'ACCOUNT_NOT_EMPTY',
  'HOLD_NOT_FOUND',
  'HOLD_NOT_PENDING',
  'HOLD_EXPIRED',
  'TRANSACTION_NOT_FOUND',
  'ALREADY_REVERSED',
  'UNBALANCED_TRANSACTION',
  // An event reader asked for events that retention already deleted: it fell behind and must reconcile.
  'EVENTS_PRUNED',
  // Raised when a write raced a change to the same account's settings more often than bankcore retries.
  'CONFLICT',
  'RATE_LIMITED',
  'STORAGE_UNAVAILABLE',
  'CONFIGURATION_INVALID',
  // Raised by the HTTP layer and its client for problems of the request itself, not of the bank.
  'MALFORMED_REQUEST',
  'PAYLOAD_TOO_LARGE',
  'HEADERS_TOO_LARGE',
  'REQUEST_TIMEOUT',
  'UNSUPPORTED_MEDIA_TYPE',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'INTERNAL',
  // Raised only by `bankcore/client` when the server could not be reached, after its retries.
  'NETWORK_ERROR',
] as const;

/** A machine-readable error code: one of {@link BANK_ERROR_CODES}. */
export type BankErrorCode = (typeof BANK_ERROR_CODES)[number];

/** One problem found while validating input: where it was (`path`) and what is wrong. */
export interface ValidationIssue {
  /** Dotted path to the offending field, e.g. `from.accountNumber`; empty for the whole input. */
  path: string;
  message: string;
}

/** Structured, client-safe facts about an error; never holds secrets or hashes. */
export interface BankErrorDetails {
  /** Present with `VALIDATION_FAILED`: every problem found, not just the first. */
  issues?: ValidationIssue[];
  /** Present with `RATE_LIMITED`: seconds until a retry may succeed. */
  retryAfterSeconds?: number;
  /** Present with `METHOD_NOT_ALLOWED`: the methods the path takes, as for an `Allow` header. */
  allow?: string;
  [key: string]: unknown;
}

/**
 * The one error class bankcore throws on purpose. `code` says what went wrong; `message` is safe to
 * show a client; `details` carries structured facts; `cause` keeps the wrapped error (zod, jose, driver)
 * for logs only.
 *
 * @example
 * ```ts
 * try { await bank.withdraw(me, { account, amount: 500 }) }
 * catch (e) { if (e instanceof BankError && e.code === 'INSUFFICIENT_FUNDS') showLowBalance() }
 * ```
 */
export class BankError extends Error {
  override readonly name = 'BankError';
  readonly code: BankErrorCode;
  readonly details: BankErrorDetails | undefined;

  /**
   * @param code - what went wrong, from {@link BankErrorCode}.
   * @param message - a client-safe sentence.
   * @param options - `details` for clients, `cause` for logs.
   */
  constructor(code: BankErrorCode, message: string, options: { details?: BankErrorDetails; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options.details;
  }

  /** JSON form without `cause` and stack, so serialising an error never leaks internals. */
  toJSON(): { code: BankErrorCode; message: string; details?: BankErrorDetails } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/**
 * Tells whether `value` is a {@link BankError}, optionally with the given code.
 *
 * @example
 * ```ts
 * if (isBankError(e, 'TOKEN_EXPIRED')) await relogin()
 * ```
 */
export function isBankError(value: unknown, code?: BankErrorCode): value is BankError {
  return value instanceof BankError && (code === undefined || value.code === code);
}
