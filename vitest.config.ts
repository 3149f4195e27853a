import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string, entry = 'index') => fileURLToPath(new URL(`./packages/${pkg}/src/${entry}.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources (mutation testing mutates them); the
    // packed-tarball test alone exercises the built JavaScript.
    alias: [
      { find: /^@byok-billing\/core$/, replacement: src('core') },
      { find: /^@byok-billing\/core\/internal$/, replacement: src('core', 'internal') },
      { find: /^@byok-billing\/cli$/, replacement: src('cli') },
      { find: /^@byok-billing\/stores$/, replacement: src('stores') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    setupFiles: ['test/support/fastCheckSetup.ts'],
    // Files run two at a time even on a 2-core machine: much of a file's time is spent
    // waiting on child processes (the CLI, DuckDB, PostgreSQL), and vitest's default of one
    // worker per core but one left idle would run the suite file after file.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
