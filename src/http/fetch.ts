import { BankError, type Bank } from 'bankcore';
import { createHttpApp, type HttpOptions } from './app.js';
import { problemResponse, type HttpResponse } from './problem.js';
import type { HttpRequest } from './request.js';

/** Options of {@link createFetchHandler}. */
export interface FetchHandlerOptions extends HttpOptions<Request> {
  /** The client's address for rate limits (runtimes expose it differently); default `X-Forwarded-For` when `trustProxy`, else `unknown`. */
  getClientAddress?: (request: Request) => string | undefined;
}

async function readBody(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) throw new BankError('PAYLOAD_TOO_LARGE', `The body exceeds ${limit} bytes`);
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new BankError('PAYLOAD_TOO_LARGE', `The body exceeds ${limit} bytes`);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

function streamOf(chunks: AsyncIterable<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = chunks[Symbol.asyncIterator]();
  return new ReadableStream({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(next.value));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

function toResponse(method: string, response: HttpResponse): Response {
  if (response.stream && method !== 'HEAD') return new Response(streamOf(response.stream), { status: response.status, headers: response.headers });
  const body = method === 'HEAD' ? null : (response.raw ?? (response.body === null ? null : JSON.stringify(response.body)));
  return new Response(body, { status: response.status, headers: response.headers });
}

/**
 * Creates a web-standard `(Request) => Promise<Response>` handler serving the bank's HTTP API, for Bun, Deno,
 * Cloudflare Workers, Hono and anything else built on `fetch`.
 *
 * @param bank - from `createBank`.
 * @param options - see {@link FetchHandlerOptions}; with rate limits on (the default), `getClientAddress` (or
 *   `trustProxy`) is required, so that one client's failures never count against everyone.
 * @throws BankError CONFIGURATION_INVALID when rate limits are on and the client address cannot be found.
 * @example
 * ```ts
 * const server = Bun.serve({ fetch: (req) => handler(req) });
 * const handler = createFetchHandler(bank, { getClientAddress: (req) => server.requestIP(req)?.address });
 * ```
 */
export function createFetchHandler(bank: Bank, options: FetchHandlerOptions = {}): (request: Request) => Promise<Response> {
  if (options.rateLimits !== false && !options.getClientAddress && !options.trustProxy) {
    // Without it every client shares one rate-limit bucket: one attacker's failures would lock everyone out.
    throw new BankError(
      'CONFIGURATION_INVALID',
      'createFetchHandler needs the client address for its rate limits: pass getClientAddress ' +
        '(Bun: (req) => server.requestIP(req)?.address; Deno: the handler info remoteAddr.hostname; ' +
        "Cloudflare Workers: (req) => req.headers.get('cf-connecting-ip')), or trustProxy behind your own proxy, or rateLimits: false",
    );
  }
  const app = createHttpApp(bank, options);
  return async (request) => {
    const url = new URL(request.url);
    const inBase = app.basePath === '' || url.pathname === app.basePath || url.pathname.startsWith(`${app.basePath}/`);
    if (!inBase) return toResponse(request.method, problemResponse('NOT_FOUND', `No endpoint at ${url.pathname}`));
    const req: HttpRequest = {
      method: request.method,
      path: url.pathname.slice(app.basePath.length) || '/',
      query: url.searchParams,
      header: (name) => request.headers.get(name) ?? undefined,
      clientAddress: app.clientAddress(request.headers.get('x-forwarded-for'), options.getClientAddress?.(request)),
      readBody: () => readBody(request, app.bodyLimitBytes),
      native: request,
    };
    return toResponse(request.method, await app.handle(req));
  };
}
