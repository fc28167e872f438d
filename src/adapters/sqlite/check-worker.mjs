// Worker thread of the SQLite adapter: its own connection to the database, on which it checks the integrity of
// the tables it is given (`PRAGMA quick_check(table)`) while the store already serves.
import { parentPort, workerData } from 'node:worker_threads';

const { filename, driver, tables } = workerData;
let db;
if (driver === 'better-sqlite3') {
  const { default: Database } = await import('better-sqlite3');
  db = new Database(filename, { readonly: true, timeout: 5000 });
} else {
  const specifier = 'node:sqlite';
  const { DatabaseSync } = await import(specifier);
  db = new DatabaseSync(filename, { readOnly: true, timeout: 5000 });
}
try {
  const problems = tables.flatMap((table) => db.prepare(`PRAGMA quick_check(${table})`).all().map((row) => Object.values(row)[0]));
  parentPort.postMessage({ problems: problems.filter((p) => p !== 'ok') });
} catch (error) {
  parentPort.postMessage({ problems: [String(error?.message ?? error)] });
} finally {
  db.close();
}
