import { z } from 'zod';
import { BankError } from './errors.js';
import type { BankEvent, EventConsumer } from './events.js';
import { parseInput } from './schemas.js';
import type { StorageAdapter } from './storage.js';

/** Options of the event log: `createBank({ events })`. */
export interface EventLogOptions {
  /**
   * Prune events older than this even if a registered consumer has not passed them (it then gets EVENTS_PRUNED on
   * resume). Unset: events are kept until every registered consumer has passed them (forever with none).
   */
  retentionSeconds?: number;
  /** How often a waiting stream looks for events another process committed; default 500 ms. */
  pollIntervalMs?: number;
}

/** `bank.events`: the outbox, read in process. */
export interface BankEvents {
  /**
   * A page of events after a position, oldest first.
   * @throws BankError EVENTS_PRUNED when events after `after` were already pruned (the reader fell behind).
   * @example
   * ```ts
   * const page = await bank.events.read({ after: 0, limit: 100 });
   * ```
   */
  read(options?: { after?: number; limit?: number }): Promise<BankEvent[]>;
  /**
   * Every event after `after`, then each new one as it commits: delivery at least once, in commit order. Store the
   * last position you handled and resume from it. Ends when `signal` aborts.
   * @throws BankError EVENTS_PRUNED as `read`.
   * @example
   * ```ts
   * for await (const event of bank.events.stream({ after: saved })) { handle(event); saved = event.position }
   * ```
   */
  stream(options?: { after?: number; signal?: AbortSignal }): AsyncIterable<BankEvent>;
  /** Registers a named consumer (kept by storage) so pruning waits for it; returns the existing one if registered. */
  registerConsumer(name: string, options?: { from?: 'start' | 'now' }): Promise<EventConsumer>;
  /** Stores that a consumer has handled everything up to `position`. Throws VALIDATION_FAILED for an unknown name. */
  acknowledge(name: string, position: number): Promise<void>;
  consumers(): Promise<EventConsumer[]>;
  removeConsumer(name: string): Promise<boolean>;
  /** Deletes what every consumer has passed (and, with `retentionSeconds`, what is older): run it periodically. */
  prune(): Promise<{ prunedThrough: number }>;
  /** The newest committed position. */
  lastPosition(): Promise<number>;
}

const readSchema = z.strictObject({ after: z.int().min(0).default(0), limit: z.int().min(1).max(1000).default(100) });
const nameSchema = z.string().regex(/^[A-Za-z0-9:._-]{1,128}$/, 'must be 1 to 128 letters, digits, ":", ".", "_" or "-"');

/**
 * Builds `bank.events` over storage. `notify()` is called by the bank after each write it makes, so streams in this
 * process wake at once; writes by other processes are found by polling.
 */
export function createEventLog(storage: StorageAdapter, now: () => Date, options: EventLogOptions = {}) {
  const waiters = new Set<() => void>();
  const pollMs = options.pollIntervalMs ?? 500;
  const notify = () => {
    // Called after every commit: nothing to copy when no stream waits, as is usual.
    if (waiters.size === 0) return;
    for (const wake of [...waiters]) wake();
  };

  async function page(after: number, limit: number) {
    const found = await storage.readEvents(after, limit);
    if (after < found.prunedThrough) {
      throw new BankError('EVENTS_PRUNED', `Events after position ${after} were pruned (through ${found.prunedThrough}); resume from ${found.prunedThrough} and reconcile what was missed`, { details: { prunedThrough: found.prunedThrough } });
    }
    return found;
  }

  function wait(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, pollMs);
      waiters.add(done);
      signal?.addEventListener('abort', done);
    });
  }

  const api: BankEvents = {
    async read(raw = {}) {
      const { after, limit } = parseInput(readSchema, raw, 'events.read');
      return (await page(after, limit)).events;
    },
    async *stream(raw = {}) {
      const { signal, ...rest } = raw;
      let { after } = parseInput(readSchema, rest, 'events.stream');
      while (!signal?.aborted) {
        const { events } = await page(after, 100);
        for (const event of events) {
          if (signal?.aborted) return;
          yield event;
          after = event.position;
        }
        if (events.length < 100) await wait(signal);
      }
    },
    async registerConsumer(name, registration = {}) {
      parseInput(nameSchema, name, 'consumer name');
      const existing = await storage.findConsumer(name);
      if (existing) return existing;
      const position = registration.from === 'now' ? (await storage.readEvents(0, 1)).lastPosition : (await storage.readEvents(0, 1)).prunedThrough;
      const consumer: EventConsumer = { name, position, createdAt: now(), webhook: null };
      if (!(await storage.createConsumer(consumer))) return (await storage.findConsumer(name))!;
      return consumer;
    },
    async acknowledge(name, position) {
      parseInput(z.int().min(0), position, 'position');
      const consumer = await storage.findConsumer(name);
      if (!consumer) throw new BankError('VALIDATION_FAILED', `No consumer is named ${name}`, { details: { issues: [{ path: 'name', message: 'is not a registered consumer' }] } });
      // Never backwards: a late acknowledgement of an earlier position keeps the later one.
      if (position > consumer.position) await storage.updateConsumer(name, { position });
    },
    consumers: () => storage.listConsumers(),
    removeConsumer: (name) => storage.deleteConsumer(name),
    async prune() {
      const first = await storage.readEvents(0, 1);
      const consumers = await storage.listConsumers();
      let through = consumers.length ? Math.min(...consumers.map((c) => c.position)) : first.prunedThrough;
      if (options.retentionSeconds !== undefined) {
        const cutoff = now().getTime() - options.retentionSeconds * 1000;
        // Walk from the oldest kept event to the first one young enough to keep (a bounded walk per call).
        let after = first.prunedThrough;
        for (let pages = 0; pages < 100; pages++) {
          const { events } = await storage.readEvents(after, 500);
          const old = events.filter((e) => e.occurredAt.getTime() < cutoff);
          if (old.length) after = old[old.length - 1]!.position;
          if (old.length < events.length || events.length < 500) break;
        }
        through = Math.max(through, after);
      }
      if (through > first.prunedThrough) await storage.pruneEvents(through);
      return { prunedThrough: Math.max(through, first.prunedThrough) };
    },
    lastPosition: async () => (await storage.readEvents(0, 1)).lastPosition,
  };
  return { api, notify };
}
