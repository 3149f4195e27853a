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
