import type * as DuckdbApi from '@duckdb/node-api';
import { DuckdbRefusal } from './duckdbEngineErrors.js';

export type DuckdbModule = typeof DuckdbApi;

/**
 * Loads `@duckdb/node-api` on first use. It is a native module (a DuckDB build per
 * platform): loading it only here keeps `--engine js`, the default, free of it, and a
 * machine without a prebuilt binary still runs every other command.
 */
export async function loadDuckdb(): Promise<DuckdbModule> {
  try {
    return await import('@duckdb/node-api');
  } catch (error) {
    throw new DuckdbRefusal(
      'DUCKDB_UNAVAILABLE',
      `--engine duckdb: DuckDB cannot be loaded on this machine (${(error as Error).message}); use --engine js`,
    );
  }
}
