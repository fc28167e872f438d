// A marketplace on bankcore's operator API: the buyer's card is authorised (a hold), part of the order ships and
// is captured to the seller with the platform's fee as a third leg, then a refund reverses the sale.
// Run: npm run build && npx tsx examples/marketplace.ts   (exits non-zero if any result is not as expected)
import assert from 'node:assert/strict';
import { createBank, isBankError } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';

const bank = createBank({ storage: memoryAdapter(), tokens: { secret: 'an-example-secret-of-at-least-32-bytes!!' } });
await bank.init();
const { operator } = bank;

// The app authenticates its own users, so it creates them without passwords and asks for their principals.
const buyer = await operator.principal((await operator.createUser({ username: 'buyer' })).id);
const seller = await operator.principal((await operator.createUser({ username: 'seller' })).id);
const platform = await operator.principal((await operator.createUser({ username: 'platform' })).id);
const wallet = { bankCode: 'SHOP1', accountNumber: 'BUYER001' };
const shop = { bankCode: 'SHOP1', accountNumber: 'SELLER01' };
const clearing = { bankCode: 'SHOP1', accountNumber: 'CLEAR001' };
const fees = { bankCode: 'SHOP1', accountNumber: 'FEES0001' };
await bank.openAccount(buyer, wallet);
await bank.openAccount(seller, shop);
await bank.openAccount(platform, clearing);
await bank.openAccount(platform, fees);

// Money enters from outside: the settlement account @world/USD is debited, so the books still sum to zero.
await operator.fund({ account: wallet, amount: 100_00, reference: 'card top-up', idempotencyKey: 'topup-1' });

// Checkout: 80.00 is reserved. The buyer's balance stays, what they can spend drops.
const hold = await operator.hold({ from: wallet, to: clearing, amount: 80_00, expiresAt: new Date(Date.now() + 7 * 86_400_000), metadata: { order: 'A-1001' } });
const reserved = await bank.getAccount(buyer, wallet);
assert.deepEqual([reserved.balance, reserved.pending, reserved.available], [100_00, 80_00, 20_00]);
assert.ok(isBankError(await bank.withdraw(buyer, { account: wallet, amount: 50_00 }).catch((e: unknown) => e), 'INSUFFICIENT_FUNDS'));

// Part of the order ships: capture 60.00 into the platform's clearing account; the other 20.00 is released.
const capture = await operator.captureHold(hold.id, { amount: 60_00, idempotencyKey: 'capture-A-1001' });
assert.equal(capture.hold.status, 'captured');
assert.equal((await bank.getAccount(buyer, wallet)).available, 40_00);

// The platform pays the seller out of the captured money and keeps a 5% fee: one transaction, three legs.
const sale = await operator.post({
  legs: [
    { account: clearing, amount: -60_00 },
    { account: shop, amount: 57_00 },
    { account: fees, amount: 3_00 },
  ],
  reference: 'order A-1001',
  metadata: { order: 'A-1001' },
});
assert.equal((await bank.getAccount(seller, shop)).balance, 57_00);

// The buyer returns the goods: the sale and the capture are reversed, each exactly once.
await operator.reverse(sale.transaction.id, { reason: 'return A-1001' });
const refund = await operator.reverse(capture.transaction.id, { reason: 'return A-1001' });
assert.equal(refund.transaction.reversalOf, capture.transaction.id);
assert.ok(isBankError(await operator.reverse(capture.transaction.id).catch((e: unknown) => e), 'ALREADY_REVERSED'));
assert.equal((await bank.getAccount(buyer, wallet)).balance, 100_00);
assert.equal((await bank.getAccount(seller, shop)).balance, 0);

const history = await bank.history(buyer, wallet);
assert.deepEqual(history.entries.map((e) => e.type), ['reversal', 'capture', 'fund']);
const report = await bank.verify();
assert.equal(report.ok, true, JSON.stringify(report.problems));
console.log(`marketplace example ok: ${report.transactionsChecked} transactions, books balance in every currency`);
await bank.close();
