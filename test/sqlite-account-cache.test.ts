import { describe, expect, it } from 'vitest';
import { createAccountCache } from '../src/adapters/sqlite/account-cache.js';

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
});
