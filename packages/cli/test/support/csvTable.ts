import { parse } from 'csv-parse/sync';

/**
 * The data rows of a CSV file written by the CLI (rejects, logs), read with csv-parse, the
 * CLI's own dependency: tests outside packages/cli (test/fuzz) cannot resolve it themselves.
 * Rows may span lines (quoted line ends); every row must have the header's fields.
 */
export function csvTable(text: string): Record<string, string>[] {
  return parse(text, { columns: true, skip_empty_lines: false }) as Record<string, string>[];
}
