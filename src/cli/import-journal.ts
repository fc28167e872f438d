import { mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { emptyAccount, newSettlementAccount, settlementId, type AccountGuard, type StorageAdapter, type StoredAccount } from 'bankcore';
import { hasJournal, readJournalDirectory, type V1Posting } from './journal-v1.js';

/** Where imported journal files are moved, inside the data directory: kept, never imported twice. */
export const IMPORTED_DIR = 'imported-0.1.0-journal';

export { hasJournal };

/**
 * Imports a data directory written by release 0.1.0's journal store into `storage` (which must be empty), replaying
 * every change in its original order as ledger v2 commits (each deposit and withdrawal gets its settlement leg;
 * idempotency keys keep replaying), then moves the old files into `imported-0.1.0-journal/`.
 *
 * @returns what was imported, for the start-up line.
 */
export async function importJournal(dir: string, storage: StorageAdapter): Promise<{ users: number; accounts: number; transactions: number }> {
  const lock = readdirSync(dir).includes('LOCK') ? Number(readFileSync(join(dir, 'LOCK'), 'utf8').trim()) : 0;
  if (lock && lock !== process.pid && alive(lock)) throw new Error(`${dir} is in use by process ${lock}; stop it before importing`);
  const changes = readJournalDirectory(dir);
  const accounts = new Map<string, StoredAccount>();
  const count = { users: 0, accounts: 0, transactions: 0 };
  for (const change of changes) {
    if (change.t === 'user') {
      if (!(await storage.createUser(change.user))) throw new Error(`the target already has a user named ${change.user.username}: import into an empty store`);
      count.users++;
    } else if (change.t === 'password') {
      await storage.updatePassword(change.userId, change.passwordHash, change.credentialVersion);
    } else if (change.t === 'account') {
      const account = emptyAccount(change.account);
      if (!(await storage.createAccount(account))) throw new Error(`the target already has account ${account.bankCode}/${account.accountNumber}: import into an empty store`);
      accounts.set(account.id, account);
      count.accounts++;
    } else {
      await replay(storage, change.posting, accounts);
      count.transactions++;
    }
  }
  const target = join(dir, IMPORTED_DIR);
  mkdirSync(target, { recursive: true });
  for (const name of readdirSync(dir)) if (name === 'snapshot.bin' || name === 'LOCK' || /^journal-\d{8}\.log$/.test(name)) renameSync(join(dir, name), join(target, name));
  return count;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function settlement(storage: StorageAdapter, currency: string): Promise<StoredAccount> {
  const existing = await storage.findAccountById(settlementId(currency));
  if (existing) return existing;
  const account = newSettlementAccount(currency, new Date(0));
  await storage.createAccount(account);
  return account;
}

/** One 0.1.0 posting as the ledger v2 commit it stands for. */
async function replay(storage: StorageAdapter, p: V1Posting, accounts: Map<string, StoredAccount>): Promise<void> {
  const legs = p.legs.map((l) => {
    const a = accounts.get(l.accountId);
    if (!a) throw new Error(`posting ${p.id} names an account the journal never opened`);
    return { accountId: a.id, bankCode: a.bankCode, accountNumber: a.accountNumber, amount: l.amount };
  });
  const guards: AccountGuard[] = legs.map((l) => ({ accountId: l.accountId, statuses: ['active'], minAvailable: 0, overdraftLimit: 0, derived: false }));
  if (legs.length === 1) {
    const world = await settlement(storage, accounts.get(legs[0]!.accountId)!.currency);
    legs.push({ accountId: world.id, bankCode: world.bankCode, accountNumber: world.accountNumber, amount: -legs[0]!.amount });
    guards.push({ accountId: world.id, statuses: ['active'], minAvailable: null, overdraftLimit: 0, derived: true });
  }
  const amount = Math.abs(p.legs[0]!.amount);
  const result = await storage.commit({
    at: p.createdAt,
    idempotency: p.idempotency && { scope: p.idempotency.userId, key: p.idempotency.key, fingerprint: p.idempotency.fingerprint },
    transaction: {
      id: p.id, type: p.type, amount, currency: accounts.get(legs[0]!.accountId)!.currency, legs, reference: p.reference, metadata: {},
      initiatorId: p.initiatorId, reversalOf: null, reversedBy: null, holdId: null, createdAt: p.createdAt,
    },
    holdCreate: null,
    holdResolve: null,
    reverses: null,
    accountUpdate: null,
    guards,
    // History from before events existed: imported as it was, without announcing it again.
    eventId: null,
  });
  if (result.status !== 'committed') throw new Error(`posting ${p.id} did not replay (${result.status === 'refused' ? result.reason : result.status}); the journal is inconsistent`);
}
