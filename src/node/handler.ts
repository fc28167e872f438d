import type { IncomingMessage, ServerResponse } from 'node:http';
import { BankError, type Bank } from 'bankcore';
import { createHttpApp, problemResponse, type HttpOptions, type HttpRequest, type HttpResponse } from 'bankcore/http';

/** A `node:http` request listener that is also Connect/Express middleware (it calls `next` outside its base path). */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new BankError('PAYLOAD_TOO_LARGE', `The body exceeds ${limit} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop reading at the limit: the rest is never buffered, and the connection is closed after the answer.
        req.off('data', onData);
        req.pause();
        reject(new BankError('PAYLOAD_TOO_LARGE', `The body exceeds ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('close', () => { if (!req.complete) reject(new BankError('MALFORMED_REQUEST', 'The client aborted the request')); });
  });
}

/** Writes a streamed body chunk by chunk, waiting for the socket to drain; a failure midway cuts the connection. */
async function pump(res: ServerResponse, chunks: AsyncIterable<string>): Promise<void> {
  try {
    for await (const chunk of chunks) {
      if (res.destroyed) return;
      if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve).once('close', resolve));
    }
    res.end();
  } catch {
    // The status line is gone: cutting the connection is the only way left to say the body is incomplete.
    res.destroy();
  }
}

function send(req: IncomingMessage, res: ServerResponse, response: HttpResponse): void {
  if (res.headersSent || res.destroyed) return;
  if (response.stream && req.method !== 'HEAD') {
    res.writeHead(response.status, response.headers);
    void pump(res, response.stream);
    return;
  }
  const payload = response.raw ?? (response.body === null ? '' : JSON.stringify(response.body));
  const headers: Record<string, string | number> = response.headers;
  headers['content-length'] = Buffer.byteLength(payload);
  if (response.status === 413) headers['connection'] = 'close';
  res.writeHead(response.status, headers);
  res.end(req.method === 'HEAD' ? undefined : payload);
  if (response.status === 413) res.once('finish', () => req.socket.destroy());
}

/**
 * Holds finished responses until the end of the event-loop turn, then writes them all.
 *
 * Why: a response written the moment it is ready wakes an idle peer on the same host (here the load generator;
 * in production, say, a reverse proxy) once per response, and on a virtual machine that wake-up is paid inside
 * our `writev`. Measured under the http benchmark's POST /deposit load on 2 cores, with `perf stat`: written
 * at once, 0.8 context switches of the load generator and about 70 µs of server CPU per request; gathered per
 * turn, 0.07 and about 40 µs. An idle server loses nothing: the turn ends right after its one response.
 */
function responseBatcher(): (req: IncomingMessage, res: ServerResponse, response: HttpResponse) => void {
  let pending: [IncomingMessage, ServerResponse, HttpResponse][] = [];
  const flush = () => {
    const batch = pending;
    pending = [];
    for (const [req, res, response] of batch) {
      try {
        send(req, res, response);
      } catch {
        // One response that cannot be written must not keep the rest of the batch from going out.
        res.destroy();
      }
    }
  };
  return (req, res, response) => {
    if (pending.push([req, res, response]) === 1) setImmediate(flush);
  };
}

/**
 * Creates a `node:http` request handler serving the bank's HTTP API.
 *
 * Responses that become ready in one event-loop turn are written together at its end, which under load saves
 * the server CPU that a wake-up of the peer per response costs (see the README's benchmark notes).
 *
 * @param bank - from `createBank`.
 * @param options - base path, body limit, rate limits, logger; see {@link HttpOptions}.
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * createServer(createHttpHandler(bank)).listen(8000);
 * // or, in Express: app.use(createHttpHandler(bank, { basePath: '/bank' }))
 * ```
 */
export function createHttpHandler(bank: Bank, options: HttpOptions<IncomingMessage> = {}): NodeHandler {
  const app = createHttpApp(bank, options);
  const respond = responseBatcher();
  return (req, res, next) => {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const fullPath = queryAt === -1 ? url : url.slice(0, queryAt);
    const inBase = app.basePath === '' || fullPath === app.basePath || fullPath.startsWith(`${app.basePath}/`);
    if (!inBase) {
      if (next) return next();
      return send(req, res, problemResponse('NOT_FOUND', `No endpoint at ${fullPath}`));
    }

    const request: HttpRequest = {
      method: req.method ?? 'GET',
      path: fullPath.slice(app.basePath.length) || '/',
      query: new URLSearchParams(queryAt === -1 ? '' : url.slice(queryAt + 1)),
      header: (name) => {
        const value = req.headers[name];
        return Array.isArray(value) ? value.join(', ') : value;
      },
      clientAddress: app.clientAddress(req.headers['x-forwarded-for'] as string | undefined, req.socket.remoteAddress),
      readBody: () => readBody(req, app.bodyLimitBytes),
      native: req,
    };
    app.handle(request).then(
      (response) => respond(req, res, response),
      // handle() turns every error into a response; this only guards against a bug in that promise chain.
      () => respond(req, res, problemResponse('INTERNAL', 'An unexpected error occurred')),
    );
  };
}
