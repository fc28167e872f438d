import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A new empty directory under the system temp dir. */
export const freshDataDir = (label = 'data') => mkdtempSync(join(tmpdir(), `bankcore-${label}-`));
