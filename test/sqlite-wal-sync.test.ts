import { describe, expect, it, vi } from 'vitest';

// fdatasync and openSync under the test's control: each fsync waits until the test ends it.
const fsyncs: Array<{ fd: number; end: (error?: Error) => void }> = [];
let opened = 0;
vi.mock('node:fs', async (actual) => ({
  ...(await actual<typeof import('node:fs')>()),
  openSync: () => 100 + opened++,
  closeSync: () => {},
  fdatasync: (fd: number, done: (error: Error | null) => void) => fsyncs.push({ fd, end: (error) => done(error ?? null) }),
}));
const { createWalSync } = await import('../src/adapters/sqlite/wal-sync.js');

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('sqlite adapter: fsyncs of the WAL', () => {
  it('starts a second fsync for a commit made while one runs, through its own descriptor, and never a third', async () => {
    fsyncs.length = 0;
    const sync = createWalSync('/wal');
    const acknowledged: number[] = [];
    const commit = () => {
      const seq = sync.committed();
      void sync.whenDurable(seq).then(() => acknowledged.push(seq));
      return seq;
    };
    commit();
    commit();
    expect(fsyncs.map((f) => f.fd)).toEqual([100, 101]);
    commit();
    // Two run: the third commit waits for one of them to end.
    expect(fsyncs).toHaveLength(2);
    // The second (covering commits 1 and 2) ends first: both are durable, whatever the first does.
    fsyncs[1]!.end();
    await turn();
    expect(acknowledged).toEqual([1, 2]);
    // Its descriptor is free again, and the next fsync covers commit 3.
    expect(fsyncs.map((f) => f.fd)).toEqual([100, 101, 101]);
    // The first ends later: what is durable stays durable (a later read of commit 2 answers at once).
    fsyncs[0]!.end();
    await turn();
    expect(acknowledged).toEqual([1, 2]);
    let readAfter2 = false;
    void sync.whenDurable(2).then(() => (readAfter2 = true));
    await turn();
    expect(readAfter2).toBe(true);
    fsyncs[2]!.end();
    await turn();
    expect(acknowledged).toEqual([1, 2, 3]);
    sync.close();
  });

  it('fails every waiting and later call once an fsync fails, also when the other one running succeeded', async () => {
    fsyncs.length = 0;
    const sync = createWalSync('/wal');
    const outcome = (seq: number) => sync.whenDurable(seq).then(() => 'durable', (error: Error) => error.message);
    const first = outcome(sync.committed());
    const second = outcome(sync.committed());
    const third = outcome(sync.committed());
    // The second fsync, begun after commits 1 and 2, succeeds: they are durable, and a third starts for commit 3.
    // Then the first fails: commit 3 is not acknowledged, whatever its fsync answers.
    fsyncs[1]!.end();
    await turn();
    expect(fsyncs).toHaveLength(3);
    fsyncs[0]!.end(new Error('EIO'));
    fsyncs[2]!.end();
    expect(await Promise.all([first, second, third])).toEqual(['durable', 'durable', 'EIO']);
    expect(() => sync.assertHealthy()).toThrow('EIO');
    await expect(sync.whenDurable(sync.committed())).rejects.toThrow('EIO');
    // No fsync starts after a failure: nothing written since can be trusted.
    expect(fsyncs).toHaveLength(3);
    sync.close();
  });
});
