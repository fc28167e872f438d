// Calling a bankcore server from an app with the typed client: retries are safe because every money movement
// carries an idempotency key. Exits non-zero if any result is not as expected.
import assert from 'node:assert/strict';
import { BankError, createBank } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';
import { startServer } from 'bankcore/node';
import { createClient } from 'bankcore/client';

const bank = createBank({ storage: memoryAdapter(), tokens: { secret: 'an-example-secret-of-at-least-32-bytes!!' } });
const server = await startServer({ bank, port: 0 });
try {
  const client = createClient({ baseUrl: server.url });
  await client.createUser({ username: 'dana', password: 'dana has a long passphrase' });
  await client.login({ username: 'dana', password: 'dana has a long passphrase' });
  const account = { bankCode: 'BANK1', accountNumber: '00030001' };
  await client.addAccount(account);
  const first = await client.deposit({ ...account, amount: 42_00 }, { idempotencyKey: 'invoice-17' });
  const again = await client.deposit({ ...account, amount: 42_00 }, { idempotencyKey: 'invoice-17' });
  assert.equal(again.transaction.id, first.transaction.id, 'the same key answers with the same transaction');
  assert.equal((await client.balance(account)).accounts[0]?.balance, 42_00);
  const error = await client.withdraw({ ...account, amount: 1_000_00 }).catch((e: unknown) => e);
  assert.ok(error instanceof BankError && error.code === 'INSUFFICIENT_FUNDS');
  console.log('client example ok');
} finally {
  await server.close();
}
