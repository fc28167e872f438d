import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bank } from 'bankcore';
import type { HttpOptions } from 'bankcore/http';
import { answerClientError, guardConnections } from './connections.js';
import { createHttpHandler, type NodeHandler } from './handler.js';

/** The handler, with `GET /metrics` answered first when a registry is given. */
function withMetricsRoute(handler: NodeHandler, metrics: ServerOptions['metrics']): NodeHandler {
  if (!metrics) return handler;
  return (req, res, next) => {
    if (req.url !== '/metrics' || req.method !== 'GET') return handler(req, res, next);
    metrics.render().then(
      (text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  };
}

/** Options of {@link startServer}. */
export interface ServerOptions extends HttpOptions {
  bank: Bank;
  /** Default 8000; 0 picks a free port. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Time allowed to receive a request's headers, ms; default 10 000 (cuts off clients that trickle them). */
  headersTimeoutMs?: number;
  /** Time allowed to receive a whole request, ms; default 30 000. */
  requestTimeoutMs?: number;
  /** Idle keep-alive time, ms; default 5 000. */
  keepAliveTimeoutMs?: number;
  /** Most open connections at once; default 1 000. */
  maxConnections?: number;
  /**
   * Most open connections from one socket address; default 256, a quarter of `maxConnections`, so one client cannot
   * hold them all (behind a reverse proxy, that proxy's pool must stay below it).
   */
  maxConnectionsPerAddress?: number;
  /** A connection that has sent no byte after this long is cut, ms; default 2 000 (well before `headersTimeoutMs`). */
  firstByteTimeoutMs?: number;
  /** How long `close()` waits for requests in flight before cutting connections, ms; default 10 000. */
  shutdownGraceMs?: number;
  /** Serve `GET /metrics` (Prometheus text) from this registry on the same port; default off. */
  metrics?: { render(): Promise<string> };
}

/** A started server. */
export interface RunningServer {
  server: Server;
  /** `http://host:port` it listens on. */
  url: string;
  /** Stops accepting, lets requests in flight finish (up to the grace period), then closes the bank's storage. */
  close(): Promise<void>;
}

/**
 * Starts a `node:http` server for a bank with production timeouts and a connection cap.
 *
 * @example
 * ```ts
 * const { url, close } = await startServer({ bank, port: 8000 });
 * process.once('SIGTERM', () => close().then(() => process.exit(0)));
 * ```
 */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { bank, port = 8000, host = '127.0.0.1' } = options;
  const server = createServer(
    {
      headersTimeout: options.headersTimeoutMs ?? 10_000,
      requestTimeout: options.requestTimeoutMs ?? 30_000,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 5_000,
      // How often the two timeouts above are enforced; Node's default (30 s) would let a trickling client
      // keep a connection far past headersTimeout.
      connectionsCheckingInterval: 1_000,
    },
    withMetricsRoute(createHttpHandler(bank, options), options.metrics),
  );
  server.maxConnections = options.maxConnections ?? 1_000;
  guardConnections(server, options.maxConnectionsPerAddress ?? 256, options.firstByteTimeoutMs ?? 2_000);
  server.on('clientError', answerClientError);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    server,
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      (closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        // A keep-alive connection becomes idle when its request in flight finishes; close it then, not after
        // keepAliveTimeout.
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        const grace = setTimeout(() => server.closeAllConnections(), options.shutdownGraceMs ?? 10_000);
        await closed;
        clearInterval(sweep);
        clearTimeout(grace);
        await bank.close();
      })()),
  };
}
