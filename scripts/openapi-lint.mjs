// Lints the served /openapi.json (at the root and under a base path) with Redocly's recommended rules; fails on any
// error or warning. Needs `npm run build` first (it loads the built package, as users get it).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildOpenApiDocument } from 'bankcore/http';

const dir = mkdtempSync(join(tmpdir(), 'bankcore-openapi-'));
let failed = false;
for (const basePath of ['', '/bank']) {
  const file = join(dir, `openapi${basePath.replace('/', '-')}.json`);
  writeFileSync(file, JSON.stringify(buildOpenApiDocument({ basePath }), null, 2));
  let output;
  try {
    output = execFileSync('npx', ['--no-install', 'redocly', 'lint', file, '--format=json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    output = error.stdout;
  }
  const report = JSON.parse(output);
  const { errors, warnings } = report.totals;
  console.log(`redocly lint (recommended) of /openapi.json${basePath ? ` under ${basePath}` : ''}: ${errors} errors, ${warnings} warnings`);
  for (const p of report.problems) console.log(`  ${p.severity} ${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer ?? '?'}`);
  if (errors > 0 || warnings > 0) failed = true;
}
rmSync(dir, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
