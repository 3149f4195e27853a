import { readHeaderNames } from './csvHeader.js';
import { InputError } from './inputError.js';
import { CR_ONLY_HINT } from './textSniff.js';

/** The request log's columns (FORMATS.md "Request log"). */
export const LOG_COLUMNS = [
  'request_id',
  'timestamp',
  'user_id',
  'org_id',
  'model',
  'provider',
  'cost_usd',
  'key_result',
  'platform_result',
  'route',
  'charged_usd',
] as const;
export type LogColumn = (typeof LOG_COLUMNS)[number];

const REQUIRED: readonly LogColumn[] = ['request_id', 'timestamp', 'user_id', 'cost_usd'];

/** Where each known column sits in a file's rows (-1: absent), and what else the header has. */
export interface LogHeader {
  readonly index: Readonly<Record<LogColumn, number>>;
  readonly width: number;
  readonly names: readonly string[];
  readonly unknown: readonly string[];
}

/** Reads a log file's header row; columns may come in any order, unknown ones are kept aside. */
export function readLogHeader(fields: readonly string[], file: string): LogHeader {
  const index = Object.fromEntries(LOG_COLUMNS.map((c) => [c, -1])) as Record<LogColumn, number>;
  const unknown: string[] = [];
  const names = readHeaderNames(fields, file);
  names.forEach((name, i) => {
    if ((LOG_COLUMNS as readonly string[]).includes(name)) index[name as LogColumn] = i;
    else unknown.push(name);
  });
  const missing = REQUIRED.filter((c) => index[c] === -1);
  if (index.key_result === -1 && index.route === -1) missing.push('key_result or route' as LogColumn);
  if (missing.length > 0) {
    // A file with CR alone as line end reads as one long header: show it up to its first CR.
    const cr = fields.join(',').indexOf('\r');
    const preview = (cr === -1 ? fields.slice(0, 6).join(',') : fields.join(',').slice(0, cr)).slice(0, 80);
    throw new InputError(
      { file, line: 1 },
      `missing required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (header: ${JSON.stringify(preview)}); ${cr === -1 ? 'is this a request log CSV?' : CR_ONLY_HINT}`,
    );
  }
  return { index, width: fields.length, names, unknown };
}
