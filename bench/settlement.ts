// Settlement legs must not serialise the bank: 20 callers deposit concurrently into 20 different accounts, each
// deposit one commit, with the settlement leg (as the core plans it) against the same load with the leg removed.
// On MongoDB (the wire-protocol double, whose transactions abort on write conflicts, or a real replica set with
// MONGODB_URI) the leg is derived on read, so it must cost no conflicts; a third, informational row stores the
// settlement account as an updated row, the naive design, to show what is avoided. Write conflicts are counted
// from the driver's command monitoring (code 112, WriteConflict), per 1,000 deposits.
import { MongoClient } from 'mongodb';
import { emptyAccount, newSettlementAccount, type CommitPlan, type StorageAdapter, type StoredAccount } from 'bankcore';
import { memoryAdapter } from 'bankcore/memory';
import { mongodbAdapter } from 'bankcore/mongodb';
import { startMongoDouble } from '../test/support/mongo-double/server.js';
import { alternated, fmt, opsPerSecond, type Row } from './lib.js';

const CALLERS = 20;
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 4);
type Variant = 'with settlement leg' | 'without settlement leg' | 'settlement as an updated row';

function accountOf(i: number, ownerId: string | null): StoredAccount {
  if (ownerId === null) return newSettlementAccount('USD', new Date());
  return emptyAccount({ id: `bench-acct-${i}`, ownerId, bankCode: 'BENCH', accountNumber: `D${String(i).padStart(6, '0')}`, currency: 'USD', createdAt: new Date() });
}

let lastTick = 0;
/** A version-7 UUID that sorts after every one before it, as the core's ids do: the millisecond, a counter, random bits. */
function timeOrderedId(): string {
  lastTick = Math.max(lastTick + 1, Date.now() * 4096);
  const head = Math.floor(lastTick / 4096).toString(16).padStart(12, '0');
  const tail = crypto.randomUUID();
  return `${head.slice(0, 8)}-${head.slice(8)}-7${(lastTick % 4096).toString(16).padStart(3, '0')}-${tail.slice(19)}`;
}

/** One deposit's plan, as the core builds it (customer leg, then the settlement leg unless removed). */
function depositPlan(customer: StoredAccount, world: StoredAccount, variant: Variant): CommitPlan {
  const at = new Date();
  const withLeg = variant !== 'without settlement leg';
  const legs = [{ account: customer, amount: 1 }, ...(withLeg ? [{ account: world, amount: -1 }] : [])];
  return {
    at,
    idempotency: null,
    transaction: {
      // A time-ordered UUID, as the core's ids are: the memory store packs those into columns and finds them by
      // their order, and keeps any other id in a Map (a slower path that both sides would pay, bringing their ratio
      // towards 1).
      id: timeOrderedId(),
      type: 'deposit',
      amount: 1,
      currency: 'USD',
      legs: legs.map(({ account, amount }) => ({ accountId: account.id, bankCode: account.bankCode, accountNumber: account.accountNumber, amount })),
      reference: null,
      metadata: {},
      initiatorId: 'bench',
      reversalOf: null,
      reversedBy: null,
      holdId: null,
      createdAt: at,
    },
    holdCreate: null,
    holdResolve: null,
    reverses: null,
    accountUpdate: null,
    eventId: null,
    guards: legs.map(({ account }) => ({
      accountId: account.id,
      statuses: ['active'],
      minAvailable: account.ownerId === null ? null : 0,
      overdraftLimit: 0,
      derived: account.ownerId === null && variant === 'with settlement leg',
    })),
  };
}

async function run(storage: StorageAdapter, variant: Variant): Promise<number> {
  await storage.init?.();
  const world = accountOf(0, null);
  await storage.createAccount(world);
  const customers = Array.from({ length: CALLERS }, (_, i) => accountOf(i, 'bench-user'));
  for (const c of customers) await storage.createAccount(c);
  let next = 0;
  const rate = await opsPerSecond(async () => {
    const customer = customers[next++ % CALLERS]!;
    const result = await storage.commit(depositPlan(customer, world, variant));
    if (result.status !== 'committed') throw new Error(`deposit refused: ${JSON.stringify(result)}`);
  }, SECONDS, CALLERS);
  await storage.close?.();
  return rate;
}

async function mongoRows(): Promise<Row[]> {
  const double = process.env['MONGODB_URI'] ? null : await startMongoDouble();
  const uri = process.env['MONGODB_URI'] ?? double!.uri;
  const where = double ? 'MongoDB test double' : 'MongoDB (MONGODB_URI)';
  const measured = new Map<Variant, { rate: number; conflictsPer1000: number }>();
  for (const variant of ['without settlement leg', 'with settlement leg', 'settlement as an updated row'] as Variant[]) {
    const client = new MongoClient(uri, { monitorCommands: true });
    let conflicts = 0;
    client.on('commandFailed', (event) => {
      if ((event.failure as { code?: number }).code === 112) conflicts++;
    });
    client.on('commandSucceeded', (event) => {
      const errors = (event.reply as { writeErrors?: Array<{ code: number }> }).writeErrors ?? [];
      conflicts += errors.filter((e) => e.code === 112).length;
    });
    const rate = await run(mongodbAdapter({ client, dbName: `bench_settlement_${process.pid}_${measured.size}` }), variant);
    measured.set(variant, { rate, conflictsPer1000: (conflicts / (rate * SECONDS)) * 1000 });
    await client.db(`bench_settlement_${process.pid}_${measured.size - 1}`).dropDatabase().catch(() => undefined);
    await client.close();
  }
  await double?.close();
  const base = measured.get('without settlement leg')!;
  const row = (variant: Variant, target: number | null): Row => {
    const m = measured.get(variant)!;
    return {
      scenario: `${CALLERS} concurrent deposits, ${CALLERS} accounts, ${variant} (${where})`,
      measured: `${fmt(m.rate)}/s; ${fmt(m.conflictsPer1000, 1)} write conflicts per 1,000`,
      baseline: `${fmt(base.rate)}/s without settlement leg; ${fmt(base.conflictsPer1000, 1)} conflicts per 1,000`,
      ratio: m.rate / base.rate,
      target: target === null ? '– (what the design avoids)' : `≥ ${target}×`,
      met: target === null ? null : m.rate / base.rate >= target,
    };
  };
  return [row('with settlement leg', 0.8), row('settlement as an updated row', null)];
}

async function memoryRow(): Promise<Row> {
  // Five rounds: each run retains all it wrote, and when a major GC falls decides much of a 4 s run.
  const { subject: m, baseline: b } = await alternated(5, () => run(memoryAdapter(), 'with settlement leg'), () => run(memoryAdapter(), 'without settlement leg'));
  return {
    scenario: `${CALLERS} concurrent deposits, ${CALLERS} accounts, with settlement leg (memory)`,
    measured: `${fmt(m)}/s`,
    baseline: `${fmt(b)}/s without settlement leg`,
    ratio: m / b,
    target: '≥ 0.9×',
    met: m / b >= 0.9,
  };
}

export async function settlementScenarios(): Promise<Row[]> {
  return [...(await mongoRows()), await memoryRow()];
}
