import { crc32 } from 'node:zlib';
import type { Hold, IdempotencyRecord, LedgerEntry, StoredAccount, StoredUser, Transaction } from 'bankcore';
import { emptyState, idemKey, indexAccount, indexHold, type MemoryEvent, type MemoryState, type SettlementLegs } from './state.js';

// On-disk formats of the durable memory adapter.
// Journal record: [payload length u32 LE][crc32(payload) u32 LE][crc32(first 8 bytes) u32 LE][payload: JSON event].
// Snapshot file: one header line `bankcore-snapshot 2 <generation> <byte length> <crc32 hex>\n`, then JSON.

export const HEADER_BYTES = 12;
const MAX_RECORD_BYTES = 64 * 1024 * 1024;

// JSON turns every Date of the model into an ISO string; these are the keys that hold one.
const DATE_KEYS = new Set(['createdAt', 'at', 'expiresAt', 'resolvedAt', 'lastEntryAt']);
const revive = (key: string, value: unknown) => (DATE_KEYS.has(key) && typeof value === 'string' ? new Date(value) : value);

export function encodeRecord(event: MemoryEvent): Buffer {
  const payload = Buffer.from(JSON.stringify(event));
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(payload.length, 0);
  header.writeUInt32LE(crc32(payload), 4);
  header.writeUInt32LE(crc32(header.subarray(0, 8)), 8);
  return Buffer.concat([header, payload]);
}

/** What reading a journal found: the events, and where the valid part ends. */
export interface JournalScan {
  events: MemoryEvent[];
  /** Bytes of complete, valid records; anything after is a torn tail to cut off. */
  validBytes: number;
  /** Set when a record before the end is damaged: the journal must not be used. */
  corruptAt?: number;
}

/**
 * Reads journal bytes. A damaged record that reaches the end of the file (a crash mid-write) is a torn tail;
 * a damaged record with more data after it is corruption, reported with its offset.
 */
export function scanJournal(bytes: Buffer): JournalScan {
  const events: MemoryEvent[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const remaining = bytes.length - offset;
    const tornTail = { events, validBytes: offset };
    if (remaining < HEADER_BYTES) return tornTail;
    const headerOk = bytes.readUInt32LE(offset + 8) === crc32(bytes.subarray(offset, offset + 8));
    if (!headerOk) {
      // A crash can leave zeros past the last record on some file systems; anything else is damage.
      return bytes.subarray(offset).every((b) => b === 0) ? tornTail : { events, validBytes: offset, corruptAt: offset };
    }
    const length = bytes.readUInt32LE(offset);
    if (length > MAX_RECORD_BYTES) return { events, validBytes: offset, corruptAt: offset };
    if (remaining < HEADER_BYTES + length) return tornTail;
    const payload = bytes.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length);
    if (bytes.readUInt32LE(offset + 4) !== crc32(payload)) {
      const end = offset + HEADER_BYTES + length === bytes.length;
      return end ? tornTail : { events, validBytes: offset, corruptAt: offset };
    }
    events.push(JSON.parse(payload.toString('utf8'), revive) as MemoryEvent);
    offset += HEADER_BYTES + length;
  }
  return { events, validBytes: offset };
}

interface SnapshotBody {
  users: StoredUser[];
  accounts: StoredAccount[];
  entries: LedgerEntry[][];
  settlementLegs: Array<SettlementLegs | null>;
  transactions: Transaction[];
  holds: Hold[];
  idempotency: IdempotencyRecord[];
}

export function encodeSnapshot(state: MemoryState, generation: number): Buffer {
  const body: SnapshotBody = {
    users: [...state.users.values()],
    accounts: [...state.accounts.values()],
    entries: [...state.accounts.keys()].map((id) => state.entriesByAccount.get(id) ?? []),
    settlementLegs: [...state.accounts.keys()].map((id) => state.settlementLegs.get(id) ?? null),
    transactions: [...state.transactions.values()],
    holds: [...state.holds.values()],
    idempotency: [...state.idempotency.values()],
  };
  const payload = Buffer.from(JSON.stringify(body));
  const header = `bankcore-snapshot 2 ${generation} ${payload.length} ${crc32(payload).toString(16)}\n`;
  return Buffer.concat([Buffer.from(header), payload]);
}

/** Parses a snapshot file; `null` when it is damaged in any way. */
export function decodeSnapshot(bytes: Buffer): { state: MemoryState; generation: number } | null {
  const newline = bytes.indexOf(0x0a);
  const match = newline > 0 ? /^bankcore-snapshot 2 (\d+) (\d+) ([0-9a-f]+)$/.exec(bytes.toString('utf8', 0, newline)) : null;
  if (!match) return null;
  const payload = bytes.subarray(newline + 1);
  if (payload.length !== Number(match[2]) || crc32(payload).toString(16) !== match[3]) return null;
  const body = JSON.parse(payload.toString('utf8'), revive) as SnapshotBody;
  const state = emptyState();
  for (const user of body.users) {
    state.users.set(user.id, user);
    state.userIdByKey.set(user.usernameKey, user.id);
  }
  body.accounts.forEach((account, i) => indexAccount(state, account, body.entries[i] ?? [], body.settlementLegs[i] ?? undefined));
  for (const transaction of body.transactions) state.transactions.set(transaction.id, transaction);
  for (const hold of body.holds) indexHold(state, hold);
  for (const record of body.idempotency) state.idempotency.set(idemKey(record.scope, record.key), record);
  return { state, generation: Number(match[1]) };
}
