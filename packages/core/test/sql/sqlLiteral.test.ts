import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sqlIdentifier, sqlString, unwritableSqlString } from '@byok-billing/core/internal';
import { sqlCommentText, sqlTimestamp } from '../../src/sql/sqlLiteral.js';

/** Reads back a standard single-quoted literal (quotes doubled), or fails if the text is not exactly one. */
function readStandardLiteral(sql: string): string {
  const m = /^'((?:[^']|'')*)'$/su.exec(sql);
  if (!m) throw new Error(`not one literal: ${sql}`);
  return m[1]!.replaceAll("''", "'");
}

describe('sqlString', () => {
  it('doubles quotes (standard SQL) in every dialect', () => {
    for (const dialect of ['duckdb', 'postgres', 'ansi'] as const) expect(sqlString("org:o'brien", dialect)).toBe("'org:o''brien'");
  });

  it('law: a standard literal reads back as the text, for any text without backslash or U+0000', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }).filter((t) => !t.includes('\\') && !t.includes('\u0000')), (text) => {
        expect(readStandardLiteral(sqlString(text, 'duckdb'))).toBe(text);
        expect(readStandardLiteral(sqlString(text, 'postgres'))).toBe(text);
      }),
    );
  });

  it("PostgreSQL: a backslash goes in an E'' literal, doubled, which reads the same whatever standard_conforming_strings says", () => {
    expect(sqlString("a\\'b", 'postgres')).toBe("E'a\\\\''b'");
  });

  it('DuckDB: U+0000 is written as chr(0), so a C client never sees the query text end early', () => {
    expect(sqlString("a\u0000'b", 'duckdb')).toBe("('a' || chr(0) || '''b')");
  });

  it('refuses what a dialect cannot carry: U+0000 in PostgreSQL, backslashes and control characters in ansi', () => {
    expect(unwritableSqlString('a\u0000', 'postgres')).toMatch(/U\+0000/);
    expect(unwritableSqlString('a\\', 'ansi')).toMatch(/backslash/);
    expect(unwritableSqlString('a\nb', 'ansi')).toMatch(/control character/);
    expect(unwritableSqlString('a\\\nb', 'duckdb')).toBeUndefined();
    expect(() => sqlString('a\\', 'ansi')).toThrow(RangeError);
  });
});

describe('sqlIdentifier, sqlCommentText, sqlTimestamp', () => {
  it('quotes identifiers, doubling quotes', () => {
    expect(sqlIdentifier('requests')).toBe('"requests"');
    expect(sqlIdentifier('a"b')).toBe('"a""b"');
    expect(() => sqlIdentifier('')).toThrow(RangeError);
  });

  it('law: comment text is printable ASCII only, so nothing can end a -- comment', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(sqlCommentText(text)).toMatch(/^[\x20-\x7e]*$/);
      }),
    );
    expect(sqlCommentText('a\nDROP')).toBe('a\\u{a}DROP');
  });

  it('writes instants as TIMESTAMP WITH TIME ZONE in UTC', () => {
    expect(sqlTimestamp(Date.UTC(2025, 9, 1))).toBe("CAST('2025-10-01 00:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)");
    expect(sqlTimestamp(Date.UTC(2025, 9, 1, 4, 0, 0, 250))).toBe("CAST('2025-10-01 04:00:00.250+00:00' AS TIMESTAMP WITH TIME ZONE)");
  });
});
