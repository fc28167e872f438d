import { spawnSync } from 'node:child_process';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { HttpLogEntry } from '../src/http/app.js';
import { requestFields, requestLine } from '../src/node/logging.js';
import { TSX_IMPORT } from './support/cli.js';

const LOGGING = new URL('../src/node/logging.ts', import.meta.url).href;

/** Runs `body` in a fresh process with `log` (the default logger, writing to stdout) and answers its stdout lines. */
function linesOf(body: string): string[] {
  const script = `import { createServerLogger } from ${JSON.stringify(LOGGING)};\nconst log = createServerLogger();\n${body}`;
  const run = spawnSync(process.execPath, ['--import', TSX_IMPORT, '--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(run.status).toBe(0);
  return run.stdout.split('\n').filter(Boolean);
}

describe('the standalone server logger', () => {
  it('writes every line in order, those of one turn and those of later turns', () => {
    const lines = linesOf("log.info('one'); log.info('two'); setTimeout(() => log.info('three'), 5);");
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['one', 'two', 'three']);
  });

  it('still writes the lines of the turn in which the process exits', () => {
    const lines = linesOf("log.info('before exit', { n: 1 }); log.warn('last words'); process.exit(0);");
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ level: 'info', msg: 'before exit', n: 1 }),
      expect.objectContaining({ level: 'warn', msg: 'last words' }),
    ]);
  });

  it('writes a request line as the very text pino writes for it', () => {
    const written: string[] = [];
    const reference = pino({ base: null, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } }, { write: (line: string) => written.push(line) });
    const entries: HttpLogEntry[] = [
      { method: 'GET', path: '/balance', route: '/balance', status: 200, durationMs: 0.4321, requestId: 'r-1', userId: 'u-1' },
      { method: 'POST', path: '/admin/fund', route: '/admin/fund', status: 409, durationMs: 12, requestId: 'r-2', operatorKeyId: 'k-1', code: 'IDEMPOTENCY_KEY_REUSED' },
      { method: 'GET', path: '/x', route: 'unmatched "quoted" \\ \u2028', status: 404, durationMs: 0, requestId: 'r-3', code: 'NOT_FOUND' },
    ];
    const time = /"time":"[^"]+"/;
    for (const entry of entries) {
      reference.info(requestFields(entry), 'request');
      const ours = requestLine(entry);
      expect(ours).toMatch(/"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"/);
      expect(ours.replace(time, '"time":"T"')).toBe(written.at(-1)!.replace(time, '"time":"T"'));
    }
  });
});
