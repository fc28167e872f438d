// Shared pieces of the benchmark suite: timing loops and the result table.
import { cpus, totalmem } from 'node:os';

export interface Row {
  scenario: string;
  measured: string;
  baseline: string;
  /** measured ÷ baseline (higher is better unless `lowerIsBetter`). */
  ratio: number;
  target: string;
  met: boolean | null;
  note?: string;
}

/** Runs `op` in `concurrency` loops for `seconds`; returns completed operations per second. */
export async function opsPerSecond(op: () => Promise<unknown>, seconds: number, concurrency = 1): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await op();
        done++;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

export const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
}

export function table(rows: Row[]): string {
  const lines = [
    '| scenario | measured | baseline (same run) | ratio | target | met |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.scenario} | ${r.measured} | ${r.baseline} | ${Number.isNaN(r.ratio) ? '–' : `${r.ratio.toFixed(2)}×`} | ${r.target} | ${r.met === null ? '–' : r.met ? 'yes' : `**no**${r.note ? `: ${r.note}` : ''}`} |`),
  ];
  return lines.join('\n');
}
