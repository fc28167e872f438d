import { isoTime, jsonTime, type Account, type Hold, type LedgerEntry, type PointInTimeBalance, type Transaction } from 'bankcore';
import type { HttpResponse } from './problem.js';

// The wire form of the core's objects: explicit fields (never a spread), so an internal field added to the core
// never leaks onto the wire unnoticed. Times are text already (jsonTime, the same as a Date's toJSON): a Date left for
// JSON.stringify costs a toJSON call into V8's slow toISOString.

/** A JSON response that no cache keeps. */
export function json(status: number, body: unknown, extra?: Record<string, string>): HttpResponse {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  if (extra) Object.assign(headers, extra);
  return { status, headers, body };
}

export const accountJson = (a: Account) => ({
  id: a.id,
  bankCode: a.bankCode,
  accountNumber: a.accountNumber,
  currency: a.currency,
  balance: a.balance,
  pending: a.pending,
  available: a.available,
  status: a.status,
  overdraftLimit: a.overdraftLimit,
  createdAt: jsonTime(a.createdAt),
});

export const transactionJson = (t: Transaction) => ({
  id: t.id,
  type: t.type,
  amount: t.amount,
  currency: t.currency,
  legs: t.legs.map((l) => ({ bankCode: l.bankCode, accountNumber: l.accountNumber, amount: l.amount })),
  reference: t.reference,
  metadata: t.metadata,
  reversalOf: t.reversalOf,
  reversedBy: t.reversedBy,
  holdId: t.holdId,
  createdAt: jsonTime(t.createdAt),
});

export const entryJson = (e: LedgerEntry) => ({
  id: e.id,
  transactionId: e.transactionId,
  sequence: e.sequence,
  type: e.type,
  amount: e.amount,
  balanceAfter: e.balanceAfter,
  currency: e.currency,
  counterparty: e.counterparty,
  reference: e.reference,
  metadata: e.metadata,
  createdAt: jsonTime(e.createdAt),
});

export const holdJson = (h: Hold) => ({
  id: h.id,
  status: h.status,
  from: { bankCode: h.from.bankCode, accountNumber: h.from.accountNumber },
  to: { bankCode: h.to.bankCode, accountNumber: h.to.accountNumber },
  amount: h.amount,
  currency: h.currency,
  capturedAmount: h.capturedAmount,
  expiresAt: jsonTime(h.expiresAt),
  reference: h.reference,
  metadata: h.metadata,
  createdAt: jsonTime(h.createdAt),
  resolvedAt: jsonTime(h.resolvedAt),
  transactionId: h.transactionId,
});

export const pointInTimeJson = (a: Account, p: PointInTimeBalance) => ({
  bankCode: a.bankCode,
  accountNumber: a.accountNumber,
  currency: a.currency,
  balance: p.balance,
  asOf: jsonTime(p.asOf),
  sequence: p.sequence,
});

/** A money movement's 201; a replay answers exactly as the first call did, and says that it is one. */
export function created(body: unknown, replayed: boolean): HttpResponse {
  return json(201, body, replayed ? { 'idempotent-replayed': 'true' } : {});
}

const CSV_COLUMNS = ['createdAt', 'transactionId', 'sequence', 'type', 'amount', 'balanceAfter', 'currency', 'counterpartyBankCode', 'counterpartyAccountNumber', 'reference'];

function csvField(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  // A text cell that a spreadsheet would run as a formula is prefixed with ' (OWASP's CSV injection advice).
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** A statement as CSV (RFC 4180, CRLF lines), streamed page by page: newest entry first, as the JSON pages. */
export async function* csvStatement(pages: AsyncIterable<LedgerEntry[]>): AsyncIterable<string> {
  yield `${CSV_COLUMNS.join(',')}\r\n`;
  for await (const page of pages) {
    let chunk = '';
    for (const e of page) {
      const row = [isoTime(e.createdAt), e.transactionId, e.sequence, e.type, e.amount, e.balanceAfter, e.currency, e.counterparty?.bankCode ?? null, e.counterparty?.accountNumber ?? null, e.reference];
      chunk += `${row.map(csvField).join(',')}\r\n`;
    }
    yield chunk;
  }
}
