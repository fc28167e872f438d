// Two digits and three digits, zero-padded: the parts of an ISO 8601 time.
const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/**
 * The ISO 8601 text of a time, exactly as `date.toISOString()` writes it (`2026-12-05T00:01:26.123Z`).
 *
 * Why not `toISOString()` itself: V8 formats it through a printf-style routine, about 330 ns against about 130 ns
 * here, and a `Date` inside `JSON.stringify` also takes the serialiser off its fast path. The two dates of a
 * `GET /balance` answer were 1.2 µs of its 18.7 µs of server CPU (perf, Node 20). Years outside 0–9999 and invalid
 * dates go to `toISOString()`, which writes the extended form or throws its RangeError.
 *
 * @param date - any `Date`.
 * @returns the same text as `date.toISOString()`.
 * @throws RangeError - for an invalid date, as `toISOString()` does.
 * @example
 * ```ts
 * isoTime(new Date(0)); // '1970-01-01T00:00:00.000Z'
 * ```
 */
export function isoTime(date: Date): string {
  const year = date.getUTCFullYear();
  if (!(year >= 0 && year <= 9999)) return date.toISOString();
  const y = year < 1000 ? `${year + 10000}`.slice(1) : `${year}`;
  return `${y}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())}T${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}.${pad3(date.getUTCMilliseconds())}Z`;
}

/**
 * A time as `JSON.stringify` writes a `Date` (its `toJSON`), without that call: the ISO text, and `null` for `null`
 * or an invalid date. What every serialiser of the core's objects uses for their times.
 *
 * @param date - a `Date`, or `null`.
 * @returns its ISO text, or `null`.
 * @example
 * ```ts
 * jsonTime(hold.resolvedAt); // null while the hold is pending
 * ```
 */
export const jsonTime = (date: Date | null): string | null => (date === null || Number.isNaN(date.getTime()) ? null : isoTime(date));
