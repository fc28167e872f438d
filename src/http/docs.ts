import { BankError } from 'bankcore';
import type { HttpResponse } from './problem.js';
import type { Route } from './route.js';

// The interactive API reference at /docs: Swagger UI, served by this server (no CDN, works offline) over
// /openapi.json. Relative URLs keep it working under any base path. Its files are copied from swagger-ui-dist into
// dist/docs at build time, so the published package depends on neither swagger-ui-dist nor the install-time
// analytics script that package pulls in (@scarf/scarf).

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bankcore API</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
<link rel="icon" type="image/png" href="docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/init.js"></script>
</body>
</html>
`;

const INIT = `window.ui = SwaggerUIBundle({ url: 'openapi.json', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: true });\n`;

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};
const cache = new Map<string, Promise<Uint8Array>>();

/** What the docs page needs from Node's built-ins: a file reader, a resolver and path joining. */
interface NodeBuiltins {
  readFile(path: URL | string): Promise<Uint8Array>;
  createRequire(from: string): { resolve(id: string): string };
  dirname(path: string): string;
  join(...parts: string[]): string;
}

// A specifier in a variable: bundlers for Workers (esbuild, wrangler) leave the import alone instead of failing to
// resolve a Node built-in, and no runtime loads it until /docs is asked for.
const builtin = (specifier: string): Promise<Partial<NodeBuiltins>> => import(/* @vite-ignore */ /* webpackIgnore: true */ specifier);

async function readAsset(name: string): Promise<Uint8Array> {
  // Loaded on first use, so runtimes without a file system can still use the rest of the API.
  const loaded = await Promise.all(['node:fs/promises', 'node:module', 'node:path'].map(builtin));
  const { readFile, createRequire, dirname, join } = Object.assign({}, ...loaded) as NodeBuiltins;
  try {
    return await readFile(new URL(`./docs/${name}`, import.meta.url));
  } catch {
    // Running from the sources (tests, `npm start`): the development copy of swagger-ui-dist.
    return readFile(join(dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json')), name));
  }
}

function asset(name: string): Promise<Uint8Array> {
  let loading = cache.get(name);
  if (!loading) {
    loading = readAsset(name).catch((error: unknown) => {
      cache.delete(name);
      throw new BankError('NOT_FOUND', 'The API docs are not available in this runtime', { cause: error });
    });
    cache.set(name, loading);
  }
  return loading;
}

const CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'";
const text = (type: string, raw: string | Uint8Array, cacheable: boolean): HttpResponse => ({
  status: 200,
  headers: { 'content-type': type, 'cache-control': cacheable ? 'public, max-age=86400' : 'no-cache', 'content-security-policy': CSP },
  body: null,
  raw,
});

/** The routes of the docs page and its assets. */
export const DOCS_ROUTES: Route[] = [
  {
    method: 'GET',
    path: '/docs',
    doc: { operationId: 'getDocs', tag: 'ops', summary: 'This reference, interactive (Swagger UI)', auth: 'public', ok: { status: 200, description: 'An HTML page' }, errors: ['NOT_FOUND'] },
    handle: async () => text('text/html; charset=utf-8', PAGE, false),
  },
  // With a trailing slash the page's relative links would miss: send the browser to the canonical address.
  { method: 'GET', path: '/docs/', handle: async () => ({ status: 308, headers: { location: '../docs', 'cache-control': 'no-store' }, body: null }) },
  { method: 'GET', path: '/docs/init.js', handle: async () => text('text/javascript; charset=utf-8', INIT, false) },
  ...Object.entries(ASSETS).map(([name, type]): Route => ({ method: 'GET', path: `/docs/${name}`, handle: async () => text(type, await asset(name), true) })),
];
