import { performance } from 'node:perf_hooks';
import { expect } from 'vitest';
import { byok } from '../support/runByok.js';
import { CASE_TIME_LIMIT_MS } from './fuzzConfig.js';

/** What one run of the CLI gave, and how long it took. */
export interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/**
 * Runs `byok args` in-process (test/support/runByok.ts), bounded in time.
 *
 * catches: a run that never finishes (a stream left waiting, a reader looping on a hostile
 * byte) through the race with a timer; a run that finishes but only after blocking the
 * event loop past the limit (a quadratic scan of a long line, which a timer cannot
 * interrupt) through the elapsed time measured afterwards; an exception thrown out of
 * `run` instead of an exit code, which byok() would reject with.
 */
export async function runBounded(args: readonly string[], stdin: Buffer | undefined, limitMs = CASE_TIME_LIMIT_MS): Promise<Outcome> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), limitMs);
  });
  let result: Awaited<ReturnType<typeof byok>> | 'timeout';
  try {
    result = await Promise.race([byok(args, stdin), timeout]);
  } catch (error) {
    throw new Error(`byok ${args.join(' ')} threw instead of returning an exit code: ${(error as Error).stack ?? String(error)}`);
  } finally {
    clearTimeout(timer);
  }
  const ms = performance.now() - started;
  if (result === 'timeout') throw new Error(`byok ${args.join(' ')} did not finish within ${limitMs} ms`);
  expect(ms, `byok ${args.join(' ')} took ${Math.round(ms)} ms (limit ${limitMs} ms)`).toBeLessThan(limitMs);
  return { ...result, ms };
}
