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

/** The middle value (the upper one of an even count). */
export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Measures `subject` and `baseline` in alternating rounds and answers each side's median, so that a slow spell of
 * this shared machine falls on both sides rather than on one. Between runs a full GC (when the runner has
 * `--expose-gc`) collects the run before, whose garbage would otherwise be paid for by the next.
 */
export async function alternated(rounds: number, subject: () => Promise<number>, baseline: () => Promise<number>): Promise<{ subject: number; baseline: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const s: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < rounds; round++) {
    gc?.();
    b.push(await baseline());
    gc?.();
    s.push(await subject());
  }
  return { subject: median(s), baseline: median(b) };
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
