import { describe, expect, it } from 'vitest';
import type { CommitPlan, CommitResult, StorageAdapter } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';
import { acct, bankErrorOf, makeBank, userIn } from './support/bank.js';

// A store may answer `findUserById`, `listAccounts`, `findAccount` and `commit` at once (the memory store) or with a
// promise (SQLite, MongoDB): the bank takes either. Each contract below is checked both ways, over the memory store
// as it is and behind a wrapper that answers those four a turn later.

type Answering = 'at once' | 'with a promise';

/** The memory store, answering those four as `how` says; `commit` may be replaced. */
function store(how: Answering, commit?: (plan: CommitPlan, inner: StorageAdapter) => CommitResult): StorageAdapter {
  const inner = memoryAdapter();
  const wrapped = Object.create(inner) as StorageAdapter;
  const later = <T>(value: () => T): T | Promise<T> => {
    if (how === 'at once') return value();
    return new Promise<T>((resolve, reject) => setImmediate(() => {
      try {
        resolve(value());
      } catch (error) {
        reject(error);
      }
    }));
  };
  wrapped.findUserById = (id, purpose) => later(() => inner.findUserById(id, purpose)) as ReturnType<StorageAdapter['findUserById']>;
  wrapped.listAccounts = (ownerId) => later(() => inner.listAccounts(ownerId)) as ReturnType<StorageAdapter['listAccounts']>;
  wrapped.findAccount = (bankCode, accountNumber, purpose) => later(() => inner.findAccount(bankCode, accountNumber, purpose)) as ReturnType<StorageAdapter['findAccount']>;
  wrapped.commit = (plan) => later(() => (commit ? commit(plan, inner) : inner.commit(plan))) as ReturnType<StorageAdapter['commit']>;
  return wrapped;
}

async function bankOn(storage: StorageAdapter) {
  const bank = makeBank({ storage });
  await bank.init();
  const me = await userIn(bank, 'alice');
  await bank.openAccount(me, acct('A001'));
  await bank.openAccount(me, acct('A002'));
  return { bank, me };
}

describe.each<Answering>(['at once', 'with a promise'])('a store that answers %s', (how) => {
  it('serves deposits and transfers, and each call answers with a promise', async () => {
    const { bank, me } = await bankOn(store(how));
    const deposit = bank.deposit(me, { account: acct('A001'), amount: 100 });
    expect(deposit).toBeInstanceOf(Promise);
    expect((await deposit).account.balance).toBe(100);
    expect((await bank.transfer(me, { from: acct('A001'), to: acct('A002'), amount: 30 })).account.balance).toBe(70);
    expect((await bank.balances(me)).map((a) => a.balance)).toEqual([70, 30]);
    expect((await bank.verify()).ok).toBe(true);
  });

  it('authenticates a token, and refuses it once the password changed, whether verified before or not', async () => {
    const bank = makeBank({ storage: store(how) });
    await bank.init();
    await bank.register({ username: 'bob', password: 'correct horse battery' });
    const { accessToken } = await bank.login({ username: 'bob', password: 'correct horse battery' });
    const [first, second] = [await bank.authenticate(accessToken), await bank.authenticate(accessToken)];
    expect(second).toBe(first);
    await bank.changePassword(first, { currentPassword: 'correct horse battery', newPassword: 'another horse battery' });
    expect((await bankErrorOf(bank.authenticate(accessToken))).code).toBe('INVALID_TOKEN');
    expect((await bankErrorOf(bank.authenticate(`${accessToken}x`))).code).toBe('INVALID_TOKEN');
  });

  it('rejects a refused movement, never throwing from the call itself, and changes nothing', async () => {
    const { bank, me } = await bankOn(store(how));
    let call: Promise<unknown> | undefined;
    expect(() => (call = bank.withdraw(me, { account: acct('A001'), amount: 1 }))).not.toThrow();
    expect((await bankErrorOf(call!)).code).toBe('INSUFFICIENT_FUNDS');
    expect((await bankErrorOf(bank.transfer(me, { from: acct('A001'), to: acct('NOPE1'), amount: 1 }))).code).toBe('ACCOUNT_NOT_FOUND');
    expect((await bank.balances(me)).map((a) => a.balance)).toEqual([0, 0]);
  });

  it('rejects with what the store threw when its commit fails, and the books stay balanced', async () => {
    const { bank, me } = await bankOn(store(how, () => {
      throw new Error('disk on fire');
    }));
    let call: Promise<unknown> | undefined;
    expect(() => (call = bank.deposit(me, { account: acct('A001'), amount: 5 }))).not.toThrow();
    await expect(call).rejects.toThrow('disk on fire');
    expect((await bank.balances(me))[0]!.balance).toBe(0);
    expect((await bank.verify()).ok).toBe(true);
  });

  it('plans again after a stale refusal, and commits the fresh plan once', async () => {
    let commits = 0;
    const { bank, me } = await bankOn(store(how, (plan, inner) => {
      commits += 1;
      // The first plan of the deposit is refused as if a settings change had won the race.
      if (commits === 1 && plan.transaction?.type === 'deposit') return { status: 'refused', reason: 'stale', accountId: plan.guards[0]!.accountId };
      return inner.commit(plan) as CommitResult;
    }));
    commits = 0;
    expect((await bank.deposit(me, { account: acct('A001'), amount: 7 })).account.balance).toBe(7);
    expect(commits).toBe(2);
    expect((await bank.history(me, acct('A001'))).entries).toHaveLength(1);
  });

  it('answers CONFLICT once every plan is stale, and writes nothing', async () => {
    let commits = 0;
    const { bank, me } = await bankOn(store(how, (plan, inner) => {
      if (plan.transaction?.type !== 'deposit') return inner.commit(plan) as CommitResult;
      commits += 1;
      return { status: 'refused', reason: 'stale', accountId: plan.guards[0]!.accountId };
    }));
    expect((await bankErrorOf(bank.deposit(me, { account: acct('A001'), amount: 7 }))).code).toBe('CONFLICT');
    expect(commits).toBe(9);
    expect((await bank.balances(me))[0]!.balance).toBe(0);
  });

  it('answers a retried key with the first result even when planning it again fails', async () => {
    const { bank, me } = await bankOn(store(how));
    const first = await bank.deposit(me, { account: acct('A001'), amount: 9, idempotencyKey: 'k-1' });
    await bank.operator.freezeAccount(acct('A001'));
    const again = await bank.deposit(me, { account: acct('A001'), amount: 9, idempotencyKey: 'k-1' });
    expect(again.transaction.id).toBe(first.transaction.id);
    expect((await bankErrorOf(bank.deposit(me, { account: acct('A001'), amount: 9, idempotencyKey: 'k-2' }))).code).toBe('ACCOUNT_FROZEN');
  });
});
