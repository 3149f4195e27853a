import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources (mutation testing mutates them); the
    // packed-tarball test alone exercises the built JavaScript.
    alias: {
      '@byok-billing/core': src('core'),
      '@byok-billing/cli': src('cli'),
      '@byok-billing/stores': src('stores'),
    },
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    setupFiles: ['test/support/fastCheckSetup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
