// Worker thread of the SQLite adapter, with its own connection to the database. It copies the WAL into the
// database file on request (a PASSIVE checkpoint: it never blocks the owner's readers), so the checkpoint's writes
// and fsyncs happen here, never on the event loop that serves requests; or (another instance) checks the integrity
// of the tables it is given.
import { parentPort, workerData } from 'node:worker_threads';

const { filename, driver } = workerData;
// Node 22 calls node:sqlite experimental and warns on stderr from every thread that loads it. The owner's thread
// loaded it first and reported that warning its own way (the standalone server logs it as a JSON line); this
// thread's copy would be a stray line of free text in the server's output.
process.removeAllListeners('warning');
process.on('warning', () => {});
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
    db.close();
    parentPort.close();
    return;
  }
  try {
    const { busy, log, checkpointed } = checkpoint.get();
    parentPort.postMessage({ busy, log, checkpointed });
  } catch (error) {
    parentPort.postMessage({ error: String(error?.message ?? error) });
  }
});
parentPort.postMessage({ ready: true });
