import { describe, expect, it } from 'vitest';
import { newId, packUuid, unpackUuid } from '../src/core/ids.js';
import { fingerprint } from '../src/core/ledger.js';
import { sha256 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';

describe('ids', () => {
  it('are version 7 UUIDs whose first 48 bits are the creation time in milliseconds, so later ids sort later', async () => {
    const before = Date.now();
    const ids = Array.from({ length: 1000 }, () => newId());
    const after = Date.now();
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const ms = parseInt(ids[0]!.replace(/-/g, '').slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const later = newId();
    expect(later > ids[999]!).toBe(true);
    expect(parseInt(later.replace(/-/g, '').slice(0, 12), 16)).toBeGreaterThan(after);
    expect(new Set(ids).size).toBe(1000);
    // The last 62 bits are random for each id: no two of 1000 share their last 12 digits, but for chance.
    expect(new Set(ids.map((id) => id.slice(24))).size).toBeGreaterThan(995);
    expect(new Set(ids.map((id) => id.slice(19, 23))).size).toBeGreaterThan(900);
  });

  it('pack into four words and back to the same string, whether just made or read from text, and nothing else packs', () => {
    const words = new Uint32Array(4);
    const fromText = new Uint32Array(4);
    for (let i = 0; i < 1000; i++) {
      const id = newId();
      expect(packUuid(id, words)).toBe(true);
      expect(unpackUuid(words[0]!, words[1]!, words[2]!, words[3]!)).toBe(id);
      // The same text in another string object, and an id made long ago: both read from their digits.
      expect(packUuid(` ${id}`.slice(1), fromText)).toBe(true);
      expect([...fromText]).toEqual([...words]);
      if (i % 100 === 0) for (let j = 0; j < 8; j++) newId();
    }
    const old = Array.from({ length: 20 }, () => newId());
    for (const id of old) {
      expect(packUuid(id, words)).toBe(true);
      expect(unpackUuid(words[0]!, words[1]!, words[2]!, words[3]!)).toBe(id);
    }
    expect(packUuid('00000000-0000-0000-0000-000000000000', words) && unpackUuid(...([...words] as [number, number, number, number]))).toBe('00000000-0000-0000-0000-000000000000');
    expect(packUuid('ffffffff-ffff-ffff-ffff-ffffffffffff', words) && unpackUuid(...([...words] as [number, number, number, number]))).toBe('ffffffff-ffff-ffff-ffff-ffffffffffff');
    const recent = newId();
    for (const other of ['tx-1', recent.toUpperCase(), recent.slice(1), `${recent.slice(0, 35)}g`, recent.replace(/-/g, '_'), `${recent.slice(0, 35)}\u00e9`, `${recent.slice(0, 35)}\u0130`, `${recent.slice(0, 35)}:`]) {
      expect(packUuid(other, words)).toBe(false);
    }
  });

  it('sort in creation order also within one millisecond, and past 4096 ids in one millisecond, and pack as they read', () => {
    const words = new Uint32Array(4);
    const unpacked: string[] = [];
    const ids = Array.from({ length: 20_000 }, () => {
      const id = newId();
      // The words kept as an id is made hold through a millisecond's counter running over, too.
      packUuid(id, words);
      unpacked.push(unpackUuid(words[0]!, words[1]!, words[2]!, words[3]!));
      return id;
    });
    expect(unpacked).toEqual(ids);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('carry the millisecond a caller just read when given one, and still sort in creation order if it is earlier', () => {
    const msOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);
    const later = Date.now() + 60_000;
    const stamped = newId(later);
    expect(msOf(stamped)).toBe(later);
    // An earlier time (read before another id was made) takes the newest millisecond and its counter's next value.
    const ids = [stamped, newId(later - 5), newId(), newId(later - 1)];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    const words = new Uint32Array(4);
    for (const id of ids) expect(packUuid(id, words) && unpackUuid(words[0]!, words[1]!, words[2]!, words[3]!)).toBe(id);
  });
});

describe('fingerprint', () => {
  it('is the request as JSON when at most 256 characters, else the SHA-256 of its UTF-8 JSON, for any text', () => {
    const reference = (payload: unknown) => {
      const text = JSON.stringify(payload);
      return text.length <= 256 ? text : Buffer.from(sha256(new TextEncoder().encode(text))).toString('hex');
    };
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 120 }), fc.string({ unit: fc.integer({ min: 0, max: 0x17f }).map((c) => String.fromCharCode(c)), maxLength: 120 }), fc.integer(), fc.constant(null)), { maxLength: 6 }), (payload) => {
        expect(fingerprint('key', () => payload)).toBe(reference(payload));
      }),
      { numRuns: 2000 },
    );
    for (const text of ['é', 'Zürich €', '😀', '\u007f\u0080', 'é'.repeat(70), 'é'.repeat(300)]) expect(fingerprint('key', () => [text])).toBe(reference([text]));
    expect(fingerprint('key', () => ['deposit', 'BANK1', '0001', 100, null])).toBe('["deposit","BANK1","0001",100,null]');
    const transfer = ['transfer', { bankCode: 'BANK1', accountNumber: '0001' }, { bankCode: 'BANK2', accountNumber: '0002' }, 100, null];
    expect(fingerprint('key', () => transfer)).toBe(JSON.stringify(transfer));
    expect(fingerprint('key', () => ['x'.repeat(252)])).toBe(`["${'x'.repeat(252)}"]`);
    expect(fingerprint('key', () => ['x'.repeat(253)])).toMatch(/^[0-9a-f]{64}$/);
    expect(fingerprint(undefined, () => ['x'])).toBe('');
  });
});
