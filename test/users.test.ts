import { describe, expect, it } from 'vitest';
import { BankError, createBank, INSECURE_TEST_PASSWORD_HASHING } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';
import { bankErrorOf, makeBank, passwordOf, SECRET, userIn } from './support/bank.js';

describe('registration', () => {
  it('registers a user and never returns the password hash', async () => {
    const bank = makeBank();
    const user = await bank.register({ username: 'alice', password: 'a perfectly fine passphrase' });
    expect(Object.keys(user).sort()).toEqual(['createdAt', 'id', 'username']);
    expect(user.username).toBe('alice');
  });

  it('treats usernames as unique regardless of case and Unicode width', async () => {
    const bank = makeBank();
    await bank.register({ username: 'Alice', password: passwordOf('x') });
    expect((await bankErrorOf(bank.register({ username: 'ALICE', password: passwordOf('y') }))).code).toBe('USERNAME_TAKEN');
    // Full-width "ａｌｉｃｅ" folds to "alice" under NFKC.
    expect((await bankErrorOf(bank.register({ username: 'ａｌｉｃｅ', password: passwordOf('z') }))).code).toBe('USERNAME_TAKEN');
  });

  it('lets only one of many racing registrations of one username win', async () => {
    const bank = makeBank();
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => bank.register({ username: 'racer', password: `password-number-${i}` })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect((r.reason as BankError).code).toBe('USERNAME_TAKEN');
  });

  it.each([
    [{ username: 'ab', password: passwordOf('ab') }, 'username'],
    [{ username: 'x'.repeat(65), password: passwordOf('x') }, 'username'],
    [{ username: 'bad name', password: passwordOf('x') }, 'username'],
    [{ username: { $gt: '' }, password: passwordOf('x') }, 'username'],
    [{ username: 'carol', password: 'short' }, 'password'],
    [{ username: 'carol', password: 'x'.repeat(257) }, 'password'],
    [{ username: 'carol', password: 'password123' }, 'password'],
    [{ username: 'carol', password: 12345678 }, 'password'],
    [{ username: 'carol', password: passwordOf('c'), admin: true }, 'admin'],
  ])('rejects %j with VALIDATION_FAILED at %s', async (input, path) => {
    const bank = makeBank();
    const error = await bankErrorOf(bank.register(input as never));
    expect(error).toBeInstanceOf(BankError);
    expect(error.code).toBe('VALIDATION_FAILED');
    const issues = (error.details as { issues: { path: string }[] }).issues;
    expect(issues.map((i) => i.path)).toContain(path);
    await expect(bank.login({ username: 'carol', password: passwordOf('c') })).rejects.toThrow(BankError);
  });

  it('accepts any Unicode password of 8 or more characters, counting characters, not bytes', async () => {
    const bank = makeBank();
    await bank.register({ username: 'emoji', password: '🔑🔑🔑🔑🔑🔑🔑🔑' });
    expect((await bankErrorOf(bank.register({ username: 'emoji2', password: '🔑🔑🔑🔑🔑🔑🔑' }))).code).toBe('VALIDATION_FAILED');
    await expect(bank.login({ username: 'emoji', password: '🔑🔑🔑🔑🔑🔑🔑🔑' })).resolves.toMatchObject({ tokenType: 'bearer' });
  });
});

describe('configuration', () => {
  it('refuses a token secret shorter than 32 bytes', () => {
    expect(() => createBank({ storage: memoryAdapter(), tokens: { secret: 'too-short' } })).toThrow(
      expect.objectContaining({ code: 'CONFIGURATION_INVALID' }),
    );
  });

  it('refuses password-hash parameters below the OWASP minimum unless marked insecure', () => {
    const weak = { algorithm: 'argon2id', memoryKiB: 64, iterations: 1, parallelism: 1 } as const;
    expect(() => createBank({ storage: memoryAdapter(), tokens: { secret: SECRET }, passwordHashing: weak })).toThrow(
      expect.objectContaining({ code: 'CONFIGURATION_INVALID' }),
    );
    expect(() => createBank({ storage: memoryAdapter(), tokens: { secret: SECRET }, passwordHashing: INSECURE_TEST_PASSWORD_HASHING })).not.toThrow();
  });

  it('refuses missing storage or tokens with CONFIGURATION_INVALID at createBank, not a TypeError later', () => {
    const invalid = expect.objectContaining({ code: 'CONFIGURATION_INVALID' });
    expect(() => createBank({ tokens: { secret: SECRET } } as never)).toThrow(invalid);
    expect(() => createBank({ storage: memoryAdapter() } as never)).toThrow(invalid);
    expect(() => createBank({ storage: {}, tokens: { secret: SECRET } } as never)).toThrow(expect.objectContaining({ message: expect.stringMatching(/lacks ping, createUser/) }));
    expect(() => createBank(undefined as never)).toThrow(invalid);
  });

  it('refuses a default currency that is not ISO-4217 and a maxAmount that is not a positive safe integer', () => {
    const base = { storage: memoryAdapter(), tokens: { secret: SECRET }, passwordHashing: INSECURE_TEST_PASSWORD_HASHING };
    expect(() => createBank({ ...base, currency: 'XYZ' })).toThrow(expect.objectContaining({ code: 'CONFIGURATION_INVALID' }));
    expect(() => createBank({ ...base, maxAmount: 1.5 })).toThrow(expect.objectContaining({ code: 'CONFIGURATION_INVALID' }));
    expect(() => createBank({ ...base, maxAmount: 2 ** 60 })).toThrow(expect.objectContaining({ code: 'CONFIGURATION_INVALID' }));
  });
});

describe('change of password', () => {
  it('requires the current password and revokes every earlier token', async () => {
    const bank = makeBank();
    const me = await userIn(bank, 'dora');
    const { accessToken: old } = await bank.login({ username: 'dora', password: passwordOf('dora') });
    expect((await bankErrorOf(bank.changePassword(me, { currentPassword: 'wrong-password', newPassword: 'brand new secret words' }))).code).toBe(
      'INVALID_CREDENTIALS',
    );
    await bank.changePassword(me, { currentPassword: passwordOf('dora'), newPassword: 'brand new secret words' });
    expect((await bankErrorOf(bank.authenticate(old))).code).toBe('INVALID_TOKEN');
    expect((await bankErrorOf(bank.login({ username: 'dora', password: passwordOf('dora') }))).code).toBe('INVALID_CREDENTIALS');
    const { accessToken } = await bank.login({ username: 'dora', password: 'brand new secret words' });
    expect(await bank.authenticate(accessToken)).toEqual(me);
  });

  it('applies the password rules to the new password', async () => {
    const bank = makeBank();
    const me = await userIn(bank, 'eve');
    expect((await bankErrorOf(bank.changePassword(me, { currentPassword: passwordOf('eve'), newPassword: 'qwertyuiop' }))).code).toBe(
      'VALIDATION_FAILED',
    );
  });
});
