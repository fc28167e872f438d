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

// Texts of the accounts lately answered, by id, with a copy of the account each was written from; at most
// ACCOUNT_TEXTS of them (the oldest written goes first).
const ACCOUNT_TEXTS = 4096;
const accountTexts = new Map<string, { account: Account; text: string }>();

/**
 * Whether two accounts hold the same value in every field (times by their instant): every field, not only those on
 * the wire, so that a field added later is compared too.
 */
function sameAccount(a: Account, b: Account): boolean {
  for (const key in a) {
    const x: unknown = a[key as keyof Account];
    const y: unknown = b[key as keyof Account];
    if (x !== y && !(x instanceof Date && y instanceof Date && x.getTime() === y.getTime())) return false;
  }
  return true;
}

/**
 * `JSON.stringify(accountJson(a))`, kept while the account stays as it was: a balance is read far more often than it
 * changes, and serialising an account's ten fields was about 4k of the 127k instructions of a `GET /balance` (per
 * account; V8 on Node 20 writes each of its 16 keys and strings through a per-string routine). A text is reused
 * only when the account equals, field by field, the one it was written from, so it is the text the account would
 * give now, whichever bank (in one process) the account belongs to.
 */
function accountJsonText(a: Account): string {
  const kept = accountTexts.get(a.id);
  if (kept && sameAccount(a, kept.account)) return kept.text;
  const text = JSON.stringify(accountJson(a));
  if (kept) accountTexts.delete(a.id);
  else if (accountTexts.size >= ACCOUNT_TEXTS) accountTexts.delete(accountTexts.keys().next().value!);
  accountTexts.set(a.id, { account: { ...a }, text });
  return text;
}

/** A 200 page of accounts, `{ accounts, nextCursor }`, written from their texts ({@link accountJsonText}). */
export function accountsPage(accounts: Account[], nextCursor: string | null): HttpResponse {
  const response = json(200, null);
  response.raw = `{"accounts":[${accounts.map(accountJsonText).join(',')}],"nextCursor":${JSON.stringify(nextCursor)}}`;
  return response;
}

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
