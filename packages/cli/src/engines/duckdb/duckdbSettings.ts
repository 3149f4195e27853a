import { totalmem, tmpdir } from 'node:os';
import type { Command } from 'commander';
import { UsageError } from '../../exitCodes.js';

/** How much DuckDB may hold in memory, where it spills, and how many threads it runs. */
export interface DuckdbSettings {
  /** DuckDB's `memory_limit`, e.g. `4GB`. */
  readonly memoryLimit: string;
  /** Directory for the run's working database and DuckDB's spill files (removed afterwards). */
  readonly tempDirectory: string;
  /** DuckDB's `threads` (from the shared `--threads`); undefined: one per core (DuckDB's default). */
  readonly threads: number | undefined;
}

/** The CLI options behind the settings (`byok bill --engine duckdb`). */
export interface DuckdbCliOptions {
  readonly duckdbMemoryLimit?: string;
  readonly duckdbTempDir?: string;
  /** The replay's `--threads`: DuckDB's worker threads here (0, "no extra thread", is one). */
  readonly threads?: string;
}

/** Each option's key in the parsed options and its flag. */
export const DUCKDB_OPTION_NAMES: readonly (readonly [keyof DuckdbCliOptions, string])[] = [
  ['duckdbMemoryLimit', '--duckdb-memory-limit'],
  ['duckdbTempDir', '--duckdb-temp-dir'],
];

const SIZE = /^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i;

/** Adds the options that tune the DuckDB engine. */
export function addDuckdbOptions(command: Command): Command {
  return command
    .option('--duckdb-memory-limit <size>', 'with --engine duckdb: memory DuckDB may use before it spills to disk, e.g. 4GB (default: half the machine\'s memory)')
    .option('--duckdb-temp-dir <dir>', 'with --engine duckdb: where its spill files (and a copy of standard input) go (default: the system temp directory)');
}

/**
 * The settings of a run. Half the machine's memory by default (DuckDB's own default is
 * 80%): the rest stays for Node, the page cache that reads the logs, and other
 * processes; past the limit DuckDB spills sorts and hash tables to the temp directory,
 * so a log larger than memory still bills, only slower.
 */
export function duckdbSettings(options: DuckdbCliOptions): DuckdbSettings {
  const memoryLimit = options.duckdbMemoryLimit ?? `${Math.max(1, Math.floor(totalmem() / 2 / 2 ** 20))}MiB`;
  if (!SIZE.test(memoryLimit)) throw new UsageError(`--duckdb-memory-limit: ${JSON.stringify(memoryLimit)} is not a size like 512MB or 4GB`);
  let threads: number | undefined;
  if (options.threads !== undefined) {
    threads = Number(options.threads);
    if (!Number.isSafeInteger(threads) || threads < 0 || threads > 64) throw new UsageError(`--threads ${JSON.stringify(options.threads)}: expected a whole number from 0 to 64`);
    threads = Math.max(1, threads);
  }
  return { memoryLimit, tempDirectory: options.duckdbTempDir ?? tmpdir(), threads };
}
