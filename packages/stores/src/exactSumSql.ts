import { pow10 } from '@byok-billing/core';

/*
 * SQLite has no exact decimal type: summing decimal text as REAL would round fees of 24
 * fractional digits. So an amount is cut, in SQL, into its integer part and its fraction
 * in groups of 6 digits, each an INTEGER; SQLite sums each column exactly (SUM fails on
 * overflow rather than rounding), and the parts are joined here with bigints. A group of 6
 * digits is below 10^6, so a column overflows only past 9 * 10^12 decisions.
 */
const GROUP = 6;

/** The number of SQL columns `exactPartsSql` gives for `fractionDigits`. */
export function exactPartCount(fractionDigits: number): number {
  return 1 + Math.ceil(fractionDigits / GROUP);
}

/**
 * SQL expressions of the exact parts of `text` (a non-negative decimal with at most
 * `fractionDigits` fractional digits, or NULL), each wrapped by `wrap` (to sum it, or
 * sum it under a condition).
 */
export function exactPartsSql(text: string, fractionDigits: number, wrap: (part: string) => string): string[] {
  const dot = `instr(${text} || '.', '.')`;
  const padded = `substr(substr(${text}, ${dot} + 1) || '${'0'.repeat(fractionDigits)}', 1, ${fractionDigits})`;
  const parts = [`CAST(substr(${text}, 1, ${dot} - 1) AS INTEGER)`];
  for (let at = 0; at < fractionDigits; at += GROUP) parts.push(`CAST(substr(${padded}, ${at + 1}, ${Math.min(GROUP, fractionDigits - at)}) AS INTEGER)`);
  return parts.map(wrap);
}

/** The exact sum, in units of 10^-fractionDigits, of the parts' sums (bigints or null for none) in `exactPartsSql`'s order. */
export function joinExactParts(sums: readonly unknown[], fractionDigits: number): bigint {
  let units = 0n;
  let scale = fractionDigits;
  sums.forEach((sum, i) => {
    const value = sum === null || sum === undefined ? 0n : BigInt(sum as bigint | number);
    if (i === 0) {
      units += value * pow10(fractionDigits);
      return;
    }
    const digits = Math.min(GROUP, fractionDigits - (i - 1) * GROUP);
    scale -= digits;
    units += value * pow10(scale);
  });
  return units;
}
