import { UsageError } from '../exitCodes.js';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * A duration option: a whole number with a unit (`ms`, `s`, `m`, `h`), or `0`.
 *
 * @example
 * parseDuration('15m', '--reorder-window') //=> 900000
 */
export function parseDuration(text: string, option: string): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (!m || (m[2] === undefined && m[1] !== '0')) {
    throw new UsageError(`${option} ${JSON.stringify(text)}: expected a duration like 15m, 90s, 2h or 0`);
  }
  return Number(m[1]) * UNITS[m[2] ?? 'ms']!;
}
