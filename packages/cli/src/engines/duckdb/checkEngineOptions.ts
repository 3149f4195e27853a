import { assertTimeZone } from '@byok-billing/core';
import { UsageError } from '../../exitCodes.js';
import { parseDuration } from '../../io/duration.js';
import type { ReplayCliOptions } from '../../replay/runReplay.js';
import { DuckdbRefusal } from './duckdbEngineErrors.js';

/** The reorder window's default (runReplay's option): any other value was asked for. */
const DEFAULT_REORDER_WINDOW = '15m';

/**
 * The replay options as `--engine duckdb` takes them: `--input-timezone` checked as the
 * default engine checks it; `--details` refused (the SQL bill has no per-request
 * decisions); `--reorder-window` checked, and said to change nothing when given (the
 * whole input is sorted); `--sort` is what the engine always does.
 */
export function checkEngineOptions(options: ReplayCliOptions, warn: (message: string) => void): void {
  if (options.details !== undefined) {
    throw new DuckdbRefusal('DUCKDB_UNSUPPORTED_OPTION', '--details is not available with --engine duckdb (the SQL bill has no per-request decisions); use --engine js');
  }
  if (options.inputTimezone !== undefined) {
    try {
      assertTimeZone(options.inputTimezone);
    } catch (error) {
      throw new UsageError(`--input-timezone: ${(error as Error).message}`);
    }
  }
  parseDuration(options.reorderWindow ?? DEFAULT_REORDER_WINDOW, '--reorder-window');
  if (options.reorderWindow !== undefined && options.reorderWindow !== DEFAULT_REORDER_WINDOW) {
    warn('--reorder-window has no effect with --engine duckdb: it sorts the whole input, so rows may come in any order');
  }
}
