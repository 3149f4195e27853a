import { join } from 'node:path';
import { makeScratchDir, removeScratchDir } from '../../io/scratchDirs.js';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { UsageError } from '../../exitCodes.js';
import type { DuckdbSettings } from './duckdbSettings.js';
import { type DuckdbModule, loadDuckdb } from './loadDuckdb.js';

/**
 * A private directory for one run (spill files, standard input, logs rewritten for
 * DuckDB) and the DuckDB database the run works in; `close` removes both.
 */
export interface DuckdbWorkspace {
  readonly directory: string;
  /** The current database: `fresh()` replaces it with an empty one. */
  readonly connection: DuckDBConnection;
  /** Drops the current database and opens an empty one (a run that starts over). */
  fresh(): Promise<DuckDBConnection>;
  close(): void;
}

/**
 * Databases are in memory, with a spill directory: tables and intermediate results stay
 * in memory up to the memory limit and are written to the spill directory past it, so a
 * log larger than memory still bills, and a log that fits is never written to disk at
 * all. (A database file was tried: writing every row to it made a run three times
 * slower, for no gain, the database being thrown away at the end.) Insertion order is
 * preserved (DuckDB's default, set explicitly because the engine relies on it): a row's
 * position in its table is its position in its file, which is what "the first row with
 * this request_id" and where an error is.
 */
export async function openDuckdbWorkspace(settings: DuckdbSettings): Promise<DuckdbWorkspace> {
  const duckdb = await loadDuckdb();
  let directory: string;
  try {
    directory = makeScratchDir(settings.tempDirectory, 'byok-duckdb-');
  } catch (error) {
    throw new UsageError(`--duckdb-temp-dir: ${settings.tempDirectory} cannot hold a working directory (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const options: Record<string, string> = {
    memory_limit: settings.memoryLimit,
    temp_directory: join(directory, 'spill'),
    preserve_insertion_order: 'true',
    // Extensions are never downloaded: a billing run must not reach the network.
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  };
  if (settings.threads !== undefined) options.threads = String(settings.threads);
  let current: { instance: DuckDBInstance; connection: DuckDBConnection } | undefined;
  const closeCurrent = () => {
    current?.connection.closeSync();
    current?.instance.closeSync();
    current = undefined;
  };
  const fresh = async (): Promise<DuckDBConnection> => {
    closeCurrent();
    current = await openDatabase(duckdb, options);
    return current.connection;
  };
  try {
    await fresh();
  } catch (error) {
    removeScratchDir(directory);
    throw error;
  }
  return {
    directory,
    get connection() {
      return current!.connection;
    },
    fresh,
    close() {
      closeCurrent();
      removeScratchDir(directory);
    },
  };
}

async function openDatabase(duckdb: DuckdbModule, options: Record<string, string>): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
  const instance = await duckdb.DuckDBInstance.create(':memory:', options);
  try {
    return { instance, connection: await instance.connect() };
  } catch (error) {
    instance.closeSync();
    throw error;
  }
}
