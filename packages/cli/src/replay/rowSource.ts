import type { Instant } from '@byok-billing/core';
import type { InputLocation } from '../io/inputError.js';

/** Where a row came from. */
export interface RowSource {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  /** The timestamp as written (offset and all), for explanations. */
  readonly timestamp: string;
}

/** A row refused, with its location and reason (what `--rejects` writes). */
export interface Rejection extends InputLocation {
  readonly line: number;
  readonly reason: string;
  readonly text: string;
}

/**
 * A row that repeats an accepted row (the same request_id and content), with that row and
 * their request id and instant: what a decision record of a duplicate says.
 */
export interface DuplicateRow {
  readonly file: string;
  readonly line: number;
  readonly original: { readonly file: string; readonly line: number; readonly requestId: string; readonly instant: Instant };
}
