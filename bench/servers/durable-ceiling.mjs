// The ceiling of the standalone server's POST /deposit row: what the standalone server would answer if its store
// cost nothing but the disk. Started by bench/servers/standalone.mjs in place of dist/cli.js (BENCH_STANDALONE_ENTRY),
// so it gets the same environment, setup over HTTP and log file. It is src/cli/serve.ts's request path (the JSON
// request log on stdout, the threaded password hasher at its default cost, events on, rate limits off) on the memory
// store, whose every change is acknowledged the way the SQLite store acknowledges one (src/adapters/sqlite/commit.ts
// and wal-sync.ts): the changes of one event-loop turn are one commit, which writes its bytes to a log file that is
// then fdatasync'ed on libuv's thread pool (two fsyncs at most at once, each covering every commit before it began),
// and a change is answered once an fsync begun after its commit has ended. What it leaves out is SQLite's own work on
// the event loop: the B-tree reads and writes, the rows' JSON, the statements.
import { fdatasync, fdatasyncSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createBank } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';
import { createServerLogger, createThreadedPasswordHasher, startServer } from 'bankcore/node';

// What the standalone server writes to its disk per POST /deposit at 50 connections (WAL frames and checkpoints;
// /proc/<pid>/io write_bytes over five-second runs: 5.4 to 5.6 KB), in whole 4 KiB pages a commit, as WAL frames are.
const BYTES_PER_CHANGE = 5_632;
const PAGE = 4_096;
// A log that is written over from its start when full, allocated and synced first, as SQLite reuses its WAL file:
// an fsync then writes the data alone, not the file's growing size as well.
const LOG_SIZE = 16 << 20;

const fd = openSync(join(process.env.BANK_DATA_DIR ?? '.', 'ceiling.log'), 'w+');
writeSync(fd, Buffer.alloc(LOG_SIZE), 0, LOG_SIZE, 0);
fdatasyncSync(fd);
let offset = 0;
let syncing = 0;
let uncovered = [];

/** Starts an fsync covering every commit so far, unless two already run (see wal-sync.ts). */
function syncNext() {
  if (syncing >= 2 || uncovered.length === 0) return;
  const covered = uncovered;
  uncovered = [];
  syncing += 1;
  fdatasync(fd, (error) => {
    if (error) throw error;
    syncing -= 1;
    for (const acknowledge of covered) acknowledge();
    syncNext();
  });
}

/** The turn's commit: its changes' bytes in one write, then acknowledged by the next fsync. */
function commit(changes) {
  const length = Math.ceil((changes * BYTES_PER_CHANGE) / PAGE) * PAGE;
  if (offset + length > LOG_SIZE) offset = 0;
  writeSync(fd, Buffer.alloc(length), 0, length, offset);
  offset += length;
}

const memory = memoryAdapter();
let turn = null;
// The memory adapter's methods are closures over its state (none reads `this`), so a copy of the object with
// `commit` replaced is the same store; only a movement's answer waits for the disk.
const storage = {
  ...memory,
  commit(plan) {
    const result = memory.commit(plan);
    if (!turn) {
      const current = (turn = { changes: 0, durable: null });
      current.durable = new Promise((acknowledge) =>
        setImmediate(() => {
          turn = null;
          commit(current.changes);
          uncovered.push(acknowledge);
          syncNext();
        }),
      );
    }
    turn.changes += 1;
    return turn.durable.then(() => result);
  },
};

const log = createServerLogger({ format: 'json' });
const bank = createBank({
  storage,
  tokens: { secret: process.env.BANK_JWT_SECRET },
  passwordHasher: createThreadedPasswordHasher(),
});
await bank.init();
const running = await startServer({ bank, port: Number(process.env.PORT ?? 0), host: '127.0.0.1', rateLimits: false, logger: log.http });
log.info(`listening on ${running.url}`);
