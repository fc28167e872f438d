import { closeSync, fdatasync, openSync } from 'node:fs';

/**
 * How many fsyncs may run at once. A commit made while one runs starts its own at once (covering every commit
 * so far) rather than waiting for it to end: a slow fsync (several ms, while a checkpoint writes the database file)
 * then delays only the commits it covers, and the event loop idles less (64 callers in-process: 1.5 to 2 % more of
 * its time busy, alternated with one at a time). Each fsync that returns makes durable what was committed before it
 * began, whichever ends first (POSIX; Linux waits on pages another fsync put under writeback).
 */
const MAX_RUNNING = 2;

/**
 * Makes committed WAL frames durable off the event loop. SQLite runs with `synchronous=NORMAL`: a COMMIT writes its
 * frames to the WAL file (the OS's cache) and returns without an fsync. This then `fdatasync`s the WAL file on
 * libuv's thread pool, and a commit is durable once an fsync that started after its COMMIT returned has finished:
 * the same guarantee as `synchronous=FULL` (whose commit is that write plus that fsync), but the event loop keeps
 * working during the fsync, and the commits made meanwhile share the next one (two may run at once; see
 * {@link MAX_RUNNING}). Checkpoints still fsync the WAL before copying it and the database after (SQLite does so
 * at NORMAL), so frames are never dropped unsynced. The WAL's directory entry is SQLite's to sync: the first write
 * to a WAL it created syncs the header (at NORMAL too), and that first sync fsyncs the directory
 * (test/sqlite-fsync.test.ts checks the order).
 *
 * Nothing is acknowledged before it is durable: writes resolve, and reads answer, only once every commit before
 * them is on disk. If an fsync fails, the OS may have dropped the unwritten pages; nothing written since the last
 * good fsync can be trusted to be on disk, so every waiting and later call fails and the store needs a restart
 * (as PostgreSQL does), and idempotency keys then tell a client what landed.
 */
export function createWalSync(walFile: string | null) {
  // One descriptor per fsync that may run at once: Linux reports a writeback error to each open file once, so two
  // fsyncs through one descriptor could both wait on a failed page and only one of them say so.
  const fds: Array<number | null> = Array.from({ length: MAX_RUNNING }, () => null);
  const busy: boolean[] = fds.map(() => false);
  let committed = 0;
  let durable = 0;
  // The newest commit that the newest fsync started covers.
  let covered = 0;
  let failure: { error: unknown } | null = null;
  let waiters: Array<{ seq: number; resolve: () => void; reject: (error: unknown) => void }> = [];

  function settle(): void {
    const still: typeof waiters = [];
    for (const w of waiters) {
      if (failure) w.reject(failure.error);
      else if (w.seq <= durable) w.resolve();
      else still.push(w);
    }
    waiters = still;
  }

  function syncNext(): void {
    const slot = busy.indexOf(false);
    if (slot < 0 || failure || covered === committed) return;
    let fd: number;
    try {
      fd = fds[slot] ??= openSync(walFile!, 'r');
    } catch (error) {
      failure = { error };
      return settle();
    }
    busy[slot] = true;
    const covering = (covered = committed);
    fdatasync(fd, (error) => {
      busy[slot] = false;
      if (error) failure = { error };
      else durable = Math.max(durable, covering);
      settle();
      syncNext();
    });
  }

  return {
    /** Notes a COMMIT that returned; answers its sequence number for {@link whenDurable}. */
    committed(): number {
      committed += 1;
      if (walFile === null) durable = committed;
      else syncNext();
      return committed;
    },
    /** Whether an fsync is running now. */
    get syncing(): boolean {
      return busy.includes(true);
    },
    /** The sequence number of the newest commit that returned. */
    get latest(): number {
      return committed;
    },
    /** Resolves once commit `seq` is on disk; rejects if the store failed to make it so. */
    whenDurable(seq: number): Promise<void> {
      if (failure) return Promise.reject(failure.error);
      if (seq <= durable) return Promise.resolve();
      return new Promise((resolve, reject) => waiters.push({ seq, resolve, reject }));
    },
    /** Throws the fsync failure that stopped this store, if there was one. */
    assertHealthy(): void {
      if (failure) throw failure.error;
    },
    /** Resolves once every returned commit is durable (or the store failed). */
    async drain(): Promise<void> {
      await this.whenDurable(committed).catch(() => {});
    },
    close(): void {
      for (const [slot, fd] of fds.entries()) {
        if (fd !== null) closeSync(fd);
        fds[slot] = null;
      }
    },
  };
}

export type WalSync = ReturnType<typeof createWalSync>;
