import { readFileSync } from 'node:fs';

/** A frame of a SQLite WAL: the page it holds, and the database's size in pages if it ends a commit (else 0). */
export interface WalFrame {
  page: number;
  commitSize: number;
}

/**
 * The frames of the WAL's current generation, in order: those after its header whose salts match the header's (a
 * restart writes new salts, so frames left from before it no longer count). Checksums are not checked.
 */
export function currentWalFrames(databaseFile: string): WalFrame[] {
  const wal = readFileSync(`${databaseFile}-wal`);
  const pageSize = wal.readUInt32BE(8);
  const salts = wal.subarray(16, 24);
  const frames: WalFrame[] = [];
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    if (!wal.subarray(at + 8, at + 16).equals(salts)) break;
    frames.push({ page: wal.readUInt32BE(at), commitSize: wal.readUInt32BE(at + 4) });
  }
  return frames;
}
