import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, randomBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';
import { BankError } from './errors.js';
import { constantTimeEqual } from './passwords.js';
import { parseInput } from './schemas.js';
import type { StorageAdapter } from './storage.js';

/**
 * What an operator key may do:
 * - `funds:write`: fund, payout, post, reverse;
 * - `holds:write`: create, capture, void and expire holds;
 * - `accounts:write`: freeze, unfreeze, close, overdraft limits;
 * - `ledger:read`: accounts, history, holds, transactions, verify, webhook endpoints;
 * - `webhooks:write`: register and delete webhook endpoints.
 */
export const OPERATOR_SCOPES = ['funds:write', 'holds:write', 'accounts:write', 'ledger:read', 'webhooks:write'] as const;

/** One of {@link OPERATOR_SCOPES}. */
export type OperatorScope = (typeof OPERATOR_SCOPES)[number];

/** An operator API key as listed: never its secret. */
export interface OperatorKey {
  id: string;
  name: string;
  scopes: OperatorScope[];
  createdAt: Date;
  /** Updated at most once a minute per key, so authenticating stays a read. */
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** An operator key as storage keeps it: the SHA-256 of its secret, never the secret. */
export interface StoredOperatorKey extends OperatorKey {
  /** Hex SHA-256 of the secret part. The secret is 256 random bits, so a fast hash is enough (as for API keys). */
  secretHash: string;
}

/** Who is calling the operator API: a key that authenticated, with its scopes. */
export interface OperatorCredential {
  readonly keyId: string;
  readonly name: string;
  readonly scopes: readonly OperatorScope[];
}

/** `bank.operatorKeys`: create, list, revoke and check the keys of the HTTP operator API (`/admin`). */
export interface OperatorKeys {
  /**
   * Creates a key and returns its secret form once; only a hash of it is stored.
   * @throws BankError VALIDATION_FAILED for an empty or overlong name, or an unknown or repeated scope.
   * @example
   * ```ts
   * const { key } = await bank.operatorKeys.create({ name: 'back office', scopes: ['funds:write', 'ledger:read'] });
   * ```
   */
  create(input: { name: string; scopes?: readonly OperatorScope[] }): Promise<{ key: string; operatorKey: OperatorKey }>;
  /** Every key, oldest first, revoked ones included. */
  list(): Promise<OperatorKey[]>;
  /** Revokes a key; `null` when no key has this id. Revoking twice keeps the first time. */
  revoke(id: string): Promise<OperatorKey | null>;
  /**
   * Checks a key as sent in `Authorization: Bearer`. A customer access token is never an operator key.
   * @throws BankError INVALID_TOKEN when the key is malformed, unknown, revoked or wrong.
   */
  authenticate(key: string): Promise<OperatorCredential>;
  /**
   * Refuses a credential that lacks a scope.
   * @throws BankError FORBIDDEN naming the missing scope.
   */
  require(credential: OperatorCredential, scope: OperatorScope): void;
}

const KEY_PREFIX = 'bko_';
// `bko_<16 hex id>_<64 hex secret>`: the prefix makes a leaked key easy to recognise (and to scan for).
const KEY_FORMAT = /^bko_([0-9a-f]{16})_([0-9a-f]{64})$/;
const TOUCH_INTERVAL_MS = 60_000;

const createSchema = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
  scopes: z
    .array(z.enum(OPERATOR_SCOPES, `must be one of ${OPERATOR_SCOPES.join(', ')}`))
    .min(1, 'must name at least one scope')
    .refine((s) => new Set(s).size === s.length, 'must not repeat a scope')
    .default([...OPERATOR_SCOPES]),
});

const digest = (secretHex: string) => sha256(utf8ToBytes(secretHex));

const copyKey = ({ secretHash: _omitted, ...key }: StoredOperatorKey): OperatorKey => ({ ...key, scopes: [...key.scopes] });

/** Builds `bank.operatorKeys` over storage. */
export function createOperatorKeys(storage: StorageAdapter, now: () => Date): OperatorKeys {
  const issued = new WeakSet<object>();
  const refused = () => new BankError('INVALID_TOKEN', 'This is not a valid operator key');
  const touched = new Map<string, number>();

  return {
    async create(input) {
      const { name, scopes } = parseInput(createSchema, input, 'operatorKey');
      const id = bytesToHex(randomBytes(8));
      const secret = randomBytes(32);
      const stored: StoredOperatorKey = { id, name, scopes, createdAt: now(), lastUsedAt: null, revokedAt: null, secretHash: bytesToHex(digest(bytesToHex(secret))) };
      if (!(await storage.createOperatorKey(stored))) throw new BankError('CONFLICT', 'A key with this id exists; try again');
      return { key: `${KEY_PREFIX}${id}_${bytesToHex(secret)}`, operatorKey: copyKey(stored) };
    },
    list: async () => (await storage.listOperatorKeys()).map(copyKey),
    async revoke(id) {
      if (typeof id !== 'string' || !/^[0-9a-f]{16}$/.test(id)) return null;
      const found = await storage.findOperatorKey(id);
      if (!found) return null;
      if (found.revokedAt === null) await storage.updateOperatorKey(id, { revokedAt: now() });
      return copyKey((await storage.findOperatorKey(id)) ?? found);
    },
    async authenticate(key) {
      const match = typeof key === 'string' ? KEY_FORMAT.exec(key) : null;
      if (!match) throw refused();
      const [, id, secret] = match as unknown as [string, string, string];
      const found = await storage.findOperatorKey(id);
      // Compare digests in constant time: response timing never tells how much of a guessed secret was right.
      const expected = found ? hexToBytes(found.secretHash) : new Uint8Array(32);
      if (!constantTimeEqual(digest(secret), expected) || !found || found.revokedAt !== null) throw refused();
      const at = now().getTime();
      if (at - (touched.get(id) ?? 0) >= TOUCH_INTERVAL_MS) {
        touched.set(id, at);
        await storage.updateOperatorKey(id, { lastUsedAt: new Date(at) });
      }
      const credential = Object.freeze({ keyId: id, name: found.name, scopes: Object.freeze([...found.scopes]) });
      issued.add(credential);
      return credential;
    },
    require(credential, scope) {
      if (!issued.has(credential)) throw refused();
      if (!credential.scopes.includes(scope)) {
        throw new BankError('FORBIDDEN', `This operator key lacks the ${scope} scope`, { details: { scope } });
      }
    },
  };
}
