// Worker thread of the SQLite adapter, with its own connection to the database. It copies the WAL into the
// database file on request (a PASSIVE checkpoint: it never blocks the owner's readers), so the checkpoint's writes
// and fsyncs happen here, never on the event loop that serves requests; or (another instance) checks the integrity
// of the tables it is given.
import { closeSync, fdatasyncSync, openSync, statSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';

// cutWalAbove: the WAL file size past which a checkpoint that copied every frame also truncates the file.
const { filename, driver, cutWalAbove = Infinity } = workerData;
// Node 22 calls node:sqlite experimental and warns on stderr from every thread that loads it. The owner's thread
// loaded it first and reported that warning its own way (the standalone server logs it as a JSON line); this
// thread's copy would be a stray line of free text in the server's output.
process.removeAllListeners('warning');
process.on('warning', () => {});
// Background work yields the CPU to the event loop: on Linux this lowers the priority of this thread only. Where
// the OS refuses, the worker runs at the owner's priority, as before.
try {
  setPriority(10);
} catch {
  // Not permitted here; nothing is lost but the preference.
}
let db;
if (driver === 'better-sqlite3') {
  const { default: Database } = await import('better-sqlite3');
  db = new Database(filename, { timeout: 5000 });
} else {
  const specifier = 'node:sqlite';
  const { DatabaseSync } = await import(specifier);
  db = new DatabaseSync(filename, { timeout: 5000 });
}
// The owner fsyncs the WAL itself; a checkpoint still syncs the WAL before copying it and the database after.
db.exec('PRAGMA synchronous = NORMAL');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const truncate = db.prepare('PRAGMA wal_checkpoint(TRUNCATE)');
const pageSize = Number(Object.values(db.prepare('PRAGMA page_size').get())[0]);

/**
 * Truncates a WAL that outgrew its bound (a long reader held it) to zero bytes. Here, not on the owner's thread:
 * freeing a file's blocks can block for as long as the disk takes to discard them (measured: 205 ms in one
 * `ftruncate` of the WAL, on ext4 mounted with `discard`, found with `perf` on the event loop's thread). With no
 * wait for readers: a reader still in the WAL (a backup) makes it busy, and the next checkpoint tries again.
 */
function cutOutgrownWal() {
  if ((statSync(`${filename}-wal`, { throwIfNoEntry: false })?.size ?? 0) <= cutWalAbove) return;
  db.exec('PRAGMA busy_timeout = 0');
  try {
    truncate.get();
  } finally {
    db.exec('PRAGMA busy_timeout = 5000');
  }
}

/**
 * Flushes the pages a checkpoint beside the writer copied into the database file. SQLite syncs the file only after
 * a checkpoint that reached the end of the log, and beside a writer the log has always grown meanwhile: so the
 * copied megabytes were flushed by the checkpoint with the writer held, and holding it took that long (strace:
 * a 12 ms `fsync` of the database in a 13 ms hold, every cycle under 64 callers). Flushed here, with no lock
 * held, the held checkpoint flushes only the pages written since.
 */
let databaseFd = null;
function syncDatabaseFile() {
  databaseFd ??= openSync(filename, 'r');
  fdatasyncSync(databaseFd);
}

const userVersion = db.prepare('PRAGMA user_version');

/**
 * Starts the next cycle of a WAL that the checkpoint copied whole, here rather than in the owner's next commit.
 * The first write after a restart writes the WAL's new header and fsyncs it before any frame (SQLite's guard
 * against a header reaching the disk after the frames behind it). In the owner, that fsync ran on the event
 * loop once per cycle: strace showed it there every 0.6 s of a growing ledger, and the scale run's longest stall
 * was a 54 ms gap with 3 ms of it on a CPU and the rest asleep. Here the write is one page (the database header,
 * its user_version set to what it is), and the owner's next commit appends to the restarted log. Only while the
 * owner holds its writes, and with no wait: if a reader keeps the log (a backup), the owner restarts it later.
 */
function restartWal() {
  db.exec('PRAGMA busy_timeout = 0');
  try {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(`PRAGMA user_version = ${Number(Object.values(userVersion.get())[0])}`);
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  } catch {
    // Busy (a reader), or any other failure: the owner's next commit restarts the log itself, as SQLite does by
    // default, and meets there any fault that lasts (a full disk), with its usual error.
  } finally {
    db.exec('PRAGMA busy_timeout = 5000');
  }
}

parentPort.on('message', (message) => {
  if (message?.check) {
    try {
      const problems = message.check.flatMap((table) => db.prepare(`PRAGMA quick_check(${table})`).all().map((row) => Object.values(row)[0]));
      parentPort.postMessage({ problems: problems.filter((p) => p !== 'ok') });
    } catch (error) {
      parentPort.postMessage({ problems: [String(error?.message ?? error)] });
    }
    return;
  }
  if (message === 'close') {
    if (databaseFd !== null) closeSync(databaseFd);
    db.close();
    parentPort.close();
    return;
  }
  try {
    const { busy, log, checkpointed } = checkpoint.get();
    // Only while the owner holds its writes: TRUNCATE takes the write lock, which the owner would wait for.
    if (message.mayCut && log === checkpointed) {
      cutOutgrownWal();
      restartWal();
    } else if (!message.mayCut && checkpointed > 0) {
      syncDatabaseFile();
    }
    parentPort.postMessage({ busy, log, checkpointed });
  } catch (error) {
    parentPort.postMessage({ error: String(error?.message ?? error) });
  }
});
parentPort.postMessage({ ready: true, pageSize });
