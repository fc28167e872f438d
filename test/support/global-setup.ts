import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startBestMongo } from './mongo.js';

declare module 'vitest' {
  export interface ProvidedContext {
    mongoUri: string;
    mongoKind: 'uri' | 'mongod' | 'double';
  }
}

/**
 * Starts one MongoDB (or the double) for the whole run and says once which one it is. Every temporary directory
 * the run makes (data directories, working directories, the servers' files) goes under one directory of its own,
 * removed at the end: test workers and the processes they start inherit TMPDIR, which `os.tmpdir()` reads.
 */
export default async function setup(project: TestProject) {
  const scratch = mkdtempSync(join(tmpdir(), 'bankcore-test-run-'));
  const outer = process.env['TMPDIR'];
  process.env['TMPDIR'] = scratch;
  const mongo = await startBestMongo();
  console.log(mongo.label);
  project.provide('mongoUri', mongo.uri);
  project.provide('mongoKind', mongo.kind);
  return async () => {
    await mongo.stop();
    if (outer === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = outer;
    try {
      rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
    } catch (error) {
      // A test that failed half-way can leave a mount point (the full-disk test's tmpfs) behind; that must not
      // turn the run's verdict.
      console.warn(`could not remove ${scratch}: ${(error as Error).message}`);
    }
  };
}
