import { publicAccount, type CommitOutcome } from './commit.js';
import type { CommitPlan } from './storage.js';
import { jsonTime } from './time.js';
import type { Account, Hold, Transaction, User } from './types.js';

/**
 * Every event type. Each committed change writes exactly one event, in the same atomic step (the outbox):
 * - `transaction.posted`: a deposit, withdrawal, transfer, fund, payout or post;
 * - `transaction.reversed`: a reversal (the new transaction, and the reversed one);
 * - `hold.created`, `hold.captured` (with its transaction), `hold.voided`, `hold.expired`;
 * - `account.opened`, `account.frozen`, `account.unfrozen`, `account.closed`, `account.limit_changed`;
 * - `user.registered`, `user.password_changed`.
 */
export const EVENT_TYPES = [
  'transaction.posted',
  'transaction.reversed',
  'hold.created',
  'hold.captured',
  'hold.voided',
  'hold.expired',
  'account.opened',
  'account.frozen',
  'account.unfrozen',
  'account.closed',
  'account.limit_changed',
  'user.registered',
  'user.password_changed',
] as const;

/** One of {@link EVENT_TYPES}. */
export type EventType = (typeof EVENT_TYPES)[number];

/** Replaces every Date with its ISO string: payloads are stored and sent as JSON, so every adapter returns the same. */
export type Jsonified<T> = T extends Date ? string : T extends Array<infer U> ? Array<Jsonified<U>> : T extends object ? { [K in keyof T]: Jsonified<T[K]> } : T;

/** What each event type carries: the public shape of what changed, as JSON (times as ISO strings). */
export interface EventPayloads {
  'transaction.posted': { transaction: Transaction; accounts: Account[] };
  'transaction.reversed': { transaction: Transaction; reversed: Transaction; accounts: Account[] };
  'hold.created': { hold: Hold; accounts: Account[] };
  'hold.captured': { hold: Hold; transaction: Transaction; accounts: Account[] };
  'hold.voided': { hold: Hold; accounts: Account[] };
  'hold.expired': { hold: Hold; accounts: Account[] };
  'account.opened': { account: Account };
  'account.frozen': { account: Account };
  'account.unfrozen': { account: Account };
  'account.closed': { account: Account };
  'account.limit_changed': { account: Account };
  'user.registered': { user: User };
  'user.password_changed': { userId: string };
}

/** An event as committed: `position` rises strictly in commit order (gap-free on memory and SQLite). */
export type BankEvent = { [K in EventType]: { id: string; type: K; occurredAt: Date; position: number; payload: Jsonified<EventPayloads[K]> } }[EventType];

/**
 * An event as a change hands it to storage, before it has a position. `payload` holds the change's own objects
 * (never mutated afterwards), not a copy: an adapter that keeps objects (memory) retains them as they are, and one
 * that writes bytes serialises them once, with {@link eventPayloadJson}. Either rebuilds the public form on read
 * with {@link storedEvent}.
 */
export interface NewEvent {
  id: string;
  type: EventType;
  occurredAt: Date;
  payload: object;
}

/**
 * JSON texts of the objects one commit writes more than once (a transaction in its own row, in its idempotency
 * record and in its event), each serialised once: `of(value)` is `JSON.stringify(value)` remembered by identity,
 * and `composite(object)` the same text as `JSON.stringify(object)` for a plain object, built from `of` of each
 * property. The core shares one object between those places, and stored objects are never mutated, so a text stays
 * true for as long as the commit is being written.
 */
export interface JsonParts {
  of(value: unknown): string;
  composite(object: object): string;
}

// The JSON texts of property names that `composite` has written: the few names of records' and events' bodies.
const keyTexts = new Map<string, string>();
function keyText(key: string): string {
  let text = keyTexts.get(key);
  if (text === undefined) {
    text = JSON.stringify(key);
    if (keyTexts.size < 256) keyTexts.set(key, text);
  }
  return text;
}

/**
 * A fresh {@link JsonParts}, for the writes of one commit.
 *
 * Given the commit's outcome, its transaction, hold and touched accounts are serialised from a copy whose times are
 * already text: a `Date` inside `JSON.stringify` costs a `toJSON` call into V8's printf-style `toISOString`, and a
 * durable deposit's two took 22k of its 192.5k instructions (callgrind, 64 callers in-process; 173.8k this way). A
 * spread keeps every field in its place, so the text is the same as `JSON.stringify` of the object itself.
 *
 * @param commit - the outcome's objects (`applyCommitPlan`'s result), or nothing for other writes.
 * @example
 * ```ts
 * const json = createJsonParts(outcome);
 * insertTransaction.run(t.id, json.of(outcome.transaction));
 * ```
 */
export function createJsonParts(commit?: { transaction: Transaction | null; hold: Hold | null; touched: Account[] }): JsonParts {
  const known = new Map<unknown, string>();
  const textOf = (value: unknown): string => {
    // A keyed deposit's record and event are mostly such values (a placeholder 0, a null hold, a Date): each was a
    // JSON.stringify call of its own, and the Date one through toJSON.
    if (value === null) return 'null';
    if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
    if (value instanceof Date) {
      const time = jsonTime(value);
      return time === null ? 'null' : `"${time}"`;
    }
    const t = commit?.transaction;
    if (t && value === t) return JSON.stringify({ ...t, createdAt: jsonTime(t.createdAt) });
    const h = commit?.hold;
    if (h && value === h) return JSON.stringify({ ...h, expiresAt: jsonTime(h.expiresAt), createdAt: jsonTime(h.createdAt), resolvedAt: jsonTime(h.resolvedAt) });
    if (commit && value === commit.touched) return JSON.stringify(commit.touched.map((a) => ({ ...a, createdAt: jsonTime(a.createdAt) })));
    return JSON.stringify(value);
  };
  const of = (value: unknown): string => {
    let text = known.get(value);
    if (text === undefined) {
      text = textOf(value);
      if (typeof value === 'object' && value !== null) known.set(value, text);
    }
    return text;
  };
  return {
    of,
    composite(object) {
      let text = '';
      for (const [key, value] of Object.entries(object)) {
        // What JSON.stringify leaves out of an object.
        if (value === undefined || typeof value === 'function' || typeof value === 'symbol') continue;
        text += `${text ? ',' : '{'}${keyText(key)}:${of(value)}`;
      }
      return text ? `${text}}` : '{}';
    },
  };
}

/** The JSON text of an event's payload, as adapters store it (`JsonParts.composite` gives the same text). */
export const eventPayloadJson = (event: NewEvent): string => JSON.stringify(event.payload);

/** An event as read back from storage: its payload parsed from its JSON text (times as ISO strings). */
export function storedEvent(event: Omit<NewEvent, 'payload'>, payloadJson: string, position: number): BankEvent {
  return { id: event.id, type: event.type, occurredAt: event.occurredAt, position, payload: JSON.parse(payloadJson) } as BankEvent;
}

/** A page of events, how far pruning has gone (`position <= prunedThrough` are deleted) and the newest position. */
export interface EventPage {
  events: BankEvent[];
  prunedThrough: number;
  lastPosition: number;
}

/** Where a webhook consumer delivers, and how its deliveries are going. */
export interface WebhookSettings {
  url: string;
  /** The event types it receives; `null` for all. */
  types: EventType[] | null;
  /** The HMAC-SHA256 signing secret. Kept as is: signing needs it (shown to the operator once, at creation). */
  secret: string;
  /** When the current run of failures began; null while deliveries succeed. */
  failingSince: Date | null;
  lastError: string | null;
  /** Set when it failed for longer than the retry horizon (3 days): delivery stopped. */
  disabledAt: Date | null;
}

/** A named reader of the event log with its own stored position: an in-process consumer or a webhook endpoint. */
export interface EventConsumer {
  name: string;
  /** The last position it has acknowledged; it resumes after it. */
  position: number;
  createdAt: Date;
  webhook: WebhookSettings | null;
}

/** Builds an event; `id` is `null` when the bank keeps no events (then nothing is written). */
export function newEvent<K extends EventType>(id: string | null, type: K, occurredAt: Date, payload: EventPayloads[K]): NewEvent | null {
  if (id === null) return null;
  return { id, type, occurredAt, payload };
}

/** The one event a committed plan writes, built from its outcome (so it says exactly what was written). */
export function eventOfOutcome(plan: CommitPlan, outcome: CommitOutcome): NewEvent | null {
  const id = plan.eventId;
  const at = outcome.committedAt;
  const accounts = outcome.touched;
  const hold = outcome.hold;
  const transaction = outcome.transaction;
  if (plan.holdCreate && hold) return newEvent(id, 'hold.created', at, { hold, accounts });
  if (plan.holdResolve && hold) {
    if (hold.status === 'captured' && transaction) return newEvent(id, 'hold.captured', at, { hold, transaction, accounts });
    return newEvent(id, hold.status === 'expired' ? 'hold.expired' : 'hold.voided', at, { hold, accounts });
  }
  if (transaction && outcome.reversed) return newEvent(id, 'transaction.reversed', at, { transaction, reversed: outcome.reversed, accounts });
  if (transaction) return newEvent(id, 'transaction.posted', at, { transaction, accounts });
  const update = plan.accountUpdate;
  const account = outcome.accounts.find((a) => a.id === update?.accountId);
  if (update && account) {
    const type = update.status === 'frozen' ? 'account.frozen' : update.status === 'active' ? 'account.unfrozen' : update.status === 'closed' ? 'account.closed' : 'account.limit_changed';
    return newEvent(id, type, at, { account: publicAccount(account) });
  }
  return null;
}
