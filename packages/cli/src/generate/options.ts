import { parseTimestamp } from '@byok-billing/core';
import { UsageError } from '../exitCodes.js';
import { LOG_COLUMNS, type LogColumn } from '../io/logColumns.js';
import { addUtcMonths } from './format.js';

/** Every column the generator can write (FORMATS.md "Request log"). */
export const GENERATE_COLUMNS = LOG_COLUMNS;
export type GenerateColumn = LogColumn;

export const DEFAULT_COLUMNS: readonly GenerateColumn[] = GENERATE_COLUMNS.slice(0, 9);
export const DEFAULT_START = '2025-10-01T00:00:00Z';
export const DEFAULT_USERS = 2000;
export const MAX_ROWS = 100_000_000_000;
export const MAX_USERS = 10_000_000;
export const MAX_MONTHS = 1200;
export const DEFAULT_GZIP_LEVEL = 3;
export const MAX_ID_LENGTH = 256;
/** 9999-01-01T00:00:00Z: timestamps keep four-digit years in every UTC offset. */
const MAX_EPOCH_MS = 253_370_764_800_000;

/** A fully resolved, validated generator configuration (everything `generateCsv` needs). */
export interface GenerateConfig {
  readonly rows: number;
  readonly seed: number;
  /** Epoch ms; rows fall in [startMs, endMs). */
  readonly startMs: number;
  readonly endMs: number;
  readonly users: number;
  readonly orgs: number;
  readonly heavyOrgs: number;
  /** `--single-org`: every request from this org, every key result ok. */
  readonly singleOrg?: string | undefined;
  readonly columns: readonly GenerateColumn[];
  /** Write timestamps in random UTC offsets and some as epoch milliseconds. */
  readonly offsets: boolean;
  /** Rows appear at most this many ms out of time order (0: sorted). */
  readonly shuffleWindowMs: number;
  /** Fraction of rows that repeat the previous request identically. */
  readonly duplicateRate: number;
}

/** The options as commander hands them over (strings, flags). */
export interface GenerateRawOptions {
  readonly rows?: string;
  readonly seed?: string;
  readonly start?: string;
  readonly months?: string;
  readonly end?: string;
  readonly orgs?: string;
  readonly users?: string;
  readonly heavyOrgs?: string;
  readonly singleOrg?: string;
  readonly columns?: string;
  readonly offsets?: boolean;
  readonly shuffleWindow?: string;
  readonly duplicates?: string;
  readonly out?: string;
  readonly gzipLevel?: string;
}

function integer(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (!/^\d+(_\d+)*$/.test(t)) throw new UsageError(`${name} ${JSON.stringify(text)}: expected a whole number`);
  const n = Number(t.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${name} ${JSON.stringify(text)}: expected a whole number from ${min} to ${max}`);
  }
  return n;
}

function instant(name: string, text: string): number {
  try {
    const { epochMs, nanos } = parseTimestamp(text.trim());
    if (nanos !== 0) throw new UsageError(`${name} ${JSON.stringify(text)}: at most millisecond precision`);
    if (epochMs < 0 || epochMs > MAX_EPOCH_MS) {
      throw new UsageError(`${name} ${JSON.stringify(text)}: must lie between 1970-01-01 and 9999-01-01`);
    }
    return epochMs;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${name}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const DURATION_UNITS: Record<string, number> = { '': 1, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function duration(name: string, text: string | undefined): number {
  if (text === undefined) return 0;
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(text.trim());
  const ms = m ? Number(m[1]) * DURATION_UNITS[m[2] ?? '']! : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms > 366 * 86_400_000) {
    throw new UsageError(`${name} ${JSON.stringify(text)}: expected milliseconds (e.g. 30000) or a duration like 500ms, 30s, 5m, 2h, 1d (at most 366d)`);
  }
  return ms;
}

function rate(name: string, text: string | undefined): number {
  if (text === undefined) return 0;
  const t = text.trim();
  const m = /^(\d+(?:\.\d+)?|\.\d+)(%)?$/.exec(t);
  const value = m ? Number(m[1]) / (m[2] ? 100 : 1) : Number.NaN;
  if (!(value >= 0 && value < 1)) {
    throw new UsageError(`${name} ${JSON.stringify(text)}: expected a fraction from 0 up to (not including) 1, e.g. 0.01 or 1%`);
  }
  return value;
}

function columns(text: string | undefined): GenerateColumn[] {
  if (text === undefined) return [...DEFAULT_COLUMNS];
  const names = text.split(',').map((c) => c.trim());
  const known = new Set<string>(GENERATE_COLUMNS);
  const seen = new Set<string>();
  for (const name of names) {
    if (name === '') throw new UsageError(`--columns ${JSON.stringify(text)}: empty column name`);
    if (!known.has(name)) {
      throw new UsageError(`--columns: unknown column ${JSON.stringify(name)}; known columns: ${GENERATE_COLUMNS.join(',')}`);
    }
    if (seen.has(name)) throw new UsageError(`--columns: column ${JSON.stringify(name)} given twice`);
    seen.add(name);
  }
  return names as GenerateColumn[];
}

/** Validates the options of `byok generate` and fills in the defaults; throws UsageError. */
export function resolveGenerateConfig(raw: GenerateRawOptions): GenerateConfig {
  const rows = integer('--rows', raw.rows, 0, MAX_ROWS);
  if (rows === undefined) throw new UsageError('--rows is required (e.g. --rows 100000)');
  const seed = integer('--seed', raw.seed, 0, Number.MAX_SAFE_INTEGER) ?? 1;
  const startMs = instant('--start', raw.start ?? DEFAULT_START);
  if (raw.months !== undefined && raw.end !== undefined) throw new UsageError('give --months or --end, not both');
  let endMs: number;
  if (raw.end !== undefined) {
    endMs = instant('--end', raw.end);
    if (endMs <= startMs) throw new UsageError(`--end ${JSON.stringify(raw.end)} must be after --start`);
  } else {
    endMs = addUtcMonths(startMs, integer('--months', raw.months, 1, MAX_MONTHS) ?? 1);
    if (endMs > MAX_EPOCH_MS) throw new UsageError('--months: the range must end by 9999-01-01');
  }
  const singleOrg = raw.singleOrg;
  if (singleOrg !== undefined) {
    if (singleOrg.trim() === '') throw new UsageError('--single-org: the org id must not be empty');
    if (singleOrg.length > MAX_ID_LENGTH) throw new UsageError(`--single-org: the org id is longer than ${MAX_ID_LENGTH} characters`);
    if (raw.orgs !== undefined || raw.heavyOrgs !== undefined) {
      throw new UsageError('--single-org makes every request from one org: do not combine it with --orgs or --heavy-orgs');
    }
  }
  const users = integer('--users', raw.users, 1, MAX_USERS) ?? DEFAULT_USERS;
  const orgs = singleOrg !== undefined ? 1 : (integer('--orgs', raw.orgs, 0, MAX_USERS) ?? Math.min(100, Math.floor(users / 20)));
  if (orgs > users) throw new UsageError(`--orgs ${orgs} exceeds --users ${users}: every org needs at least one member`);
  const heavyOrgs = singleOrg !== undefined ? 0 : (integer('--heavy-orgs', raw.heavyOrgs, 0, MAX_USERS) ?? Math.min(1, orgs));
  if (heavyOrgs > orgs) throw new UsageError(`--heavy-orgs ${heavyOrgs} exceeds --orgs ${orgs}: heavy orgs are among the orgs`);
  return {
    rows,
    seed,
    startMs,
    endMs,
    users,
    orgs,
    heavyOrgs,
    singleOrg,
    columns: columns(raw.columns),
    offsets: raw.offsets === true,
    shuffleWindowMs: duration('--shuffle-window', raw.shuffleWindow),
    duplicateRate: rate('--duplicates', raw.duplicates),
  };
}

/** `--gzip-level` (1 fastest … 9 smallest). */
export function resolveGzipLevel(text: string | undefined): number {
  return integer('--gzip-level', text, 1, 9) ?? DEFAULT_GZIP_LEVEL;
}
