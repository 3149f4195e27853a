import type { SqlDialect } from './sqlDialect.js';
import { sqlString } from './sqlLiteral.js';
import { InvalidArgumentError } from '../errors.js';

/*
 * The few expressions the dialects write differently. Each takes SQL text built by the
 * compiler (column names, already-quoted literals), never raw data.
 */

/**
 * An INTEGER expression that stops the query with `byok: <problem> (request_id …)`, the
 * id read from the column (expression) `requestId`.
 * DuckDB has `error()`; elsewhere a cast of the message to INTEGER fails with the message
 * in the error text. The message depends on the row's request_id, so no planner folds it
 * into a constant and raises it for rows that never reach it.
 */
export function raiseSql(problem: string, dialect: SqlDialect, requestId = 'request_id'): string {
  const message = `${sqlString(`byok: ${problem} (request_id `, dialect)} || COALESCE(${requestId}, 'NULL') || ')'`;
  return dialect === 'duckdb' ? `CAST(error(${message}) AS INTEGER)` : `CAST(${message} AS INTEGER)`;
}

/**
 * The period label `YYYY-MM` of the instant column `instant`: the month of its wall-clock
 * time in the reset zone, read from the engine's time-zone database.
 */
export function periodSql(zone: string, dialect: SqlDialect): string {
  const local = `(instant AT TIME ZONE ${sqlString(zone, dialect)})`;
  switch (dialect) {
    case 'duckdb':
      return `strftime(${local}, '%Y-%m')`;
    case 'postgres':
      return `to_char(${local}, 'YYYY-MM')`;
    case 'clickhouse':
      // ClickHouse 18.16 has no DateTime64: its instants are Int64 epoch nanoseconds (whole
      // seconds decide the month). The zone goes to formatDateTime itself: formatting
      // toTimeZone(t, zone) would print the server's zone.
      return `formatDateTime(toDateTime(intDiv(instant, 1000000000)), '%Y-%m', ${sqlString(zone, dialect)})`;
    case 'ansi': {
      const month = `EXTRACT(MONTH FROM ${local})`;
      return `CAST(EXTRACT(YEAR FROM ${local}) AS VARCHAR(6)) || '-' || CASE WHEN ${month} < 10 THEN '0' ELSE '' END || CAST(${month} AS VARCHAR(2))`;
    }
    default: {
      const unknown: never = dialect;
      throw new InvalidArgumentError(`byok-billing: unknown SQL dialect ${JSON.stringify(unknown)}`);
    }
  }
}

/** `COLLATE …` giving byte (code point) order, or nothing where the dialect has no portable name. */
export function binaryCollation(dialect: SqlDialect): string {
  switch (dialect) {
    case 'duckdb':
      return ' COLLATE "binary"';
    case 'postgres':
      return ' COLLATE "C"';
    case 'ansi':
    case 'clickhouse': // String compares bytes
      return '';
    default: {
      const unknown: never = dialect;
      throw new InvalidArgumentError(`byok-billing: unknown SQL dialect ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * A DECIMAL amount as the canonical text `byok bill` prints: no trailing fractional
 * zeros, no trailing point, `0` for zero. Amounts here always have a scale ≥ 12, so
 * the text has a point and trimming zeros never eats an integer digit.
 */
export function canonicalMoneySql(amount: string, dialect: SqlDialect): string {
  switch (dialect) {
    case 'duckdb':
      return `rtrim(rtrim(CAST(${amount} AS VARCHAR), '0'), '.')`;
    case 'postgres':
      return `rtrim(rtrim(CAST(${amount} AS text), '0'), '.')`;
    case 'clickhouse':
      return `replaceRegexpOne(replaceRegexpOne(toString(${amount}), '0+$', ''), '\\\\.$', '')`;
    case 'ansi':
      return `TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM CAST(${amount} AS VARCHAR(80))))`;
    default: {
      const unknown: never = dialect;
      throw new InvalidArgumentError(`byok-billing: unknown SQL dialect ${JSON.stringify(unknown)}`);
    }
  }
}
