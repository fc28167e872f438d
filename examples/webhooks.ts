// Reacting to the ledger: a webhook receiver that verifies each delivery and tells a customer that money arrived,
// next to a bank that delivers its events to it. Also the in-process way: a stream resumed from a stored position.
// Run: npm run build && npx tsx examples/webhooks.ts   (exits non-zero if any result is not as expected)
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBank } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';
import { startWebhookDelivery, verifyWebhook } from 'bankcore/webhooks';

// --- The receiving side: your application. ---
let secret = ''; // from POST /admin/webhooks (or bank.webhooks.create): shown once, keep it in your secrets store
const seen = new Set<string>(); // deliveries are at least once: deduplicate by event id
const notices: string[] = [];
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    // Verify the raw body before parsing it; an old or forged delivery is refused.
    const check = verifyWebhook(raw, req.headers['bankcore-signature'] as string | undefined, secret);
    if (!check.valid) return void res.writeHead(400).end(check.reason);
    const event = JSON.parse(raw) as { id: string; type: string; payload: { transaction: { amount: number; legs: Array<{ accountNumber: string; amount: number }> } } };
    if (!seen.has(event.id)) {
      seen.add(event.id);
      const credit = event.payload.transaction.legs.find((l) => l.amount > 0 && !l.accountNumber.startsWith('USD'));
      if (credit) notices.push(`${credit.accountNumber} received ${(credit.amount / 100).toFixed(2)}`);
    }
    res.writeHead(204).end(); // any 2xx acknowledges; anything else is retried with backoff
  });
});
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/bankcore`;

// --- The bank: in the standalone server this is built in (register with POST /admin/webhooks). ---
const bank = createBank({ storage: memoryAdapter(), tokens: { secret: 'an-example-secret-of-at-least-32-bytes!!' } });
await bank.init();
const created = await bank.webhooks.create({ url, types: ['transaction.posted'] });
secret = created.secret;
const delivery = startWebhookDelivery(bank);

const alice = await bank.operator.principal((await bank.operator.createUser({ username: 'alice' })).id);
const account = { bankCode: 'BANK1', accountNumber: '00010001' };
await bank.openAccount(alice, account);
await bank.operator.fund({ account, amount: 42_00, reference: 'welcome bonus' });
await bank.deposit(alice, { account, amount: 7_50 });

const until = Date.now() + 10_000;
while (notices.length < 2 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
assert.deepEqual(notices, ['00010001 received 42.00', '00010001 received 7.50']);

// --- In process: the same events, from a position you stored, waiting for new ones. ---
const types: string[] = [];
const controller = new AbortController();
for await (const event of bank.events.stream({ after: 0, signal: controller.signal })) {
  types.push(event.type);
  if (event.type === 'transaction.posted' && types.filter((t) => t === 'transaction.posted').length === 2) controller.abort();
}
assert.deepEqual(types, ['user.registered', 'account.opened', 'transaction.posted', 'transaction.posted']);

await delivery.stop();
receiver.close();
await bank.close();
console.log(`webhooks example ok: ${notices.join('; ')}; stream saw ${types.join(', ')}`);
