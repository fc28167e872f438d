import { link, mkdir, open, readdir, readFile, rename, rm, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { BankError } from 'bankcore';
import { decodeSnapshot, encodeRecord, encodeSnapshot, scanJournal } from './codec.js';
import { emptyState, replayEvent, type MemoryEvent, type MemoryState } from './state.js';

/** Tuning of the durable store. */
export interface DurabilityOptions {
  /** Write a snapshot and start a new journal once the journal exceeds this many bytes; default 64 MiB. */
  snapshotAfterBytes?: number;
}

const SNAPSHOT = 'snapshot.bin';
const LOCK = 'LOCK';
const journalName = (generation: number) => `journal-${String(generation).padStart(8, '0')}.log`;
const unavailable = (message: string, cause?: unknown) => new BankError('STORAGE_UNAVAILABLE', message, { cause });

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `dir/LOCK` for this process; a lock of a live process refuses, a dead one's is taken over. */
async function acquireLock(dir: string): Promise<void> {
  const lock = join(dir, LOCK);
  const mine = join(dir, `LOCK.${process.pid}`);
  await writeFile(mine, `${process.pid}\n`);
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await link(mine, lock);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const owner = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
        if (owner && owner !== process.pid && alive(owner)) {
          throw new BankError('CONFIGURATION_INVALID', `Data directory ${dir} is in use by process ${owner}; one process per data directory`);
        }
        await unlink(lock).catch(() => undefined); // stale: its owner is gone
      }
    }
    throw new BankError('CONFIGURATION_INVALID', `Could not lock data directory ${dir}`);
  } finally {
    await unlink(mine).catch(() => undefined);
  }
}

interface Loaded {
  state: MemoryState;
  generation: number;
  journalBytes: number;
}

/** Snapshot, then every journal from its generation on; cuts a torn tail off the last journal. */
async function load(dir: string): Promise<Loaded> {
  const names = await readdir(dir);
  const journals = names
    .map((n) => /^journal-(\d{8})\.log$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  let state = emptyState();
  let generation = 1;
  if (names.includes(SNAPSHOT)) {
    const decoded = decodeSnapshot(await readFile(join(dir, SNAPSHOT)));
    if (!decoded) throw unavailable(`Snapshot ${join(dir, SNAPSHOT)} is damaged; restore it from a backup`);
    ({ state, generation } = decoded);
  } else if (journals.length > 0 && journals[0]! > 1) {
    throw unavailable(`${join(dir, journalName(journals[0]!))} continues a snapshot that is missing; restore ${SNAPSHOT} from a backup`);
  }
  let journalBytes = 0;
  const live = journals.filter((g) => g >= generation);
  for (const [i, g] of live.entries()) {
    const file = join(dir, journalName(g));
    const bytes = await readFile(file);
    const scan = scanJournal(bytes);
    const last = i === live.length - 1;
    if (scan.corruptAt !== undefined || (!last && scan.validBytes !== bytes.length)) {
      throw unavailable(`Journal ${file} is corrupt at byte offset ${scan.corruptAt ?? scan.validBytes}; restore the data directory from a backup`);
    }
    try {
      for (const event of scan.events) replayEvent(state, event);
    } catch (error) {
      throw unavailable(`Journal ${file} does not apply to its snapshot: ${(error as Error).message}`, error);
    }
    if (scan.validBytes !== bytes.length) {
      const handle = await open(file, 'r+');
      await handle.truncate(scan.validBytes);
      await handle.sync();
      await handle.close();
    }
    if (last) journalBytes = scan.validBytes;
  }
  if (live.length > 0) generation = live[live.length - 1]!;
  // Journals older than the snapshot were folded into it; a crash may have left them behind.
  for (const g of journals.filter((j) => j < generation)) await rm(join(dir, journalName(g)), { force: true });
  return { state, generation, journalBytes };
}

/**
 * State in memory, every change appended to a checksummed journal and fsynced before it is acknowledged.
 * Changes that arrive while a write is in flight share the next write and fsync (group commit).
 */
export class DurableStore {
  state: MemoryState = emptyState();
  private journal!: FileHandle;
  private generation = 1;
  private durableBytes = 0;
  private queue: Array<{ bytes: Buffer; resolve: () => void; reject: (e: unknown) => void }> = [];
  private flushing: Promise<void> | null = null;
  private failure: unknown = null;
  private recovering: Promise<void> | null = null;
  private snapshotting: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly options: DurabilityOptions,
  ) {}

  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await acquireLock(this.dir);
    await this.reload();
  }

  private async reload(): Promise<void> {
    const loaded = await load(this.dir);
    this.state = loaded.state;
    this.generation = loaded.generation;
    this.durableBytes = loaded.journalBytes;
    this.journal = await open(join(this.dir, journalName(this.generation)), 'a+');
  }

  /** Resolves when the store may take a change; after a failed write, first rebuilds state from disk. */
  ready(): Promise<void> {
    if (this.closed) return Promise.reject(unavailable('Storage is closed'));
    if (this.failure === null) return Promise.resolve();
    this.recovering ??= (async () => {
      await this.flushing;
      await this.journal.close().catch(() => undefined);
      // Drop the bytes of the failed write (if any reached the file) and every change not made durable.
      const handle = await open(join(this.dir, journalName(this.generation)), 'r+');
      try {
        await handle.truncate(this.durableBytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await this.reload();
      this.failure = null;
    })().finally(() => (this.recovering = null));
    return this.recovering.catch((error: unknown) => {
      throw unavailable('Storage is unavailable; try again later', error);
    });
  }

  /** Appends a change already applied to `state`; resolves once it is durable. */
  append(event: MemoryEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ bytes: encodeRecord(event), resolve, reject });
      this.flushing ??= this.flush().finally(() => (this.flushing = null));
    });
  }

  /** Resolves when everything appended so far is durable. */
  async barrier(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.failure !== null) throw unavailable('Storage is unavailable; try again later', this.failure);
  }

  private async write(bytes: Buffer): Promise<void> {
    let written = 0;
    while (written < bytes.length) {
      written += (await this.journal.write(bytes, written, bytes.length - written, this.durableBytes + written)).bytesWritten;
    }
    await this.journal.datasync();
    this.durableBytes += bytes.length;
  }

  private fail(error: unknown, batch: typeof this.queue): void {
    this.failure = error;
    for (const item of [...batch, ...this.queue.splice(0)]) item.reject(unavailable('Storage is unavailable; try again later', error));
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      // Let every operation that is ready to run this turn queue its record first, so they share one fsync
      // instead of the first going alone.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const batch = this.queue.splice(0);
      if (this.failure !== null) {
        this.fail(this.failure, batch);
        continue;
      }
      try {
        await this.write(Buffer.concat(batch.map((item) => item.bytes)));
      } catch (error) {
        this.fail(error, batch);
        continue;
      }
      for (const item of batch) item.resolve();
      if (this.durableBytes >= (this.options.snapshotAfterBytes ?? 64 * 1024 * 1024)) await this.rotate();
    }
  }

  /**
   * Snapshots the state and starts journal N+1. Changes applied in memory but still queued are written to
   * journal N first, in the same synchronous step that serialises the snapshot, so the snapshot holds exactly
   * journals ≤ N and nothing is applied twice on replay. Only ever runs inside the flush loop (or at close).
   */
  private async rotate(): Promise<void> {
    if (this.snapshotting) return;
    const tail = this.queue.splice(0);
    const snapshot = encodeSnapshot(this.state, this.generation + 1);
    try {
      if (tail.length > 0) await this.write(Buffer.concat(tail.map((item) => item.bytes)));
    } catch (error) {
      this.fail(error, tail);
      return;
    }
    for (const item of tail) item.resolve();
    try {
      const next = await open(join(this.dir, journalName(this.generation + 1)), 'a+');
      await fsyncDirectory(this.dir);
      await this.journal.close();
      this.journal = next;
      this.generation += 1;
      this.durableBytes = 0;
    } catch {
      return; // Could not start a new journal (no space?); keep appending to this one and try again later.
    }
    this.snapshotting = this.writeSnapshot(snapshot, this.generation - 1).finally(() => (this.snapshotting = null));
  }

  private async writeSnapshot(snapshot: Buffer, foldedJournal: number): Promise<void> {
    const temporary = join(this.dir, `${SNAPSHOT}.tmp`);
    try {
      const handle = await open(temporary, 'w');
      await handle.writeFile(snapshot);
      await handle.sync();
      await handle.close();
      await rename(temporary, join(this.dir, SNAPSHOT));
      await fsyncDirectory(this.dir);
      await rm(join(this.dir, journalName(foldedJournal)), { force: true });
    } catch {
      // The journals still hold everything; the next rotation tries again.
      await rm(temporary, { force: true }).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.barrier().catch(() => undefined);
    await this.snapshotting;
    this.closed = true;
    if (this.failure === null && this.durableBytes > 0) {
      // A snapshot at shutdown makes the next start-up a single file read.
      await this.rotate();
      await this.snapshotting;
    }
    await this.journal.close().catch(() => undefined);
    await unlink(join(this.dir, LOCK)).catch(() => undefined);
  }
}
