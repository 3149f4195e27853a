import { UsageError } from '../../exitCodes.js';

/**
 * Why `--engine duckdb` refused a run that the user can change (exit code 2): an option
 * it cannot honour, an input it cannot read exactly, or a log the JavaScript engine
 * would bill differently.
 */
export type DuckdbRefusalCode =
  /** The native DuckDB module could not be loaded on this machine. */
  | 'DUCKDB_UNAVAILABLE'
  /** An option that has no meaning in a set-based SQL run (`--details`). */
  | 'DUCKDB_UNSUPPORTED_OPTION'
  /** A glob that matches no file. */
  | 'DUCKDB_NO_MATCH'
  /** A Parquet column whose type cannot carry the value exactly (money as a float). */
  | 'DUCKDB_INEXACT_COLUMN'
  /** An amount beyond DECIMAL(38,12): 26 integer digits. */
  | 'DUCKDB_AMOUNT_TOO_LARGE'
  /** A bill line whose sums reach DECIMAL(38)'s limit (the default engine's sums have none). */
  | 'DUCKDB_SUM_TOO_LARGE'
  /** DuckDB itself failed on an input (a corrupt Parquet file, an unreadable path). */
  | 'DUCKDB_READ_FAILED'
  /** DuckDB needed more memory than --duckdb-memory-limit and could not spill enough. */
  | 'DUCKDB_OUT_OF_MEMORY';

/** A run `--engine duckdb` refuses; the message says what to do instead. */
export class DuckdbRefusal extends UsageError {
  readonly refusal: DuckdbRefusalCode;

  constructor(refusal: DuckdbRefusalCode, message: string) {
    super(message);
    this.name = 'DuckdbRefusal';
    this.refusal = refusal;
  }
}

/**
 * The SQL engine and the JavaScript engine judged the same row differently: a bug in
 * byok (exit code 70), never a silent difference in a bill.
 */
export class DuckdbEngineBug extends Error {
  readonly code = 'DUCKDB_ENGINE_BUG';

  constructor(message: string) {
    super(`--engine duckdb: ${message}; please report this with the input that shows it`);
    this.name = 'DuckdbEngineBug';
  }
}

/**
 * DuckDB's own failures that the user can act on, as refusals: running out of memory
 * (the limit too low for a sort or a read buffer, or the spill directory full).
 * Anything else is returned as it is.
 */
export function duckdbFailure(error: unknown): unknown {
  const message = error instanceof Error ? error.message : '';
  if (/^Out of Memory Error/.test(message)) {
    return new DuckdbRefusal(
      'DUCKDB_OUT_OF_MEMORY',
      `--engine duckdb ran out of memory (${message.split('\n')[0]}); raise --duckdb-memory-limit (at least 100MB), or give --duckdb-temp-dir more room`,
    );
  }
  return error;
}
