import type fc from 'fast-check';

/*
 * How much the fuzz suite runs. `pnpm test` (CI) runs it with a fixed seed and a few cases
 * per property, so a failure there reproduces exactly and the suite stays within about a
 * minute on two cores; scripts/fuzz-long.sh sets FUZZ_SEED (random unless given) and
 * FUZZ_RUNS (many) to search further. The seed and the number of runs are passed to every
 * fc.assert explicitly: FC_SEED / FC_NUM_RUNS (test/support/fastCheckSetup.ts) configure
 * the other property tests and must not change what this suite runs.
 */

function intFromEnv(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`${name}=${JSON.stringify(text)}: expected an integer`);
  return value;
}

/** The seed every property derives its own from (see fuzzParameters). */
export const FUZZ_SEED = intFromEnv('FUZZ_SEED', 15_2025);

/** Cases per property at weight 1. */
export const FUZZ_RUNS = intFromEnv('FUZZ_RUNS', 80);

/**
 * The longest one case may take, in milliseconds. Cases are a few KB and take tens of
 * milliseconds (DuckDB's a few hundred); the limit is far above that so a loaded CI machine
 * does not fail it, and far below what a hang or a quadratic scan of a hostile line costs.
 */
export const CASE_TIME_LIMIT_MS = intFromEnv('FUZZ_CASE_MS', 20_000);

/**
 * fc.assert's parameters for one property: the suite's seed offset by the property's name
 * (so properties do not all draw the same stream), `weight` × FUZZ_RUNS cases (at least 1).
 * FUZZ_SHRINK=0 reports the first failing case without shrinking it (shrinking replays the
 * CLI many times; worth it to minimise, not when only looking for whether anything fails).
 */
export function fuzzParameters<T>(property: string, weight = 1): fc.Parameters<T> {
  let hash = 0;
  for (const c of property) hash = (Math.imul(hash, 31) + c.charCodeAt(0)) | 0;
  return {
    seed: (FUZZ_SEED + hash) | 0,
    numRuns: Math.max(1, Math.round(FUZZ_RUNS * weight)),
    endOnFailure: process.env.FUZZ_SHRINK === '0',
    verbose: 1,
  };
}

/** A vitest timeout for a property of `weight`: room for every case at its limit would be hours; this is for a stuck run. */
export function propertyTimeout(weight = 1): number {
  return Math.max(120_000, Math.round(FUZZ_RUNS * weight) * 5_000);
}
