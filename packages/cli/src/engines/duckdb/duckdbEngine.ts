import type { ProgramIO } from '../../programIO.js';
import type { DuckdbBillOptions, DuckdbBillRun } from './billWithDuckdb.js';
import { DUCKDB_OPTION_NAMES, type DuckdbCliOptions } from './duckdbSettings.js';
import { UsageError } from '../../exitCodes.js';

/**
 * `--engine duckdb`. The engine's modules, and with them the native DuckDB module, are
 * loaded only here, when asked for: the default engine never loads them.
 */
export async function runDuckdbEngine(logs: readonly string[], options: DuckdbBillOptions, io: ProgramIO): Promise<DuckdbBillRun> {
  const { billWithDuckdb } = await import('./billWithDuckdb.js');
  return billWithDuckdb(logs, options, io);
}

/** The DuckDB options mean nothing to the default engine: refuse them rather than ignore them. */
export function refuseDuckdbOptions<T extends DuckdbCliOptions>(options: T): T {
  for (const [key, flag] of DUCKDB_OPTION_NAMES) {
    if (options[key] !== undefined) throw new UsageError(`${flag} applies to --engine duckdb only`);
  }
  return options;
}
