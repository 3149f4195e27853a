/**
 * CSV cells for output. Text that a spreadsheet would run as a formula (a leading
 * `=`, `+`, `-`, `@`, tab or CR) is prefixed with a single quote, which spreadsheets
 * show as text; numbers are written as they are, so exact amounts stay numeric.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvText(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** A numeric cell (counts, exact decimal amounts): never prefixed, never quoted. */
export function csvNumber(value: string | number): string {
  return String(value);
}
