import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

// Mutation testing runs only the tests of the core (the packed-tarball and CLI tests
// exercise built JavaScript that Stryker does not mutate).
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: ['packages/core/test/**/*.test.ts', 'test/properties/**/*.test.ts'],
    },
  }),
);
