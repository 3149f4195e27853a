import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { csvTable } from '../../packages/cli/test/support/csvTable.js';

/*
 * README "byok bill": "The summary accounts for every row: accepted + duplicates +
 * rejected = rows", bad rows go to --rejects "with their reason and the run goes on", and
 * without --rejects a bad row stops the run. The import's summary line says the same of
 * records (imported + duplicates + rejected = records).
 */

export interface InputSummary {
  readonly rows: number;
  readonly accepted: number;
  readonly rejected: number;
  readonly duplicates: number;
}

export interface AccountingRules {
  /** The --rejects file, when one was given. */
  readonly rejects: string | undefined;
  /** Data records in the input when the generator knows them for certain. */
  readonly knownRows: number | undefined;
  /** Names a reject may give as its file. */
  readonly inputs: readonly string[];
}

/**
 * catches: a row counted twice or not at all (a record spanning lines counted once per
 * line, a refused over-long record skipped without being counted, a duplicate also counted
 * as accepted, a replan counting the rows it had read before starting again); a bad row
 * that did not stop a run without --rejects; a rejects file missing rows, holding a row
 * twice, or a row split or merged when written (CSV quoting of line ends in the row's
 * text); a reject that names no input or no line.
 */
export function expectInputAccounting(input: InputSummary, rules: AccountingRules): void {
  for (const n of [input.rows, input.accepted, input.rejected, input.duplicates]) expect(Number.isSafeInteger(n) && n >= 0, `counts ${JSON.stringify(input)}`).toBe(true);
  expect(input.accepted + input.duplicates + input.rejected, `accepted + duplicates + rejected = rows: ${JSON.stringify(input)}`).toBe(input.rows);
  if (rules.knownRows !== undefined) expect(input.rows, `rows read, against the records written`).toBe(rules.knownRows);
  if (rules.rejects === undefined) {
    expect(input.rejected, 'a refused row without --rejects must stop the run').toBe(0);
    return;
  }
  const rejects = csvTable(readFileSync(rules.rejects, 'utf8'));
  expect(rejects.length, `data rows of ${rules.rejects}, against input.rejected`).toBe(input.rejected);
  for (const r of rejects) {
    expect(rules.inputs, `a reject naming no input: ${JSON.stringify(r)}`).toContain(r.file);
    expect(r.line, `a reject without its line: ${JSON.stringify(r)}`).toMatch(/^[1-9][0-9]*$/);
  }
}

/** The import's accounting, from its summary line on standard error. */
export function importSummary(stderr: string): (InputSummary & { readonly imported: number }) | undefined {
  const m = /imported ([\d,]+) of ([\d,]+) record\(s\).*?; ([\d,]+) duplicate\(s\) skipped; ([\d,]+) rejected/.exec(stderr);
  if (m === null) return undefined;
  const n = (s: string) => Number(s.replace(/,/g, ''));
  return { imported: n(m[1]!), accepted: n(m[1]!), rows: n(m[2]!), duplicates: n(m[3]!), rejected: n(m[4]!) };
}
