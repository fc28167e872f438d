import type { AccountRow } from './rows.js';

/**
 * The account rows most recently read or written, by id and by (bank code, account number). Sound because this
 * store is the only writer of its file (the owner lock): every change to an account passes through the writer,
 * which puts the new row here once its statement succeeded and forgets it if the change or its batch rolls back.
 * Every movement reads its accounts twice (to plan, then to apply), so a hit saves two index lookups per leg.
 * Also each owner's account ids, in listing order: every `GET /balance` lists them, and that query (13 columns of
 * each row turned into objects) was 29 % of the SQLite server's CPU on it. The writer forgets an owner's list before
 * it opens an account for them; no other change moves an account between owners or reorders them.
 * Bounded: past `limit` rows the oldest one goes, and past `limit` listed ids the oldest owner's list.
 */
export function createAccountCache(limit = 10_000) {
  const byId = new Map<string, AccountRow>();
  // By bank code, then account number: a key joined from both was a new string to hash on every lookup.
  const idByRef = new Map<string, Map<string, string>>();
  const setRef = (row: AccountRow): void => {
    let numbers = idByRef.get(row.bank_code);
    if (!numbers) idByRef.set(row.bank_code, (numbers = new Map()));
    numbers.set(row.account_number, row.id);
  };
  const deleteRef = (row: AccountRow): void => {
    const numbers = idByRef.get(row.bank_code);
    numbers?.delete(row.account_number);
    if (numbers?.size === 0) idByRef.delete(row.bank_code);
  };
  const idsByOwner = new Map<string, readonly string[]>();
  let ownedIds = 0;
  const forgetOwner = (ownerId: string): void => {
    ownedIds -= idsByOwner.get(ownerId)?.length ?? 0;
    idsByOwner.delete(ownerId);
  };

  return {
    byId: (id: string): AccountRow | undefined => byId.get(id),
    byRef(bankCode: string, accountNumber: string): AccountRow | undefined {
      const id = idByRef.get(bankCode)?.get(accountNumber);
      return id === undefined ? undefined : byId.get(id);
    },
    put(row: AccountRow): void {
      const known = byId.has(row.id);
      if (!known && byId.size >= limit) {
        const oldest = byId.keys().next().value!;
        deleteRef(byId.get(oldest)!);
        byId.delete(oldest);
      }
      byId.set(row.id, row);
      // An account's bank code and number never change: a known row is already found by them.
      if (!known) setRef(row);
    },
    /** The ids of `ownerId`'s accounts in listing order, if known. */
    owned: (ownerId: string): readonly string[] | undefined => idsByOwner.get(ownerId),
    putOwned(ownerId: string, ids: readonly string[]): void {
      forgetOwner(ownerId);
      if (ids.length > limit) return;
      // Bounded by ids, not owners: an owner may hold a thousand accounts.
      while (ownedIds + ids.length > limit) forgetOwner(idsByOwner.keys().next().value!);
      idsByOwner.set(ownerId, ids);
      ownedIds += ids.length;
    },
    forgetOwner,
    forget(id: string): void {
      const row = byId.get(id);
      if (!row) return;
      byId.delete(id);
      deleteRef(row);
    },
    clear(): void {
      byId.clear();
      idByRef.clear();
      idsByOwner.clear();
      ownedIds = 0;
    },
  };
}

export type AccountCache = ReturnType<typeof createAccountCache>;
