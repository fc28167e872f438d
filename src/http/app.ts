import { BankError, isBankError, type Bank, type Principal } from 'bankcore';
import { ADMIN_ROUTES } from './admin-routes.js';
import { WEBHOOK_ROUTES } from './webhook-routes.js';
import { DOCS_ROUTES } from './docs.js';
import { buildOpenApiDocument } from './openapi.js';
import { bankErrorResponse, problemResponse, type HttpResponse } from './problem.js';
import { DEFAULT_RATE_LIMITS, memoryRateLimitStore, type RateLimits, type RateLimitStore } from 'bankcore';
import { bearerToken, type HttpRequest } from './request.js';
import type { Route, RouteContext } from './route.js';
import { ROUTES } from './routes.js';

/** One finished request, for logs and metrics: never bodies, tokens or query values. */
export interface HttpLogEntry {
  method: string;
  path: string;
  /** The matched route's template (`/transactions/{id}`), or `unmatched`: a label with few values. */
  route: string;
  status: number;
  durationMs: number;
  requestId: string;
  /** The customer who called, when authenticated. */
  userId?: string;
  /** The operator key that called `/admin`, when authenticated. */
  operatorKeyId?: string;
  /** The error code of a 4xx or 5xx answer. */
  code?: string;
}

/** Where the HTTP layer reports. `request` is called once per request; `error` for every 5xx cause. */
export interface HttpLogger {
  request?(entry: HttpLogEntry): void;
  error(entry: HttpLogEntry & { error: unknown }): void;
}

/**
 * Options shared by `createHttpHandler` and `createFetchHandler`; `R` is the transport's request type
 * (`IncomingMessage`, or the web `Request`).
 */
export interface HttpOptions<R = unknown> {
  /**
   * Bring your own auth: called on every customer route before the bearer token is read. Return the principal of
   * your own session (from `bank.operator.principal(userId)`), or `null` to fall back to `Authorization: Bearer`.
   * Never consulted on `/admin`. With cookie sessions, protect the POST routes against CSRF (SameSite cookies).
   */
  authenticate?: (request: R) => Principal | null | Promise<Principal | null>;
  /** Mount point, e.g. `/api`; requests outside it are passed on (node) or answered 404 (fetch). Default `''`. */
  basePath?: string;
  /** Largest request body in bytes; default 16 KiB. Reading stops at the limit. */
  bodyLimitBytes?: number;
  /** Rate limits (and the cap of 4 password checks in flight per address); `false` turns them all off. */
  rateLimits?: Partial<RateLimits> | false;
  /** Where rate-limit counters live; default in this process's memory. */
  rateLimitStore?: RateLimitStore;
  /**
   * Behind proxies you control: how many of them append to `X-Forwarded-For` (`true` is 1). The client address is
   * the entry the farthest trusted proxy appended, counted from the right, as Express's `trust proxy` does; entries
   * to its left were written by the client and are never used. Default `false`: the socket's address.
   */
  trustProxy?: boolean | number;
  /** Default: errors to `console.error`, no per-request lines. */
  logger?: HttpLogger;
  /** Serve the interactive API reference at `/docs`; default true. */
  docs?: boolean;
}

const DEFAULT_LOGGER: HttpLogger = {
  // The error's name and message only: a stack trace names internals and belongs in a debugger, not a log.
  error: ({ error, ...entry }) => console.error(`bankcore: ${entry.method} ${entry.route} failed (request ${entry.requestId}): ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`),
};

/** The transport-independent application: routing, validation, errors. Transports adapt requests to it. */
export interface HttpApp {
  basePath: string;
  bodyLimitBytes: number;
  /** Trusted proxy hops (0: none). */
  trustProxy: number;
  /** The client address: from `X-Forwarded-For` as the trusted proxies wrote it, else the transport's. */
  clientAddress(forwardedFor: string | null | undefined, transportAddress: string | undefined): string;
  handle(req: HttpRequest): Promise<HttpResponse>;
}

function normaliseBasePath(path: string | undefined): string {
  if (!path || path === '/') return '';
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/** Password hashes one client address may have in flight at once (`/token`, `/createUser`, `/changePassword`). */
const HASHES_IN_FLIGHT_PER_ADDRESS = 4;

/** Builds the app over a bank. Used by both transports; not needed directly. */
/** All routes, with the docs page unless turned off. */
export const ALL_ROUTES: Route[] = [...ROUTES, ...ADMIN_ROUTES, ...WEBHOOK_ROUTES];

interface CompiledRoutes {
  find(path: string): { methods: Map<string, Route>; params: Record<string, string> } | null;
}

function compile(routes: Route[]): CompiledRoutes {
  const exact = new Map<string, Map<string, Route>>();
  const patterns: Array<{ regex: RegExp; names: string[]; methods: Map<string, Route> }> = [];
  for (const route of routes) {
    if (!route.path.includes('{')) {
      const methods = exact.get(route.path) ?? new Map<string, Route>();
      methods.set(route.method, route);
      exact.set(route.path, methods);
      continue;
    }
    const names: string[] = [];
    const source = route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_m, name: string) => (names.push(name), '([^/]+)'));
    let entry = patterns.find((p) => p.regex.source === `^${source}$`);
    if (!entry) patterns.push((entry = { regex: new RegExp(`^${source}$`), names, methods: new Map() }));
    entry.methods.set(route.method, route);
  }
  return {
    find(path) {
      const methods = exact.get(path);
      if (methods) return { methods, params: {} };
      for (const p of patterns) {
        const match = p.regex.exec(path);
        if (!match) continue;
        const params: Record<string, string> = {};
        try {
          p.names.forEach((name, i) => (params[name] = decodeURIComponent(match[i + 1]!)));
        } catch {
          throw new BankError('NOT_FOUND', 'The path is not validly percent-encoded');
        }
        return { methods: p.methods, params };
      }
      return null;
    },
  };
}

export function createHttpApp(bank: Bank, options: HttpOptions<any> = {}): HttpApp { // any: each transport types its own request
  const store = options.rateLimitStore ?? memoryRateLimitStore();
  const off = Object.fromEntries(Object.keys(DEFAULT_RATE_LIMITS).map((k) => [k, false])) as unknown as RateLimits;
  const rules: RateLimits = options.rateLimits === false ? off : { ...DEFAULT_RATE_LIMITS, ...options.rateLimits };
  const hashing = new Map<string, number>();
  const logger = options.logger ?? DEFAULT_LOGGER;
  const basePath = normaliseBasePath(options.basePath);
  const hops = options.trustProxy === true ? 1 : typeof options.trustProxy === 'number' && options.trustProxy > 0 ? Math.floor(options.trustProxy) : 0;
  let openapi: unknown;
  const ctx: RouteContext = {
    bank,
    rules,
    async limit(rule, key) {
      if (rule === false) return;
      const hit = await store.hit(key, rule.limit, rule.windowSeconds);
      if (!hit.allowed) {
        throw new BankError('RATE_LIMITED', 'Too many attempts; try again later', {
          details: { retryAfterSeconds: hit.retryAfterSeconds },
        });
      }
    },
    async admitHashing(address, run) {
      // Admission control in front of password hashing: one address may have a few hashes in flight, never a
      // flood that starves everyone else's logins of the hashing threads.
      const inFlight = hashing.get(address) ?? 0;
      // Part of the rate limits: `rateLimits: false` (development, benchmarks) turns it off with them.
      if (options.rateLimits !== false && inFlight >= HASHES_IN_FLIGHT_PER_ADDRESS) {
        throw new BankError('RATE_LIMITED', 'Too many password checks in flight from this address; try again shortly', { details: { retryAfterSeconds: 1 } });
      }
      hashing.set(address, inFlight + 1);
      try {
        return await run();
      } finally {
        const left = (hashing.get(address) ?? 1) - 1;
        if (left <= 0) hashing.delete(address);
        else hashing.set(address, left);
      }
    },
    async principal(req) {
      const own = options.authenticate ? await options.authenticate(req.native) : null;
      const principal = own ?? (await bank.authenticate(bearerToken(req)));
      req.principalId = principal.userId;
      return principal;
    },
    async operator(req, scope) {
      const credential = await bank.operatorKeys.authenticate(bearerToken(req));
      req.operatorKeyId = credential.keyId;
      bank.operatorKeys.require(credential, scope);
      return credential;
    },
    openapi: () => (openapi ??= buildOpenApiDocument({ basePath })),
  };
  const router = compile(options.docs === false ? ALL_ROUTES : [...ALL_ROUTES, ...DOCS_ROUTES]);

  function toResponse(error: unknown, requestId: string): { response: HttpResponse; unexpected: boolean } {
    if (isBankError(error)) {
      const unexpected = error.code === 'CONFIGURATION_INVALID' || error.code === 'STORAGE_UNAVAILABLE' || error.code === 'INTERNAL';
      return { response: bankErrorResponse(error), unexpected };
    }
    return {
      response: problemResponse('INTERNAL', 'An unexpected error occurred; quote the request id when reporting it', { requestId }),
      unexpected: true,
    };
  }

  return {
    basePath,
    bodyLimitBytes: options.bodyLimitBytes ?? 16 * 1024,
    trustProxy: hops,
    clientAddress(forwardedFor, transportAddress) {
      if (hops > 0 && forwardedFor) {
        const entries = forwardedFor.split(',').map((e) => e.trim()).filter(Boolean);
        // Counted from the right: the rightmost entry is what the nearest trusted proxy saw.
        const entry = entries[Math.max(0, entries.length - hops)];
        if (entry) return entry;
      }
      return transportAddress || 'unknown';
    },
    async handle(req) {
      const started = performance.now();
      const incoming = req.header('x-request-id');
      const requestId = incoming && /^[A-Za-z0-9._-]{1,64}$/.test(incoming) ? incoming : crypto.randomUUID();
      const method = req.method === 'HEAD' ? 'GET' : req.method;
      let response: HttpResponse;
      let failure: unknown;
      let route = 'unmatched';
      try {
        const found = router.find(req.path);
        if (!found) throw new BankError('NOT_FOUND', `No endpoint at ${req.path}`);
        const { methods, params } = found;
        const matched = methods.get(method);
        if (!matched) {
          const allow = [...methods.keys()].flatMap((m) => (m === 'GET' ? ['GET', 'HEAD'] : [m])).join(', ');
          throw new BankError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here; use ${allow}`, { details: { allow } });
        }
        route = matched.path;
        response = await matched.handle(req, ctx, params);
      } catch (error) {
        const mapped = toResponse(error, requestId);
        response = mapped.response;
        if (mapped.unexpected) failure = error;
      }
      response.headers['x-request-id'] = requestId;
      response.headers['x-content-type-options'] = 'nosniff';
      if (failure !== undefined || logger.request) {
        const code = response.status >= 400 ? (response.body as { code?: string } | null)?.code : undefined;
        const entry: HttpLogEntry = { method: req.method, path: req.path, route, status: response.status, durationMs: performance.now() - started, requestId };
        if (req.principalId) entry.userId = req.principalId;
        if (req.operatorKeyId) entry.operatorKeyId = req.operatorKeyId;
        if (code) entry.code = code;
        if (failure !== undefined) logger.error({ ...entry, error: failure });
        logger.request?.(entry);
      }
      return response;
    },
  };
}
