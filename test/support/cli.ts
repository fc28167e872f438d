import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** tsx's loader as an absolute URL for `--import`, so a child process runs TypeScript in any working directory. */
export const TSX_IMPORT = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
export const CLI = ['--import', TSX_IMPORT, fileURLToPath(new URL('../../src/cli/index.ts', import.meta.url))];

export interface RunningCli {
  child: ChildProcess;
  url: string;
  output(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

export const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));

/** A fresh working directory, so that no .env or ./data of the repository's reaches the server under test. */
export const cliCwd = () => mkdtempSync(join(tmpdir(), 'bankcore-cwd-'));

/** Starts the standalone server (as `npm start` does) on a free port and waits for its "listening on" line. */
export function startCli(env: Record<string, string> = {}, cwd = cliCwd()): Promise<RunningCli> {
  const child = spawn(process.execPath, CLI, { env: { ...process.env, PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'], cwd });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[^\s"]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({
          child,
          url: match[1]!,
          output: () => output,
          stop: () => {
            child.kill('SIGTERM');
            return exited(child);
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
}

/** The server's log lines that are JSON objects (all of them, unless BANK_LOG_FORMAT=pretty). */
export function logLines(output: string): Array<Record<string, unknown>> {
  return output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}
