import { Worker } from 'node:worker_threads';
import { WAL_LIMIT_BYTES } from './open.js';

/**
 * Checkpoints in a worker thread, so that copying the WAL into the database file (megabytes of writes and two
 * fsyncs) never stalls the event loop. The owner's connection runs with `wal_autocheckpoint=0`; the committer
 * asks {@link Checkpointer.afterCommit} after each commit. A checkpoint first copies the log while writes go on;
 * then the committer holds its next batch for a second one, which copies only what was written meanwhile, so that
 * the next write restarts the WAL from its start (the WAL stays bounded).
 */
export interface Checkpointer {
  /**
   * Called after each commit: true when a checkpoint should start now: the last one ended `everyMs` ago or more, or
   * the log has grown past `maxWalBytes` (a fast writer fills more than that in `everyMs`). The size counts only
   * after a checkpoint that copied every frame: while a reader holds the WAL, no checkpoint can restart it, and one
   * after every commit would only hold the writer back.
   *
   * The log's size is estimated, not read: commits since the WAL restarted times the frames per commit that the
   * last checkpoint found. The file's size cannot tell it, since the owner never truncates the file (a truncate
   * on the event loop stalled it 205 ms; the worker cuts an outgrown WAL instead).
   */
  afterCommit(): boolean;
  /**
   * Runs a checkpoint; resolves with whether it copied every frame it found, rejects if the worker is gone.
   * `writerHeld`: the owner writes nothing until it resolves, so a complete checkpoint lets the next write
   * restart the WAL. Only such a checkpoint may truncate an outgrown WAL, and only its count of frames feeds the
   * estimate (a checkpoint beside the writer sees a log that is still growing).
   */
  run(writerHeld: boolean): Promise<boolean>;
  close(): Promise<void>;
}

/** Starts the checkpoint worker for `filename`, opened with `driver`. */
export async function startCheckpointer(filename: string, driver: 'better-sqlite3' | 'node:sqlite', everyMs = 500, maxWalBytes = WAL_LIMIT_BYTES): Promise<Checkpointer> {
  // The worker truncates a WAL file that a long reader let grow a quarter past the bound; one cycle's overshoot
  // (a batch past the estimate) stays below that, so the file is reused in place from cycle to cycle.
  const workerData = { filename, driver, cutWalAbove: maxWalBytes * 1.25 };
  const worker = new Worker(new URL('./checkpoint-worker.mjs', import.meta.url), { workerData });
  const { pageSize } = await new Promise<{ pageSize: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  worker.unref();
  // A WAL frame is a page and its 24-byte header.
  const maxFrames = maxWalBytes / (pageSize + 24);
  let last = performance.now();
  let drained = true;
  let commits = 0;
  let framesPerCommit = 0;
  let gone: Error | null = null;
  worker.once('exit', () => (gone ??= new Error('the checkpoint worker stopped')));
  return {
    afterCommit() {
      commits += 1;
      return performance.now() - last >= everyMs || (drained && commits * framesPerCommit > maxFrames);
    },
    run(writerHeld) {
      if (gone) return Promise.reject(gone);
      worker.ref();
      return new Promise<boolean>((resolve, reject) => {
        const settle = (error: Error | null, complete = false) => {
          worker.off('message', answered).off('exit', exited);
          worker.unref();
          last = performance.now();
          if (error) reject(error);
          else resolve(complete);
        };
        // A checkpoint that fails (a busy reader, a full disk) is retried next time; only a dead worker is final.
        const answered = (result: { log?: number; checkpointed?: number }) => {
          const complete = result.log !== undefined && result.log === result.checkpointed;
          if (writerHeld) {
            drained = complete;
            if (result.log !== undefined && result.log > 0 && commits > 0) framesPerCommit = result.log / commits;
            // The next write restarts a drained log from its start.
            if (drained) commits = 0;
          }
          settle(null, complete);
        };
        const exited = () => settle(gone);
        worker.on('message', answered).on('exit', exited);
        worker.postMessage({ checkpoint: true, mayCut: writerHeld });
      });
    },
    async close() {
      if (gone) return;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      // Referenced again, so that the process waits for the worker to close its connection.
      worker.ref();
      worker.postMessage('close');
      await exited;
    },
  };
}

/**
 * Runs `PRAGMA quick_check` of `tables` on a worker thread of its own, beside a store that is already serving;
 * resolves with the problems found (none: an empty list).
 */
export async function checkInBackground(filename: string, driver: 'better-sqlite3' | 'node:sqlite', tables: readonly string[]): Promise<string[]> {
  const worker = new Worker(new URL('./checkpoint-worker.mjs', import.meta.url), { workerData: { filename, driver } });
  worker.unref();
  try {
    return await new Promise<string[]>((resolve, reject) => {
      worker.on('message', (message: { ready?: true; problems?: string[] }) => {
        if (message.ready) worker.postMessage({ check: tables });
        else resolve(message.problems ?? []);
      });
      worker.once('error', reject);
      worker.once('exit', () => reject(new Error('the integrity check worker stopped')));
    });
  } finally {
    worker.postMessage('close');
  }
}
