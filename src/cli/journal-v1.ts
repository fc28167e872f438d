// Reads a data directory written by release 0.1.0's durable journal store, read-only, into the ordered list of
// changes it holds. Formats (as 0.1.0 wrote them):
// - snapshot.bin: `bankcore-snapshot 1 <generation> <byte length> <crc32 hex>\n` then JSON
//   `{ users, accounts, entries: LedgerEntry[][] (per account), idempotency }`;
// - journal-NNNNNNNN.log: records `[payload length u32 LE][crc32(payload)][crc32(first 8 bytes)][JSON event]`,
//   events `user`, `password`, `account`, `posting`. A damaged last record is a torn tail (a crash mid-write) and is
//   cut off; a damaged record with data after it stops the import.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { StoredUser } from 'bankcore';

/** 0.1.0 stored users exactly as this release does. */
export type V1User = StoredUser;
export interface V1Account {
  id: string;
  ownerId: string;
  bankCode: string;
  accountNumber: string;
  currency: string;
  createdAt: Date;
}
export interface V1Posting {
  id: string;
  type: 'deposit' | 'withdrawal' | 'transfer';
  legs: Array<{ accountId: string; bankCode: string; accountNumber: string; amount: number }>;
  reference: string | null;
  initiatorId: string;
  createdAt: Date;
  idempotency: { userId: string; key: string; fingerprint: string } | null;
}
export type V1Change =
  | { t: 'user'; user: V1User }
  | { t: 'password'; userId: string; passwordHash: string; credentialVersion: number }
  | { t: 'account'; account: V1Account }
  | { t: 'posting'; posting: V1Posting };

interface V1Entry {
  accountId: string;
  transactionId: string;
  sequence: number;
  type: V1Posting['type'];
  amount: number;
  reference: string | null;
  createdAt: Date;
  id: string;
}

const revive = (key: string, value: unknown) => (key === 'createdAt' && typeof value === 'string' ? new Date(value) : value);

/** True when `dir` holds 0.1.0's journal store. */
export const hasJournal = (dir: string) => existsSync(dir) && readdirSync(dir).some((n) => n === 'snapshot.bin' || /^journal-\d{8}\.log$/.test(n));

function readRecords(bytes: Buffer, file: string): unknown[] {
  const events: unknown[] = [];
  let offset = 0;
  while (bytes.length - offset >= 12) {
    const length = bytes.readUInt32LE(offset);
    const headerOk = bytes.readUInt32LE(offset + 8) === crc32(bytes.subarray(offset, offset + 8));
    const complete = headerOk && offset + 12 + length <= bytes.length;
    const payload = complete ? bytes.subarray(offset + 12, offset + 12 + length) : null;
    if (!payload || bytes.readUInt32LE(offset + 4) !== crc32(payload)) {
      const rest = bytes.subarray(offset);
      const tornTail = !complete || offset + 12 + length === bytes.length || rest.every((b) => b === 0);
      if (tornTail) return events;
      throw new Error(`${file} is damaged at byte ${offset}; restore it from a backup before importing`);
    }
    events.push(JSON.parse(payload.toString('utf8'), revive));
    offset += 12 + length;
  }
  return events;
}

/**
 * The snapshot's postings in an order consistent with every account's entry sequence (0.1.0 applied postings one
 * at a time, so such an order exists): a transaction goes next once it is next in each of its accounts.
 */
function orderedPostings(entriesByAccount: V1Entry[][], claims: Map<string, V1Posting['idempotency']>, owners: Map<string, string>): V1Posting[] {
  const byTransaction = new Map<string, V1Entry[]>();
  for (const entries of entriesByAccount) for (const e of entries) byTransaction.set(e.transactionId, [...(byTransaction.get(e.transactionId) ?? []), e]);
  const next = new Map<string, number>();
  const queues = new Map<string, V1Entry[]>();
  for (const entries of entriesByAccount) if (entries[0]) queues.set(entries[0].accountId, [...entries].sort((a, b) => a.sequence - b.sequence));
  const ordered: V1Posting[] = [];
  const ready = (t: string) => byTransaction.get(t)!.every((e) => queues.get(e.accountId)![next.get(e.accountId) ?? 0]?.transactionId === t);
  let progressed = true;
  while (ordered.length < byTransaction.size && progressed) {
    progressed = false;
    const heads = new Set<string>();
    for (const [accountId, queue] of queues) {
      const head = queue[next.get(accountId) ?? 0];
      if (head) heads.add(head.transactionId);
    }
    for (const t of [...heads].filter(ready).sort((a, b) => byTransaction.get(a)![0]!.createdAt.getTime() - byTransaction.get(b)![0]!.createdAt.getTime())) {
      const legs = byTransaction.get(t)!.sort((a, b) => a.id.localeCompare(b.id));
      for (const e of legs) next.set(e.accountId, (next.get(e.accountId) ?? 0) + 1);
      const first = legs[0]!;
      ordered.push({
        id: t,
        type: first.type,
        legs: legs.map((e) => ({ accountId: e.accountId, bankCode: '', accountNumber: '', amount: e.amount })),
        reference: first.reference,
        initiatorId: owners.get(first.accountId) ?? '',
        createdAt: first.createdAt,
        idempotency: claims.get(t) ?? null,
      });
      progressed = true;
    }
  }
  if (ordered.length < byTransaction.size) throw new Error('the snapshot entries admit no commit order; the snapshot is inconsistent');
  return ordered;
}

/** Every change in a 0.1.0 data directory, in the order it was applied. */
export function readJournalDirectory(dir: string): V1Change[] {
  const names = readdirSync(dir);
  const changes: V1Change[] = [];
  let generation = 1;
  if (names.includes('snapshot.bin')) {
    const bytes = readFileSync(join(dir, 'snapshot.bin'));
    const newline = bytes.indexOf(0x0a);
    const m = /^bankcore-snapshot 1 (\d+) (\d+) ([0-9a-f]+)$/.exec(bytes.toString('utf8', 0, Math.max(0, newline)));
    const payload = bytes.subarray(newline + 1);
    if (!m || payload.length !== Number(m[2]) || crc32(payload).toString(16) !== m[3]) throw new Error(`${join(dir, 'snapshot.bin')} is damaged; restore it from a backup before importing`);
    generation = Number(m[1]);
    const body = JSON.parse(payload.toString('utf8'), revive) as { users: V1User[]; accounts: V1Account[]; entries: V1Entry[][]; idempotency: Array<{ userId: string; key: string; fingerprint: string; transaction: { id: string } }> };
    for (const user of body.users) changes.push({ t: 'user', user });
    for (const account of body.accounts) changes.push({ t: 'account', account });
    const claims = new Map(body.idempotency.map((r) => [r.transaction.id, { userId: r.userId, key: r.key, fingerprint: r.fingerprint }]));
    const owners = new Map(body.accounts.map((a) => [a.id, a.ownerId]));
    for (const posting of orderedPostings(body.entries, claims, owners)) changes.push({ t: 'posting', posting });
  }
  const journals = names.filter((n) => /^journal-\d{8}\.log$/.test(n)).sort().filter((n) => Number(n.slice(8, 16)) >= generation);
  for (const name of journals) {
    for (const raw of readRecords(readFileSync(join(dir, name)), join(dir, name))) {
      const event = raw as { t: string; request?: { transaction: Omit<V1Posting, 'idempotency'>; idempotency: V1Posting['idempotency'] } };
      if (event.t === 'posting') changes.push({ t: 'posting', posting: { ...event.request!.transaction, idempotency: event.request!.idempotency } });
      else changes.push(raw as V1Change);
    }
  }
  return changes;
}
