import type { z } from 'zod';
import { BankError, type BankErrorCode, BANK_ERROR_CODES } from 'bankcore';
import type * as s from '../wire/schemas.js';

// Request and response types come from the zod schemas the server validates with: one source of truth.
export type CreateUserRequest = z.input<typeof s.createUserBody>;
export type TokenRequest = { username: string; password: string };
export type AddAccountRequest = z.input<typeof s.addAccountBody>;
export type MovementRequest = z.input<typeof s.movementBody>;
export type TransferRequest = z.input<typeof s.transferBody>;
export type ChangePasswordRequest = z.input<typeof s.changePasswordBody>;
export type AccountRef = { bankCode: string; accountNumber: string };
export type UserResponse = z.output<typeof s.userResponse>;
export type TokenResponse = z.output<typeof s.tokenResponse>;
export type AccountResponse = z.output<typeof s.accountResponse>;
export type MovementResponse = z.output<typeof s.movementResponse>;
export type EntryResponse = z.output<typeof s.entryResponse>;

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** Where the server is, with its base path, e.g. `https://bank.example/api`. */
  baseUrl: string;
  /** A `fetch` to use; default the global one. */
  fetch?: typeof fetch;
  /** Attempts per safe call (GETs, and money movements, which always carry an idempotency key); default 4. */
  attempts?: number;
  /** First retry delay in ms, doubled each time with jitter, capped at `maxDelayMs`; default 100. */
  baseDelayMs?: number;
  /** Longest wait between attempts, also for `Retry-After`; default 5 000. */
  maxDelayMs?: number;
}

/** Per-call options of money movements. */
export interface MovementOptions {
  /** Defaults to a fresh random key for this call, kept across its retries. */
  idempotencyKey?: string;
}

const CODES: ReadonlySet<string> = new Set(BANK_ERROR_CODES);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Call {
  method: 'GET' | 'POST';
  path: string;
  json?: unknown;
  form?: Record<string, string>;
  auth?: boolean;
  idempotencyKey?: string;
  /** Safe to send again: a GET, or a keyed money movement. */
  retry: boolean;
}

/**
 * Creates a typed client for a bankcore HTTP server. Money movements get an `Idempotency-Key` (kept across
 * retries of the same call) and are retried with backoff on network errors, 5xx and 429 (honouring
 * `Retry-After`); GETs are retried likewise; nothing else is ever retried. Errors are `BankError`s with the
 * server's code (and `NETWORK_ERROR` when it cannot be reached).
 *
 * @example
 * ```ts
 * const bank = createClient({ baseUrl: 'http://127.0.0.1:8000' });
 * await bank.login({ username: 'alice', password: 'correct horse battery' });
 * await bank.deposit({ bankCode: 'BANK1', accountNumber: '00010001', amount: 500 });
 * ```
 */
export function createClient(options: ClientOptions) {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const attempts = Math.max(1, options.attempts ?? 4);
  const baseDelay = options.baseDelayMs ?? 100;
  const maxDelay = options.maxDelayMs ?? 5_000;
  let token: string | null = null;

  async function toError(response: Response): Promise<BankError> {
    const problem = (await response.json().catch(() => null)) as { code?: string; detail?: string; errors?: unknown; requestId?: string } | null;
    const code: BankErrorCode = problem?.code && CODES.has(problem.code) ? (problem.code as BankErrorCode) : response.status >= 500 ? 'INTERNAL' : 'MALFORMED_REQUEST';
    const details: Record<string, unknown> = { status: response.status };
    if (Array.isArray(problem?.errors)) details['issues'] = problem.errors;
    if (problem?.requestId) details['requestId'] = problem.requestId;
    const retryAfter = Number(response.headers.get('retry-after'));
    if (Number.isFinite(retryAfter) && retryAfter > 0) details['retryAfterSeconds'] = retryAfter;
    return new BankError(code, problem?.detail ?? `HTTP ${response.status}`, { details });
  }

  async function send<T>(call: Call): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    let body: string | undefined;
    if (call.json !== undefined) [headers['content-type'], body] = ['application/json', JSON.stringify(call.json)];
    if (call.form) [headers['content-type'], body] = ['application/x-www-form-urlencoded', new URLSearchParams(call.form).toString()];
    if (call.auth) {
      if (!token) throw new BankError('INVALID_TOKEN', 'Not logged in: call login() first');
      headers['authorization'] = `Bearer ${token}`;
    }
    if (call.idempotencyKey) headers['idempotency-key'] = call.idempotencyKey;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await doFetch(`${base}${call.path}`, { method: call.method, headers, body });
      } catch (error) {
        if (!call.retry || attempt >= attempts) throw new BankError('NETWORK_ERROR', `Could not reach ${base}`, { cause: error });
        await sleep(backoff(attempt));
        continue;
      }
      if (response.ok) return (response.status === 204 ? undefined : await response.json()) as T;
      const error = await toError(response);
      const retriable = response.status >= 500 || response.status === 429;
      if (!call.retry || !retriable || attempt >= attempts) throw error;
      const retryAfter = error.details?.retryAfterSeconds;
      await sleep(typeof retryAfter === 'number' ? Math.min(retryAfter * 1000, maxDelay) : backoff(attempt));
    }
  }

  const backoff = (attempt: number) => Math.min(maxDelay, baseDelay * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
  const key = (o?: MovementOptions) => o?.idempotencyKey ?? crypto.randomUUID();
  const query = (params: Record<string, string | number | undefined>) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
    const text = q.toString();
    return text ? `?${text}` : '';
  };

  return {
    /** Registers a user. Throws USERNAME_TAKEN, VALIDATION_FAILED, RATE_LIMITED. */
    createUser: (input: CreateUserRequest) => send<UserResponse>({ method: 'POST', path: '/createUser', json: input, retry: false }),
    /** Logs in and keeps the token for later calls. Throws INVALID_CREDENTIALS, RATE_LIMITED. */
    async login(input: TokenRequest): Promise<TokenResponse> {
      const answer = await send<TokenResponse>({ method: 'POST', path: '/token', form: { username: input.username, password: input.password }, retry: false });
      token = answer.access_token;
      return answer;
    },
    /** Uses a token obtained elsewhere (or `null` to forget it). */
    setToken(value: string | null): void {
      token = value;
    },
    changePassword: (input: ChangePasswordRequest) => send<void>({ method: 'POST', path: '/changePassword', json: input, auth: true, retry: false }),
    addAccount: (input: AddAccountRequest) => send<AccountResponse>({ method: 'POST', path: '/addAccount', json: input, auth: true, retry: false }),
    /** Deposits; retried safely under one idempotency key. */
    deposit: (input: MovementRequest, o?: MovementOptions) =>
      send<MovementResponse>({ method: 'POST', path: '/deposit', json: input, auth: true, idempotencyKey: key(o), retry: true }),
    withdraw: (input: MovementRequest, o?: MovementOptions) =>
      send<MovementResponse>({ method: 'POST', path: '/withdraw', json: input, auth: true, idempotencyKey: key(o), retry: true }),
    transfer: (input: TransferRequest, o?: MovementOptions) =>
      send<MovementResponse>({ method: 'POST', path: '/transfer', json: input, auth: true, idempotencyKey: key(o), retry: true }),
    /** The caller's accounts, or one of them. */
    balance: (account?: AccountRef) =>
      send<{ accounts: AccountResponse[] }>({ method: 'GET', path: `/balance${query({ ...account })}`, auth: true, retry: true }),
    transactions: (input: AccountRef & { limit?: number; cursor?: string }) =>
      send<{ data: EntryResponse[]; nextCursor: string | null }>({ method: 'GET', path: `/transactions${query(input)}`, auth: true, retry: true }),
    health: () => send<{ status: 'ok' }>({ method: 'GET', path: '/healthz', retry: true }),
  };
}

/** A client made by {@link createClient}. */
export type BankClient = ReturnType<typeof createClient>;
