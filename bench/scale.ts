// `npm run bench scale`: how cost grows with history. On memory and on SQLite, one user's ledger grows through
// 10k, 100k, 1M and 10M entries (BENCH_SCALE_MAX lowers the top) with 1 account, and through 1M with 1,000
// accounts; each series runs in its own process (bench/scale-child.ts). Writes bench/results/scale-points.md and one SVG
// chart per measure to bench/results/, and answers the SQLite issue's targets as rows.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { lineChart } from './chart.js';
import { fmt, type Row } from './lib.js';
import type { Gap } from './scale-child.js';

interface Point {
  store: 'memory' | 'sqlite';
  accounts: number;
  entries: number;
  depositsPerSecond: number;
  depositP99Ms: number;
  /** Null on memory, whose growth loop never yields to the event loop. */
  maxStallMs: number | null;
  /** SQLite: each event-loop gap over 50 ms while growing, with the most-stolen CPU's steal time during it. */
  longGaps?: Gap[];
  balanceP99Ms: number;
  historyP99Ms: number;
  balanceAtP99Ms: number;
  /** Each round's p99, in ms: the three figures above are the median round's. */
  p99Rounds: { balance: number[]; history: number[]; balanceAt: number[] };
  rssBytes: number;
  heapBytes: number;
  restartMs: number | null;
}

const MAX = Number(process.env['BENCH_SCALE_MAX'] ?? 10_000_000);
const results = new URL('./results/', import.meta.url);

function series(store: 'memory' | 'sqlite', accounts: number, top: number): Promise<Point[]> {
  const checkpoints = [10_000, 100_000, 1_000_000, 10_000_000].filter((n) => n <= top);
  const dir = mkdtempSync(join(process.cwd(), 'bench', '.tmp-scale-'));
  // The memory store keeps every entry in the JS heap: at 10M entries that is more than Node's default limit.
  const child = spawn(process.execPath, ['--expose-gc', '--max-old-space-size=20000', '--import', 'tsx', 'bench/scale-child.ts'], {
    env: { ...process.env, SCALE_STORE: store, SCALE_ACCOUNTS: String(accounts), SCALE_CHECKPOINTS: checkpoints.join(','), SCALE_DIR: dir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const points: Point[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const point = JSON.parse(line) as Point;
    points.push(point);
    console.error(`bench: scale ${store}, ${accounts} account(s), ${fmt(point.entries)} entries: ${fmt(point.depositsPerSecond)} deposits/s, RSS ${fmt(point.rssBytes / 2 ** 20)} MiB`);
  });
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => {
      rmSync(dir, { recursive: true, force: true });
      if (code === 0) resolve(points);
      else reject(new Error(`scale series ${store}/${accounts} exited with ${code}`));
    }),
  );
}

const MEASURES: Array<[keyof Point, string, string, (p: Point) => number | null]> = [
  ['depositsPerSecond', 'Deposits per second (64 concurrent callers)', 'deposits/s', (p) => p.depositsPerSecond],
  ['depositP99Ms', 'Deposit p99 while growing', 'ms', (p) => p.depositP99Ms],
  ['balanceP99Ms', 'GET /balance p99', 'ms', (p) => p.balanceP99Ms],
  ['historyP99Ms', 'History page (50 entries) p99', 'ms', (p) => p.historyP99Ms],
  ['balanceAtP99Ms', 'balanceAt p99', 'ms', (p) => p.balanceAtP99Ms],
  ['rssBytes', 'Resident memory', 'MiB', (p) => p.rssBytes / 2 ** 20],
  ['maxStallMs', 'Longest event-loop stall while growing', 'ms', (p) => p.maxStallMs],
  ['restartMs', 'Standalone server: start to first answered request', 'ms', (p) => p.restartMs],
];

/** A segment's gaps over 50 ms, each with where its time went: `83 ms (on CPU 12, waiting for a CPU 60, GC 0, steal 0)`. */
const gapsOf = (p: Point): string =>
  p.longGaps === undefined ? '–' : p.longGaps.length === 0 ? 'none' : p.longGaps.map(gapText).join(', ');

const msOrUnknown = (n: number | null) => (n === null ? '?' : fmt(n, 1));
const gapText = (g: Gap) => `${fmt(g.ms, 1)} ms (on CPU ${msOrUnknown(g.cpuMs)}, waiting for a CPU ${msOrUnknown(g.waitMs)}, GC ${fmt(g.gcMs, 1)}, steal ${g.stealMs === null ? '?' : fmt(g.stealMs)})`;

function report(all: Point[][]): void {
  mkdirSync(results, { recursive: true });
  const name = (s: Point[]) => `${s[0]!.store}, ${s[0]!.accounts === 1 ? '1 account' : `${fmt(s[0]!.accounts)} accounts`}`;
  for (const [key, title, unit, value] of MEASURES) {
    const lines = all
      .filter((s) => s.length && s.every((p) => value(p) !== null))
      .map((s) => ({ name: name(s), points: s.map((p): [number, number] => [p.entries, value(p)!]) }));
    if (lines.length) writeFileSync(new URL(`scale-${key}.svg`, results), lineChart(title, unit, lines));
  }
  const header = '| store | accounts | entries | deposits/s | deposit p99 | longest stall | gaps over 50 ms (ms on CPU, waiting for a CPU, in GC, stolen by the host) | GET /balance p99 | history p99 | balanceAt p99 | RSS | JS heap and typed arrays | restart |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|';
  const ms = (n: number) => `${fmt(n, 2)} ms`;
  const rows = all.flat().map((p) =>
    `| ${p.store} | ${fmt(p.accounts)} | ${fmt(p.entries)} | ${fmt(p.depositsPerSecond)} | ${ms(p.depositP99Ms)} | ${p.maxStallMs === null ? '–' : ms(p.maxStallMs)} | ${gapsOf(p)} | ${ms(p.balanceP99Ms)} | ${ms(p.historyP99Ms)} | ${ms(p.balanceAtP99Ms)} | ${fmt(p.rssBytes / 2 ** 20)} MiB | ${fmt(p.heapBytes / 2 ** 20)} MiB | ${p.restartMs === null ? '–' : ms(p.restartMs)} |`,
  );
  writeFileSync(new URL('scale-points.md', results), `# How cost grows with history\n\nRun: ${new Date().toISOString()} (\`npm run bench scale\`). Each read p99 is the median of three rounds of 500 calls.\n\n${header}\n${rows.join('\n')}\n`);
}

export async function scaleScenarios(): Promise<Row[]> {
  const all = [await series('memory', 1, MAX), await series('sqlite', 1, MAX), await series('memory', 1000, Math.min(MAX, 1_000_000)), await series('sqlite', 1000, Math.min(MAX, 1_000_000))];
  report(all);
  const sqlite = all[1]!;
  const top = sqlite[sqlite.length - 1]!;
  const at100k = sqlite.find((p) => p.entries === 100_000) ?? sqlite[0]!;
  const mib = (n: number) => `${fmt(n / 2 ** 20)} MiB`;
  const at = `at ${fmt(top.entries)} entries`;
  const stall = Math.max(...sqlite.map((p) => p.maxStallMs!));
  const gaps = sqlite.filter((p) => p.longGaps?.length).map((p) => `to ${fmt(p.entries)}: ${gapsOf(p)}`);
  return [
    { scenario: `SQLite resident memory ${at}`, measured: mib(top.rssBytes), baseline: `${mib(at100k.rssBytes)} at ${fmt(at100k.entries)} entries`, ratio: top.rssBytes / at100k.rssBytes, target: '≤ 300 MB and ≤ 1.5×', met: top.rssBytes <= 300e6 && top.rssBytes / at100k.rssBytes <= 1.5 },
    { scenario: `SQLite restart to the first answered request ${at}`, measured: `${fmt(top.restartMs!)} ms`, baseline: '2,000 ms budget', ratio: top.restartMs! / 2000, target: '≤ 2 s', met: top.restartMs! <= 2000 },
    { scenario: `SQLite longest event-loop stall while growing to ${fmt(top.entries)} entries`, measured: `${fmt(stall, 1)} ms`, baseline: '50 ms budget', ratio: stall / 50, target: '≤ 50 ms', met: stall <= 50, note: gaps.length ? `gaps over 50 ms ${gaps.join('; ')}` : 'no gap over 50 ms seen by the 5 ms sampler' },
    { scenario: `SQLite history page p99 ${at}`, measured: `${fmt(top.historyP99Ms, 2)} ms (median of rounds: ${top.p99Rounds.history.map((n) => fmt(n, 2)).join(', ')})`, baseline: '5 ms budget', ratio: top.historyP99Ms / 5, target: '≤ 5 ms', met: top.historyP99Ms <= 5 },
    { scenario: `SQLite balanceAt p99 ${at}`, measured: `${fmt(top.balanceAtP99Ms, 2)} ms (median of rounds: ${top.p99Rounds.balanceAt.map((n) => fmt(n, 2)).join(', ')})`, baseline: '5 ms budget', ratio: top.balanceAtP99Ms / 5, target: '≤ 5 ms', met: top.balanceAtP99Ms <= 5 },
  ];
}
