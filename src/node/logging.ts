import { pino, type Logger } from 'pino';
import { isBankError } from 'bankcore';
import type { HttpLogEntry, HttpLogger } from 'bankcore/http';

/** Options of {@link createServerLogger}. */
export interface ServerLoggerOptions {
  /** `json` (default): one JSON object per line (pino). `pretty`: readable lines for a terminal. */
  format?: 'json' | 'pretty';
  /** Where lines go; default stdout, where the lines of one event-loop turn are written together, in one write. */
  write?: (line: string) => void;
}

/** The standalone server's logger: its own lines and, through `http`, one line per request. */
export interface ServerLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  /** Logs a failure by its code and message, never its stack or the values it was given. */
  error(message: string, error?: unknown): void;
  http: HttpLogger;
}

/** What a log may say about an error: its code and message (and its cause's), never a stack trace. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  const cause = error.cause instanceof Error ? { cause: `${error.cause.name}: ${error.cause.message}` } : {};
  return { error: `${error.name}: ${error.message}`, ...(isBankError(error) ? { code: error.code } : {}), ...cause };
}

/** The fields of a request's line, in the order they are written. */
export const requestFields = (e: HttpLogEntry) => ({
  requestId: e.requestId,
  method: e.method,
  route: e.route,
  status: e.status,
  durationMs: Math.round(e.durationMs * 10) / 10,
  ...(e.userId ? { userId: e.userId } : {}),
  ...(e.operatorKeyId ? { operatorKeyId: e.operatorKeyId } : {}),
  ...(e.code ? { code: e.code } : {}),
});

function pretty(write: (line: string) => void): Pick<Logger, 'info' | 'warn' | 'error'> {
  const line = (level: string) => (fields: Record<string, unknown>, message: string) => {
    const { requestId, method, route, status, durationMs, ...rest } = fields as Record<string, unknown>;
    const head = method ? `${method} ${route} ${status} ${durationMs}ms ${requestId}` : '';
    const tail = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
    write(`${new Date().toISOString()} ${level.padEnd(5)} ${[message, head, tail].filter(Boolean).join(' ')}\n`);
  };
  return { info: line('info'), warn: line('warn'), error: line('error') } as unknown as Pick<Logger, 'info' | 'warn' | 'error'>;
}

// Lines bound for stdout, written together at the end of the event-loop turn that logged them: a request's line
// no longer costs a system call of its own (one write per line was 13 % of the standalone server's CPU on
// GET /balance, measured with --cpu-prof). Pending lines also go out at exit; a process killed outright (SIGKILL)
// loses at most its last turn's lines, which the ledger never depends on. One buffer for every default logger,
// since they share stdout.
let pending = '';
let exitHooked = false;
function flushStdout(): void {
  if (pending === '') return;
  const out = pending;
  pending = '';
  process.stdout.write(out);
}
function writeStdout(line: string): void {
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', flushStdout);
  }
  if (pending === '') setImmediate(flushStdout);
  pending += line;
  if (pending.length >= 64 * 1024) flushStdout();
}

// The time of the lines logged within one millisecond, formatted once: a Date and its ISO string per request line
// were 2 % of the standalone server's CPU on GET /balance.
let isoMs = -1;
let iso = '';
function isoNow(): string {
  const ms = Date.now();
  if (ms !== isoMs) {
    isoMs = ms;
    iso = new Date(ms).toISOString();
  }
  return iso;
}

/**
 * A request's JSON line, the very text pino writes for `info(requestFields(entry), 'request')` (a test compares
 * them), built directly: pino's serialiser, its level formatter and its timestamp were 6 % of the standalone
 * server's CPU on GET /balance (`--cpu-prof`), for the one line every request writes.
 */
export function requestLine(e: HttpLogEntry): string {
  const f = requestFields(e);
  let line = `{"level":"info","time":"${isoNow()}","requestId":${JSON.stringify(f.requestId)},"method":${JSON.stringify(f.method)},"route":${JSON.stringify(f.route)},"status":${f.status},"durationMs":${Number.isFinite(f.durationMs) ? f.durationMs : null}`;
  if (f.userId) line += `,"userId":${JSON.stringify(f.userId)}`;
  if (f.operatorKeyId) line += `,"operatorKeyId":${JSON.stringify(f.operatorKeyId)}`;
  if (f.code) line += `,"code":${JSON.stringify(f.code)}`;
  return `${line},"msg":"request"}\n`;
}

/**
 * Builds the standalone server's logger. Request lines carry the request id, route (the template, such as
 * `/transactions/{id}`, never a query string), status, duration and, where known, the user id or operator key id.
 * Bodies, passwords, tokens and keys never reach a line: nothing that carries them is ever passed in.
 *
 * @example
 * ```ts
 * const log = createServerLogger({ format: process.env.BANK_LOG_FORMAT === 'pretty' ? 'pretty' : 'json' });
 * await startServer({ bank, logger: log.http });
 * ```
 */
export function createServerLogger(options: ServerLoggerOptions = {}): ServerLogger {
  const write = options.write ?? writeStdout;
  const json = options.format !== 'pretty';
  const base = json ? pino({ base: null, timestamp: () => `,"time":"${isoNow()}"`, formatters: { level: (label) => ({ level: label }) } }, { write }) : pretty(write);
  return {
    info: (message, fields = {}) => base.info(fields, message),
    warn: (message, fields = {}) => base.warn(fields, message),
    error: (message, error) => base.error(error === undefined ? {} : describeError(error), message),
    http: {
      request: (entry) => (json ? write(requestLine(entry)) : base.info(requestFields(entry), 'request')),
      error: ({ error, ...entry }) => base.error({ ...requestFields(entry), ...describeError(error) }, 'request failed'),
    },
  };
}
