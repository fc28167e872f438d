// `npm run bench [scenario…]`: runs the benchmark suite, prints one table and writes bench/results/latest.md
// (or, for some scenarios only, bench/results/<scenarios>.md).
// Every figure is a ratio against a baseline measured in the same run on the same machine.
import { mkdirSync, writeFileSync } from 'node:fs';
import { appScenarios } from './app.js';
import { coreScenarios } from './core.js';
import { durableScenarios } from './durable.js';
import { eventScenarios } from './events.js';
import { loginScenarios } from './logins.js';
import { memoryScenarios } from './memory.js';
import { durableHttpScenarios, httpScenarios, metricsScenarios } from './http.js';
import { scaleScenarios } from './scale.js';
import { settlementScenarios } from './settlement.js';
import { machine, table, type Row } from './lib.js';

const SCENARIOS: Record<string, () => Promise<Row[]>> = {
  http: httpScenarios,
  core: coreScenarios,
  app: appScenarios,
  logins: loginScenarios,
  memory: memoryScenarios,
  durable: durableScenarios,
  settlement: settlementScenarios,
  'durable-http': durableHttpScenarios,
  events: eventScenarios,
  metrics: metricsScenarios,
};
// Run only when named (`npm run bench scale`): growing ledgers to 10M entries takes tens of minutes.
const ON_REQUEST: Record<string, () => Promise<Row[]>> = { scale: scaleScenarios };

const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : Object.keys(SCENARIOS);
const rows: Row[] = [];
for (const name of names) {
  const run = SCENARIOS[name] ?? ON_REQUEST[name];
  if (!run) throw new Error(`unknown scenario ${name}; known: ${[...Object.keys(SCENARIOS), ...Object.keys(ON_REQUEST)].join(', ')}`);
  console.error(`bench: ${name}…`);
  rows.push(...(await run()));
}
const report = `# Benchmark results\n\nMachine: ${machine()}. Run: ${new Date().toISOString()}. Scenarios: ${names.join(', ')}.\n\n${table(rows)}\n`;
console.log(report);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
// A full run is `latest.md`, which the README quotes; a partial run gets its own file and leaves it alone.
writeFileSync(new URL(`./results/${wanted.length ? names.join('-') : 'latest'}.md`, import.meta.url), report);
