import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { CLI, cliCwd, logLines, startCli } from './support/cli.js';
import { freshDataDir } from './support/data-dir.js';
import { startReceiver, eventually } from './support/receiver.js';

// The standalone server's structured logs and Prometheus metrics, observed as an operator would.

const A = { bankCode: 'OBS01', accountNumber: '00010001' };
const JWT_SECRET = 'an-observability-secret-of-32-bytes-or-more';

async function call(url: string, method: string, path: string, options: { json?: unknown; form?: Record<string, string>; token?: string } = {}) {
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (options.json !== undefined) [headers['content-type'], body] = ['application/json', JSON.stringify(options.json)];
  if (options.form) [headers['content-type'], body] = ['application/x-www-form-urlencoded', new URLSearchParams(options.form).toString()];
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;
  const response = await fetch(`${url}${path}`, { method, headers, body });
  const text = await response.text();
  return { status: response.status, text, body: text.startsWith('{') ? JSON.parse(text) : null };
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

describe('structured logs', () => {
  it('writes one JSON object per line, with request id, route, status, duration and user id, and no secret it was given', async () => {
    const dataDir = freshDataDir('logs');
    const cwd = cliCwd();
    const env = { BANK_DATA_DIR: dataDir, BANK_JWT_SECRET: JWT_SECRET, BANK_RATE_LIMITS: 'off' };
    const server = await startCli(env, cwd);
    const receiver = await startReceiver();
    const password = 'a-password-that-must-never-be-logged';
    const created = spawnSync(process.execPath, [...CLI, 'operator-key', 'create', '--name', 'logs'], { encoding: 'utf8', cwd, env: { ...process.env, ...env } });
    const key = /^(bko_\S+)$/m.exec(created.stdout)![1]!;
    await call(server.url, 'POST', '/createUser', { json: { username: 'logan', password } });
    const token = (await call(server.url, 'POST', '/token', { form: { username: 'logan', password } })).body.access_token as string;
    await call(server.url, 'POST', '/token', { form: { username: 'logan', password: `${password}-wrong` } });
    await call(server.url, 'POST', '/addAccount', { json: A, token });
    const hook = await call(server.url, 'POST', '/admin/webhooks', { json: { url: receiver.url }, token: key });
    await call(server.url, 'POST', '/deposit', { json: { ...A, amount: 100, reference: 'logged?' }, token });
    await call(server.url, 'POST', '/changePassword', { json: { currentPassword: password, newPassword: `${password}-new` }, token });
    await eventually(() => receiver.deliveries.length >= 2, 10_000, 'webhook deliveries');
    expect(await server.stop()).toBe(0);
    await receiver.close();

    const output = server.output();
    const lines = output.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(8);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    const requests = logLines(output).filter((l) => l['msg'] === 'request');
    const deposit = requests.find((l) => l['route'] === '/deposit');
    expect(deposit).toMatchObject({ level: 'info', method: 'POST', status: 201, userId: expect.any(String), requestId: expect.any(String), durationMs: expect.any(Number), time: expect.any(String) });
    expect(requests.find((l) => l['route'] === '/admin/webhooks')).toMatchObject({ operatorKeyId: key.slice(4, 20), status: 201 });
    expect(requests.find((l) => l['route'] === '/token' && l['status'] === 400)).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    for (const secret of [password, `${password}-new`, token, key, key.slice(21), hook.body.secret, JWT_SECRET, 'logged?']) expect(output).not.toContain(secret);
  });

  it('writes readable lines with BANK_LOG_FORMAT=pretty', async () => {
    const server = await startCli({ BANK_DATA_DIR: '', BANK_LOG_FORMAT: 'pretty' });
    await call(server.url, 'GET', '/healthz');
    expect(await server.stop()).toBe(0);
    expect(server.output()).toMatch(/^\S+Z info {2}request GET \/healthz 200 [\d.]+ms \S+$/m);
    expect(server.output()).not.toMatch(/^\{/m);
  });
});

describe('metrics', () => {
  it('serves nothing at /metrics unless configured', async () => {
    const server = await startCli({ BANK_DATA_DIR: '' });
    expect((await call(server.url, 'GET', '/metrics')).status).toBe(404);
    expect(await server.stop()).toBe(0);
  });

  it('exposes requests, movements, refusals, open holds, storage latency, hashing, backlogs and process metrics with BANK_METRICS=1', async () => {
    const server = await startCli({ BANK_DATA_DIR: freshDataDir('metrics'), BANK_METRICS: '1', BANK_RATE_LIMITS: 'off' });
    await call(server.url, 'POST', '/createUser', { json: { username: 'metra', password: 'metra-has-a-long-password' } });
    const token = (await call(server.url, 'POST', '/token', { form: { username: 'metra', password: 'metra-has-a-long-password' } })).body.access_token as string;
    await call(server.url, 'POST', '/addAccount', { json: A, token });
    await call(server.url, 'POST', '/deposit', { json: { ...A, amount: 100 }, token });
    await call(server.url, 'POST', '/withdraw', { json: { ...A, amount: 30 }, token });
    await call(server.url, 'POST', '/withdraw', { json: { ...A, amount: 1_000 }, token });
    let text = '';
    await eventually(async () => (text = (await call(server.url, 'GET', '/metrics')).text).includes('bankcore_movements_total{type="withdrawal"} 1'), 5_000, 'movement counters');
    for (const line of [
      'bankcore_http_requests_total{method="POST",route="/deposit",status="201"} 1',
      'bankcore_movements_total{type="deposit"} 1',
      'bankcore_refusals_total{code="INSUFFICIENT_FUNDS"} 1',
      'bankcore_open_holds 0',
      'bankcore_event_backlog 0',
      'bankcore_webhooks_disabled 0',
    ]) expect(text).toContain(line);
    for (const name of ['bankcore_http_request_duration_seconds_bucket{le="0.005",method="POST",route="/deposit"}', 'bankcore_storage_seconds_count{operation="commit"}', 'bankcore_password_hash_wait_seconds_count', 'bankcore_password_hash_queue_depth', 'process_cpu_user_seconds_total', 'nodejs_eventloop_lag_seconds']) {
      expect(text).toContain(name);
    }
    expect(await server.stop()).toBe(0);
  });

  it('serves /metrics on its own port with BANK_METRICS_PORT, and not on the API port', async () => {
    const port = await freePort();
    const server = await startCli({ BANK_DATA_DIR: '', BANK_METRICS_PORT: String(port) });
    expect((await call(server.url, 'GET', '/metrics')).status).toBe(404);
    const scraped = await call(`http://127.0.0.1:${port}`, 'GET', '/metrics');
    expect([scraped.status, scraped.text]).toEqual([200, expect.stringContaining('# TYPE bankcore_http_requests_total counter')]);
    expect(await server.stop()).toBe(0);
  });
});
