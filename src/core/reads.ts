import { z } from 'zod';
import { copyEntry } from './commit.js';
import { instantSchema, parseInput } from './schemas.js';
import type { StorageAdapter, StoredAccount } from './storage.js';
import type { HistoryPage, PointInTimeBalance } from './types.js';

/** Options of `bank.history` and `operator.history`. */
export interface HistoryOptions {
  /** 1–100; default 20. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string | null;
  /** Only entries committed at or after this time. */
  from?: Date | string;
  /** Only entries committed at or before this time. */
  to?: Date | string;
}

const historySchema = z
  .strictObject({
    limit: z.int().min(1).max(100).default(20),
    cursor: z.string().regex(/^[1-9][0-9]{0,15}$/, 'is not a cursor returned by history').nullish(),
    from: instantSchema.optional(),
    to: instantSchema.optional(),
  })
  .refine((o) => !o.from || !o.to || o.from.getTime() <= o.to.getTime(), { message: 'must not be before from', path: ['to'] });

/** A page of an account's ledger, newest first, within an optional time range. */
export async function readHistory(storage: StorageAdapter, account: StoredAccount, options: unknown): Promise<HistoryPage> {
  const { limit, cursor, from, to } = parseInput(historySchema, options ?? {}, 'history');
  const beforeSequence = cursor == null ? null : Number(cursor);
  const rows = await storage.listLedgerEntries(account.id, { limit: limit + 1, beforeSequence, from: from ?? null, to: to ?? null });
  const entries = rows.slice(0, limit).map(copyEntry);
  const last = entries[entries.length - 1];
  return { entries, nextCursor: rows.length > limit && last ? String(last.sequence) : null };
}

/** The balance right after the account's last entry at or before `at`: one index lookup. */
export async function readBalanceAt(storage: StorageAdapter, account: StoredAccount, at: unknown): Promise<PointInTimeBalance> {
  const asOf = parseInput(instantSchema, at, 'balanceAt');
  const entry = await storage.findEntryAt(account.id, asOf);
  return { balance: entry?.balanceAfter ?? 0, asOf, sequence: entry?.sequence ?? 0 };
}
