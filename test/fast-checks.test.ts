import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { movementInputs } from '../src/core/movements.js';
import { fastIdempotencyKey, idempotencyKeySchema, type FastCheck } from '../src/core/schemas.js';
import { fastMovementBody, fastTransferBody } from '../src/http/routes.js';
import { movementBody, transferBody } from '../src/wire/schemas.js';

// The fast checks in front of the movement schemas answer only for inputs their schema accepts, and then exactly
// what the schema answers; for anything else the schema decides. Inputs are built from pieces on both sides of
// every rule (lengths at and past each limit, lower case, control and astral characters, wrong types, extra keys).

const MAX = 1_000_000;
const text = fc.oneof(
  fc.constantFrom('', 'ab', 'abc', 'bank1', 'BANK1', 'abcdefghijk', 'abcdefghijkl', 'acct', 'ACCT0001', 'a'.repeat(34), 'a'.repeat(35), 'ab-1', 'ab c', 'ÄBC1', 'ﬀ12', 'Ｂ１２３', 'k'.repeat(255), 'k'.repeat(256), 'key with space', 'ключ', 'salary', 'r'.repeat(140), 'r'.repeat(141), '😀'.repeat(70), '😀'.repeat(71), 'a\u200bb', 'a\u202eb', 'tab\there', 'line\n', '\u0000'),
  fc.stringMatching(/^[A-Za-z0-9]{2,12}$/),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);
const notText = fc.constantFrom<unknown>(undefined, null, 1, true, {}, [], ['ab'], new String('BANK1'));
const field = fc.oneof({ weight: 4, arbitrary: text }, { weight: 1, arbitrary: notText });
const amount = fc.oneof(fc.constantFrom<unknown>(1, 2, 0, -0, -1, 1.5, MAX, MAX + 1, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, NaN, Infinity, '1', null, undefined, 10n), fc.integer(), fc.double());
const metadata = fc.constantFrom<unknown>(undefined, {}, { source: 'payroll' }, { 'bad key': 'x' }, 'x');
const extras = fc.constantFrom<Record<string, unknown>>({}, {}, {}, { extra: 1 }, { extra: undefined }, { __proto__: null } as never);

const ref = fc.record({ bankCode: field, accountNumber: field }, { requiredKeys: [] });
const refOrJunk = fc.oneof({ weight: 5, arbitrary: ref }, { weight: 1, arbitrary: notText }, { weight: 1, arbitrary: fc.tuple(ref, extras).map(([r, e]) => ({ ...r, ...e })) });
const optional = fc.record({ idempotencyKey: field, reference: field, metadata }, { requiredKeys: [] });

/** Any value a field may be given: text on both sides of every rule, numbers, objects, nothing. */
const anything = fc.oneof(field, amount, metadata, ref);

/**
 * A valid input with one field (at any depth, or a new one) replaced by anything: each rule is then the one that
 * decides, far more often than in inputs drawn whole.
 */
function mutated(valid: fc.Arbitrary<Record<string, unknown>>, paths: string[][]): fc.Arbitrary<unknown> {
  return fc.tuple(valid, fc.constantFrom(...paths, ['extra']), anything).map(([input, path, value]) => {
    const copy = structuredClone(input);
    let at = copy;
    for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
    at[path.at(-1)!] = value;
    return copy;
  });
}

/** The fast check takes `input` itself, with the schema's answer. */
function takenAsSchema<S extends z.ZodType>(schema: S, fast: FastCheck<z.output<S>>, input: unknown): void {
  expect(fast(input), JSON.stringify(input)).toEqual(schema.parse(input));
}

function sameAsSchema<S extends z.ZodType>(schema: S, fast: FastCheck<z.output<S>>, input: unknown): void {
  const checked = fast(input);
  if (checked === undefined) return;
  const parsed = schema.safeParse(input);
  expect(parsed.success, JSON.stringify(input)).toBe(true);
  expect(checked).toEqual(parsed.data);
}

const inputs = movementInputs(MAX);

// Inputs every rule accepts: the fast checks must take these themselves (else they would save nothing).
const validRef = fc.record({ bankCode: fc.stringMatching(/^[A-Za-z0-9]{3,11}$/), accountNumber: fc.stringMatching(/^[A-Za-z0-9]{4,34}$/) });
const validOptional = fc.record({ idempotencyKey: fc.stringMatching(/^[\x21-\x7e]{1,255}$/), reference: fc.constantFrom('rent', 'r'.repeat(140), '😀'.repeat(70), 'Gehalt März') }, { requiredKeys: [] });
const validAmount = fc.integer({ min: 1, max: MAX });
const runs = { numRuns: 3000 };

describe('fast checks', () => {
  it('answer for a deposit input only what its schema answers, and take the plain common shape themselves', () => {
    const arbitrary = fc.tuple(fc.record({ account: refOrJunk, amount }, { requiredKeys: [] }), optional, extras).map(([a, o, e]) => ({ ...a, ...o, ...e }));
    fc.assert(fc.property(arbitrary, (input) => sameAsSchema(inputs.single.schema, inputs.single.fast, input)), runs);
    const valid = fc.tuple(validRef, validAmount, validOptional).map(([account, amount, o]) => ({ account, amount, ...o }));
    fc.assert(fc.property(valid, (input) => takenAsSchema(inputs.single.schema, inputs.single.fast, input)), runs);
    const paths = [['account'], ['account', 'bankCode'], ['account', 'accountNumber'], ['account', 'extra'], ['amount'], ['idempotencyKey'], ['reference'], ['metadata']];
    fc.assert(fc.property(mutated(valid, paths), (input) => sameAsSchema(inputs.single.schema, inputs.single.fast, input)), runs);
    const plain = { account: { bankCode: 'bank1', accountNumber: 'acct0001' }, amount: 5, idempotencyKey: 'k-1', reference: 'rent' };
    expect(inputs.single.fast(plain)).toEqual({ account: { bankCode: 'BANK1', accountNumber: 'ACCT0001' }, amount: 5, idempotencyKey: 'k-1', reference: 'rent' });
  });

  it('answer for a transfer input only what its schema answers, leaving a transfer to itself to the schema', () => {
    const arbitrary = fc.tuple(fc.record({ from: refOrJunk, to: refOrJunk, amount }, { requiredKeys: [] }), optional, extras).map(([a, o, e]) => ({ ...a, ...o, ...e }));
    fc.assert(fc.property(arbitrary, (input) => sameAsSchema(inputs.transfer.schema, inputs.transfer.fast, input)), runs);
    const valid = fc.tuple(validRef, validRef, validAmount, validOptional).filter(([a, b]) => a.bankCode.toUpperCase() !== b.bankCode.toUpperCase()).map(([from, to, amount, o]) => ({ from, to, amount, ...o }));
    fc.assert(fc.property(valid, (input) => takenAsSchema(inputs.transfer.schema, inputs.transfer.fast, input)), runs);
    const paths = [['from'], ['to'], ['from', 'bankCode'], ['to', 'accountNumber'], ['to', 'extra'], ['amount'], ['idempotencyKey'], ['reference'], ['metadata']];
    fc.assert(fc.property(mutated(valid, paths), (input) => sameAsSchema(inputs.transfer.schema, inputs.transfer.fast, input)), runs);
    const from = { bankCode: 'BANK1', accountNumber: 'ACCT0001' };
    expect(inputs.transfer.fast({ from, to: { bankCode: 'bank1', accountNumber: 'acct0001' }, amount: 1 })).toBeUndefined();
    expect(inputs.transfer.fast({ from, to: { bankCode: 'BANK1', accountNumber: 'ACCT0002' }, amount: 1 })).toBeDefined();
  });

  it('answer for the HTTP movement bodies and the Idempotency-Key header only what their schemas answer', () => {
    const flat = fc.tuple(fc.record({ bankCode: field, accountNumber: field, amount }, { requiredKeys: [] }), optional, extras).map(([a, o, e]) => ({ ...a, ...o, ...e }));
    fc.assert(fc.property(flat, (input) => sameAsSchema(movementBody, fastMovementBody, input)), runs);
    const validFlat = fc.tuple(validRef, validAmount, fc.constantFrom({}, { reference: 'rent' })).map(([r, amount, o]) => ({ ...r, amount, ...o }));
    const flatPaths = [['bankCode'], ['accountNumber'], ['amount'], ['reference'], ['metadata']];
    fc.assert(fc.property(mutated(validFlat, flatPaths), (input) => sameAsSchema(movementBody, fastMovementBody, input)), runs);
    const pair = fc.tuple(fc.record({ from: refOrJunk, to: refOrJunk, amount }, { requiredKeys: [] }), optional, extras).map(([a, o, e]) => ({ ...a, ...o, ...e }));
    fc.assert(fc.property(pair, (input) => sameAsSchema(transferBody, fastTransferBody, input)), runs);
    fc.assert(fc.property(field, (input) => sameAsSchema(idempotencyKeySchema, fastIdempotencyKey, input)), runs);
    expect(fastMovementBody({ bankCode: 'BENCH', accountNumber: 'HTTP0001', amount: 1 })).toEqual({ bankCode: 'BENCH', accountNumber: 'HTTP0001', amount: 1 });
  });

  it('leave objects that are not plain, and inputs with metadata, to the schema', () => {
    const account = { bankCode: 'BANK1', accountNumber: 'ACCT0001' };
    class Input { account = account; amount = 1; }
    expect(inputs.single.fast(new Input())).toBeUndefined();
    expect(inputs.single.fast(Object.assign(Object.create({ inherited: 1 }), { account, amount: 1 }))).toBeUndefined();
    expect(inputs.single.fast({ account, amount: 1, metadata: { source: 'payroll' } })).toBeUndefined();
    expect(inputs.single.fast([account, 1])).toBeUndefined();
  });
});
