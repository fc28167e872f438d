import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
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
});
