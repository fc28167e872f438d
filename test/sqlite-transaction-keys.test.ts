import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sqliteAdapter, type SqliteDriver } from 'bankcore/sqlite';
import { seededRandom } from 'bankcore/testing';
import { openDatabase } from '../src/adapters/sqlite/driver.js';
import { transactionPk } from '../src/adapters/sqlite/rows.js';
import { acct, makeBank, userIn } from './support/bank.js';
import { freshDataDir } from './support/data-dir.js';

const driver = (process.env['BANKCORE_SQLITE_DRIVER'] ?? 'auto') as SqliteDriver;

afterEach(() => vi.restoreAllMocks());

describe('sqlite adapter: transactions keyed by their ids', () => {
  it('gives a transaction whose derived key is taken a mapped key, under which reads, replays, reversals and audits find it', async () => {
    const file = join(freshDataDir('keys'), 'bankcore.db');
    const open = async () => {
      const bank = makeBank({ storage: sqliteAdapter({ filename: file, driver }) });
      await bank.init();
      return bank;
    };
    let bank = await open();
    const me = await userIn(bank, 'keys');
    const [A, B] = [acct('KEY1'), acct('KEY2')];
    for (const a of [A, B]) await bank.openAccount(me, a);
    await bank.deposit(me, { account: A, amount: 1_000 });
    await bank.close();

    // Squatters on every key that ids made in one millisecond, a few seconds ahead, can derive (48-bit time,
    // 12-bit counter): as rows left by ids from a clock that was set back would.
    const instant = Date.now() + 5_000;
    const raw = (await openDatabase(file, driver)).db;
    const squat = raw.prepare("INSERT INTO transactions (pk, id, body, reversed_by, created_at) VALUES (?, ?, '{}', NULL, 0)");
    raw.exec('BEGIN');
    for (let counter = 0; counter < 4096; counter++) squat.run(instant * 4096 + counter, `squatter-${counter}`);
    raw.exec('COMMIT');
    raw.close();

    bank = await open();
    vi.spyOn(Date, 'now').mockReturnValue(instant);
    const deposit = await bank.deposit(me, { account: A, amount: 50, idempotencyKey: 'squatted-deposit' });
    const transfer = await bank.transfer(me, { from: A, to: B, amount: 20 });
    vi.restoreAllMocks();
    for (const t of [deposit.transaction, transfer.transaction]) expect(t.id.slice(0, 13).replace('-', '')).toBe(instant.toString(16).padStart(12, '0'));
    expect((await bank.history(me, A, { limit: 2 })).entries.map((e) => e.transactionId)).toEqual([transfer.transaction.id, deposit.transaction.id]);
    expect(await bank.operator.getTransaction(deposit.transaction.id)).toEqual(deposit.transaction);
    const replay = await bank.deposit(me, { account: A, amount: 50, idempotencyKey: 'squatted-deposit' });
    expect(replay).toMatchObject({ replayed: true, transaction: deposit.transaction });
    const reversal = await bank.operator.reverse(transfer.transaction.id);
    expect((await bank.operator.getTransaction(transfer.transaction.id)).reversedBy).toBe(reversal.transaction.id);
    const posted = (await bank.events.read({ limit: 100 })).filter((e) => e.type === 'transaction.posted').map((e) => e.payload.transaction.id);
    expect(posted).toEqual(expect.arrayContaining([deposit.transaction.id, transfer.transaction.id]));
    await bank.close();

    const check = (await openDatabase(file, driver)).db;
    const mapped = check.prepare('SELECT id, pk FROM transaction_pks ORDER BY pk DESC').all() as Array<{ id: string; pk: number }>;
    expect(mapped.map((m) => m.id)).toEqual(expect.arrayContaining([deposit.transaction.id, transfer.transaction.id]));
    expect(mapped.every((m, i) => m.pk === -1 - i)).toBe(true);
    check.exec("DELETE FROM transactions WHERE id LIKE 'squatter-%'");
    check.close();
    bank = await open();
    expect((await bank.verify()).problems).toEqual([]);
    expect((await bank.getAccount(me, A)).balance).toBe(1_000 + 50);
    await bank.close();
  });

  it('keeps keys past 2^53 exact (ids made from 2039 on): the transactions, and the events and records that name them, read back whole', async () => {
    // The millisecond (48 bits) and the counter (12 bits): a number until 2^41 ms (2039), then a BigInt.
    expect(transactionPk('01a2448e-dab5-77e5-b30b-a704ba614c20')).toBe(0x01a2448edab5 * 4096 + 0x7e5);
    expect(transactionPk('0200ffff-ffff-7abc-bfff-ffffffffffff')).toBe(BigInt('0x0200ffffffffabc'));
    expect(transactionPk('e48fa8ad-db43-48d0-8e4b-5be4d44e4291')).toBeNull();
    const file = join(freshDataDir('keys2040'), 'bankcore.db');
    let bank = makeBank({ storage: sqliteAdapter({ filename: file, driver }) });
    await bank.init();
    const me = await userIn(bank, 'future');
    const account = acct('FUT1');
    await bank.openAccount(me, account);
    vi.spyOn(Date, 'now').mockReturnValue(Date.UTC(2040, 0, 1));
    const funded = await bank.operator.fund({ account, amount: 700, idempotencyKey: 'fund-2040' });
    const second = await bank.operator.fund({ account, amount: 5 });
    vi.restoreAllMocks();
    expect(typeof transactionPk(funded.transaction.id)).toBe('bigint');
    expect(await bank.operator.getTransaction(funded.transaction.id)).toEqual(funded.transaction);
    await bank.close();
    bank = makeBank({ storage: sqliteAdapter({ filename: file, driver }) });
    await bank.init();
    expect((await bank.operator.history(account, { limit: 5 })).entries.map((e) => e.transactionId)).toEqual([second.transaction.id, funded.transaction.id]);
    expect(await bank.operator.fund({ account, amount: 700, idempotencyKey: 'fund-2040' })).toMatchObject({ replayed: true, transaction: funded.transaction });
    const posted = (await bank.events.read({ limit: 100 })).filter((e) => e.type === 'transaction.posted').map((e) => e.payload.transaction);
    expect(posted).toEqual([JSON.parse(JSON.stringify(funded.transaction)), JSON.parse(JSON.stringify(second.transaction))]);
    expect((await bank.verify()).problems).toEqual([]);
    await bank.close();
  });
});

describe('sqlite adapter: the key a transaction id derives', () => {
  // What transactionPk answered when it was a regular expression and three slices: the reference.
  const reference = (id: string): number | bigint | null => {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id)) return null;
    const hex = id.slice(0, 8) + id.slice(9, 13) + id.slice(15, 18);
    const pk = Number.parseInt(hex, 16);
    return Number.isSafeInteger(pk) ? pk : BigInt(`0x${hex}`);
  };

  it('is the version-7 id’s millisecond and counter, and null for any other string, as the reference says', () => {
    const random = seededRandom(7);
    const hex = '0123456789abcdef';
    const digits = (n: number) => Array.from({ length: n }, () => hex[Math.floor(random() * 16)]).join('');
    const v7 = () => `${digits(8)}-${digits(4)}-7${digits(3)}-${'89ab'[Math.floor(random() * 4)]}${digits(3)}-${digits(12)}`;
    const alphabet = '0123456789abcdefABCDEF-78xz\u00e9';
    const ids: string[] = ['', '01a2448e-dab5-77e5-b30b-a704ba614c20', 'ffffffff-ffff-7fff-bfff-ffffffffffff', '00000000-0000-7000-8000-000000000000'];
    for (let i = 0; i < 2000; i++) {
      const id = v7();
      ids.push(id);
      // One character changed, anywhere, to anything from a small alphabet (or the id cut short or made longer).
      const at = Math.floor(random() * 36);
      ids.push(id.slice(0, at) + alphabet[Math.floor(random() * alphabet.length)] + id.slice(at + 1));
      ids.push(id.slice(0, at), `${id}0`, id.toUpperCase());
    }
    for (const id of ids) expect([id, transactionPk(id)]).toEqual([id, reference(id)]);
  });
});
