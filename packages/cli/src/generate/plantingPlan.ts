import { UsageError } from '../exitCodes.js';
import type { GenerationRecordsConfig } from './generationRecordsConfig.js';
import { GENERATION_STREAM, type TrafficCensus } from './generationTraffic.js';
import { CROSSING_ERRORS, type PlantedErrorKind, choosePlantedPositions, kindsOfPool } from './plantedErrors.js';
import { Xoshiro128 } from './prng.js';

/**
 * Where the planted errors go. Records are planted by their position in a pool (the
 * served BYOK requests inside the allowance, those past it, the cancelled records), counted
 * in file order; the requests at each crossing that `--errors-at-crossing` plants on are
 * left out of the pools, so no record gets two errors.
 */
export interface PlantingPlan {
  readonly inside: ReadonlyMap<number, PlantedErrorKind>;
  readonly past: ReadonlyMap<number, PlantedErrorKind>;
  readonly cancelled: ReadonlyMap<number, PlantedErrorKind>;
  /** Per scope: whether the errors of CROSSING_ERRORS go at its crossing. */
  readonly crossing: readonly boolean[];
  /** The stream that goes on to draw each wrong rate (after the positions). */
  readonly rng: Xoshiro128;
}

/** `--errors-at-crossing` was given, but no scope's month reaches far enough past its allowance. */
export class NoCrossingError extends UsageError {
  constructor(allowance: number, month: string, mostServed: number) {
    super(
      allowance === 0
        ? `--errors-at-crossing: ${month} has no allowance under the policy (every BYOK request pays the fee), so there is no crossing`
        : `--errors-at-crossing: no scope makes ${(allowance + CROSSING_ERRORS.size - 1).toLocaleString('en-US')} BYOK requests in ${month} ` +
            `(the most is ${mostServed.toLocaleString('en-US')}); give more --records or a larger --byok-share`,
    );
    this.name = 'NoCrossingError';
  }
}

/** The plan for a month whose traffic the census counted. Throws a UsageError when the errors asked for do not fit. */
export function planPlantedErrors(config: GenerationRecordsConfig, census: TrafficCensus): PlantingPlan {
  const allowance = config.terms.allowance;
  const reach = CROSSING_ERRORS.size - 1; // the last crossing error is this far past the allowance
  const crossing = Array.from(census.servedByok, (served) => config.errorsAtCrossing && allowance > 0 && served >= allowance + reach);
  if (config.errorsAtCrossing && !crossing.includes(true)) {
    throw new NoCrossingError(allowance, config.month, census.servedByok.reduce((most, served) => Math.max(most, served), 0));
  }
  let insideSize = 0;
  let pastSize = 0;
  census.servedByok.forEach((served, scope) => {
    insideSize += Math.min(served, allowance);
    pastSize += Math.max(0, served - allowance);
    if (crossing[scope]) {
      for (const beyond of CROSSING_ERRORS.keys()) {
        if (beyond === 0) insideSize--;
        else pastSize--;
      }
    }
  });
  const rng = new Xoshiro128(config.seed, GENERATION_STREAM.planting);
  return {
    inside: choosePlantedPositions('inside', insideSize, kindsOfPool(config.planted, 'inside'), rng),
    past: choosePlantedPositions('past', pastSize, kindsOfPool(config.planted, 'past'), rng),
    cancelled: choosePlantedPositions('cancelled', census.cancelled, kindsOfPool(config.planted, 'cancelled'), rng),
    crossing,
    rng,
  };
}
