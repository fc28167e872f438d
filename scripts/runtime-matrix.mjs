// The runtime matrix: the packed package, installed into a scratch app as a user would, served by bankcore's
// fetch handler on Bun (Bun.serve), Deno (Deno.serve) and Cloudflare's workerd, each driven through the seed flow.
// Each runtime is a real binary from an npm package (pinned below), unpacked into a scratch folder: never a
// project dependency. Needs `npm run build` first. Prints one line per runtime with its time.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { seedFlow } from './runtimes/flow.mjs';

export const RUNTIMES = {
  bun: { pkg: '@oven/bun-linux-x64', version: '1.4.5', bin: 'bin/bun' },
  deno: { pkg: '@deno/linux-x64-glibc', version: '2.9.6', bin: 'deno' },
  workerd: { pkg: '@cloudflare/workerd-linux-64', version: '1.20261117.1', bin: 'bin/workerd' },
};
const root = resolve(new URL('..', import.meta.url).pathname);
const scratch = process.env['BANKCORE_RUNTIMES'] ?? join(process.env['TMPDIR'] ?? tmpdir(), 'bankcore-runtimes');
const sh = (cmd, args, cwd) => {
  const run = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${run.stdout}\n${run.stderr}`);
  return run.stdout.trim();
};

/** Unpacks a runtime's npm package into the scratch folder (once) and returns its binary. */
function runtime(name) {
  const { pkg, version, bin } = RUNTIMES[name];
  const dir = join(scratch, `${name}-${version}`);
  if (!existsSync(join(dir, bin))) {
    mkdirSync(dir, { recursive: true });
    const tarball = sh('npm', ['pack', '--silent', `${pkg}@${version}`], scratch).split('\n').at(-1);
    sh('tar', ['xzf', join(scratch, tarball), '-C', dir, '--strip-components=1'], scratch);
  }
  return join(dir, bin);
}

/** A scratch app with the packed bankcore installed from its tarball, and the runtime scripts beside it. */
function scratchApp() {
  const app = join(scratch, 'app');
  mkdirSync(app, { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'bankcore-runtime-matrix', private: true, type: 'module' }));
  const tarball = sh('npm', ['pack', '--silent', '--pack-destination', scratch], root).split('\n').at(-1);
  sh('npm', ['install', '--no-audit', '--no-fund', '--no-save', join(scratch, tarball)], app);
  for (const file of ['bun-server.mjs', 'deno-server.mjs', 'worker.mjs']) copyFileSync(join(root, 'scripts', 'runtimes', file), join(app, file));
  return app;
}

/** Starts a server process and resolves with its URL from its "listening on" line. */
function serve(cmd, args, cwd, label) {
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start:\n${output}`)), 60_000);
    const onData = (chunk) => {
      output += chunk;
      const match = /listening on (http:\/\/[^\s"]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolvePromise({ url: match[1], stop: () => child.kill('SIGTERM') });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${label} exited with ${code}:\n${output}`)));
  });
}

const freePort = () =>
  new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });

async function workerd(app) {
  await build({ entryPoints: [join(app, 'worker.mjs')], bundle: true, format: 'esm', platform: 'neutral', conditions: ['workerd', 'worker', 'import'], mainFields: ['module', 'main'], outfile: join(app, 'worker.bundle.js'), logLevel: 'error' });
  const port = await freePort();
  writeFileSync(join(app, 'workerd.capnp'), `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .bank) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const bank :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "worker.bundle.js") ],
  compatibilityDate = "2026-11-01",
  bindings = [ (name = "BANK_JWT_SECRET", text = "a-runtime-matrix-secret-of-32-bytes-or-more") ],
);
`);
  const child = spawn(runtime('workerd'), ['serve', 'workerd.capnp'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const url = `http://127.0.0.1:${port}`;
  // The same 60 s as the other runtimes get: a CI run on a loaded machine once saw workerd take over 10 s to start.
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await fetch(`${url}/healthz`);
      break;
    } catch {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`workerd did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return { url, stop: () => child.kill('SIGTERM'), version: sh(runtime('workerd'), ['--version'], app) };
}

const started = Date.now();
mkdirSync(scratch, { recursive: true });
const app = scratchApp();
console.log(`runtime matrix: packed bankcore installed into ${app} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
const runs = {
  bun: () => serve(runtime('bun'), ['run', 'bun-server.mjs'], app, 'bun'),
  deno: () => serve(runtime('deno'), ['run', '--allow-net=127.0.0.1', '--allow-read=.', '--allow-env', 'deno-server.mjs'], app, 'deno'),
  workerd: () => workerd(app),
};
let failed = false;
for (const [name, start] of Object.entries(process.argv.length > 2 ? Object.fromEntries(Object.entries(runs).filter(([n]) => process.argv.includes(n))) : runs)) {
  const t = Date.now();
  let server;
  try {
    server = await start();
    const line = await seedFlow(server.url, `${name} ${RUNTIMES[name].version}`);
    console.log(`${line} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  } catch (error) {
    failed = true;
    console.error(`${name}: FAILED: ${error.message}`);
  } finally {
    server?.stop();
  }
}
process.exit(failed ? 1 : 0);
