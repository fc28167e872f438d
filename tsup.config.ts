import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'tsup';

// Sub-path entries import the core as `bankcore`, kept external, so every entry shares one BankError class
// at run time (the package resolves its own name through `exports`).
const external = ['bankcore', 'bankcore/memory', 'bankcore/http', 'bankcore/mongodb', 'bankcore/node', 'bankcore/client', 'bankcore/sqlite', 'bankcore/webhooks', 'mongodb', 'better-sqlite3', 'vitest'];

export default defineConfig([
  {
    entry: {
      index: 'src/core/index.ts',
      memory: 'src/adapters/memory/index.ts',
      testing: 'src/testing/index.ts',
      http: 'src/http/index.ts',
      mongodb: 'src/adapters/mongodb/index.ts',
      sqlite: 'src/adapters/sqlite/index.ts',
      node: 'src/node/index.ts',
      client: 'src/client/index.ts',
      webhooks: 'src/webhooks/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    external,
    // Gives the CJS build an `import.meta.url`, which the worker pool uses to find its worker script.
    shims: true,
    // The worker scripts are plain ESM, copied beside the entries that start them.
    onSuccess: async () => {
      await copyFile('src/node/hash-worker.mjs', 'dist/hash-worker.mjs');
      await copyFile('src/adapters/sqlite/checkpoint-worker.mjs', 'dist/checkpoint-worker.mjs');
      // The /docs assets travel inside the package: swagger-ui-dist is only a development dependency.
      const swagger = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
      await mkdir('dist/docs', { recursive: true });
      for (const name of ['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-bundle.js.LICENSE.txt', 'favicon-32x32.png', 'LICENSE', 'NOTICE']) {
        await copyFile(join(swagger, name), join('dist/docs', name));
      }
    },
  },
  {
    entry: { cli: 'src/cli/index.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    external,
  },
]);
