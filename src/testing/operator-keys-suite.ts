import { describe, expect, it } from 'vitest';
import { type StorageAdapter, type StoredOperatorKey } from 'bankcore';
import { codeOf, signUp, testBank } from './fixtures.js';

type MakeAdapter = () => Promise<StorageAdapter> | StorageAdapter;

async function fresh(make: MakeAdapter): Promise<StorageAdapter> {
  const adapter = await make();
  await adapter.init?.();
  return adapter;
}

let counter = 0;
function storedKey(overrides: Partial<StoredOperatorKey> = {}): StoredOperatorKey {
  return {
    id: (Date.now() * 1000 + counter++).toString(16).padStart(16, '0').slice(-16),
    name: 'back office',
    scopes: ['funds:write', 'ledger:read'],
    secretHash: 'ab'.repeat(32),
    createdAt: new Date(Date.UTC(2026, 0, 1) + counter),
    lastUsedAt: null,
    revokedAt: null,
    ...overrides,
  };
}


/** Operator keys: what storage keeps, and how the bank issues, checks and revokes them. */
export function describeOperatorKeyContract(make: MakeAdapter): void {
  describe('operator keys in storage', () => {
    it('stores a key, finds it by id, lists keys oldest first and refuses a second key with the same id', async () => {
      const s = await fresh(make);
      const first = storedKey();
      const second = storedKey({ name: 'auditor', scopes: ['ledger:read'] });
      expect(await s.createOperatorKey(first)).toBe(true);
      expect(await s.createOperatorKey(second)).toBe(true);
      expect(await s.createOperatorKey({ ...first, name: 'impostor' })).toBe(false);
      expect(await s.findOperatorKey(first.id)).toEqual(first);
      expect(await s.findOperatorKey('0000000000000000')).toBeNull();
      expect((await s.listOperatorKeys()).map((k) => k.name)).toEqual(['back office', 'auditor']);
      await s.close?.();
    });

    it('sets last-used and revoked times, and answers false for a key that does not exist', async () => {
      const s = await fresh(make);
      const key = storedKey();
      await s.createOperatorKey(key);
      const used = new Date('2026-02-01T00:00:00.000Z');
      const revoked = new Date('2026-03-01T00:00:00.000Z');
      expect(await s.updateOperatorKey(key.id, { lastUsedAt: used })).toBe(true);
      expect(await s.updateOperatorKey(key.id, { revokedAt: revoked })).toBe(true);
      expect(await s.findOperatorKey(key.id)).toMatchObject({ lastUsedAt: used, revokedAt: revoked });
      expect(await s.updateOperatorKey('0000000000000000', { revokedAt: revoked })).toBe(false);
      await s.close?.();
    });

    it('returns copies: mutating a listed key does not change what is stored', async () => {
      const s = await fresh(make);
      const key = storedKey();
      await s.createOperatorKey(key);
      const [listed] = await s.listOperatorKeys();
      listed!.scopes.push('holds:write');
      listed!.name = 'changed';
      expect(await s.findOperatorKey(key.id)).toEqual(key);
      await s.close?.();
    });
  });

  describe('operator keys through the bank', () => {
    it('issues a key once, stores only its hash, and authenticates it with its scopes', async () => {
      const bank = testBank(await fresh(make));
      const { key, operatorKey } = await bank.operatorKeys.create({ name: 'back office', scopes: ['funds:write'] });
      expect(key).toMatch(/^bko_[0-9a-f]{16}_[0-9a-f]{64}$/);
      const listed = await bank.operatorKeys.list();
      expect(listed).toEqual([operatorKey]);
      expect(JSON.stringify(listed)).not.toContain(key.slice(21));
      const credential = await bank.operatorKeys.authenticate(key);
      expect(credential).toMatchObject({ keyId: operatorKey.id, name: 'back office', scopes: ['funds:write'] });
      expect(() => bank.operatorKeys.require(credential, 'funds:write')).not.toThrow();
      expect(await codeOf(() => bank.operatorKeys.require(credential, 'ledger:read'))).toBe('FORBIDDEN');
      expect((await bank.operatorKeys.list())[0]!.lastUsedAt).toBeInstanceOf(Date);
      await bank.close();
    });

    it('refuses a wrong secret, a malformed key, a customer token, and a revoked key', async () => {
      const bank = testBank(await fresh(make));
      const { key, operatorKey } = await bank.operatorKeys.create({ name: 'ops' });
      expect(operatorKey.scopes).toEqual(['funds:write', 'holds:write', 'accounts:write', 'ledger:read', 'webhooks:write']);
      const wrong = key.slice(0, -1) + (key.endsWith('0') ? '1' : '0');
      expect(await codeOf(bank.operatorKeys.authenticate(wrong))).toBe('INVALID_TOKEN');
      expect(await codeOf(bank.operatorKeys.authenticate('bko_nothing'))).toBe('INVALID_TOKEN');
      await signUp(bank, 'alice');
      const { accessToken } = await bank.login({ username: 'alice', password: 'alice-has-a-long-password' });
      expect(await codeOf(bank.operatorKeys.authenticate(accessToken))).toBe('INVALID_TOKEN');
      expect(await codeOf(bank.authenticate(key))).toBe('INVALID_TOKEN');
      const revoked = await bank.operatorKeys.revoke(operatorKey.id);
      expect(revoked?.revokedAt).toBeInstanceOf(Date);
      expect(await codeOf(bank.operatorKeys.authenticate(key))).toBe('INVALID_TOKEN');
      expect(await bank.operatorKeys.revoke('ffffffffffffffff')).toBeNull();
      await bank.close();
    });

    it('refuses a credential it did not issue, and names and scopes that break the rules', async () => {
      const bank = testBank(await fresh(make));
      const forged = Object.freeze({ keyId: 'ffffffffffffffff', name: 'x', scopes: ['funds:write' as const] });
      expect(await codeOf(() => bank.operatorKeys.require(forged, 'funds:write'))).toBe('INVALID_TOKEN');
      expect(await codeOf(bank.operatorKeys.create({ name: ' ' }))).toBe('VALIDATION_FAILED');
      // @ts-expect-error: an unknown scope, as an untyped caller could send it.
      expect(await codeOf(bank.operatorKeys.create({ name: 'x', scopes: ['everything'] }))).toBe('VALIDATION_FAILED');
      expect(await codeOf(bank.operatorKeys.create({ name: 'x', scopes: ['ledger:read', 'ledger:read'] }))).toBe('VALIDATION_FAILED');
      expect(await bank.operatorKeys.list()).toEqual([]);
      await bank.close();
    });
  });
}
