import { BankError, type BankErrorCode, BANK_ERROR_CODES } from 'bankcore';

/** Options of `createClient` and `createOperatorClient`. */
export interface TransportOptions {
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

/** One request as the clients describe it. */
export interface Call {
  method: 'GET' | 'POST';
  path: string;
  json?: unknown;
  form?: Record<string, string>;
  auth?: boolean;
  idempotencyKey?: string;
  /** Safe to send again: a GET, or a keyed money movement. */
  retry: boolean;
  /** Ask for CSV and answer the text. */
  csv?: boolean;
}

const CODES: ReadonlySet<string> = new Set(BANK_ERROR_CODES);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The query string of defined parameters, with its `?`. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : '';
}

/** A path segment, percent-encoded (`@world` stays readable). */
export const segment = (value: string) => encodeURIComponent(value).replaceAll('%40', '@');

/**
 * Sends calls with retries: network errors, 5xx and 429 (honouring `Retry-After`) are retried with backoff and
 * jitter for calls marked `retry`; nothing else is. Errors become `BankError`s with the server's code.
 */
export function createTransport(options: TransportOptions, bearer: () => string | null) {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  const attempts = Math.max(1, options.attempts ?? 4);
  const baseDelay = options.baseDelayMs ?? 100;
  const maxDelay = options.maxDelayMs ?? 5_000;
  const backoff = (attempt: number) => Math.min(maxDelay, baseDelay * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);

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

  return async function send<T>(call: Call): Promise<T> {
    const headers: Record<string, string> = { accept: call.csv ? 'text/csv' : 'application/json' };
    let body: string | undefined;
    if (call.json !== undefined) [headers['content-type'], body] = ['application/json', JSON.stringify(call.json)];
    if (call.form) [headers['content-type'], body] = ['application/x-www-form-urlencoded', new URLSearchParams(call.form).toString()];
    if (call.auth) {
      const token = bearer();
      if (!token) throw new BankError('INVALID_TOKEN', 'No credentials: log in first (or pass a key)');
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
      if (response.ok) {
        if (response.status === 204) return undefined as T;
        return (call.csv ? await response.text() : await response.json()) as T;
      }
      const error = await toError(response);
      const retriable = response.status >= 500 || response.status === 429;
      if (!call.retry || !retriable || attempt >= attempts) throw error;
      const retryAfter = error.details?.retryAfterSeconds;
      await sleep(typeof retryAfter === 'number' ? Math.min(retryAfter * 1000, maxDelay) : backoff(attempt));
    }
  };
}
