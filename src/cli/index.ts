#!/usr/bin/env node
// The standalone server: `npm start`, `npx bankcore`. Configuration comes from the environment (and ./.env).
import { existsSync } from 'node:fs';
import { createServerLogger } from 'bankcore/node';
import { backup, importJournalCommand } from './maintenance.js';
import { operatorKeyCommand } from './operator-keys.js';
import { serve } from './serve.js';

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
  BANK_SQLITE_RECENT_KEYS  with sqlite: new idempotency keys kept in memory before they are folded
                   into the key index in order (default 16384; about 120 bytes each)
  MONGODB_URI      with BANK_STORAGE=mongodb: a replica-set connection string; its path
                   names the database (default bankcore)
  BANK_TRUST_PROXY number of proxies of yours that append to X-Forwarded-For (1: one reverse proxy);
                   the client address is then taken from the right, where your proxies wrote it
  BANK_RATE_LIMITS off to turn every rate limit off: for development only, never in production
  BANK_EVENT_RETENTION_DAYS  delete events older than this even if a webhook has not received them
                   (unset: kept until every webhook endpoint has)
  BANK_LOG_FORMAT  json (default: one JSON object per line) or pretty (readable lines for a terminal)
  BANK_METRICS     1 to serve GET /metrics (Prometheus text) on the API port
  BANK_METRICS_PORT serve GET /metrics on this port instead, apart from the API (on HOST)
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
  const fromFile = existsSync('.env');
  if (fromFile) process.loadEnvFile('.env');
  const env = process.env;
  const format = env['BANK_LOG_FORMAT'] ?? 'json';
  if (format !== 'json' && format !== 'pretty') throw new Error('BANK_LOG_FORMAT must be "json" or "pretty"');
  const log = createServerLogger({ format });
  // Node's own warnings (node:sqlite is "experimental" on Node 22) become log lines too, instead of free text on
  // stderr: every line the server writes stays one JSON object.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => log.warn(warning.message, { warning: warning.name }));
  if (fromFile) log.info('read settings from ./.env (the environment wins over it)');
  const [command, argument] = process.argv.slice(2);
  if (command === 'backup') return void console.log(`bankcore: ${await backup(argument, env)}`);
  if (command === 'import-journal') return void console.log(`bankcore: ${await importJournalCommand(argument, env)}`);
  if (command === 'operator-key') return void console.log(await operatorKeyCommand(process.argv.slice(3), env));
  if (command !== undefined) throw new Error(`unknown command "${command}"; see bankcore --help`);
  await serve(env, log);
}

main().catch((error: unknown) => {
  console.error(`bankcore: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
