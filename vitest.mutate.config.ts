import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

// Mutation testing runs the tests that exercise the core's TypeScript sources.
export default mergeConfig(
  base,
  defineConfig({
    test: {
      env: { FC_NUM_RUNS: '40' },
      // The CLI's tests run the core's sources through the alias, so they kill mutants in
      // the audit and replay code too; the packed-tarball and generator tests do not.
      include: ['packages/core/test/**/*.test.ts', 'test/properties/**/*.test.ts', 'packages/cli/test/audit.test.ts', 'packages/cli/test/billInput.test.ts'],
    },
  }),
);
