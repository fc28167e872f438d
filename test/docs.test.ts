import { existsSync, mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startServer } from 'bankcore/node';
import { makeBank } from './support/bank.js';
import { serve, TRANSPORTS } from './support/http.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ENDPOINTS = ['/createUser', '/token', '/changePassword', '/addAccount', '/deposit', '/withdraw', '/transfer', '/balance', '/transactions', '/transactions/{id}', '/holds', '/healthz', '/admin/fund', '/admin/holds'];

describe.each(TRANSPORTS)('the /docs page over %s', (transport) => {
  it('serves the page and its assets from this server, with a CSP and no CDN', async () => {
    const client = await serve(transport);
    const page = await client.call('GET', '/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.text).not.toMatch(/https?:\/\//);
    for (const [path, type] of [['/docs/swagger-ui-bundle.js', /javascript/], ['/docs/swagger-ui.css', /css/], ['/docs/init.js', /javascript/]] as const) {
      const asset = await client.call('GET', path);
      expect([asset.status, asset.headers.get('content-type')]).toEqual([200, expect.stringMatching(type)]);
      expect(asset.text.length).toBeGreaterThan(10);
    }
    await client.close();
  });

  it('turns off with docs: false', async () => {
    const client = await serve(transport, { docs: false });
    expect((await client.call('GET', '/docs')).status).toBe(404);
    expect((await client.call('GET', '/docs/swagger-ui-bundle.js')).status).toBe(404);
    await client.close();
  });
});

describe('the OpenAPI document', () => {
  it('describes every endpoint with its errors as problem+json, the bearer scheme and the form-encoded token request', async () => {
    const client = await serve('fetch handler');
    const doc = (await client.call('GET', '/openapi.json')).body;
    expect(doc.components.securitySchemes.oauth2).toMatchObject({ type: 'oauth2', flows: { password: { tokenUrl: '/token' } } });
    expect(doc.components.securitySchemes.operatorKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const path of ENDPOINTS) {
      const operation = Object.values(doc.paths[path] as Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>)[0]!;
      const errors = Object.entries(operation.responses).filter(([status]) => Number(status) >= 400);
      expect(errors.length, path).toBeGreaterThan(0);
      // /token's 400 and 429 are RFC 6749 §5.2 JSON (with the problem members); every other error is problem+json.
      for (const [status, response] of errors) expect(Object.keys(response.content ?? {}), path).toEqual([path === '/token' && (status === '400' || status === '429') ? 'application/json' : 'application/problem+json']);
    }
    expect(doc.paths['/token'].post.requestBody.content['application/x-www-form-urlencoded'].example).toMatchObject({ username: 'alice' });
    expect(doc.paths['/deposit'].post.requestBody.content['application/json'].example).toMatchObject({ amount: 1000 });
    await client.close();
  });
});

// A real browser: Debian's Chromium driven by playwright-core (never a browser download). .ci/run installs it.
if (!existsSync(CHROMIUM)) console.warn(`skipping the browser test: Chromium not installed at ${CHROMIUM} (apt-get install chromium)`);
describe.skipIf(!existsSync(CHROMIUM))(`/docs in headless Chromium (${CHROMIUM})`, () => {
  it('loads without console errors, lists every endpoint, "try it out" creates a user, and Authorize with a username and password lets it call /balance', async () => {
    const { chromium } = await import('playwright-core');
    const bank = makeBank();
    const server = await startServer({ bank, port: 0, basePath: '/bank' });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 2400 } });
      const problems: string[] = [];
      page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
      page.on('pageerror', (error) => problems.push(String(error)));
      page.on('response', (response) => response.status() >= 400 && problems.push(`${response.status()} ${response.url()}`));
      await page.goto(`${server.url}/bank/docs`, { waitUntil: 'networkidle' });
      await page.waitForSelector('.opblock');
      const listed = await page.locator('.opblock-summary-path').allTextContents();
      for (const path of ENDPOINTS) expect(listed.map((p) => p.replace(/\u200b/g, ''))).toContain(path);

      const createUser = page.locator('.opblock-post', { hasText: '/createUser' }).first();
      await createUser.locator('.opblock-summary').click();
      await createUser.getByRole('button', { name: 'Try it out' }).click();
      await createUser.locator('textarea.body-param__text').fill(JSON.stringify({ username: 'fromdocs', password: 'typed into the docs page' }));
      await createUser.getByRole('button', { name: 'Execute' }).click();
      await createUser.locator('.live-responses-table tr.response .response-col_status').first().waitFor();
      expect((await createUser.locator('.live-responses-table tr.response .response-col_status').first().textContent())?.trim()).toBe('201');

      // Authorize with a username and password (the oauth2 password flow calls /token), then call a customer route.
      await page.locator('button.btn.authorize').first().click();
      await page.locator('#oauth_username').fill('fromdocs');
      await page.locator('#oauth_password').fill('typed into the docs page');
      const oauth = page.locator('.auth-container', { hasText: 'OAuth2, password' });
      await oauth.locator('button.modal-btn.authorize').click();
      await oauth.locator('button:has-text("Logout")').waitFor();
      await oauth.locator('button.btn-done').click();
      const balance = page.locator('.opblock-get', { hasText: '/balance' }).first();
      await balance.locator('.opblock-summary').click();
      await balance.getByRole('button', { name: 'Try it out' }).click();
      await balance.getByRole('button', { name: 'Execute' }).click();
      await balance.locator('.live-responses-table tr.response .response-col_status').first().waitFor();
      expect((await balance.locator('.live-responses-table tr.response .response-col_status').first().textContent())?.trim()).toBe('200');
      mkdirSync('test-artifacts', { recursive: true });
      await page.screenshot({ path: 'test-artifacts/docs.png', fullPage: false });
      expect(problems).toEqual([]);
      expect((await bank.login({ username: 'fromdocs', password: 'typed into the docs page' })).tokenType).toBe('bearer');
    } finally {
      await browser.close();
      await server.close();
    }
  }, 60_000);
});
