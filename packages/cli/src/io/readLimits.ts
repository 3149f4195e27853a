import { UsageError } from '../exitCodes.js';

/**
 * How long one record of a log (a CSV record, over all its lines when a quoted field holds
 * line ends) or of an import (a JSON Lines line, or one element of a JSON document) may be.
 * Without a bound, one line with no line end makes a reader buffer the whole input: a
 * header and 50 MB without a newline grew to 24 GB. Real records are a few hundred bytes.
 */
export const DEFAULT_MAX_LINE_BYTES = 1 << 20;

/** The largest limit accepted: the scanner keeps byte offsets in 32-bit integers. */
export const MAX_MAX_LINE_BYTES = 1 << 30;

/** How much of a refused over-long record the rejects file shows. */
export const PREVIEW_BYTES = 1024;

/** The option's help, the same on every command that reads logs. */
export const MAX_LINE_BYTES_HELP =
  'longest record read, in bytes (K, M, G for KiB, MiB, GiB); a longer one is refused as a bad row, skipped without being held in memory (default: 1M)';

const UNITS: Record<string, number> = { '': 1, k: 1 << 10, m: 1 << 20, g: 1 << 30 };

/** `--max-line-bytes`: a whole number of bytes, or with K, M or G (KiB, MiB, GiB). */
export function parseMaxLineBytes(text: string | undefined): number {
  if (text === undefined) return DEFAULT_MAX_LINE_BYTES;
  const match = /^(\d{1,10})([kmg]?)(?:i?b)?$/i.exec(text.trim());
  const value = match === null ? Number.NaN : Number(match[1]) * UNITS[match[2]!.toLowerCase()]!;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_MAX_LINE_BYTES) {
    throw new UsageError(`--max-line-bytes ${JSON.stringify(text)}: expected a number of bytes from 1 to ${MAX_MAX_LINE_BYTES} (or with K, M or G: 64K, 16M, 1G)`);
  }
  return value;
}

/** How many of a refused record's first bytes are kept: all of them lie inside the record. */
export function previewLength(maxLineBytes: number): number {
  return Math.min(PREVIEW_BYTES, maxLineBytes + 1);
}

/** The reason a record longer than the limit is refused; its text (in the rejects file) is only its start. */
export function tooLongReason(maxLineBytes: number): string {
  return `the record is longer than ${maxLineBytes} bytes (--max-line-bytes): skipped to its end, its text cut to the first ${previewLength(maxLineBytes)} bytes`;
}
