// Regression tests for the hardening issue's defects that live in the core (each title states the contract).
import { describe, expect, it } from 'vitest';
import { createPasswordHasher, INSECURE_TEST_PASSWORD_HASHING, type PasswordHasher } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';
import { acct, bankErrorOf, makeBank, userIn } from './support/bank.js';

describe('hardening: passwords', () => {
  it('checks password rules on the NFKC form that is hashed: full-width common passwords and combining marks are caught', async () => {
    const bank = makeBank();
    const fullWidth = await bankErrorOf(bank.register({ username: 'wide', password: 'ｐａｓｓｗｏｒｄ１２３' }));
    expect(fullWidth.code).toBe('VALIDATION_FAILED');
    expect(fullWidth.message).toContain('most common passwords');
    // 'e' + U+0301 four times is 8 code points before NFKC and 4 ('éééé') after it.
    expect((await bankErrorOf(bank.register({ username: 'accent', password: 'e\u0301'.repeat(4) }))).code).toBe('VALIDATION_FAILED');
    await bank.register({ username: 'accent', password: 'e\u0301'.repeat(4) + 'xyzw' });
    await expect(bank.login({ username: 'accent', password: '\u00e9'.repeat(4) + 'xyzw' })).resolves.toMatchObject({ tokenType: 'bearer' });
  });

  it('never lets a login rehash undo a password change that committed meanwhile', async () => {
    const storage = memoryAdapter();
    const cheap = createPasswordHasher(INSECURE_TEST_PASSWORD_HASHING);
    const bank = makeBank({ storage, passwordHasher: cheap });
    const me = await userIn(bank, 'racer');
    const old = 'racer-has-a-long-password';
    // A second bank over the same storage whose hasher wants every stored hash upgraded, and whose rehash waits.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let rehashing!: () => void;
    const started = new Promise<void>((resolve) => (rehashing = resolve));
    const upgrading: PasswordHasher = {
      hash: async (p) => {
        rehashing();
        await gate;
        return cheap.hash(p);
      },
      verify: async (p, stored) => ({ ...(await cheap.verify(p, stored)), needsRehash: true }),
    };
    const upgrader = makeBank({ storage, passwordHasher: upgrading });
    const login = upgrader.login({ username: 'racer', password: old });
    await started;
    await bank.changePassword(me, { currentPassword: old, newPassword: 'a-brand-new-passphrase' });
    release();
    await login;
    expect((await bankErrorOf(bank.login({ username: 'racer', password: old }))).code).toBe('INVALID_CREDENTIALS');
    await expect(bank.login({ username: 'racer', password: 'a-brand-new-passphrase' })).resolves.toMatchObject({ tokenType: 'bearer' });
  });
});

describe('hardening: what a transfer reveals', () => {
  it('answers a transfer to another user’s account in another currency exactly like one to a missing account', async () => {
    const bank = makeBank();
    const [ann, bob] = [await userIn(bank, 'ann'), await userIn(bank, 'bob')];
    await bank.openAccount(ann, acct('A001'));
    await bank.openAccount(bob, { ...acct('B001'), currency: 'EUR' });
    await bank.deposit(ann, { account: acct('A001'), amount: 5 });
    const error = await bankErrorOf(bank.transfer(ann, { from: acct('A001'), to: acct('B001'), amount: 1 }));
    const missing = await bankErrorOf(bank.transfer(ann, { from: acct('A001'), to: acct('B999'), amount: 1 }));
    expect(error.code).toBe('ACCOUNT_NOT_FOUND');
    expect(JSON.stringify(error).replaceAll('B001', 'B999')).toBe(JSON.stringify(missing));
    expect(JSON.stringify(error)).not.toContain('EUR');
  });
});

describe('hardening: references', () => {
  it('refuses bidi overrides and zero-width characters in a reference, so a payee never sees spoofed text', async () => {
    const bank = makeBank();
    const me = await userIn(bank, 'spoofer');
    await bank.openAccount(me, acct('S001'));
    for (const reference of ['refund \u202Efdp.exe', 'pay\u200Bpal', 'x\u2066y\u2069', '\uFEFFbom']) {
      const error = await bankErrorOf(bank.deposit(me, { account: acct('S001'), amount: 1, reference }));
      expect(error.code).toBe('VALIDATION_FAILED');
    }
    expect((await bank.getAccount(me, acct('S001'))).balance).toBe(0);
    await bank.deposit(me, { account: acct('S001'), amount: 1, reference: 'Café – naïve résumé 😀' });
  });
});
