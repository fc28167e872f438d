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
  return {
    issue(user: StoredUser): Principal {
      const principal = Object.freeze({ userId: user.id, username: user.username });
      issued.add(principal);
      return principal;
    },
    async check(value: unknown): Promise<Principal> {
      if (typeof value === 'object' && value !== null && issued.has(value)) return value as Principal;
      const parsed = principalShape.safeParse(value);
      if (!parsed.success) throw invalid();
      const user = await storage.findUserById(parsed.data.userId);
      if (!user || user.username !== parsed.data.username) throw invalid();
      return parsed.data;
    },
  };
}
