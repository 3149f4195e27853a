import { formatInstant } from '../time/instant.js';
import type { SqlDialect } from './sqlDialect.js';
import { InvalidArgumentError } from '../errors.js';

/*
 * Everything a policy or an accounts file puts into the SQL text goes through these
 * functions: the files are data, and no value of theirs can end a literal, an
 * identifier or a comment early (SQL injection).
 */

/** Control characters (C0, DEL): no dialect needs them in a literal, and ansi cannot carry them. */
const CONTROL = /[\u0000-\u001f\u007f]/u;

/**
 * Why `text` cannot be a string literal of `dialect`, or undefined when it can.
 * PostgreSQL text cannot hold U+0000. The ansi dialect refuses backslashes and control
 * characters: Spark, BigQuery and ClickHouse read a backslash in a literal as an escape,
 * so `'a\'` would not end where standard SQL ends it.
 */
export function unwritableSqlString(text: string, dialect: SqlDialect): string | undefined {
  switch (dialect) {
    case 'duckdb':
    case 'clickhouse':
      return undefined;
    case 'postgres':
      return text.includes('\u0000') ? 'contains U+0000, which PostgreSQL text cannot hold' : undefined;
    case 'ansi':
      if (text.includes('\\')) return 'contains a backslash, which some engines read as an escape in a literal; use the duckdb or postgres dialect';
      if (CONTROL.test(text)) return 'contains a control character, which the ansi dialect cannot write portably; use the duckdb or postgres dialect';
      return undefined;
    default: {
      const unknown: never = dialect;
      throw new InvalidArgumentError(`byok-billing: unknown SQL dialect ${JSON.stringify(unknown)}`);
    }
  }
}

function quoted(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * A string literal. Quotes are doubled (standard SQL). PostgreSQL gets an `E'…'` literal
 * with doubled backslashes when the text has one, which reads the same whatever the
 * server's `standard_conforming_strings`; DuckDB never treats a backslash specially, and
 * writes U+0000 (which would end the query text for a C client) as `chr(0)`.
 *
 * @example
 * sqlString("org:o'brien", 'postgres') //=> "'org:o''brien'"
 */
export function sqlString(text: string, dialect: SqlDialect): string {
  const problem = unwritableSqlString(text, dialect);
  if (problem !== undefined) throw new InvalidArgumentError(`byok-billing: ${JSON.stringify(text)} ${problem}`);
  if (dialect === 'duckdb' && text.includes('\u0000')) {
    return `(${text.split('\u0000').map(quoted).join(' || chr(0) || ')})`;
  }
  if (dialect === 'clickhouse') return clickhouseString(text);
  if (dialect === 'postgres' && text.includes('\\')) {
    return `E${quoted(text.replaceAll('\\', '\\\\'))}`;
  }
  return quoted(text);
}

/**
 * ClickHouse reads a backslash in a literal as an escape: quotes and backslashes are
 * escaped with one, and control characters (U+0000 included) written as `\xHH`, so the
 * literal is the text, byte for byte, and nothing in it can end it.
 */
function clickhouseString(text: string): string {
  const escaped = text.replace(/[\\'\u0000-\u001f\u007f]/gu, (ch) => (ch === '\\' || ch === "'" ? `\\${ch}` : `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`));
  return `'${escaped}'`;
}

/**
 * A quoted identifier (`"…"`, quotes doubled), so any relation name is read as a name.
 *
 * @example
 * sqlIdentifier('requests') //=> '"requests"'
 */
export function sqlIdentifier(name: string): string {
  if (name === '' || CONTROL.test(name)) throw new InvalidArgumentError(`byok-billing: ${JSON.stringify(name)} is not a usable SQL identifier`);
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Text for a `--` comment: printable ASCII only, everything else as `\u{…}`, so a
 * value with a line break (a rule name, a version label) can never end the comment.
 *
 * @example
 * sqlCommentText('a\nDROP TABLE x') //=> 'a\\u{a}DROP TABLE x'
 */
export function sqlCommentText(text: string): string {
  let out = '';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    out += code >= 0x20 && code <= 0x7e ? ch : `\\u{${code.toString(16)}}`;
  }
  return out;
}

/**
 * An instant (whole milliseconds) as a TIMESTAMP WITH TIME ZONE, in UTC.
 *
 * @example
 * sqlTimestamp(Date.UTC(2025, 9, 1)) //=> "CAST('2025-10-01 00:00:00+00:00' AS TIMESTAMP WITH TIME ZONE)"
 */
export function sqlTimestamp(epochMs: number): string {
  const iso = formatInstant({ epochMs, nanos: 0 });
  return `CAST('${iso.slice(0, -1).replace('T', ' ')}+00:00' AS TIMESTAMP WITH TIME ZONE)`;
}
