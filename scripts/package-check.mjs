// Checks the package as users get it: `npm pack`, install the tarball into an empty project, then there import
// and require every sub-path, check that `bankcore` and `bankcore/memory` do not need `mongodb`, and run
// examples/embedded.ts. Finishes with publint and @arethetypeswrong/cli. Run after `npm run build`.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = resolve(new URL('..', import.meta.url).pathname);
const require = createRequire(import.meta.url);
const run = (cmd, args, cwd = root) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
const step = (text) => console.log(`package check: ${text}`);
const pinned = (name) => require(join(root, 'package.json')).devDependencies[name];

const work = mkdtempSync(join(tmpdir(), 'bankcore-pack-'));
try {
  const [{ filename }] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work]));
  const tarball = join(work, filename);
  step(`packed ${filename}`);

  const app = join(work, 'app');
  run('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], app);
  step('installed the tarball into an empty project (mongodb not installed)');
  const node = (args) => run(process.execPath, args, app);
  for (const unwanted of ['@scarf', 'swagger-ui-dist']) {
    if (existsSync(join(app, 'node_modules', unwanted))) throw new Error(`installing bankcore pulled in ${unwanted}`);
  }
  node(['--input-type=module', '-e', `import { createBank } from 'bankcore'; import { memoryAdapter } from 'bankcore/memory'; import { createFetchHandler } from 'bankcore/http';
    const h = createFetchHandler(createBank({ storage: memoryAdapter(), tokens: { secret: 'x'.repeat(32) } }), { rateLimits: false });
    for (const p of ['/docs', '/docs/swagger-ui-bundle.js', '/docs/swagger-ui.css']) { const r = await h(new Request('http://x' + p)); if (r.status !== 200) throw new Error(p + ' answered ' + r.status); }`]);
  step('no install-time analytics in the dependency tree (@scarf/scarf), and /docs serves its assets from the package');

  const lean = ['bankcore', 'bankcore/memory', 'bankcore/http', 'bankcore/client', 'bankcore/node', 'bankcore/sqlite', 'bankcore/webhooks'];
  node(['--input-type=module', '-e', `for (const p of ${JSON.stringify(lean)}) { const m = await import(p); if (!Object.keys(m).length) throw new Error(p + ' exports nothing'); }`]);
  node(['-e', `for (const p of ${JSON.stringify(lean)}) { const m = require(p); if (!Object.keys(m).length) throw new Error(p + ' exports nothing'); }
    if (Object.keys(require.cache).some((k) => k.includes('/node_modules/mongodb/'))) throw new Error('mongodb was loaded');`]);
  step(`imported and required ${lean.join(', ')} without mongodb`);

  // Workers, Deno and Bun import bankcore/http's fetch handler: nothing in its module graph may import node:*.
  const graph = `const { readFileSync } = require('node:fs'); const { dirname, join } = require('node:path');
    const builtins = new Set(require('node:module').builtinModules);
    const seen = new Set(); const todo = [require.resolve('bankcore/http').replace(/\\.cjs$/, '.js')];
    while (todo.length) { const file = todo.pop(); if (seen.has(file)) continue; seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:from|import|require\\()\\s*["']([^"']+)["']/g)) {
        const spec = m[1];
        if (spec.startsWith('node:') || builtins.has(spec.split('/')[0])) throw new Error(file + ' loads ' + spec);
        if (spec.startsWith('./')) todo.push(join(dirname(file), spec));
        else if (spec === 'bankcore') todo.push(require.resolve('bankcore').replace(/\\.cjs$/, '.js'));
      } }
    console.log('bankcore/http module graph: ' + seen.size + ' files, no node:* import');`;
  node(['-e', graph]);
  step('bankcore/http imports no node:* module (static module graph of the ESM build)');

  const bankError = `import { BankError } from 'bankcore'; import { sqliteAdapter } from 'bankcore/sqlite';
    const e = await sqliteAdapter({ filename: process.cwd() + '/d.db' }).ping().catch((x) => x);
    if (!(e instanceof BankError)) throw new Error('sub-paths do not share one BankError class');`;
  node(['--input-type=module', '-e', bankError]);
  step('sub-paths share one BankError class');

  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', `mongodb@${pinned('mongodb')}`, `vitest@${pinned('vitest')}`], app);
  node(['--input-type=module', '-e', `await import('bankcore/mongodb');`]);
  node(['-e', `require('bankcore/mongodb');`]);
  step('with mongodb installed, bankcore/mongodb imports and requires');

  // bankcore/testing runs only inside vitest (vitest refuses to load elsewhere): run the published
  // conformance suite against the published memory adapter, as an adapter author would.
  writeFileSync(
    join(app, 'adapter.test.js'),
    "import { describeStorageAdapter } from 'bankcore/testing';\nimport { memoryAdapter } from 'bankcore/memory';\ndescribeStorageAdapter('published memory adapter', () => memoryAdapter());\n",
  );
  const suite = run('npx', ['vitest', 'run', '--reporter=dot'], app);
  if (!/Tests\s+\S*\s*\d+ passed/.test(suite.replace(/\x1b\[[0-9;]*m/g, ''))) throw new Error(`conformance suite did not pass:\n${suite}`);
  step('bankcore/testing: the conformance suite passes in a plain vitest project');

  const help = run('npx', ['--no-install', 'bankcore', '--help'], app);
  if (!help.includes('BANK_JWT_SECRET')) throw new Error(`npx bankcore --help printed:\n${help}`);
  step('npx bankcore --help runs the installed bin');

  copyFileSync(join(root, 'examples', 'embedded.ts'), join(app, 'embedded.ts'));
  const tsx = pathToFileURL(require.resolve('tsx')).href;
  process.stdout.write(node(['--import', tsx, 'embedded.ts']));
  step('ran examples/embedded.ts against the installed package');

  process.stdout.write(run('npx', ['publint', '--strict']));
  process.stdout.write(run('npx', ['attw', tarball, '--profile', 'node16', '--format', 'table-flipped']));
  step('publint and @arethetypeswrong/cli (node16 profile) pass');
} finally {
  rmSync(work, { recursive: true, force: true });
}
