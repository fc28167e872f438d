import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBankError } from 'bankcore';
import { parseStrictJson } from '../src/http/strict-json.js';

const codeOf = (text: string): string | null => {
  try {
    parseStrictJson(text);
    return null;
  } catch (error) {
    return isBankError(error) ? error.code : 'OTHER';
  }
};

describe('strict JSON bodies', () => {
  it('read any JSON of integers exactly as JSON.parse does', () => {
    const integers = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.integer(), fc.string(), fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(fc.string(), tie('value'), { maxKeys: 20 })),
    })).value;
    fc.assert(
      fc.property(integers, (value) => {
        expect(parseStrictJson(JSON.stringify(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 500 },
    );
  });

  it('refuse a key repeated in one object, however many keys it has and however the key is written', () => {
    const keys = (n: number) => Array.from({ length: n }, (_, i) => `"k${i}":${i}`);
    expect(codeOf(`{${keys(40).join(',')}}`)).toBeNull();
    expect(codeOf(`{${[...keys(40), '"k30":1'].join(',')}}`)).toBe('MALFORMED_REQUEST');
    expect(codeOf(`{${[...keys(40), '"k3":1'].join(',')}}`)).toBe('MALFORMED_REQUEST');
    expect(codeOf(`{${[...keys(3), '"k\\u0031":1'].join(',')}}`)).toBe('MALFORMED_REQUEST');
    expect(codeOf('{"a":{"b":1,"b":2}}')).toBe('MALFORMED_REQUEST');
    // The same key in two objects, and a key's text as a value, are no repeat.
    expect(codeOf('{"a":{"b":1},"c":{"b":2},"d":"a","e":["a","a"]}')).toBeNull();
    expect(codeOf('{"a\\"b":1,"a\\"c":2}')).toBeNull();
  });

  it('refuse a number that is not an integer literal, naming where it is', () => {
    for (const text of ['{"amount":5.0}', '{"amount":1e2}', '{"a":[1,{"amount":-4.9999999999999999}]}']) {
      expect(codeOf(text)).toBe('VALIDATION_FAILED');
    }
    expect(() => parseStrictJson('{"a":[1,{"amount":1E2}]}')).toThrow(/a\.1\.amount must be written as an integer/);
    expect(codeOf('{"amount":-12,"n":[0,7]}')).toBeNull();
  });
});
