import { z } from 'zod';
import { copyHold, copyTransaction, publicAccount } from './commit.js';
import { customerGuard, emptyPlan, isSettlement, refusalError, type EngineContext } from './ledger.js';
import { readBalanceAt, readHistory, type HistoryOptions } from './reads.js';
import { invalidInput, operatorAccountRefSchema, parseInput } from './schemas.js';
import type { AccountUpdate, StoredAccount } from './storage.js';
import type { Account, AccountRef, AccountStatus, HistoryPage, Hold, HoldStatus, PointInTimeBalance, Transaction } from './types.js';


const limitSchema = z.int('must be an integer number of minor units').min(0, 'must not be negative');
const holdStatusSchema = z.strictObject({ status: z.enum(['pending', 'captured', 'voided', 'expired']).optional() });

/** The operator's account controls and reads. */
export function createOperatorAccounts(ctx: EngineContext) {
  const { ledger, storage } = ctx;

  async function anyAccount(ref: unknown): Promise<StoredAccount> {
    return ledger.read(parseInput(operatorAccountRefSchema, ref, 'account'));
  }

  async function customer(ref: unknown): Promise<StoredAccount> {
    const account = await anyAccount(ref);
    if (isSettlement(account)) {
      throw invalidInput('operator', 'account', 'must be a customer account: a settlement account cannot be frozen, closed or given a limit');
    }
    return account;
  }

  /** Commits a settings change to a customer account that is not closed. */
  async function update(ref: AccountRef, change: (account: StoredAccount) => Omit<AccountUpdate, 'accountId'>, guard: { requireEmpty?: boolean; limit?: number } = {}): Promise<Account> {
    const statuses: AccountStatus[] = ['active', 'frozen'];
    const committed = await ledger.commit(async () => {
      const account = await customer(ref);
      const base = customerGuard(account, statuses);
      return {
        ...emptyPlan(ctx.now()),
        accountUpdate: { accountId: account.id, ...change(account) },
        guards: [{ ...base, ...(guard.limit === undefined ? {} : { minAvailable: -guard.limit }), ...(guard.requireEmpty ? { requireEmpty: true } : {}) }],
      };
    }, null);
    return committed.accounts[0]!;
  }

  return {
    /** Freezes an account: it refuses every movement and new hold, except an operator's reversal. */
    freezeAccount: (ref: AccountRef) => update(ref, () => ({ status: 'frozen' })),
    /** Lets a frozen account move money again. */
    unfreezeAccount: (ref: AccountRef) => update(ref, () => ({ status: 'active' })),
    /** Closes an account for good; only at a zero balance with no open hold. */
    closeAccount: (ref: AccountRef) => update(ref, () => ({ status: 'closed' }), { requireEmpty: true }),
    /** Lets the balance go down to `-limit`; refused with INSUFFICIENT_FUNDS when available is already lower. */
    setOverdraftLimit: async (ref: AccountRef, limit: number) => {
      const parsed = parseInput(z.strictObject({ limit: limitSchema.max(ctx.maxAmount) }), { limit }, 'setOverdraftLimit').limit;
      return update(ref, () => ({ overdraftLimit: parsed }), { limit: parsed });
    },
    /** A page of any account's ledger, newest first. */
    history: async (ref: AccountRef, options: HistoryOptions = {}): Promise<HistoryPage> => readHistory(storage, await anyAccount(ref), options),
    /** Any account's balance at a point in time. */
    balanceAt: async (ref: AccountRef, at: Date | string): Promise<PointInTimeBalance> => readBalanceAt(storage, await anyAccount(ref), at),
    /** Any transaction by id. */
    getTransaction: async (id: string): Promise<Transaction> => {
      const found = typeof id === 'string' && id.length <= 128 ? await storage.findTransaction(id) : null;
      if (!found) throw refusalError('transaction_not_found');
      return copyTransaction(found);
    },
    /** An account's holds, oldest first; only those with `status` when given. */
    listHolds: async (ref: AccountRef, options: { status?: HoldStatus } = {}): Promise<Hold[]> => {
      const { status } = parseInput(holdStatusSchema, options, 'listHolds');
      return (await storage.listHolds((await anyAccount(ref)).id, status ?? null)).map(copyHold);
    },
    /** How many holds are open (pending) across the bank. */
    countOpenHolds: (): Promise<number> => storage.countPendingHolds(),
    /** Any account, settlement accounts included. */
    getAccount: async (ref: AccountRef): Promise<Account> => publicAccount(await anyAccount(ref)),
  };
}

/** What {@link createOperatorAccounts} returns. */
export type OperatorAccounts = ReturnType<typeof createOperatorAccounts>;
