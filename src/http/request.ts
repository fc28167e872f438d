import { BankError } from 'bankcore';
import { parseStrictJson } from './strict-json.js';

/** A request as the transport-independent app sees it. */
export interface HttpRequest {
  method: string;
  /** Path below the base path, starting with `/`. */
  path: string;
  query: URLSearchParams;
  /** A header value by lower-case name. */
  header(name: string): string | undefined;
  /** The client's address as the transport knows it (for rate limits). */
  clientAddress: string;
  /** Reads the whole body, rejecting with a `BankError` PAYLOAD_TOO_LARGE past the limit. */
  readBody(): Promise<Uint8Array>;
  /** The transport's own request (`Request` for fetch, `IncomingMessage` for node:http), for `authenticate`. */
  native: unknown;
  /** Set once the caller is known, for the request's log line. */
  principalId?: string;
  operatorKeyId?: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function mediaType(req: HttpRequest): string {
  const header = req.header('content-type') ?? '';
  // The header nearly every client sends, taken as it is: the split, trim and lower-casing allocate three strings.
  if (header === 'application/json') return header;
  return header.split(';')[0]!.trim().toLowerCase();
}

function isJson(type: string): boolean {
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

async function text(req: HttpRequest): Promise<string> {
  const bytes = await req.readBody();
  if (bytes.byteLength === 0) throw new BankError('MALFORMED_REQUEST', 'The request body is empty');
  try {
    return utf8.decode(bytes);
  } catch {
    throw new BankError('MALFORMED_REQUEST', 'The request body is not valid UTF-8');
  }
}

/** Reads a JSON body; `form: true` also accepts `application/x-www-form-urlencoded` (for `/token`). */
export async function readPayload(req: HttpRequest, options: { form?: boolean } = {}): Promise<unknown> {
  const type = mediaType(req);
  if (isJson(type)) {
    return parseStrictJson(await text(req));
  }
  if (options.form && type === 'application/x-www-form-urlencoded') {
    // Null prototype: a field named `__proto__` or `toString` is just a field.
    const fields: Record<string, string> = Object.create(null);
    for (const [key, value] of new URLSearchParams(await text(req))) {
      if (key in fields) throw new BankError('MALFORMED_REQUEST', `Form field "${key}" is given more than once`);
      fields[key] = value;
    }
    return fields;
  }
  const accepted = options.form ? 'application/json or application/x-www-form-urlencoded' : 'application/json';
  throw new BankError('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be ${accepted}`);
}

/** Like {@link readPayload}, for a body that may be left out: no body (and no Content-Type) reads as `{}`. */
export async function readOptionalPayload(req: HttpRequest): Promise<unknown> {
  if (req.header('content-type') === undefined && Number(req.header('content-length') ?? 0) === 0 && req.header('transfer-encoding') === undefined) return {};
  return readPayload(req);
}

/** The query string as a plain object; a parameter given twice is a validation error. */
export function queryObject(req: HttpRequest): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const key of new Set(req.query.keys())) {
    const values = req.query.getAll(key);
    if (values.length > 1) {
      throw new BankError('VALIDATION_FAILED', `Query parameter ${key} is given more than once`, {
        details: { issues: [{ path: key, message: 'must be given once' }] },
      });
    }
    out[key] = values[0]!;
  }
  return out;
}

const SCHEME = 'bearer';

/** Where the token starts after `Bearer` (any case) and one space or more; -1 when the header does not start so. */
function tokenStart(header: string): number {
  // ASCII letters only: `c | 0x20` is a letter's lower case, and only its two cases give it (as a case-insensitive
  // regular expression matches them, which never folds a non-ASCII character onto one).
  for (let i = 0; i < SCHEME.length; i++) if ((header.charCodeAt(i) | 0x20) !== SCHEME.charCodeAt(i)) return -1;
  let at = SCHEME.length;
  while (header.charCodeAt(at) === 0x20) at++;
  return at === SCHEME.length ? -1 : at;
}

/**
 * The bearer token of the Authorization header: what follows `Bearer` (any case) and its spaces, without trailing
 * whitespace. Its form is not checked here: a token is honoured only if it equals one the bank verified, or passes
 * verification now, so a malformed one is refused there (INVALID_TOKEN). Matching the token68 form here cost 200 ns
 * per request; the scheme is compared a character at a time, since `/^Bearer +/i` and its match array were 9 % of
 * an in-process GET /balance (`--cpu-prof`).
 */
export function bearerToken(req: HttpRequest): string {
  const header = req.header('authorization') ?? '';
  const at = tokenStart(header);
  const last = header.charCodeAt(header.length - 1);
  // Trimmed only when it ends in what `trimEnd` could remove (a space, a control or a non-ASCII character).
  const token = at === -1 ? '' : last > 0x20 && last < 0x7f ? header.slice(at) : header.slice(at).trimEnd();
  if (token === '') throw new BankError('INVALID_TOKEN', 'A bearer token is required (Authorization: Bearer <token>)');
  return token;
}
