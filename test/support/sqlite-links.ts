import type { SqlDatabase } from '../../src/adapters/sqlite/driver.js';

/**
 * Entries whose `previous` link is wrong (it must name the same account's entry one sequence lower, and be null
 * exactly for sequence 1), and accounts whose `last_entry_id` does not name their newest entry.
 */
export function brokenLinks(db: SqlDatabase): { entries: number; accounts: number } {
  const entries = db
    .prepare('SELECT count(*) AS n FROM entries e LEFT JOIN entries p ON p.id = e.previous WHERE (e.sequence = 1) <> (e.previous IS NULL) OR (e.previous IS NOT NULL AND (p.id IS NULL OR p.account_pk <> e.account_pk OR p.sequence <> e.sequence - 1))')
    .get() as { n: number };
  const accounts = db
    .prepare('SELECT count(*) AS n FROM accounts a LEFT JOIN entries e ON e.id = a.last_entry_id WHERE (a.entry_count = 0) <> (a.last_entry_id IS NULL) OR (a.last_entry_id IS NOT NULL AND (e.id IS NULL OR e.account_pk <> a.pk OR e.sequence <> a.entry_count))')
    .get() as { n: number };
  return { entries: entries.n, accounts: accounts.n };
}
