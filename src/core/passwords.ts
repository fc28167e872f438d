import { argon2idAsync } from '@noble/hashes/argon2.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { BankError } from './errors.js';

/**
 * Password-hash parameters. Values below OWASP's minimum (argon2id m=19 MiB, t=2, p=1; scrypt N=2^17,
 * r=8, p=1) are refused unless `insecure: true` says, explicitly, that this is a test.
 */
export type PasswordHashing =
  | { algorithm: 'argon2id'; memoryKiB: number; iterations: number; parallelism: number; insecure?: boolean }
  | { algorithm: 'scrypt'; log2N: number; blockSize: number; parallelism: number; insecure?: boolean };

/** OWASP's minimum argon2id parameters: the default. */
export const DEFAULT_PASSWORD_HASHING: PasswordHashing = {
  algorithm: 'argon2id',
  memoryKiB: 19456,
  iterations: 2,
  parallelism: 1,
};

/** Cheap parameters for tests only: never use them for real passwords. */
export const INSECURE_TEST_PASSWORD_HASHING: PasswordHashing = {
  algorithm: 'argon2id',
  memoryKiB: 64,
  iterations: 1,
  parallelism: 1,
  insecure: true,
};

/** Hashes and verifies passwords. Replaceable (e.g. by a worker-thread pool) through `createBank({ passwordHasher })`. */
export interface PasswordHasher {
  /** A self-describing PHC string with a fresh random salt. */
  hash(password: string): Promise<string>;
  /** Checks `password` against a stored PHC string in constant time; `needsRehash` when its parameters are not the current ones. */
  verify(password: string, stored: string): Promise<{ ok: boolean; needsRehash: boolean }>;
}

const SALT_BYTES = 16;
const HASH_BYTES = 32;
const encoder = new TextEncoder();

function b64(bytes: Uint8Array): string {
  let s = '';
  for (const byte of bytes) s += String.fromCharCode(byte);
  return btoa(s).replace(/=+$/, '');
}

function unb64(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]+$/.test(text)) return null;
  try {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** Compares two byte strings in time that depends only on their lengths. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

function encode(params: PasswordHashing): string {
  return params.algorithm === 'argon2id'
    ? `$argon2id$v=19$m=${params.memoryKiB},t=${params.iterations},p=${params.parallelism}`
    : `$scrypt$ln=${params.log2N},r=${params.blockSize},p=${params.parallelism}`;
}

function parse(stored: string): { params: PasswordHashing; salt: Uint8Array; hash: Uint8Array } | null {
  const argon = /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,2})\$([^$]+)\$([^$]+)$/.exec(stored);
  const scrypt = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([^$]+)\$([^$]+)$/.exec(stored);
  const match = argon ?? scrypt;
  if (!match) return null;
  const [, a, b, c, saltText, hashText] = match as unknown as [string, string, string, string, string, string];
  const salt = unb64(saltText);
  const hash = unb64(hashText);
  if (!salt || !hash) return null;
  const params: PasswordHashing = argon
    ? { algorithm: 'argon2id', memoryKiB: Number(a), iterations: Number(b), parallelism: Number(c) }
    : { algorithm: 'scrypt', log2N: Number(a), blockSize: Number(b), parallelism: Number(c) };
  return { params, salt, hash };
}

/**
 * The key-derivation step of a password hash: the one expensive call, which a worker pool may run elsewhere.
 * `input` is the UTF-8 of the NFKC-normalised password.
 */
export type PasswordKdf = (params: PasswordHashing, input: Uint8Array, salt: Uint8Array) => Promise<Uint8Array>;

/** noble's async argon2id / scrypt on the calling thread; they yield to the event loop every few milliseconds. */
export const inProcessKdf: PasswordKdf = (params, input, salt) =>
  params.algorithm === 'argon2id'
    ? argon2idAsync(input, salt, kdfOptions(params) as { m: number; t: number; p: number; dkLen: number })
    : scryptAsync(input, salt, kdfOptions(params) as { N: number; r: number; p: number; dkLen: number; maxmem: number });

/** The options noble takes for `params`, as plain data (they cross to worker threads unchanged). */
export function kdfOptions(params: PasswordHashing): Record<string, number> {
  return params.algorithm === 'argon2id'
    ? { m: params.memoryKiB, t: params.iterations, p: params.parallelism, dkLen: HASH_BYTES }
    : { N: 2 ** params.log2N, r: params.blockSize, p: params.parallelism, dkLen: HASH_BYTES, maxmem: 2 ** params.log2N * params.blockSize * 128 * 2 };
}

function assertStrongEnough(params: PasswordHashing): void {
  if (params.insecure === true) return;
  const weak =
    params.algorithm === 'argon2id'
      ? params.memoryKiB < 19456 || params.iterations < 2 || params.parallelism < 1
      : params.log2N < 17 || params.blockSize < 8 || params.parallelism < 1;
  if (weak) {
    throw new BankError(
      'CONFIGURATION_INVALID',
      'Password-hash parameters are below the OWASP minimum; pass insecure: true only in tests',
    );
  }
}

/**
 * Creates the default in-process password hasher (noble's async argon2id or scrypt, which yields to the
 * event loop while it works).
 *
 * @param params - defaults to {@link DEFAULT_PASSWORD_HASHING}.
 * @param kdf - where the derivation runs; default this thread. `bankcore/node` passes a worker pool.
 * @throws BankError CONFIGURATION_INVALID when parameters are below the OWASP minimum without `insecure: true`.
 * @example
 * ```ts
 * const hasher = createPasswordHasher();
 * const stored = await hasher.hash('correct horse battery');
 * (await hasher.verify('correct horse battery', stored)).ok // true
 * ```
 */
export function createPasswordHasher(params: PasswordHashing = DEFAULT_PASSWORD_HASHING, kdf: PasswordKdf = inProcessKdf): PasswordHasher {
  assertStrongEnough(params);
  const prefix = encode(params);
  // NFKC so the same password typed on different keyboards (composed or decomposed) verifies (NIST 800-63B).
  const input = (password: string) => encoder.encode(password.normalize('NFKC'));
  return {
    async hash(password) {
      const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
      return `${prefix}$${b64(salt)}$${b64(await kdf(params, input(password), salt))}`;
    },
    async verify(password, stored) {
      const parsed = parse(stored);
      if (!parsed) {
        // Spend the same time as a real check, so a corrupt record is not a timing oracle.
        await kdf(params, input(password), crypto.getRandomValues(new Uint8Array(SALT_BYTES)));
        return { ok: false, needsRehash: true };
      }
      const actual = await kdf(parsed.params, input(password), parsed.salt);
      return { ok: constantTimeEqual(actual, parsed.hash), needsRehash: encode(parsed.params) !== prefix };
    },
  };
}
