import { describe, expect, it } from 'vitest';
import { newId } from '../src/core/ids.js';

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
    expect(newId() > ids[999]!).toBe(true);
    expect(new Set(ids).size).toBe(1000);
  });

  it('sort in creation order also within one millisecond, and past 4096 ids in one millisecond', () => {
    const ids = Array.from({ length: 20_000 }, () => newId());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
