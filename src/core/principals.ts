import { z } from 'zod';
import { BankError } from './errors.js';
import type { StorageAdapter, StoredUser } from './storage.js';
import type { Principal } from './types.js';

const principalShape = z.strictObject({ userId: z.string().min(1).max(128), username: z.string().min(1).max(256) });

function invalid(): BankError {
  return new BankError('INVALID_PRINCIPAL', 'This is not the principal of an existing user; get one from bank.authenticate or bank.operator.principal');
}

/**
 * Issues principals and checks them at run time. A principal this bank issued is recognised without a storage
 * read (a frozen object kept in a WeakSet); any other value must have a principal's shape and name an existing
 * user by id and username, else INVALID_PRINCIPAL, before anything else is read or written.
 */
export function createPrincipals(storage: StorageAdapter) {
  const issued = new WeakSet<object>();
  // The principal last issued to each user, handed out again while the username is the same: every authenticated
  // request gets one, and a new frozen object plus its WeakSet entry (an ephemeron the GC must trace) were about
  // 10 % of GET /balance driven in-process. Principals are frozen, so sharing one is safe. Bounded: past 10,000
  // users the oldest goes.
  const recent = new Map<string, Principal>();
  const known = (value: unknown): Principal | null => (typeof value === 'object' && value !== null && issued.has(value) ? (value as Principal) : null);
  return {
    issue(user: StoredUser): Principal {
      const last = recent.get(user.id);
      if (last && last.username === user.username) return last;
      const principal = Object.freeze({ userId: user.id, username: user.username });
      issued.add(principal);
      if (!last && recent.size >= 10_000) recent.delete(recent.keys().next().value!);
      recent.set(user.id, principal);
      return principal;
    },
    /** The principal itself when this bank issued it (no read, no promise), else null: then `check` it. */
    known,
    async check(value: unknown): Promise<Principal> {
      const issuedHere = known(value);
      if (issuedHere) return issuedHere;
      const parsed = principalShape.safeParse(value);
      if (!parsed.success) throw invalid();
      const user = await storage.findUserById(parsed.data.userId);
      if (!user || user.username !== parsed.data.username) throw invalid();
      return parsed.data;
    },
  };
}
