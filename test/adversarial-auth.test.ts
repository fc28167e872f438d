import { createHmac, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SignJWT, importPKCS8 } from 'jose';
import { createBank } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';
import { serve } from './support/http.js';
import { bankErrorOf, makeBank, passwordOf, SECRET, userIn } from './support/bank.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const claims = (sub: string) => {
  const now = Math.floor(Date.now() / 1000);
  return { sub, cv: 1, iat: now, exp: now + 60, iss: 'bankcore', aud: 'bankcore', jti: 'x' };
};

describe('tokens under attack', () => {
  it('rejects an HS256 token signed with the empty key', async () => {
    const bank = makeBank();
    const me = await userIn(bank, 'alice');
    const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims(me.userId))}`;
    const token = `${unsigned}.${createHmac('sha256', Buffer.alloc(0)).update(unsigned).digest('base64url')}`;
    expect((await bankErrorOf(bank.authenticate(token))).code).toBe('INVALID_TOKEN');
  });

  it('rejects RS256 tokens, and HS256 tokens signed with an RSA public key as the HMAC secret (algorithm confusion)', async () => {
    const bank = makeBank();
    const me = await userIn(bank, 'alice');
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rs = await new SignJWT(claims(me.userId))
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .sign(await importPKCS8(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 'RS256'));
    expect((await bankErrorOf(bank.authenticate(rs))).code).toBe('INVALID_TOKEN');
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims(me.userId))}`;
    const confused = `${unsigned}.${createHmac('sha256', pem).update(unsigned).digest('base64url')}`;
    expect((await bankErrorOf(bank.authenticate(confused))).code).toBe('INVALID_TOKEN');
  });

  it('rejects a token of another bank (same claims, another secret, another audience)', async () => {
    const other = createBank({ storage: memoryAdapter(), tokens: { secret: 'y'.repeat(40), audience: 'other' } });
    const bank = makeBank();
    const me = await userIn(bank, 'alice');
    void other;
    const token = await new SignJWT({ ...claims(me.userId), aud: 'other' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(SECRET));
    expect((await bankErrorOf(bank.authenticate(token))).code).toBe('INVALID_TOKEN');
  });
});

describe('user enumeration by timing', () => {
  it('takes as long for an unknown username as for a wrong password (within 10%)', async () => {
    // A real, if reduced, hash cost so that hashing dominates, as it does in production.
    const bank = makeBank({ passwordHashing: { algorithm: 'argon2id', memoryKiB: 4096, iterations: 2, parallelism: 1, insecure: true } });
    const client = await serve('fetch handler', { rateLimits: false }, bank);
    await bank.register({ username: 'alice', password: passwordOf('alice') });
    const time = async (username: string) => {
      const started = performance.now();
      const reply = await client.call('POST', '/token', { form: { username, password: 'definitely-wrong' } });
      expect(reply.status).toBe(400); // RFC 6749 §5.2: invalid_grant
      return performance.now() - started;
    };
    for (let i = 0; i < 3; i++) await Promise.all([time('alice'), time('nobody')]); // warm-up
    const known: number[] = [];
    const unknown: number[] = [];
    // Measured in adjacent pairs, alternating which goes first: other test files share these two cores, and
    // load drifts; a pair sees the same load, so the median of per-pair ratios is what compares the paths.
    for (let i = 0; i < 60; i++) {
      if (i % 2) {
        known.push(await time('alice'));
        unknown.push(await time(`nobody${i}`));
      } else {
        unknown.push(await time(`nobody${i}`));
        known.push(await time('alice'));
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const ratio = median(unknown.map((u, i) => u / known[i]!));
    console.log(`token timing: wrong password median ${median(known).toFixed(1)} ms, unknown user ${median(unknown).toFixed(1)} ms, median paired ratio ${ratio.toFixed(3)}`);
    expect(ratio).toBeGreaterThan(0.9);
    expect(ratio).toBeLessThan(1.1);
  });
});
