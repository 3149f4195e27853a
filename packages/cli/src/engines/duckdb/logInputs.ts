import { createWriteStream, existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { UsageError } from '../../exitCodes.js';
import { type InputSource, inputSource } from '../../io/openInput.js';
import { DuckdbRefusal } from './duckdbEngineErrors.js';
import { duckdbString } from './duckdbText.js';

export type LogFormat = 'csv' | 'parquet';

/** One log file of the run, in the order the run reads them. */
export interface LogInput {
  /** Its position among the run's files (errors, rejects and "first row" follow this order). */
  readonly index: number;
  /** The name errors and rejects use (the path as given or as the glob matched it, or `<stdin>`). */
  readonly name: string;
  /** The path DuckDB reads. */
  readonly path: string;
  readonly format: LogFormat;
  readonly gzipped: boolean;
  /** The same file for byok's own reader (headers, and rows SQL has something to say about). */
  readonly source: InputSource;
}

const GLOB_CHARACTERS = /[*?[]/;

/**
 * The files named on the command line: globs (`logs/*.parquet`, quoted so the shell
 * leaves them alone; `**` for subdirectories) are expanded by DuckDB in name order, and
 * a path that exists is taken as it is even if it holds glob characters. Standard
 * input (`-`) is copied to the run's directory first: DuckDB reads files, and a pipe
 * cannot be read twice. A file ending in `.parquet` is Parquet, anything else CSV
 * (gzipped when its name ends in `.gz`, as the default engine reads it).
 */
export async function resolveLogInputs(
  logs: readonly string[],
  connection: DuckDBConnection,
  directory: string,
  stdin: Readable,
  baseDir: string | undefined,
): Promise<LogInput[]> {
  if (logs.length === 0) throw new UsageError('no log given; pass one or more CSV or Parquet files, or - for standard input');
  if (logs.filter((l) => l === '-').length > 1) throw new UsageError('standard input (-) can be read only once');
  const inputs: LogInput[] = [];
  const add = (name: string, path: string, source: InputSource) => {
    const lower = name.toLowerCase();
    const format: LogFormat = lower.endsWith('.parquet') ? 'parquet' : 'csv';
    inputs.push({ index: inputs.length, name, path, format, gzipped: format === 'csv' && path.endsWith('.gz'), source });
  };
  for (const log of logs) {
    if (log === '-') {
      const path = join(directory, 'stdin.csv');
      await pipeline(stdin, createWriteStream(path));
      add('<stdin>', path, { ...inputSource(path), name: '<stdin>' });
      continue;
    }
    const path = baseDir === undefined ? log : resolve(baseDir, log);
    if (!GLOB_CHARACTERS.test(log) || existsSync(path)) {
      add(log, path, inputSource(log, stdin, baseDir));
      continue;
    }
    const reader = await connection.runAndReadAll(`SELECT file FROM glob(${duckdbString(path)}) ORDER BY file`);
    const matches = reader.getRowObjectsJson().map((row) => String(row.file));
    if (matches.length === 0) throw new DuckdbRefusal('DUCKDB_NO_MATCH', `${log}: no file matches this pattern`);
    for (const match of matches) {
      // DuckDB writes "./name" for a pattern without a directory: show what the user would type.
      const name = baseDir !== undefined ? relative(baseDir, match) : match.startsWith('./') && !log.startsWith('./') ? match.slice(2) : match;
      add(name, match, inputSource(match));
    }
  }
  return inputs;
}
