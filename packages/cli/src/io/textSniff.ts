import { InputError } from './inputError.js';

/**
 * How much of the start of an input is looked at for NUL bytes. Text never holds them;
 * binary files (archives, spreadsheets, images) do early. Every reader looks at exactly
 * these bytes, whatever sizes the input arrives in, and before reading any line, so all
 * of them refuse the same files with the same line.
 */
export const SNIFF_BYTES = 64 << 10;

/** Refuses an input whose first bytes (`head`, from the start of the input) hold a NUL byte, at its line. */
export function assertText(head: Uint8Array, file: string, kind: 'CSV' | 'JSON'): void {
  const nul = head.subarray(0, SNIFF_BYTES).indexOf(0);
  if (nul === -1) return;
  let line = 1;
  for (let i = head.indexOf(10); i !== -1 && i < nul; i = head.indexOf(10, i + 1)) line++;
  throw new InputError({ file, line }, `is not a ${kind} text file (it contains NUL bytes)`);
}

/**
 * What a file whose lines end in CR alone (old Mac exports) is told: CR alone is no line end
 * in CSV (FORMATS.md), so the whole file reads as one long line. Said outright, instead of
 * showing the CRs inside a header.
 */
export const CR_ONLY_HINT = 'its lines seem to end in CR alone, which is no line end in CSV: convert them to LF or CRLF';
