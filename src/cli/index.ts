#!/usr/bin/env node
// The standalone server: `npm start`, `npx bankcore`. Configuration comes from the environment (and ./.env).
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createBank } from 'bankcore';
import { createThreadedPasswordHasher, startServer } from 'bankcore/node';
import { startWebhookDelivery } from 'bankcore/webhooks';
import { backup, importJournalCommand } from './maintenance.js';
import { operatorKeyCommand } from './operator-keys.js';
import { openStorage } from './storage.js';

const HELP = `bankcore: a banking API server (users, accounts, deposits, transfers, history)

Usage: bankcore [--help]             serve the HTTP API
       bankcore backup <file>        copy the live database (BANK_DATA_DIR/bankcore.db) while it serves
       bankcore import-journal [dir] import a 0.1.0 journal directory (default BANK_DATA_DIR) into dir/bankcore.db
       bankcore operator-key create --name NAME [--scope SCOPE]...
                                     print a new key for /admin (once; only its hash is stored)
       bankcore operator-key list | revoke ID

Environment:
  PORT             port to listen on (default 8000)
  HOST             address to bind (default 127.0.0.1; 0.0.0.0 for all interfaces)
  BANK_JWT_SECRET  HMAC secret for access tokens, at least 32 bytes (unset: a random
                   per-process secret, so tokens do not survive a restart)
  BANK_STORAGE     storage backend: sqlite (default, durable), memory (volatile) or mongodb
  BANK_DATA_DIR    with sqlite: directory of bankcore.db (default ./data); empty for in-memory only.
                   A 0.1.0 journal found there is imported once, at start
  MONGODB_URI      with BANK_STORAGE=mongodb: a replica-set connection string; its path
                   names the database (default bankcore)
  BANK_TRUST_PROXY number of proxies of yours that append to X-Forwarded-For (1: one reverse proxy);
                   the client address is then taken from the right, where your proxies wrote it
  BANK_RATE_LIMITS off to turn every rate limit off: for development only, never in production
  BANK_EVENT_RETENTION_DAYS  delete events older than this even if a webhook has not received them
                   (unset: kept until every webhook endpoint has)
  BANK_SELF_DEPOSITS off to refuse POST /deposit (403 FORBIDDEN): money then enters only through
                   POST /admin/fund. Default on, as the original service; turn it off in production

A .env file in the working directory (KEY=value lines) is read first; variables already set in
the environment win over it.
`;

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(HELP);
    return;
  }
  // The original service kept its settings in a .env file; the same file works here unchanged.
  if (existsSync('.env')) {
    process.loadEnvFile('.env');
    console.log('bankcore: read settings from ./.env (the environment wins over it)');
  }
  const env = process.env;
  const [command, argument] = process.argv.slice(2);
  if (command === 'backup') return void console.log(`bankcore: ${await backup(argument, env)}`);
  if (command === 'import-journal') return void console.log(`bankcore: ${await importJournalCommand(argument, env)}`);
  if (command === 'operator-key') return void console.log(await operatorKeyCommand(process.argv.slice(3), env));
  if (command !== undefined) throw new Error(`unknown command "${command}"; see bankcore --help`);
  const port = Number(env['PORT'] ?? 8000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not "${env['PORT']}"`);
  const storage = await openStorage(env);
  const rateLimitsOff = env['BANK_RATE_LIMITS'] === 'off';
  if (env['BANK_RATE_LIMITS'] !== undefined && !rateLimitsOff) throw new Error('BANK_RATE_LIMITS may only be "off"');
  const selfDeposits = env['BANK_SELF_DEPOSITS'] ?? 'on';
  if (selfDeposits !== 'on' && selfDeposits !== 'off') throw new Error('BANK_SELF_DEPOSITS must be "on" or "off"');
  let secret = env['BANK_JWT_SECRET'];
  if (!secret) {
    secret = randomBytes(32).toString('base64url');
    console.warn('bankcore: BANK_JWT_SECRET is not set; using a random secret: tokens will not survive a restart');
  }
  // Password hashing in worker threads: logins use every core and never stall other requests.
  const retentionDays = env['BANK_EVENT_RETENTION_DAYS'] === undefined ? undefined : Number(env['BANK_EVENT_RETENTION_DAYS']);
  if (retentionDays !== undefined && !(retentionDays > 0)) throw new Error('BANK_EVENT_RETENTION_DAYS must be a positive number of days');
  const bank = createBank({
    storage: storage.adapter,
    tokens: { secret },
    passwordHasher: createThreadedPasswordHasher(),
    selfServiceDeposits: selfDeposits === 'on',
    events: retentionDays === undefined ? {} : { retentionSeconds: retentionDays * 86_400 },
  });
  await bank.init();
  const imported = await storage.afterInit();
  if (imported) console.log(`bankcore: ${imported}`);
  const running = await startServer({
    bank,
    port,
    host: env['HOST'] ?? '127.0.0.1',
    trustProxy: Number(env['BANK_TRUST_PROXY'] ?? 0) || false,
    ...(rateLimitsOff ? { rateLimits: false as const } : {}),
    ...(storage.rateLimitStore ? { rateLimitStore: storage.rateLimitStore } : {}),
    logger: {
      request: (e) => console.log(`${e.method} ${e.path} ${e.status} ${e.durationMs.toFixed(1)}ms ${e.requestId}`),
      error: ({ error, ...e }) => console.error(`error in ${e.method} ${e.path} (request ${e.requestId}):`, error),
    },
  });
  const delivery = startWebhookDelivery(bank, { onError: (id, error) => console.error(`bankcore: webhook ${id}: ${error}`) });
  // Events every consumer has passed (and, with a retention, older ones) are deleted once a minute.
  const pruning = setInterval(() => void bank.events.prune().catch((error: unknown) => console.error('bankcore: pruning events failed', error)), 60_000);
  pruning.unref();
  // Handlers first: whoever reads the "listening on" line may signal at once.
  const stop = (signal: string) => {
    console.log(`bankcore: ${signal} received, finishing requests in flight`);
    clearInterval(pruning);
    Promise.all([running.close(), delivery.stop()]).then(() => storage.close()).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('bankcore: shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  console.log(`bankcore: storage ${storage.description}`);
  if (rateLimitsOff) console.log('bankcore: WARNING: RATE LIMITS ARE OFF (BANK_RATE_LIMITS=off): for development only, never expose this server');
  console.log(`listening on ${running.url}`);
}

main().catch((error: unknown) => {
  console.error(`bankcore: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
