import { randomBytes } from 'node:crypto';
import { createBank } from 'bankcore';
import { createMetrics, createThreadedPasswordHasher, startMetricsServer, startServer, withMetrics, type ServerLogger } from 'bankcore/node';
import { startWebhookDelivery } from 'bankcore/webhooks';
import { openStorage } from './storage.js';

/** The standalone server, configured from the environment; logs through `log`, one JSON object per line. */
export async function serve(env: NodeJS.ProcessEnv, log: ServerLogger): Promise<void> {
  const port = Number(env['PORT'] ?? 8000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not "${env['PORT']}"`);
  const storage = await openStorage(env, { notice: (message) => log.info(message) });
  const rateLimitsOff = env['BANK_RATE_LIMITS'] === 'off';
  if (env['BANK_RATE_LIMITS'] !== undefined && !rateLimitsOff) throw new Error('BANK_RATE_LIMITS may only be "off"');
  const selfDeposits = env['BANK_SELF_DEPOSITS'] ?? 'on';
  if (selfDeposits !== 'on' && selfDeposits !== 'off') throw new Error('BANK_SELF_DEPOSITS must be "on" or "off"');
  let secret = env['BANK_JWT_SECRET'];
  if (!secret) {
    secret = randomBytes(32).toString('base64url');
    log.warn('BANK_JWT_SECRET is not set; using a random secret: tokens will not survive a restart');
  }
  const metricsPort = env['BANK_METRICS_PORT'] === undefined ? null : Number(env['BANK_METRICS_PORT']);
  if (metricsPort !== null && !(Number.isInteger(metricsPort) && metricsPort >= 0 && metricsPort <= 65535)) throw new Error('BANK_METRICS_PORT must be a port number');
  if (env['BANK_METRICS'] !== undefined && env['BANK_METRICS'] !== '1' && env['BANK_METRICS'] !== '0') throw new Error('BANK_METRICS must be 1 or 0');
  const metrics = env['BANK_METRICS'] === '1' || metricsPort !== null ? createMetrics() : null;
  const retentionDays = env['BANK_EVENT_RETENTION_DAYS'] === undefined ? undefined : Number(env['BANK_EVENT_RETENTION_DAYS']);
  if (retentionDays !== undefined && !(retentionDays > 0)) throw new Error('BANK_EVENT_RETENTION_DAYS must be a positive number of days');
  const bank = createBank({
    storage: metrics ? metrics.timeStorage(storage.adapter) : storage.adapter,
    tokens: { secret },
    // Password hashing in worker threads: logins use every core and never stall other requests.
    passwordHasher: createThreadedPasswordHasher(undefined, metrics ? { onQueue: metrics.observeHashQueue } : {}),
    selfServiceDeposits: selfDeposits === 'on',
    events: retentionDays === undefined ? {} : { retentionSeconds: retentionDays * 86_400 },
  });
  await bank.init();
  const imported = await storage.afterInit();
  if (imported) log.info(imported);
  const running = await startServer({
    bank,
    port,
    host: env['HOST'] ?? '127.0.0.1',
    trustProxy: Number(env['BANK_TRUST_PROXY'] ?? 0) || false,
    ...(rateLimitsOff ? { rateLimits: false as const } : {}),
    ...(storage.rateLimitStore ? { rateLimitStore: storage.rateLimitStore } : {}),
    logger: metrics ? withMetrics(log.http, metrics) : log.http,
    ...(metrics && metricsPort === null ? { metrics } : {}),
  });
  metrics?.watch(bank);
  const metricsServer = metrics && metricsPort !== null ? await startMetricsServer(metrics, metricsPort, env['HOST'] ?? '127.0.0.1') : null;
  const delivery = startWebhookDelivery(bank, { onError: (endpoint, error) => log.warn('webhook delivery failed', { endpoint, error }) });
  // Events every consumer has passed (and, with a retention, older ones) are deleted once a minute.
  const pruning = setInterval(() => void bank.events.prune().catch((error: unknown) => log.error('pruning events failed', error)), 60_000);
  pruning.unref();
  // Handlers first: whoever reads the "listening on" line may signal at once.
  const stop = (signal: string) => {
    log.info(`${signal} received, finishing requests in flight`);
    clearInterval(pruning);
    metrics?.stop();
    metricsServer?.close();
    Promise.all([running.close(), delivery.stop()]).then(() => storage.close()).then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  log.info(`storage ${storage.description}`);
  if (rateLimitsOff) log.warn('WARNING: RATE LIMITS ARE OFF (BANK_RATE_LIMITS=off): for development only, never expose this server');
  if (metrics) log.info(metricsServer ? `metrics on http://${env['HOST'] ?? '127.0.0.1'}:${(metricsServer.address() as { port: number }).port}/metrics` : `metrics on ${running.url}/metrics`);
  log.info(`listening on ${running.url}`);
}
