// `npm run bench app`: what bankcore's HTTP layer costs without sockets. The HTTP app (routing, token check,
// strict JSON, wire schema, the movement, response JSON) driven in-process against the same calls on the bank
// itself, both with a fresh Idempotency-Key per movement, in the same run; each figure from a fresh process.
import { execFileSync } from 'node:child_process';
import { fmt, type Row } from './lib.js';

function measure(what: string): number {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/app-child.ts', what], {
    encoding: 'utf8',
    env: { ...process.env, TSX_TSCONFIG_PATH: 'bench/tsconfig.json' },
  });
  return Number(out.trim().split('\n').pop());
}

export async function appScenarios(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [label, path] of [['deposit', 'POST /deposit'], ['balance', 'GET /balance']] as const) {
    const core = measure(`core-${label}`);
    const app = measure(`app-${label}`);
    rows.push({ scenario: `${path} through the HTTP app in-process, no sockets (memory, 64 at a time)`, measured: `${fmt(app)}/s`, baseline: `${fmt(core)}/s, the same call on the bank`, ratio: app / core, target: '– (reported)', met: null });
  }
  return rows;
}
