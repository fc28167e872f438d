// Embedding bankcore in a program: an in-memory bank, two users, a deposit, a transfer, history, an audit.
// Run: npm run build && npx tsx examples/embedded.ts   (exits non-zero if any result is not as expected)
import assert from 'node:assert/strict';
import { BankError, createBank } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';

const bank = createBank({
  storage: memoryAdapter(),
  tokens: { secret: 'an-example-secret-of-at-least-32-bytes!!' },
  // The default (argon2id, 19 MiB, t=2) is what production wants; an example can afford it too.
});
await bank.init();

await bank.register({ username: 'alice', password: 'correct horse battery staple' });
await bank.register({ username: 'bob', password: 'bob likes long passphrases' });
const alice = await bank.authenticate((await bank.login({ username: 'alice', password: 'correct horse battery staple' })).accessToken);
const bob = await bank.authenticate((await bank.login({ username: 'bob', password: 'bob likes long passphrases' })).accessToken);

const savings = { bankCode: 'BANK1', accountNumber: '00010001' };
const checking = { bankCode: 'BANK1', accountNumber: '00020001' };
await bank.openAccount(alice, savings);
await bank.openAccount(bob, checking);

const deposit = await bank.deposit(alice, { account: savings, amount: 100_00, idempotencyKey: 'salary-2026-11' });
assert.equal(deposit.account.balance, 100_00);
const replay = await bank.deposit(alice, { account: savings, amount: 100_00, idempotencyKey: 'salary-2026-11' });
assert.equal(replay.replayed, true);
assert.equal(replay.account.balance, 100_00, 'a replay moves no money');

const transfer = await bank.transfer(alice, { from: savings, to: checking, amount: 25_50, reference: 'dinner' });
assert.equal(transfer.account.balance, 74_50);

try {
  await bank.transfer(alice, { from: savings, to: checking, amount: 1_000_00 });
  assert.fail('an overdraft must be refused');
} catch (error) {
  assert.ok(error instanceof BankError && error.code === 'INSUFFICIENT_FUNDS');
}

const [bobsAccount] = await bank.balances(bob);
assert.equal(bobsAccount?.balance, 25_50);
const history = await bank.history(bob, checking);
assert.deepEqual(history.entries.map((e) => [e.amount, e.balanceAfter, e.reference]), [[25_50, 25_50, 'dinner']]);

const report = await bank.verify();
assert.equal(report.ok, true);
console.log(`embedded example ok: ${report.accountsChecked} accounts, ${report.entriesChecked} ledger entries verified`);
await bank.close();
