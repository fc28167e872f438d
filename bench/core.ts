// Core, in process: deposits and transfers per second through `bank` against a plain loop that increments a
// Map entry and pushes a ledger object, awaited per operation. Each figure comes from a fresh process, measured
// after a second of the same operations unmeasured (see core-child.ts); each row is the median of BENCH_ROUNDS
// (default 3) rounds of all of them.
import { execFileSync } from 'node:child_process';
import { fmt, median, type Row } from './lib.js';

function measure(what: string, where = 'memory'): number {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/core-child.ts', what, where], {
    encoding: 'utf8',
    env: { ...process.env, TSX_TSCONFIG_PATH: 'bench/tsconfig.json' },
  });
  return Number(out.trim().split('\n').pop());
}

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3);

/**
 * Each scenario's median over rounds that take every scenario in turn, so that a slow spell of this shared machine
 * falls on all of them rather than on one (single runs of one figure moved by a fifth between runs).
 */
function medians(whats: string[], where = 'memory'): number[] {
  const runs: number[][] = whats.map(() => []);
  for (let round = 0; round < ROUNDS; round++) whats.forEach((what, i) => runs[i]!.push(measure(what, where)));
  return runs.map(median);
}

export async function coreScenarios(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const where of process.env['MONGODB_URI'] ? ['memory', 'mongodb'] : ['memory']) {
    const [baseline, deposit, transfer, holdCapture] = medians(['plain', 'deposit', 'transfer', 'hold-capture'], where) as [number, number, number, number];
    const base = `${fmt(baseline)}/s Map + push loop`;
    const memory = where === 'memory';
    rows.push(
      { scenario: `core deposit (${where})`, measured: `${fmt(deposit)}/s`, baseline: base, ratio: deposit / baseline, target: memory ? '≥ 0.25×' : '–', met: memory ? deposit / baseline >= 0.25 : null },
      { scenario: `core transfer (${where})`, measured: `${fmt(transfer)}/s`, baseline: base, ratio: transfer / baseline, target: memory ? '≥ 0.15×' : '–', met: memory ? transfer / baseline >= 0.15 : null },
      { scenario: `hold then capture, operator API (${where})`, measured: `${fmt(holdCapture)}/s`, baseline: `${fmt(transfer)}/s plain transfer`, ratio: holdCapture / transfer, target: 'reported', met: null },
    );
  }
  return rows;
}
