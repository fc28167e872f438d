import type { z } from 'zod';
import type * as s from '../wire/schemas.js';
import { createTransport, query, segment, type TransportOptions } from './transport.js';

export { createOperatorClient } from './operator.js';
export type { OperatorClient, OperatorClientOptions } from './operator.js';

// Request and response types come from the zod schemas the server validates with: one source of truth. Responses
// use the core's names (`accessToken`, `entries`); times are ISO-8601 strings, as they travel.
export type CreateUserRequest = z.input<typeof s.createUserBody>;
export type TokenRequest = { username: string; password: string };
export type AddAccountRequest = z.input<typeof s.addAccountBody>;
export type MovementRequest = z.input<typeof s.movementBody>;
export type TransferRequest = z.input<typeof s.transferBody>;
export type ChangePasswordRequest = z.input<typeof s.changePasswordBody>;
export type AccountRef = { bankCode: string; accountNumber: string };
export type UserResponse = z.output<typeof s.userResponse>;
export type AccountResponse = z.output<typeof s.accountResponse>;
export type TransactionResponse = z.output<typeof s.transactionResponse>;
export type MovementResponse = z.output<typeof s.movementResponse>;
export type EntryResponse = z.output<typeof s.entryResponse>;
export type HoldResponse = z.output<typeof s.holdResponse>;
export type PointInTimeResponse = z.output<typeof s.pointInTimeResponse>;
/** A login's answer, in the core's names (the wire's `access_token` is OAuth's). */
export interface LoginResponse {
  accessToken: string;
  tokenType: 'bearer';
  expiresIn: number;
}
/** A page of history, in the core's names (the wire calls `entries` `data`). */
export interface HistoryPageResponse {
  entries: EntryResponse[];
  nextCursor: string | null;
}
/** A time range and page of history. */
export interface HistoryQuery {
  limit?: number;
  cursor?: string | null;
  from?: string | Date;
  to?: string | Date;
}

/** Options of {@link createClient}. */
export type ClientOptions = TransportOptions;

/** Per-call options of money movements. */
export interface MovementOptions {
  /** Defaults to a fresh random key for this call, kept across its retries. */
  idempotencyKey?: string;
}

const iso = (t: string | Date | undefined) => (t instanceof Date ? t.toISOString() : t);

/**
 * Creates a typed client for the customer routes of a bankcore HTTP server. Money movements get an
 * `Idempotency-Key` (kept across retries of the same call) and are retried with backoff on network errors, 5xx and
 * 429 (honouring `Retry-After`); GETs are retried likewise; nothing else is ever retried. Errors are `BankError`s
 * with the server's code (and `NETWORK_ERROR` when it cannot be reached).
 *
 * @example
 * ```ts
 * const bank = createClient({ baseUrl: 'http://127.0.0.1:8000' });
 * await bank.login({ username: 'alice', password: 'correct horse battery' });
 * await bank.deposit({ bankCode: 'BANK1', accountNumber: '00010001', amount: 500 });
 * ```
 */
export function createClient(options: ClientOptions) {
  let token: string | null = null;
  const send = createTransport(options, () => token);
  const key = (o?: MovementOptions) => o?.idempotencyKey ?? crypto.randomUUID();
  const history = (ref: AccountRef, range: HistoryQuery) => ({ ...ref, limit: range.limit, cursor: range.cursor, from: iso(range.from), to: iso(range.to) });

  return {
    /** Registers a user. Throws USERNAME_TAKEN, VALIDATION_FAILED, RATE_LIMITED. */
    createUser: (input: CreateUserRequest) => send<UserResponse>({ method: 'POST', path: '/createUser', json: input, retry: false }),
    /** Logs in and keeps the token for later calls. Throws INVALID_CREDENTIALS, RATE_LIMITED. */
    async login(input: TokenRequest): Promise<LoginResponse> {
      const answer = await send<z.output<typeof s.tokenResponse>>({ method: 'POST', path: '/token', form: { grant_type: 'password', username: input.username, password: input.password }, retry: false });
      token = answer.access_token;
      return { accessToken: answer.access_token, tokenType: answer.token_type, expiresIn: answer.expires_in };
    },
    /** Uses a token obtained elsewhere (or `null` to forget it). */
    setToken(value: string | null): void {
      token = value;
    },
    /** Changes the password; every earlier token stops working. Throws INVALID_CREDENTIALS, VALIDATION_FAILED. */
    changePassword: (input: ChangePasswordRequest) => send<void>({ method: 'POST', path: '/changePassword', json: input, auth: true, retry: false }),
    /** Opens an account. Throws ACCOUNT_EXISTS, LIMIT_EXCEEDED, VALIDATION_FAILED. */
    addAccount: (input: AddAccountRequest) => send<AccountResponse>({ method: 'POST', path: '/addAccount', json: input, auth: true, retry: false }),
    /** Deposits; retried safely under one idempotency key. Throws FORBIDDEN when the bank turned deposits off. */
    deposit: (input: MovementRequest, o?: MovementOptions) => send<MovementResponse>({ method: 'POST', path: '/deposit', json: input, auth: true, idempotencyKey: key(o), retry: true }),
    /** Withdraws; retried safely. Throws INSUFFICIENT_FUNDS, ACCOUNT_FROZEN, ACCOUNT_CLOSED. */
    withdraw: (input: MovementRequest, o?: MovementOptions) => send<MovementResponse>({ method: 'POST', path: '/withdraw', json: input, auth: true, idempotencyKey: key(o), retry: true }),
    /** Transfers to any account; retried safely. Throws INSUFFICIENT_FUNDS, ACCOUNT_NOT_FOUND, CURRENCY_MISMATCH. */
    transfer: (input: TransferRequest, o?: MovementOptions) => send<MovementResponse>({ method: 'POST', path: '/transfer', json: input, auth: true, idempotencyKey: key(o), retry: true }),
    /** The caller's accounts (a page: pass `cursor` from `nextCursor`), or one of them. */
    balance: (account?: AccountRef & { limit?: number; cursor?: string }) =>
      send<{ accounts: AccountResponse[]; nextCursor: string | null }>({ method: 'GET', path: `/balance${query({ ...account })}`, auth: true, retry: true }),
    /** An own account's balance at a past time. Throws ACCOUNT_NOT_FOUND. */
    balanceAt: (account: AccountRef, at: string | Date) => send<PointInTimeResponse>({ method: 'GET', path: `/balance${query({ ...account, at: iso(at) })}`, auth: true, retry: true }),
    /** A page of an own account's history, newest first, within an optional time range. */
    async history(account: AccountRef, range: HistoryQuery = {}): Promise<HistoryPageResponse> {
      const page = await send<{ data: EntryResponse[]; nextCursor: string | null }>({ method: 'GET', path: `/transactions${query(history(account, range))}`, auth: true, retry: true });
      return { entries: page.data, nextCursor: page.nextCursor };
    },
    /** The whole range as a CSV statement (every page), newest entry first. */
    statement: (account: AccountRef, range: Omit<HistoryQuery, 'limit' | 'cursor'> = {}) =>
      send<string>({ method: 'GET', path: `/transactions${query(history(account, range))}`, auth: true, retry: true, csv: true }),
    /** The open holds on an own account. */
    holds: async (account: AccountRef) => (await send<{ holds: HoldResponse[] }>({ method: 'GET', path: `/holds${query(account)}`, auth: true, retry: true })).holds,
    /** A transaction with a leg on one of the caller's accounts. Throws TRANSACTION_NOT_FOUND. */
    getTransaction: (id: string) => send<TransactionResponse>({ method: 'GET', path: `/transactions/${segment(id)}`, auth: true, retry: true }),
    /** Resolves when the server and its storage are up. */
    health: () => send<{ status: 'ok' }>({ method: 'GET', path: '/healthz', retry: true }),
  };
}

/** A client made by {@link createClient}. */
export type BankClient = ReturnType<typeof createClient>;
