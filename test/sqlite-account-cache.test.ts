import { describe, expect, it } from 'vitest';
import { createAccountCache } from '../src/adapters/sqlite/account-cache.js';
import type { AccountRow } from '../src/adapters/sqlite/rows.js';

describe('the SQLite account cache', () => {
  it('keeps owners’ account lists up to its limit in ids, dropping the oldest owner’s list first', () => {
    const cache = createAccountCache(5);
    cache.putOwned('a', ['a1', 'a2', 'a3']);
    cache.putOwned('b', ['b1', 'b2']);
    expect([cache.owned('a'), cache.owned('b')]).toEqual([['a1', 'a2', 'a3'], ['b1', 'b2']]);
    cache.putOwned('c', ['c1']);
    expect([cache.owned('a'), cache.owned('b'), cache.owned('c')]).toEqual([undefined, ['b1', 'b2'], ['c1']]);
    // A list longer than the limit is not kept, and evicts nothing.
    cache.putOwned('d', ['d1', 'd2', 'd3', 'd4', 'd5', 'd6']);
    expect([cache.owned('b'), cache.owned('c'), cache.owned('d')]).toEqual([['b1', 'b2'], ['c1'], undefined]);
    // Forgetting and replacing a list gives its ids back to the budget.
    cache.forgetOwner('b');
    cache.putOwned('c', ['c1', 'c2']);
    cache.putOwned('e', ['e1', 'e2', 'e3']);
    expect([cache.owned('c'), cache.owned('e')]).toEqual([['c1', 'c2'], ['e1', 'e2', 'e3']]);
    cache.clear();
    cache.putOwned('f', ['f1', 'f2', 'f3', 'f4', 'f5']);
    expect([cache.owned('c'), cache.owned('f')]).toEqual([undefined, ['f1', 'f2', 'f3', 'f4', 'f5']]);
  });

  it('finds rows by id and by bank code and number, keeps the newest row of each, and drops the oldest past its limit', () => {
    const cache = createAccountCache(2);
    const row = (id: string, bankCode: string, accountNumber: string, balance = 0) => ({ id, bank_code: bankCode, account_number: accountNumber, balance }) as unknown as AccountRow;
    cache.put(row('x', 'BANK1', 'N001'));
    cache.put(row('y', 'BANK1', 'N002'));
    cache.put(row('x', 'BANK1', 'N001', 5));
    expect(cache.byRef('BANK1', 'N001')?.balance).toBe(5);
    expect(cache.byRef('BANK1', 'N002')?.id).toBe('y');
    expect(cache.byRef('BANK1', 'N003')).toBeUndefined();
    // The oldest put (x, however often rewritten since) goes first, by id and by reference.
    cache.put(row('z', 'BANK2', 'N001'));
    expect([cache.byId('x'), cache.byRef('BANK1', 'N001')]).toEqual([undefined, undefined]);
    expect([cache.byRef('BANK1', 'N002')?.id, cache.byRef('BANK2', 'N001')?.id]).toEqual(['y', 'z']);
    cache.forget('y');
    expect([cache.byId('y'), cache.byRef('BANK1', 'N002')]).toEqual([undefined, undefined]);
    expect(cache.byRef('BANK2', 'N001')?.id).toBe('z');
  });
});
