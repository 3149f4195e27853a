import { ByokError, type UsageRequest } from '@byok-billing/core';
import type { Rejection, RowSource } from './rowSource.js';

/** How an arrival ended: decided (or replayed from an earlier run), or a repeat of a row of this run. */
export type ArrivalOutcome = 'accepted' | 'duplicate';

/** Takes one request in file order; rejecting with a `ByokError` refuses the row. */
export type ArrivalHandler = (request: UsageRequest, source: RowSource) => Promise<ArrivalOutcome>;

/** Rows handed over and not yet answered before reading waits: bounds memory, and lets a store batch. */
export const ARRIVALS_IN_FLIGHT = 4096;

export interface Arrivals {
  take(request: UsageRequest, source: RowSource): void;
  /** Waits for the rows in flight once there are more than `limit`; rethrows the first failure. */
  settle(limit: number): Promise<void>;
  readonly accepted: number;
  readonly duplicates: number;
}

/**
 * The replay's arrival mode (the online meter): rows go to the handler in file order
 * without waiting for each answer, so that a store can write a whole chunk of rows in one
 * transaction. Answers come back in the same order; a refused row is reported through
 * `reject` like any other, and the first failure that must stop the run is kept until
 * the next `settle` (a promise here never rejects, so none is left unhandled).
 */
export function createArrivals(handle: ArrivalHandler, reject: (rejection: Rejection) => void): Arrivals {
  let inFlight: Promise<void>[] = [];
  let failed = false;
  let failure: unknown;
  let accepted = 0;
  let duplicates = 0;
  return {
    take(request, source) {
      inFlight.push(
        handle(request, source).then(
          (outcome) => {
            if (outcome === 'duplicate') duplicates++;
            else accepted++;
          },
          (error: unknown) => {
            if (failed) return;
            try {
              if (!(error instanceof ByokError)) throw error;
              reject({ file: source.file, line: source.line, text: source.text, columnName: error.field, reason: error.message });
            } catch (stop) {
              failed = true;
              failure = stop;
            }
          },
        ),
      );
    },
    async settle(limit) {
      if (inFlight.length > limit) {
        const waiting = inFlight;
        inFlight = [];
        await Promise.all(waiting);
      }
      if (failed) throw failure;
    },
    get accepted() {
      return accepted;
    },
    get duplicates() {
      return duplicates;
    },
  };
}
