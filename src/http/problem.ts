import type { BankError, BankErrorCode } from 'bankcore';

/**
 * The HTTP status of every bank error code. Typed as a complete `Record`, so adding a code to
 * `BankErrorCode` without a status here fails to compile.
 */
export const STATUS_BY_CODE: Record<BankErrorCode, number> = {
  VALIDATION_FAILED: 422,
  USERNAME_TAKEN: 409,
  ACCOUNT_EXISTS: 409,
  INSUFFICIENT_FUNDS: 409,
  CURRENCY_MISMATCH: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  LIMIT_EXCEEDED: 422,
  INVALID_PRINCIPAL: 401,
  ACCOUNT_FROZEN: 409,
  ACCOUNT_CLOSED: 409,
  ACCOUNT_NOT_EMPTY: 409,
  HOLD_NOT_FOUND: 404,
  HOLD_NOT_PENDING: 409,
  HOLD_EXPIRED: 409,
  TRANSACTION_NOT_FOUND: 404,
  ALREADY_REVERSED: 409,
  UNBALANCED_TRANSACTION: 422,
  EVENTS_PRUNED: 410,
  CONFLICT: 409,
  INVALID_CREDENTIALS: 401,
  INVALID_TOKEN: 401,
  FORBIDDEN: 403,
  TOKEN_EXPIRED: 401,
  ACCOUNT_NOT_FOUND: 404,
  RATE_LIMITED: 429,
  STORAGE_UNAVAILABLE: 503,
  CONFIGURATION_INVALID: 500,
  MALFORMED_REQUEST: 400,
  HEADERS_TOO_LARGE: 431,
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  INTERNAL: 500,
  NETWORK_ERROR: 503,
};

/** The reason phrase of each status bankcore answers with (RFC 9110), for `title`. */
export const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** An RFC 9457 problem document as bankcore sends it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: BankErrorCode;
  errors?: Array<{ path: string; message: string }>;
  requestId?: string;
}

/** A response before it is written to a transport. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  /** Serialised once, by the transport; `null` for no body. */
  body: unknown;
  /** A body sent as it is instead of `body` (the docs page and its assets). */
  raw?: string | Uint8Array;
  /** A body written as it is produced (a CSV statement); a failure midway cuts the connection. */
  stream?: AsyncIterable<string>;
}

/** Builds the problem+json response for a code, with the headers its status calls for. */
export function problemResponse(
  code: BankErrorCode,
  detail: string,
  extra: { errors?: Problem['errors']; headers?: Record<string, string>; requestId?: string } = {},
): HttpResponse {
  const status = STATUS_BY_CODE[code];
  const body: Problem = {
    type: `urn:bankcore:problem:${code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...(extra.errors ? { errors: extra.errors } : {}),
    ...(extra.requestId ? { requestId: extra.requestId } : {}),
  };
  // An error is never cached: a retry must reach the server (and the README promises no-store on every response).
  const headers: Record<string, string> = { 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...extra.headers };
  if (status === 401) {
    headers['www-authenticate'] = code === 'INVALID_CREDENTIALS' ? 'Bearer' : 'Bearer error="invalid_token"';
  }
  return { status, headers, body };
}

/** The problem response for a BankError. */
export function bankErrorResponse(error: BankError): HttpResponse {
  const headers: Record<string, string> = {};
  const retry = error.details?.retryAfterSeconds;
  if (error.code === 'RATE_LIMITED' && typeof retry === 'number') headers['retry-after'] = String(retry);
  if (error.code === 'METHOD_NOT_ALLOWED' && error.details?.allow) headers['allow'] = error.details.allow;
  return problemResponse(error.code, error.message, { errors: error.details?.issues, headers });
}
