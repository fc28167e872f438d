#!/usr/bin/env node
// The standalone server: `npm start`, `npx bankcore`. Configuration comes from the environment only.
import { randomBytes } from 'node:crypto';
import { createBank } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';
import { startServer } from './server.js';

const HELP = `bankcore: a banking API server (users, accounts, deposits, transfers, history)

Usage: bankcore [--help]

Environment:
  PORT             port to listen on (default 8000)
  HOST             address to bind (default 127.0.0.1; 0.0.0.0 for all interfaces)
  BANK_JWT_SECRET  HMAC secret for access tokens, at least 32 bytes (unset: a random
                   per-process secret, so tokens do not survive a restart)
  BANK_STORAGE     storage backend: memory (default)
  BANK_TRUST_PROXY 1 to take client addresses from X-Forwarded-For (behind your own proxy only)
`;

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write(HELP);
    return;
  }
  const env = process.env;
  const port = Number(env['PORT'] ?? 8000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, not "${env['PORT']}"`);
  const storageKind = env['BANK_STORAGE'] ?? 'memory';
  if (storageKind !== 'memory') throw new Error(`BANK_STORAGE must be "memory" (got "${storageKind}")`);
  let secret = env['BANK_JWT_SECRET'];
  if (!secret) {
    secret = randomBytes(32).toString('base64url');
    console.warn('bankcore: BANK_JWT_SECRET is not set; using a random secret: tokens will not survive a restart');
  }
  const bank = createBank({ storage: memoryAdapter(), tokens: { secret } });
  await bank.init();
  const running = await startServer({
    bank,
    port,
    host: env['HOST'] ?? '127.0.0.1',
    trustProxy: env['BANK_TRUST_PROXY'] === '1',
    logger: {
      request: (e) => console.log(`${e.method} ${e.path} ${e.status} ${e.durationMs.toFixed(1)}ms ${e.requestId}`),
      error: ({ error, ...e }) => console.error(`error in ${e.method} ${e.path} (request ${e.requestId}):`, error),
    },
  });
  console.log(`bankcore: storage ${storageKind} (in memory only: state is lost when the process stops)`);
  console.log(`listening on ${running.url}`);
  const stop = (signal: string) => {
    console.log(`bankcore: ${signal} received, finishing requests in flight`);
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('bankcore: shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(`bankcore: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
