import { defineConfig } from 'tsup';

// Sub-path entries import the core as `bankcore`, kept external, so every entry shares one BankError class
// at run time (the package resolves its own name through `exports`).
const external = ['bankcore', 'bankcore/memory', 'bankcore/http', 'bankcore/mongodb', 'mongodb', 'vitest'];

export default defineConfig([
  {
    entry: {
      index: 'src/core/index.ts',
      memory: 'src/adapters/memory/index.ts',
      testing: 'src/testing/index.ts',
      http: 'src/http/index.ts',
      mongodb: 'src/adapters/mongodb/index.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    external,
  },
  {
    entry: { cli: 'src/http/cli.ts' },
    format: ['esm'],
    sourcemap: true,
    target: 'node20',
    external,
  },
]);
