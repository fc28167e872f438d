import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Bank, CommitResult, StorageAdapter } from 'bankcore';
import type { HttpLogEntry, HttpLogger } from 'bankcore/http';

/** What a {@link createMetrics} registry watches, and how to feed it. */
export interface BankMetrics {
  registry: Registry;
  /** Wraps a storage adapter so every call's latency is measured (`bankcore_storage_seconds`). */
  timeStorage(storage: StorageAdapter): StorageAdapter;
  /** Counts a finished request; pass it as (or chain it into) the HTTP logger's `request`. */
  observeRequest(entry: HttpLogEntry): void;
  /** For the threaded hasher's `onQueue`: how long a password hash waited, and how many wait now. */
  observeHashQueue(waitMs: number, depth: number): void;
  /** Gives the gauges their bank (open holds, backlogs); call once the bank is initialised. */
  watch(bank: Bank): void;
  /** The Prometheus text exposition. */
  render(): Promise<string>;
  stop(): void;
}

/**
 * A Prometheus registry (prom-client) with bankcore's metrics:
 * - `bankcore_http_requests_total{method,route,status}` and `bankcore_http_request_duration_seconds{method,route}`;
 * - `bankcore_movements_total{type}` (committed transactions, counted at the storage commit) and
 *   `bankcore_refusals_total{code}` (4xx answers by error code);
 * - `bankcore_open_holds`; `bankcore_storage_seconds{operation}`;
 * - `bankcore_password_hash_queue_depth` and `bankcore_password_hash_wait_seconds`;
 * - `bankcore_event_backlog` (events not yet passed by the slowest consumer) and
 *   `bankcore_webhook_backlog{endpoint}`, `bankcore_webhooks_disabled`;
 * - Node's process metrics (`process_*`, `nodejs_*`).
 *
 * Routes are templates (`/transactions/{id}`), never raw paths, so label values stay few.
 *
 * @example
 * ```ts
 * const metrics = createMetrics();
 * const bank = createBank({ storage: metrics.timeStorage(sqliteAdapter({ filename })), tokens });
 * ```
 */
export function createMetrics(): BankMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({ name: 'bankcore_http_requests_total', help: 'HTTP requests by method, route template and status', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const latency = new Histogram({ name: 'bankcore_http_request_duration_seconds', help: 'HTTP request latency by method and route template', labelNames: ['method', 'route'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] });
  const movements = new Counter({ name: 'bankcore_movements_total', help: 'Committed money movements by transaction type', labelNames: ['type'], registers: [registry] });
  const refusals = new Counter({ name: 'bankcore_refusals_total', help: 'Requests refused with a 4xx, by error code', labelNames: ['code'], registers: [registry] });
  const storage = new Histogram({ name: 'bankcore_storage_seconds', help: 'Storage call latency by operation', labelNames: ['operation'], buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5], registers: [registry] });
  const hashWait = new Histogram({ name: 'bankcore_password_hash_wait_seconds', help: 'Time a password hash waited for a hashing thread', buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] });
  const hashDepth = new Gauge({ name: 'bankcore_password_hash_queue_depth', help: 'Password hashes waiting for a hashing thread', registers: [registry] });
  let watched: Bank | null = null;
  const requestChildren = new Map<string, { count: { inc(): void }; latency: { observe(v: number): void } }>();
  const movementChildren = new Map<string, { inc(): void }>();
  const countMovement = (result: CommitResult) => {
    if (result.status !== 'committed' || !result.transaction) return;
    const type = result.transaction.type;
    let child = movementChildren.get(type);
    if (!child) movementChildren.set(type, (child = movements.labels({ type })));
    child.inc();
  };
  new Gauge({
    name: 'bankcore_open_holds',
    help: 'Holds pending across the bank',
    registers: [registry],
    async collect() {
      if (watched) this.set(await watched.operator.countOpenHolds());
    },
  });
  const webhookBacklog = new Gauge({ name: 'bankcore_webhook_backlog', help: 'Events not yet delivered, per webhook endpoint', labelNames: ['endpoint'], registers: [registry] });
  const disabled = new Gauge({ name: 'bankcore_webhooks_disabled', help: 'Webhook endpoints disabled after failing past the retry horizon', registers: [registry] });
  new Gauge({
    name: 'bankcore_event_backlog',
    help: 'Events committed after the position of the slowest registered consumer',
    registers: [registry],
    async collect() {
      if (!watched) return;
      const [last, consumers, endpoints] = await Promise.all([watched.events.lastPosition(), watched.events.consumers(), watched.webhooks.list()]);
      this.set(consumers.length ? last - Math.min(...consumers.map((c) => c.position)) : 0);
      webhookBacklog.reset();
      for (const e of endpoints) webhookBacklog.set({ endpoint: e.id }, e.backlog);
      disabled.set(endpoints.filter((e) => e.disabledAt).length);
    },
  });

  return {
    registry,
    timeStorage(adapter) {
      const timed = Object.create(adapter) as StorageAdapter & Record<string, unknown>;
      for (const [name, value] of Object.entries(Object.getOwnPropertyDescriptors(adapter))) {
        if (typeof value.value !== 'function' || name === 'readLedger' || name === 'readTransactions') continue;
        const call = value.value as (...args: unknown[]) => Promise<unknown>;
        // Children bound once: no label hashing per call on the hot path.
        const timer = storage.labels({ operation: name });
        timed[name] = async (...args: unknown[]) => {
          const end = timer.startTimer();
          try {
            const result = await call.apply(adapter, args);
            // Committed movements are counted where they commit: no event has to be read back for it.
            if (name === 'commit') countMovement(result as CommitResult);
            return result;
          } finally {
            end();
          }
        };
      }
      return timed;
    },
    observeRequest(entry) {
      const key = `${entry.method} ${entry.route} ${entry.status}`;
      let child = requestChildren.get(key);
      if (!child) {
        child = { count: requests.labels({ method: entry.method, route: entry.route, status: String(entry.status) }), latency: latency.labels({ method: entry.method, route: entry.route }) };
        requestChildren.set(key, child);
      }
      child.count.inc();
      child.latency.observe(entry.durationMs / 1000);
      if (entry.code && entry.status < 500) refusals.inc({ code: entry.code });
    },
    observeHashQueue(waitMs, depth) {
      hashWait.observe(waitMs / 1000);
      hashDepth.set(depth);
    },
    watch(bank) {
      watched = bank;
    },
    render: () => registry.metrics(),
    stop: () => {
      watched = null;
    },
  };
}

/** An HTTP logger that also feeds metrics: each request is counted, then passed on. */
export function withMetrics(logger: HttpLogger, metrics: BankMetrics): HttpLogger {
  return {
    error: logger.error,
    request(entry) {
      metrics.observeRequest(entry);
      logger.request?.(entry);
    },
  };
}

/**
 * Serves `GET /metrics` alone on its own port (for a scraper on a private network), apart from the API.
 *
 * @example
 * ```ts
 * const server = await startMetricsServer(metrics, 9464, '0.0.0.0');
 * ```
 */
export async function startMetricsServer(metrics: BankMetrics, port: number, host = '127.0.0.1'): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== '/metrics' || req.method !== 'GET') return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    metrics.render().then(
      (text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text),
      () => res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, () => resolve()));
  return server;
}
