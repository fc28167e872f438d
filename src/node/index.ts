import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createPasswordHasher, kdfOptions, type PasswordHasher, type PasswordHashing, type PasswordKdf } from 'bankcore';

/** Options of {@link createThreadedPasswordHasher}. */
export interface ThreadedHasherOptions {
  /** Worker threads; default the number of cores. */
  threads?: number;
  /** Told, as each hash starts, how long it waited for a thread and how many still wait (for metrics). */
  onQueue?: (waitMs: number, depth: number) => void;
}

interface Job {
  id: number;
  resolve: (hash: Uint8Array) => void;
  reject: (error: Error) => void;
}

/**
 * A password hasher whose key derivations run in a pool of `worker_threads`, so logins use every core and
 * never stall the event loop that serves other requests. Same hashes, parameters and checks as
 * `createPasswordHasher`; only where the work runs differs. An idle worker is unref'd, so a program exits once its
 * own work is done; `close()` stops the workers at once. Node only; elsewhere use the default in-process hasher.
 *
 * @param params - defaults to argon2id at OWASP's minimum.
 * @throws BankError CONFIGURATION_INVALID for parameters below the OWASP minimum without `insecure: true`.
 * @example
 * ```ts
 * import { createThreadedPasswordHasher } from 'bankcore/node';
 * const bank = createBank({ storage, tokens, passwordHasher: createThreadedPasswordHasher() });
 * ```
 */
export function createThreadedPasswordHasher(params?: PasswordHashing, options: ThreadedHasherOptions = {}): PasswordHasher & { close(): Promise<void> } {
  const size = Math.max(1, options.threads ?? availableParallelism());
  const jobs = new Map<number, Job>();
  const idle: Worker[] = [];
  const waiting: Array<{ job: Job; message: object; queuedAt: number }> = [];
  let nextId = 1;
  let workers: Worker[] | null = null;

  function start(): Worker[] {
    return Array.from({ length: size }, () => {
      const worker = new Worker(new URL('./hash-worker.mjs', import.meta.url));
      worker.on('message', ({ id, hash, error }: { id: number; hash?: Uint8Array; error?: string }) => {
        const job = jobs.get(id);
        jobs.delete(id);
        if (job) error ? job.reject(new Error(error)) : job.resolve(new Uint8Array(hash!));
        const next = waiting.shift();
        if (next) {
          options.onQueue?.(performance.now() - next.queuedAt, waiting.length);
          dispatch(worker, next.job, next.message);
        }
        else {
          // Idle: it must not keep the process alive.
          worker.unref();
          idle.push(worker);
        }
      });
      worker.on('error', (error) => {
        for (const job of jobs.values()) job.reject(error);
        jobs.clear();
      });
      // After the listeners: on Node 20, adding a 'message' listener refs the worker again.
      worker.unref();
      idle.push(worker);
      return worker;
    });
  }

  function dispatch(worker: Worker, job: Job, message: object): void {
    jobs.set(job.id, job);
    // Busy: a hash in flight keeps the process alive until it is answered.
    worker.ref();
    worker.postMessage(message);
  }

  const kdf: PasswordKdf = (p, input, salt) =>
    new Promise((resolve, reject) => {
      if (closed) return reject(new Error('the threaded password hasher is closed'));
      workers ??= start();
      const job = { id: nextId++, resolve, reject };
      const message = { id: job.id, algorithm: p.algorithm, options: kdfOptions(p), input, salt };
      const worker = idle.pop();
      if (worker) {
        options.onQueue?.(0, waiting.length);
        dispatch(worker, job, message);
      } else waiting.push({ job, message, queuedAt: performance.now() });
    });

  let closed = false;
  return {
    ...createPasswordHasher(params, kdf),
    /** Stops the workers; hashing afterwards fails. */
    async close() {
      closed = true;
      await Promise.all((workers ?? []).map((w) => w.terminate()));
      workers = null;
    },
  };
}

export { createHttpHandler } from './handler.js';
export { createMetrics, startMetricsServer, withMetrics } from './metrics.js';
export type { BankMetrics } from './metrics.js';
export { createServerLogger, describeError } from './logging.js';
export type { ServerLogger, ServerLoggerOptions } from './logging.js';
export type { NodeHandler } from './handler.js';
export { startServer } from './server.js';
export { answerClientError } from './connections.js';
export type { RunningServer, ServerOptions } from './server.js';
