import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createJsonParts, isoTime, jsonTime, type Account, type Hold, type Transaction } from 'bankcore';

// Times as a commit makes them, and the odd ones (before year 0, after 9999, invalid) JSON.stringify also handles.
const time = fc.oneof(fc.date({ noInvalidDate: true }), fc.date({ noInvalidDate: false }), fc.constant(new Date(0)));
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }));
const metadata = fc.dictionary(fc.oneof(text, fc.constantFrom('__proto__', 'createdAt', 'toJSON')), text, { maxKeys: 4 });
const ref = { bankCode: text, accountNumber: text };
const transaction = fc.record({
  id: fc.uuid(),
  type: fc.constantFrom('deposit', 'withdrawal', 'transfer', 'capture', 'reversal', 'posting'),
  amount: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  currency: fc.constantFrom('EUR', 'USD'),
  legs: fc.array(fc.record({ accountId: fc.uuid(), ...ref, amount: fc.integer() }), { minLength: 2, maxLength: 4 }),
  reference: fc.option(text, { nil: null }),
  metadata,
  reversalOf: fc.option(fc.uuid(), { nil: null }),
  reversedBy: fc.option(fc.uuid(), { nil: null }),
  holdId: fc.option(fc.uuid(), { nil: null }),
  createdAt: time,
}) as unknown as fc.Arbitrary<Transaction>;
const account = fc.record({
  id: fc.uuid(),
  ...ref,
  currency: fc.constantFrom('EUR', 'USD'),
  balance: fc.integer(),
  pending: fc.nat(),
  available: fc.integer(),
  status: fc.constantFrom('active', 'frozen', 'closed'),
  overdraftLimit: fc.nat(),
  createdAt: time,
}) as unknown as fc.Arbitrary<Account>;
const hold = fc.record({
  id: fc.uuid(),
  status: fc.constantFrom('pending', 'captured', 'voided', 'expired'),
  from: fc.record(ref),
  to: fc.record(ref),
  amount: fc.nat(),
  currency: fc.constantFrom('EUR', 'USD'),
  capturedAmount: fc.nat(),
  expiresAt: fc.option(time, { nil: null }),
  reference: fc.option(text, { nil: null }),
  metadata,
  createdAt: time,
  resolvedAt: fc.option(time, { nil: null }),
  transactionId: fc.option(fc.uuid(), { nil: null }),
}) as unknown as fc.Arbitrary<Hold>;

describe('createJsonParts', () => {
  it("writes a commit's transaction, hold and accounts, and any composite of them, exactly as JSON.stringify does", () => {
    fc.assert(
      fc.property(fc.option(transaction, { nil: null }), fc.option(hold, { nil: null }), fc.array(account, { maxLength: 3 }), (t, h, touched) => {
        const json = createJsonParts({ transaction: t, hold: h, touched });
        if (t) expect(json.of(t)).toBe(JSON.stringify(t));
        if (h) expect(json.of(h)).toBe(JSON.stringify(h));
        expect(json.of(touched)).toBe(JSON.stringify(touched));
        const payload = { transaction: t ?? undefined, hold: h, accounts: touched };
        expect(json.composite(payload)).toBe(JSON.stringify(payload));
      }),
      { numRuns: 1000 },
    );
  });

  it("writes the plain values of a record's or an event's body (numbers, null, times, strings) as JSON.stringify does", () => {
    const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER));
    const key = fc.oneof(fc.constantFrom('transaction', 'hold', 'accounts', 'createdAt'), text);
    fc.assert(
      fc.property(fc.dictionary(key, fc.oneof(number, time, fc.constant(null), text, fc.boolean()), { maxKeys: 5 }), (body) => {
        expect(createJsonParts().composite(body)).toBe(JSON.stringify(body));
        for (const value of Object.values(body)) expect(createJsonParts().of(value)).toBe(JSON.stringify(value));
      }),
      { numRuns: 1000 },
    );
  });

  it('leaves the objects it writes unchanged, and writes anything else as JSON.stringify does', () => {
    fc.assert(
      fc.property(transaction, fc.array(account, { maxLength: 2 }), fc.anything(), (t, touched, other) => {
        const before = JSON.stringify([t, touched]);
        const createdAt = t.createdAt;
        const json = createJsonParts({ transaction: t, hold: null, touched });
        json.of(t);
        json.of(touched);
        expect(t.createdAt).toBe(createdAt);
        expect(JSON.stringify([t, touched])).toBe(before);
        expect(createJsonParts().of(t)).toBe(JSON.stringify(t));
        if (JSON.stringify(other) !== undefined) expect(json.of(other)).toBe(JSON.stringify(other));
      }),
      { numRuns: 300 },
    );
  });
});

describe('isoTime', () => {
  it('writes exactly what toISOString writes, for every year 0-9999 and at each edge of a field', () => {
    const times = [0, -1, 1, 253402300799999, -62167219200000, -62135596800001, 951782400000, 4102444800000 - 1];
    for (let i = 0; i < 20_000; i++) times.push(Math.floor((Math.random() - 0.2) * 3e14));
    for (const t of times) {
      const date = new Date(t);
      expect(isoTime(date)).toBe(date.toISOString());
    }
  });

  it('writes the extended year form outside 0-9999 and throws RangeError for an invalid date, as toISOString does', () => {
    for (const t of [-62167219200001, 253402300800000, 8.64e15, -8.64e15]) expect(isoTime(new Date(t))).toBe(new Date(t).toISOString());
    expect(() => isoTime(new Date(NaN))).toThrow(RangeError);
  });
});

describe('jsonTime', () => {
  it("writes a time as a Date's toJSON does: its ISO text, null for null or an invalid date", () => {
    for (const t of [0, -1, 253402300799999, 253402300800000, -62167219200001, NaN]) expect(jsonTime(new Date(t))).toBe(new Date(t).toJSON());
    expect(jsonTime(null)).toBeNull();
  });
});
