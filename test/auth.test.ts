import { describe, expect, it } from 'vitest';
import { SignJWT, UnsecuredJWT } from 'jose';
import { createPasswordHasher, INSECURE_TEST_PASSWORD_HASHING, type PasswordHasher } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';
import { bankErrorOf, makeBank, manualClock, passwordOf, SECRET, userIn } from './support/bank.js';

const key = new TextEncoder().encode(SECRET);

async function forged(claims: Record<string, unknown>, options: { secret?: Uint8Array; alg?: string } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const payload = { cv: 1, iat: now, exp: now + 60, iss: 'bankcore', aud: 'bankcore', jti: 'forged', ...claims };
  return new SignJWT(payload).setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' }).sign(options.secret ?? key);
}

describe('login', () => {
  it('issues a short-lived bearer token for the right password', async () => {
    const bank = makeBank();
    const me = await userIn(bank, 'alice');
    const token = await bank.login({ username: 'ALICE', password: passwordOf('alice') });
    expect(token).toMatchObject({ tokenType: 'bearer', expiresIn: 900 });
    expect(await bank.authenticate(token.accessToken)).toEqual(me);
  });

  it('answers a wrong password and an unknown user with the same INVALID_CREDENTIALS', async () => {
    const bank = makeBank();
    await userIn(bank, 'alice');
    const wrong = await bankErrorOf(bank.login({ username: 'alice', password: 'not-the-password' }));
    const unknown = await bankErrorOf(bank.login({ username: 'nobody', password: 'not-the-password' }));
    expect(wrong).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect(unknown).toMatchObject({ code: 'INVALID_CREDENTIALS', message: wrong.message });
  });

  it('spends one password verification on an unknown user, as on a wrong password', async () => {
    const calls: string[] = [];
    const inner = createPasswordHasher(INSECURE_TEST_PASSWORD_HASHING);
    const counting: PasswordHasher = {
      hash: (p) => (calls.push('derive'), inner.hash(p)),
      verify: (p, s) => (calls.push('derive'), inner.verify(p, s)),
    };
    const bank = makeBank({ passwordHasher: counting });
    await bank.register({ username: 'alice', password: passwordOf('alice') });
    calls.length = 0;
    await bankErrorOf(bank.login({ username: 'alice', password: 'not-the-password' }));
    expect(calls).toEqual(['derive']);
    calls.length = 0;
    await bankErrorOf(bank.login({ username: 'nobody-here', password: 'not-the-password' }));
    calls.length = 0; // the first unknown user also made the stand-in hash, once per bank
    await bankErrorOf(bank.login({ username: 'nobody-else', password: 'not-the-password' }));
    await bankErrorOf(bank.login({ username: 'not a valid name!', password: 'not-the-password' }));
    expect(calls).toEqual(['derive', 'derive']);
  });

  it('rehashes a password stored with older parameters at the next login, keeping tokens valid', async () => {
    const storage = memoryAdapter();
    const old = makeBank({ storage, passwordHashing: { algorithm: 'argon2id', memoryKiB: 32, iterations: 1, parallelism: 1, insecure: true } });
    const me = await userIn(old, 'grace');
    const { accessToken } = await old.login({ username: 'grace', password: passwordOf('grace') });
    const before = (await storage.findUserById(me.userId))!.passwordHash;
    expect(before).toContain('m=32,');
    const upgraded = makeBank({ storage });
    await upgraded.login({ username: 'grace', password: passwordOf('grace') });
    const after = (await storage.findUserById(me.userId))!.passwordHash;
    expect(after).toMatch(/^\$argon2id\$v=19\$m=64,t=1,p=1\$/);
    expect(await upgraded.authenticate(accessToken)).toEqual(me);
  });

  it('stores a salted, self-describing hash: two users with one password get different hashes', async () => {
    const storage = memoryAdapter();
    const bank = makeBank({ storage });
    const a = await bank.register({ username: 'twin1', password: 'the same passphrase' });
    const b = await bank.register({ username: 'twin2', password: 'the same passphrase' });
    const [ha, hb] = [(await storage.findUserById(a.id))!.passwordHash, (await storage.findUserById(b.id))!.passwordHash];
    expect(ha).not.toBe(hb);
    expect(ha).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
  });

  it('verifies scrypt hashes too', async () => {
    const hasher = createPasswordHasher({ algorithm: 'scrypt', log2N: 4, blockSize: 8, parallelism: 1, insecure: true });
    const stored = await hasher.hash('scrypt passphrase');
    expect(stored).toMatch(/^\$scrypt\$ln=4,r=8,p=1\$/);
    expect(await hasher.verify('scrypt passphrase', stored)).toEqual({ ok: true, needsRehash: false });
    expect((await hasher.verify('other passphrase', stored)).ok).toBe(false);
  });
});

describe('authenticate', () => {
  it('rejects an expired token with TOKEN_EXPIRED', async () => {
    const clock = manualClock();
    const bank = makeBank({ clock: clock.now });
    await userIn(bank, 'alice');
    const { accessToken } = await bank.login({ username: 'alice', password: passwordOf('alice') });
    clock.advance(900 + 6);
    expect((await bankErrorOf(bank.authenticate(accessToken))).code).toBe('TOKEN_EXPIRED');
  });

  it('expires a token that was verified (and remembered) before', async () => {
    const clock = manualClock();
    const bank = makeBank({ clock: clock.now });
    await userIn(bank, 'alice');
    const { accessToken } = await bank.login({ username: 'alice', password: passwordOf('alice') });
    await bank.authenticate(accessToken);
    clock.advance(900 + 6);
    expect((await bankErrorOf(bank.authenticate(accessToken))).code).toBe('TOKEN_EXPIRED');
  });

  it('refuses a token whose header or payload was changed under the signature of a token remembered as verified', async () => {
    const bank = makeBank();
    const alice = await userIn(bank, 'alice');
    const bob = await userIn(bank, 'bob');
    const { accessToken } = await bank.login({ username: 'alice', password: passwordOf('alice') });
    expect(await bank.authenticate(accessToken)).toBe(alice);
    const [header, payload, signature] = accessToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const asBob = Buffer.from(JSON.stringify({ ...claims, sub: bob.userId })).toString('base64url');
    for (const tampered of [`${header}.${asBob}.${signature}`, `${header}x.${payload}.${signature}`, `${payload}.${signature}`]) {
      expect((await bankErrorOf(bank.authenticate(tampered))).code).toBe('INVALID_TOKEN');
    }
    expect(await bank.authenticate(accessToken)).toBe(alice);
  });

  it('revokes a token that was verified (and remembered) before the password changed', async () => {
    const bank = makeBank();
    const me = await userIn(bank, 'alice');
    const { accessToken } = await bank.login({ username: 'alice', password: passwordOf('alice') });
    await bank.authenticate(accessToken);
    await bank.changePassword(me, { currentPassword: passwordOf('alice'), newPassword: 'a brand new passphrase' });
    expect((await bankErrorOf(bank.authenticate(accessToken))).code).toBe('INVALID_TOKEN');
  });

  it('gives each user one frozen principal, the same for every token, and one of their own to each user', async () => {
    const bank = makeBank();
    await userIn(bank, 'alice');
    await userIn(bank, 'bob');
    const login = async (username: string) => bank.authenticate((await bank.login({ username, password: passwordOf(username) })).accessToken);
    const [alice1, alice2, bob] = [await login('alice'), await login('alice'), await login('bob')];
    expect(alice2).toBe(alice1);
    expect(Object.isFrozen(alice1)).toBe(true);
    expect(bob).not.toBe(alice1);
    expect(bob).toMatchObject({ username: 'bob' });
    expect(await bank.balances(alice1)).toEqual([]);
  });

  it('works the same with the verified-token cache turned off', async () => {
    const bank = makeBank({ tokens: { secret: SECRET, cacheSize: 0 } });
    const me = await userIn(bank, 'alice');
    const { accessToken } = await bank.login({ username: 'alice', password: passwordOf('alice') });
    expect(await bank.authenticate(accessToken)).toEqual(me);
    expect(await bank.authenticate(accessToken)).toEqual(me);
  });

  it('accepts a token within its lifetime and the clock tolerance', async () => {
    const clock = manualClock();
    const bank = makeBank({ clock: clock.now });
    await userIn(bank, 'alice');
    const { accessToken } = await bank.login({ username: 'alice', password: passwordOf('alice') });
    clock.advance(899);
    await expect(bank.authenticate(accessToken)).resolves.toMatchObject({ username: 'alice' });
  });

  it.each([
    ['signed with another secret', async (sub: string) => forged({ sub }, { secret: new TextEncoder().encode('x'.repeat(40)) })],
    ['with alg none', async (sub: string) => new UnsecuredJWT({ sub, cv: 1 }).setIssuer('bankcore').setAudience('bankcore').setIssuedAt().setExpirationTime('5m').encode()],
    ['signed with HS512', async (sub: string) => forged({ sub }, { alg: 'HS512', secret: new TextEncoder().encode('k'.repeat(64)) })],
    ['for another audience', async (sub: string) => forged({ sub, aud: 'someone-else' })],
    ['from another issuer', async (sub: string) => forged({ sub, iss: 'evil' })],
    ['with a tampered payload', async (sub: string) => {
      const [h, , s] = (await forged({ sub })).split('.');
      return `${h}.${Buffer.from(JSON.stringify({ sub: 'someone-else', cv: 1 })).toString('base64url')}.${s}`;
    }],
    ['with a tampered signature', async (sub: string) => `${(await forged({ sub })).slice(0, -2)}AA`],
    ['without exp', async (sub: string) =>
      new SignJWT({ sub, cv: 1 }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt().setIssuer('bankcore').setAudience('bankcore').setJti('j').sign(key)],
    ['issued in the far future', async (sub: string) =>
      new SignJWT({ sub, cv: 1 }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt(Math.floor(Date.now() / 1000) + 3600)
        .setExpirationTime('2h').setIssuer('bankcore').setAudience('bankcore').setJti('j').sign(key)],
    ['for a user that does not exist', async () => forged({ sub: 'no-such-user' })],
    ['that is not a JWT at all', async () => 'hello'],
    ['that is empty', async () => ''],
  ])('rejects a token %s with INVALID_TOKEN', async (_label, make) => {
    const bank = makeBank();
    const me = await userIn(bank, 'alice');
    const token = await make(me.userId);
    expect((await bankErrorOf(bank.authenticate(token))).code).toBe('INVALID_TOKEN');
  });

  it('accepts a correctly forged-for-test token, proving the negative cases above differ only in what they name', async () => {
    const bank = makeBank();
    const me = await userIn(bank, 'alice');
    expect(await bank.authenticate(await forged({ sub: me.userId }))).toEqual(me);
  });
});
