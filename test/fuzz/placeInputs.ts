import { gunzipSync } from 'node:zlib';
import type { CsvText } from './hostileCsv.js';
import type { JsonText } from './hostileJson.js';
import type { LogCase } from './hostileLogs.js';
import { type FileLevelRefusal, type NamedInput, lineCount } from './errorLocation.js';
import type { FuzzCase } from './workspace.js';

/*
 * Drawn inputs written into a case's `in` directory, and what errors about them may say:
 * their names as the run gets them (the path, or `<stdin>` for `-`) with their line
 * counts, and, for a gzip file the generator broke, the one whole-file refusal allowed.
 */

export interface Placed {
  readonly args: string[];
  readonly stdin: Buffer | undefined;
  readonly named: NamedInput[];
  readonly fileLevel: FileLevelRefusal[];
  /** The paths of the files (not `-`), as rejects name them. */
  readonly names: string[];
}

/**
 * A broken gzip stream is a problem of the file, not of a line in it: the readers say
 * `<file>: is not a readable gzip file (…); is it truncated or corrupt?` (README "Hostile
 * input" is about text; io/readFailure.ts words it). Allowed only for such files.
 */
const BROKEN_GZIP = /^is not a readable gzip file \(.*\); is it truncated or corrupt\?$/s;

export function linesOf(bytes: Buffer, gzipped: boolean): number | undefined {
  if (!gzipped) return lineCount(bytes);
  try {
    return lineCount(gunzipSync(bytes));
  } catch {
    return undefined;
  }
}

export function placeLog(c: FuzzCase, log: LogCase): Placed {
  const placed: Placed = { args: [], stdin: undefined, named: [], fileLevel: [], names: [] };
  let stdin: Buffer | undefined;
  for (const file of log.files) {
    if (file.name === undefined) {
      placed.args.push('-');
      stdin = file.bytes;
      placed.named.push({ name: '<stdin>', lines: lineCount(file.bytes) });
      placed.names.push('<stdin>');
      continue;
    }
    const path = c.input(file.name, file.bytes);
    placed.args.push(path);
    placed.names.push(path);
    placed.named.push({ name: path, lines: linesOf(file.bytes, file.name.endsWith('.gz')) });
    if (file.brokenGzip) placed.fileLevel.push({ name: path, reason: BROKEN_GZIP });
  }
  return { ...placed, stdin };
}

/** A CSV side input (accounts, invoice) written as `name`; it is named with its lines. */
export function placeCsv(c: FuzzCase, name: string, text: CsvText): { path: string; named: NamedInput } {
  const path = c.input(name, text.bytes);
  return { path, named: { name: path, lines: lineCount(text.bytes) } };
}

export function placeJson(c: FuzzCase, name: string, text: JsonText): { path: string; named: NamedInput } {
  const path = c.input(name, text.bytes);
  return { path, named: { name: path, lines: lineCount(text.bytes) } };
}

/** A broken gzip file's whole-file refusal, for other readers' inputs. */
export function brokenGzipRefusal(name: string): FileLevelRefusal {
  return { name, reason: BROKEN_GZIP };
}
