// Kills a durable server with SIGKILL at random moments under concurrent money movements, 24 times, and checks
// after every restart that nothing acknowledged was lost and nothing refused was applied.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from 'bankcore/testing';
import { openDatabase } from '../src/adapters/sqlite/driver.js';
import { startCli, exited, type RunningCli } from './support/cli.js';
import { freshDataDir } from './support/data-dir.js';

const ROUNDS = 24;
const CLIENTS = 12;
const SECRET = 'crash-test-secret-that-is-long-enough-32';
const ACCOUNTS = Array.from({ length: 6 }, (_, i) => ({ bankCode: 'CRASH', accountNumber: `CR00${i}` }));
const OWNER = (i: number) => i % 3;

type Kind = 'deposit' | 'withdraw' | 'transfer';
interface Op {
  key: string;
  kind: Kind;
  from: number;
  to: number;
  amount: number;
  outcome: 'acked' | 'refused' | 'unknown';
  transactionId?: string;
}

async function send(server: RunningCli, token: string, op: Op) {
  const body =
    op.kind === 'transfer'
      ? { from: ACCOUNTS[op.from], to: ACCOUNTS[op.to], amount: op.amount }
      : { ...ACCOUNTS[op.from], amount: op.amount };
  const response = await fetch(`${server.url}/${op.kind}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': op.key },
    body: JSON.stringify(body),
  });
  // JSON of either a movement or a problem.
  const json: any = await response.json();
  return { status: response.status, json, replayed: response.headers.get('idempotent-replayed') === 'true' };
}

/** Net effect of an applied operation on each account. */
function effect(op: Op, balances: number[]): void {
  if (op.kind === 'deposit') balances[op.from]! += op.amount;
  else if (op.kind === 'withdraw') balances[op.from]! -= op.amount;
  else {
    balances[op.from]! -= op.amount;
    balances[op.to]! += op.amount;
  }
}

describe('crash safety of the durable default store (SQLite)', () => {
  it(`loses no acknowledged operation and applies no refused one over ${ROUNDS} SIGKILLs under load`, async () => {
    const dataDir = freshDataDir('crash');
    // A small recent level of idempotency keys, so that kills also land while keys are folded into the index.
    const env = { BANK_DATA_DIR: dataDir, BANK_JWT_SECRET: SECRET, BANK_SQLITE_RECENT_KEYS: '64' };
    const random = seededRandom(20261125);
    let server = await startCli(env);
    const tokens: string[] = [];
    for (let u = 0; u < 3; u++) {
      const creds = { username: `crash${u}`, password: `crash-user-${u}-password` };
      await fetch(`${server.url}/createUser`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(creds) });
      const token = await fetch(`${server.url}/token`, { method: 'POST', body: new URLSearchParams(creds) });
      tokens.push(((await token.json()) as { access_token: string }).access_token);
    }
    for (const [i, ref] of ACCOUNTS.entries()) {
      const res = await fetch(`${server.url}/addAccount`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[OWNER(i)]}` }, body: JSON.stringify(ref) });
      expect(res.status).toBe(201);
    }

    const ops: Op[] = [];
    let n = 0;
    for (let round = 0; round < ROUNDS; round++) {
      let running = true;
      const clients = Array.from({ length: CLIENTS }, async () => {
        while (running) {
          const r = random();
          const from = Math.floor(random() * ACCOUNTS.length);
          const op: Op = {
            key: `op-${n++}`,
            kind: r < 0.45 ? 'deposit' : r < 0.6 ? 'withdraw' : 'transfer',
            from,
            to: (from + 1 + Math.floor(random() * (ACCOUNTS.length - 1))) % ACCOUNTS.length,
            amount: 1 + Math.floor(random() * 500),
            outcome: 'unknown',
          };
          ops.push(op);
          try {
            const reply = await send(server, tokens[OWNER(from)]!, op);
            if (reply.status === 201) [op.outcome, op.transactionId] = ['acked', reply.json.transaction.id];
            else if (reply.status === 409 && reply.json.code === 'INSUFFICIENT_FUNDS') op.outcome = 'refused';
            else throw new Error(`unexpected ${reply.status} ${JSON.stringify(reply.json)}`);
          } catch (error) {
            if (String(error).includes('unexpected')) throw error;
            return; // the connection died with the server: the outcome stays unknown
          }
        }
      });
      await new Promise((resolve) => setTimeout(resolve, 50 + random() * 350));
      server.child.kill('SIGKILL');
      await exited(server.child);
      running = false;
      await Promise.all(clients);
      server = await startCli(env);
      // Settle what was in flight: the same key either answers as a replay (it had been applied) or runs now.
      for (const op of ops.filter((o) => o.outcome === 'unknown')) {
        const reply = await send(server, tokens[OWNER(op.from)]!, op);
        if (reply.status === 201) [op.outcome, op.transactionId] = ['acked', reply.json.transaction.id];
        else if (reply.status === 409 && reply.json.code === 'INSUFFICIENT_FUNDS') op.outcome = 'refused';
        else throw new Error(`settling ${op.key}: ${reply.status} ${JSON.stringify(reply.json)}`);
      }
    }

    // Every acknowledged operation is still there: its key replays the same transaction.
    const acked = ops.filter((o) => o.outcome === 'acked');
    expect(acked.length).toBeGreaterThan(ROUNDS * 5);
    for (const op of acked) {
      const reply = await send(server, tokens[OWNER(op.from)]!, op);
      expect([reply.status, reply.replayed, reply.json.transaction?.id]).toEqual([201, true, op.transactionId]);
    }
    // Balances are exactly the acknowledged operations; refused ones left no trace.
    const expected = ACCOUNTS.map(() => 0);
    for (const op of acked) effect(op, expected);
    const actual: number[] = [];
    for (const [i, ref] of ACCOUNTS.entries()) {
      const res = await fetch(`${server.url}/balance?bankCode=${ref.bankCode}&accountNumber=${ref.accountNumber}`, { headers: { authorization: `Bearer ${tokens[OWNER(i)]}` } });
      actual.push(((await res.json()) as { accounts: { balance: number }[] }).accounts[0]!.balance);
    }
    expect(actual).toEqual(expected);
    const deposits = acked.filter((o) => o.kind === 'deposit').reduce((t, o) => t + o.amount, 0);
    const withdrawals = acked.filter((o) => o.kind === 'withdraw').reduce((t, o) => t + o.amount, 0);
    expect(actual.reduce((a, b) => a + b, 0)).toBe(deposits - withdrawals);
    expect(await server.stop()).toBe(0);

    // verify(), in process, on the directory the server left.
    const { createBank, INSECURE_TEST_PASSWORD_HASHING } = await import('bankcore');
    const { sqliteAdapter } = await import('bankcore/sqlite');
    const bank = createBank({ storage: sqliteAdapter({ filename: join(dataDir, 'bankcore.db') }), tokens: { secret: SECRET }, passwordHashing: INSECURE_TEST_PASSWORD_HASHING });
    await bank.init();
    const report = await bank.verify();
    expect(report.problems).toEqual([]);
    expect(report.entriesChecked).toBeGreaterThan(0);
    await bank.close();
    const raw = (await openDatabase(join(dataDir, 'bankcore.db'), 'auto')).db;
    const folded = (raw.prepare('SELECT count(*) AS n FROM idempotency_keys').get() as { n: number }).n;
    raw.close();
    expect(folded).toBeGreaterThan(acked.length / 2);
    console.log(`crash test: ${ROUNDS} SIGKILLs, ${ops.length} operations sent, ${acked.length} acknowledged, ${ops.filter((o) => o.outcome === 'refused').length} refused, ${folded} keys folded`);
  }, 300_000);
});
