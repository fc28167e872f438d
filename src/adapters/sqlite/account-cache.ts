import type { AccountRow } from './rows.js';

/**
 * The account rows most recently read or written, by id and by (bank code, account number). Sound because this
 * store is the only writer of its file (the owner lock): every change to an account passes through the writer,
 * which puts the new row here once its statement succeeded and forgets it if the change or its batch rolls back.
 * Every movement reads its accounts twice (to plan, then to apply), so a hit saves two index lookups per leg.
 * Bounded: past `limit` rows the oldest one goes.
 */
export function createAccountCache(limit = 10_000) {
  const byId = new Map<string, AccountRow>();
  const idByRef = new Map<string, string>();
  const ref = (bankCode: string, accountNumber: string) => `${bankCode}\u0000${accountNumber}`;

  return {
    byId: (id: string): AccountRow | undefined => byId.get(id),
    byRef(bankCode: string, accountNumber: string): AccountRow | undefined {
      const id = idByRef.get(ref(bankCode, accountNumber));
      return id === undefined ? undefined : byId.get(id);
    },
    put(row: AccountRow): void {
      if (!byId.has(row.id) && byId.size >= limit) {
        const oldest = byId.keys().next().value!;
        const gone = byId.get(oldest)!;
        byId.delete(oldest);
        idByRef.delete(ref(gone.bank_code, gone.account_number));
      }
      byId.set(row.id, row);
      idByRef.set(ref(row.bank_code, row.account_number), row.id);
    },
    forget(id: string): void {
      const row = byId.get(id);
      if (!row) return;
      byId.delete(id);
      idByRef.delete(ref(row.bank_code, row.account_number));
    },
    clear(): void {
      byId.clear();
      idByRef.clear();
    },
  };
}

export type AccountCache = ReturnType<typeof createAccountCache>;
