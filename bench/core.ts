// Core, in process: deposits and transfers per second through `bank` against a plain loop that increments a
// Map entry and pushes a ledger object, awaited per operation. Each figure comes from a fresh process.
import { execFileSync } from 'node:child_process';
import { fmt, type Row } from './lib.js';

function measure(what: string, where = 'memory'): number {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/core-child.ts', what, where], {
    encoding: 'utf8',
    env: { ...process.env, TSX_TSCONFIG_PATH: 'bench/tsconfig.json' },
  });
  return Number(out.trim().split('\n').pop());
}

export async function coreScenarios(): Promise<Row[]> {
  const baseline = measure('plain');
  const base = `${fmt(baseline)}/s Map + push loop`;
  const rows: Row[] = [];
  for (const where of process.env['MONGODB_URI'] ? ['memory', 'mongodb'] : ['memory']) {
    const deposit = measure('deposit', where);
    const transfer = measure('transfer', where);
    const holdCapture = measure('hold-capture', where);
    const memory = where === 'memory';
    rows.push(
      { scenario: `core deposit (${where})`, measured: `${fmt(deposit)}/s`, baseline: base, ratio: deposit / baseline, target: memory ? '≥ 0.25×' : '–', met: memory ? deposit / baseline >= 0.25 : null },
      { scenario: `core transfer (${where})`, measured: `${fmt(transfer)}/s`, baseline: base, ratio: transfer / baseline, target: memory ? '≥ 0.15×' : '–', met: memory ? transfer / baseline >= 0.15 : null },
      { scenario: `hold then capture, operator API (${where})`, measured: `${fmt(holdCapture)}/s`, baseline: `${fmt(transfer)}/s plain transfer`, ratio: holdCapture / transfer, target: 'reported', met: null },
    );
  }
  return rows;
}
