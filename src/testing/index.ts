import { describe } from 'vitest';
import type { StorageAdapter } from 'bankcore';
import { describeConcurrencyContract, type ConcurrencyScale } from './concurrency-suite.js';
import { describeLedgerConcurrencyContract } from './ledger-concurrency-suite.js';
import { describeLedgerContract } from './ledger-suite.js';
import { describeEventContract } from './events-suite.js';
import { describeOperatorKeyContract } from './operator-keys-suite.js';
import { describeStorageContract } from './storage-suite.js';

export type { ConcurrencyScale } from './concurrency-suite.js';
export { seededRandom } from './concurrency-suite.js';
export { account, passwordOf, postingPlan, settlementAccount, signUp, storedUser, TEST_SECRET, testBank } from './fixtures.js';

/** Options of {@link describeStorageAdapter}. */
export interface StorageAdapterSuiteOptions {
  /** Operation counts for the concurrency tests; defaults 1000 deposits, 200 withdrawals, 3000 transfers. */
  scale?: Partial<ConcurrencyScale>;
  /** Per-test time limit in ms for the concurrency tests (a networked store needs more than memory); default 30 000. */
  concurrencyTimeoutMs?: number;
  /** Whether event positions have no gaps (memory and SQLite promise it); default true. Positions always rise. */
  eventsGapFree?: boolean;
}

/**
 * Declares the conformance suite every {@link StorageAdapter} must pass (vitest): users, accounts, atomic
 * commits with their guards, idempotency (also racing), history pages and time ranges, the audit read; then
 * through a real bank, ledger v2's rules (settlement legs, N-leg posts, holds, expiry, reversals, frozen and
 * closed accounts, overdraft limits, metadata, point-in-time balances, principal checks) and the same under
 * concurrency, with `verify()` clean after each; operator keys; and the outbox (one event per change, none for a
 * refusal, exact resumption, pruning). Each test gets a fresh adapter from
 * `makeAdapter`, which must therefore return an empty store every time.
 *
 * @param name - shown as the outer `describe`.
 * @param makeAdapter - returns a new, empty adapter; `init()` is called by the suite.
 * @example
 * ```ts
 * // test/my-adapter.test.ts
 * import { describeStorageAdapter } from 'bankcore/testing';
 * describeStorageAdapter('my adapter', () => myAdapter({ url: freshDatabase() }));
 * ```
 */
export function describeStorageAdapter(
  name: string,
  makeAdapter: () => Promise<StorageAdapter> | StorageAdapter,
  options: StorageAdapterSuiteOptions = {},
): void {
  const scale: ConcurrencyScale = { deposits: 1000, withdrawals: 200, transfers: 3000, ...options.scale };
  describe(name, () => {
    describeStorageContract(makeAdapter);
    describeLedgerContract(makeAdapter);
    describeOperatorKeyContract(makeAdapter);
    describeEventContract(makeAdapter, { gapFree: options.eventsGapFree ?? true });
    describeConcurrencyContract(makeAdapter, scale, options.concurrencyTimeoutMs ?? 30_000);
    describeLedgerConcurrencyContract(makeAdapter, options.concurrencyTimeoutMs ?? 30_000);
  });
}
