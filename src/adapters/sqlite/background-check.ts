import { Worker } from 'node:worker_threads';

/**
 * Runs `PRAGMA quick_check` of `tables` on a worker thread with its own read-only connection, beside a store that
 * is already serving; resolves with the problems found (none: an empty list).
 */
export function checkInBackground(filename: string, driver: 'better-sqlite3' | 'node:sqlite', tables: readonly string[]): Promise<string[]> {
  const worker = new Worker(new URL('./check-worker.mjs', import.meta.url), { workerData: { filename, driver, tables } });
  worker.unref();
  return new Promise<string[]>((resolve, reject) => {
    worker.once('message', (message: { problems: string[] }) => resolve(message.problems));
    worker.once('error', reject);
    worker.once('exit', () => reject(new Error('the integrity check worker stopped')));
  });
}
