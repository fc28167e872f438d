// Runs every example against the built package (as a user would import it) and fails on the first that fails.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const examples = readdirSync(new URL('../examples/', import.meta.url)).filter((f) => f.endsWith('.ts')).sort();
for (const file of examples) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', `examples/${file}`], {
    stdio: 'inherit',
    timeout: 120_000,
    env: { ...process.env, TSX_TSCONFIG_PATH: 'examples/tsconfig.json' },
  });
  if (run.status !== 0) {
    console.error(`example ${file} failed (exit ${run.status ?? run.signal})`);
    process.exit(1);
  }
}
console.log(`${examples.length} examples passed`);
