/**
 * CSV cells for output. Two kinds of files are written, and their text cells differ:
 *
 * - Files meant for people and spreadsheets (bills, reports, decision records, rejects):
 *   `csvText`. Text a spreadsheet would run as a formula (a leading `=`, `+`, `-`, `@`,
 *   tab or CR) is prefixed with a single quote, which spreadsheets show as text.
 * - Request logs written for programs (an import's output, a meter's charged log):
 *   `csvExactText`. Quoted per RFC 4180 and nothing else, so reading the file back gives
 *   every value exactly: with the guard, `=a` and `'=a` would both be written `'=a`, and
 *   two requests (or two users' allowances) would become one (FORMATS.md "Bill").
 *
 * Numbers are written as they are in both, so exact amounts stay numeric.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** A text cell for a file people open in a spreadsheet: formula-safe, quoted when needed. */
export function csvText(value: string): string {
  return csvExactText(FORMULA_START.test(value) ? `'${value}` : value);
}

/** A text cell for a file programs read back: the value exactly, quoted when RFC 4180 needs it. */
export function csvExactText(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A numeric cell (counts, exact decimal amounts): never prefixed, never quoted. */
export function csvNumber(value: string | number): string {
  return String(value);
}
