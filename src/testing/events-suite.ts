import { describe, expect, it } from 'vitest';
import { type Bank, type BankEvent, type StorageAdapter } from 'bankcore';
import { codeOf, signUp, testBank } from './fixtures.js';

type MakeAdapter = () => Promise<StorageAdapter> | StorageAdapter;

const A = { bankCode: 'EVT01', accountNumber: '00010001' };
const B = { bankCode: 'EVT01', accountNumber: '00020001' };

async function freshBank(make: MakeAdapter, overrides: Parameters<typeof testBank>[1] = {}): Promise<Bank> {
  const bank = testBank(await make(), overrides);
  await bank.init();
  return bank;
}

/** A bank with alice owning A and bob owning B. */
async function aliceAndBob(make: MakeAdapter) {
  const bank = await freshBank(make);
  const alice = await signUp(bank, 'alice');
  const bob = await signUp(bank, 'bob');
  await bank.openAccount(alice, A);
  await bank.openAccount(bob, B);
  return { bank, alice, bob };
}

async function all(bank: Bank): Promise<BankEvent[]> {
  const out: BankEvent[] = [];
  for (;;) {
    const page = await bank.events.read({ after: out.at(-1)?.position ?? 0, limit: 500 });
    out.push(...page);
    if (page.length < 500) return out;
  }
}


/** The outbox: every change writes its one event atomically, refusals write none, streams resume exactly. */
export function describeEventContract(make: MakeAdapter, options: { gapFree?: boolean } = {}): void {
  const gapFree = options.gapFree ?? true;
  const checkPositions = (events: BankEvent[]) => {
    const positions = events.map((e) => e.position);
    for (let i = 1; i < positions.length; i++) expect(positions[i]!).toBeGreaterThan(positions[i - 1]!);
    if (gapFree) expect(positions).toEqual(positions.map((_, i) => positions[0]! + i));
  };

  describe('events (the outbox)', () => {
    it('writes one event per change, of its type, in commit order, with no password hash anywhere', async () => {
      const { bank, alice, bob } = await aliceAndBob(make);
      await bank.deposit(alice, { account: A, amount: 1000 });
      await bank.withdraw(alice, { account: A, amount: 100 });
      const transfer = await bank.transfer(alice, { from: A, to: B, amount: 50, metadata: { note: 'lunch' } });
      await bank.operator.fund({ account: B, amount: 500 });
      const hold = await bank.operator.hold({ from: A, amount: 200 });
      await bank.operator.captureHold(hold.id, { amount: 150 });
      const voided = await bank.operator.hold({ from: A, amount: 10 });
      await bank.operator.voidHold(voided.id);
      await bank.operator.reverse(transfer.transaction.id);
      await bank.operator.freezeAccount(B);
      await bank.operator.unfreezeAccount(B);
      await bank.operator.setOverdraftLimit(B, 100);
      await bank.changePassword(bob, { currentPassword: 'bob-has-a-long-password', newPassword: 'bob has a new passphrase' });
      const events = await all(bank);
      expect(events.map((e) => e.type)).toEqual([
        'user.registered', 'user.registered', 'account.opened', 'account.opened', 'transaction.posted', 'transaction.posted', 'transaction.posted',
        'transaction.posted', 'hold.created', 'hold.captured', 'hold.created', 'hold.voided', 'transaction.reversed', 'account.frozen',
        'account.unfrozen', 'account.limit_changed', 'user.password_changed',
      ]);
      checkPositions(events);
      expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
      const posted = events.find((e) => e.type === 'transaction.posted' && e.payload.transaction.id === transfer.transaction.id);
      expect(posted?.payload).toMatchObject({ transaction: { type: 'transfer', amount: 50, metadata: { note: 'lunch' }, createdAt: transfer.transaction.createdAt.toISOString() } });
      expect(events.every((e) => e.occurredAt instanceof Date)).toBe(true);
      expect(JSON.stringify(events)).not.toMatch(/passwordHash|\$argon2|\$scrypt|has-a-long-password/);
      await bank.close();
    });

    it('shows a transaction in its event and in its replay as it was posted, also after a later reversal', async () => {
      const { bank, alice } = await aliceAndBob(make);
      await bank.deposit(alice, { account: A, amount: 1000 });
      const rent = { from: A, to: B, amount: 40, idempotencyKey: 'rent-11', reference: 'rent', metadata: { month: '11' } };
      const first = await bank.transfer(alice, rent);
      const hold = await bank.operator.hold({ from: A, to: B, amount: 30 });
      const captured = await bank.operator.captureHold(hold.id, { idempotencyKey: 'capture-1' });
      const reversal = await bank.operator.reverse(first.transaction.id);
      await bank.operator.reverse(captured.transaction.id);
      const events = await all(bank);
      const asJson = <T>(value: T): unknown => JSON.parse(JSON.stringify(value));
      const posted = events.find((e) => e.type === 'transaction.posted' && e.payload.transaction.id === first.transaction.id);
      expect(posted?.type === 'transaction.posted' && posted.payload.transaction).toEqual(asJson(first.transaction));
      expect(first.transaction.reversedBy).toBeNull();
      const capture = events.find((e) => e.type === 'hold.captured');
      expect(capture?.type === 'hold.captured' && capture.payload.transaction).toEqual(asJson(captured.transaction));
      const reversed = events.find((e) => e.type === 'transaction.reversed' && e.payload.reversed.id === first.transaction.id);
      expect(reversed?.payload).toMatchObject({ transaction: { id: reversal.transaction.id, reversalOf: first.transaction.id, reversedBy: null }, reversed: { reversedBy: reversal.transaction.id } });
      const replay = await bank.transfer(alice, rent);
      expect(replay.replayed).toBe(true);
      expect(replay.transaction).toEqual(first.transaction);
      expect((await bank.operator.captureHold(hold.id, { idempotencyKey: 'capture-1' })).transaction).toEqual(captured.transaction);
      expect((await bank.operator.getTransaction(first.transaction.id)).reversedBy).toBe(reversal.transaction.id);
      await bank.close();
    });

    it('shows the accounts in a movement\'s event and replay as the movement left them, also after they change', async () => {
      const { bank, alice } = await aliceAndBob(make);
      const A2 = { bankCode: A.bankCode, accountNumber: '00010002' };
      await bank.openAccount(alice, A2);
      await bank.deposit(alice, { account: A, amount: 1000 });
      const rent = { from: A, to: A2, amount: 40, idempotencyKey: 'move-1' };
      const first = await bank.transfer(alice, rent);
      await bank.operator.setOverdraftLimit(A, 500);
      await bank.operator.freezeAccount(A2);
      await bank.deposit(alice, { account: A, amount: 5 });
      const posted = (await all(bank)).find((e) => e.type === 'transaction.posted' && e.payload.transaction.id === first.transaction.id);
      expect(first.accounts.map((a) => [a.balance, a.status, a.overdraftLimit])).toEqual([[960, 'active', 0], [40, 'active', 0]]);
      expect(posted?.type === 'transaction.posted' && posted.payload.accounts).toEqual(JSON.parse(JSON.stringify(first.accounts)));
      const replay = await bank.transfer(alice, rent);
      expect(replay.replayed).toBe(true);
      expect(replay.accounts).toEqual(first.accounts);
      await bank.close();
    });

    it('writes no event for a refused change or an idempotent replay', async () => {
      const bank = await freshBank(make);
      const alice = await signUp(bank, 'alice');
      await bank.openAccount(alice, A);
      await bank.deposit(alice, { account: A, amount: 100, idempotencyKey: 'once' });
      const before = (await all(bank)).length;
      expect(await codeOf(bank.withdraw(alice, { account: A, amount: 101 }))).toBe('INSUFFICIENT_FUNDS');
      expect(await codeOf(bank.openAccount(alice, A))).toBe('ACCOUNT_EXISTS');
      expect(await codeOf(bank.register({ username: 'ALICE', password: 'another-long-password' }))).toBe('USERNAME_TAKEN');
      expect((await bank.deposit(alice, { account: A, amount: 100, idempotencyKey: 'once' })).replayed).toBe(true);
      expect(await codeOf(bank.operator.closeAccount(A))).toBe('ACCOUNT_NOT_EMPTY');
      expect((await all(bank)).length).toBe(before);
      await bank.close();
    });

    it('gives concurrent movements exactly one event each, and none to the refused ones', async () => {
      const { bank, alice, bob } = await aliceAndBob(make);
      await bank.deposit(alice, { account: A, amount: 1000 });
      const start = (await bank.events.lastPosition());
      const outcomes = await Promise.allSettled(
        Array.from({ length: 120 }, (_, i) =>
          i % 3 === 0 ? bank.deposit(bob, { account: B, amount: 7 }) : bank.transfer(alice, { from: A, to: B, amount: 15 }),
        ),
      );
      const committed = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value.transaction.id] : []));
      expect(outcomes.some((o) => o.status === 'rejected')).toBe(true); // 80 transfers of 15 from 1000: some refused
      const events = (await all(bank)).filter((e) => e.position > start);
      checkPositions(events);
      expect(events.map((e) => (e.type === 'transaction.posted' ? e.payload.transaction.id : e.type)).sort()).toEqual([...committed].sort());
      await bank.close();
    }, 30_000);

    it('streams from any stored position exactly the rest, then what commits next', async () => {
      const bank = await freshBank(make);
      const alice = await signUp(bank, 'alice');
      await bank.openAccount(alice, A);
      for (let i = 0; i < 5; i++) await bank.deposit(alice, { account: A, amount: 10 + i });
      const events = await all(bank);
      for (const from of [0, 1, 3, events.at(-1)!.position - 1]) {
        const controller = new AbortController();
        const seen: number[] = [];
        const want = events.filter((e) => e.position > from).length + 1;
        const reading = (async () => {
          for await (const e of bank.events.stream({ after: from, signal: controller.signal })) {
            seen.push(e.position);
            if (seen.length === want) controller.abort();
          }
        })();
        await new Promise((r) => setTimeout(r, 20));
        const next = await bank.deposit(alice, { account: A, amount: 99 });
        await reading;
        expect(seen.slice(0, -1)).toEqual(events.filter((e) => e.position > from).map((e) => e.position));
        const last = (await all(bank)).find((e) => e.position === seen.at(-1));
        expect(last?.type === 'transaction.posted' && last.payload.transaction.id).toBe(next.transaction.id);
        events.push(last!);
      }
      await bank.close();
    });

    it('prunes what every registered consumer has passed, and tells a reader that fell behind', async () => {
      let now = Date.parse('2026-11-25T12:00:00Z');
      const bank = await freshBank(make, { clock: () => new Date(now), events: { retentionSeconds: 3600 } });
      const alice = await signUp(bank, 'alice');
      await bank.openAccount(alice, A);
      const slow = await bank.events.registerConsumer('slow');
      const fast = await bank.events.registerConsumer('fast');
      expect([slow.position, fast.position]).toEqual([0, 0]);
      for (let i = 0; i < 4; i++) await bank.deposit(alice, { account: A, amount: 10 });
      const events = await all(bank);
      await bank.events.acknowledge('fast', events.at(-1)!.position);
      await bank.events.acknowledge('slow', events[2]!.position);
      await bank.events.acknowledge('slow', events[1]!.position); // late and lower: ignored
      expect((await bank.events.prune()).prunedThrough).toBe(events[2]!.position);
      expect((await bank.events.read({ after: events[2]!.position })).map((e) => e.position)).toEqual(events.slice(3).map((e) => e.position));
      expect(await codeOf(bank.events.read({ after: 0 }))).toBe('EVENTS_PRUNED');
      now += 2 * 3600 * 1000; // past the retention: even the slow consumer's events go
      expect((await bank.events.prune()).prunedThrough).toBe(events.at(-1)!.position);
      expect(await codeOf(bank.events.read({ after: events[2]!.position }))).toBe('EVENTS_PRUNED');
      expect((await bank.events.consumers()).map((c) => c.name).sort()).toEqual(['fast', 'slow']);
      expect(await bank.events.removeConsumer('slow')).toBe(true);
      await bank.close();
    });

    it('writes no events when the bank turns them off', async () => {
      const bank = await freshBank(make, { events: false });
      const alice = await signUp(bank, 'alice');
      await bank.openAccount(alice, A);
      await bank.deposit(alice, { account: A, amount: 10 });
      expect(await bank.events.read()).toEqual([]);
      await bank.close();
    });
  });
}
