import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^bankcore$/, replacement: src('core/index.ts') },
      { find: /^bankcore\/memory$/, replacement: src('adapters/memory/index.ts') },
      { find: /^bankcore\/testing$/, replacement: src('testing/index.ts') },
      { find: /^bankcore\/http$/, replacement: src('http/index.ts') },
      { find: /^bankcore\/mongodb$/, replacement: src('adapters/mongodb/index.ts') },
      { find: /^bankcore\/sqlite$/, replacement: src('adapters/sqlite/index.ts') },
      { find: /^bankcore\/node$/, replacement: src('node/index.ts') },
      { find: /^bankcore\/client$/, replacement: src('client/index.ts') },
      { find: /^bankcore\/webhooks$/, replacement: src('webhooks/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
