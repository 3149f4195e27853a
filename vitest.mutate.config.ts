import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// Mutation testing runs the tests that exercise the core's TypeScript sources: the core's
// own tests, the properties, and the CLI tests of audits and bad input, which kill mutants
// in the audit and replay code. (mergeConfig would concatenate `include`; replace it.)
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    // A fixed seed: every mutant meets the same generated cases, and the run is repeatable.
    env: { FC_NUM_RUNS: '40', FC_SEED: '20251001' },
    include: ['packages/core/test/**/*.test.ts', 'test/properties/**/*.test.ts', 'packages/cli/test/audit.test.ts', 'packages/cli/test/billInput.test.ts'],
  },
});
