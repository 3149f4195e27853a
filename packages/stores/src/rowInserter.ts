import { InvalidArgumentError } from '@byok-billing/core';
import type { Database, Statement } from 'better-sqlite3';

/**
 * Rows per INSERT statement: one native call from JavaScript for 256 rows rather than
 * one per row. 256 rows of 13 values (3,328) stay far below the bound-parameter limit of
 * the SQLite better-sqlite3 12 bundles (SQLITE_MAX_VARIABLE_NUMBER = 32766, as its
 * compile options show); the check guards a wider row.
 */
const CHUNK_ROWS = [256, 16, 1] as const;
const MAX_PARAMETERS = 32766;

/** Writes row `row`'s values into `values` from index `at` on. */
export type RowFiller = (values: unknown[], at: number, row: number) => void;

/**
 * Inserts rows of `width` values with few statements: chunks of 256 rows, then of 16,
 * then one at a time, each statement prepared once and each with a parameter array of
 * its own that is filled again for every chunk (no arrays made per row or per batch).
 * Every chunk runs inside the caller's transaction, so the rows are committed (or
 * rolled back) together.
 */
export class RowInserter {
  private readonly statements: Statement<unknown[]>[];
  private readonly parameters: unknown[][];

  constructor(db: Database, head: string, private readonly width: number, tail = '') {
    if (CHUNK_ROWS[0] * width > MAX_PARAMETERS) throw new InvalidArgumentError(`rows of ${width} values do not fit one statement`);
    const row = `(${Array.from({ length: width }, () => '?').join(', ')})`;
    this.statements = CHUNK_ROWS.map((n) => db.prepare<unknown[]>(`${head} VALUES ${Array.from({ length: n }, () => row).join(', ')}${tail}`));
    this.parameters = CHUNK_ROWS.map((n) => new Array<unknown>(n * width).fill(null));
  }

  /**
   * Inserts `rows` rows, each written by `fill`, and calls `inserted(first, count,
   * lastRowid)` after each statement with the index of its first row, its row count and
   * the rowid SQLite gave its last row.
   */
  insert(rows: number, fill: RowFiller, inserted?: (first: number, count: number, lastRowid: number) => void): void {
    let at = 0;
    for (let size = 0; size < CHUNK_ROWS.length; size++) {
      const n = CHUNK_ROWS[size]!;
      const values = this.parameters[size]!;
      const from = at;
      while (rows - at >= n) {
        for (let r = 0; r < n; r++) fill(values, r * this.width, at + r);
        const result = this.statements[size]!.run(values);
        inserted?.(at, n, Number(result.lastInsertRowid));
        at += n;
      }
      // Hold no strings past the call: they may be slices that keep a whole input chunk alive.
      if (at > from) values.fill(null);
    }
  }
}
