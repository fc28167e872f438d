import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/core/index.ts',
    memory: 'src/adapters/memory/index.ts',
    testing: 'src/testing/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // Sub-path entries import the core as `bankcore` so every entry shares one BankError class at run time.
  external: ['bankcore', 'mongodb', 'vitest'],
});
