import { expect } from 'vitest';

/** Runs `fn`, expects it to throw, and returns the error for closer inspection. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to throw');
}

/** A matcher for a PolicyValidationError at exactly `path`, with exactly `problem` when given. */
export function policyError(path: string, problem?: string) {
  return expect.objectContaining({
    name: 'PolicyValidationError',
    code: 'INVALID_POLICY',
    path,
    ...(problem === undefined ? {} : { message: `${path}: ${problem}` }),
  });
}
