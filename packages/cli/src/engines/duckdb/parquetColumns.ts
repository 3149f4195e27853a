import type { LogColumn } from '../../io/logColumns.js';
import { DuckdbRefusal } from './duckdbEngineErrors.js';
import { duckdbIdentifier } from './duckdbText.js';

/*
 * A Parquet file's columns carry types; the engine checks every log the same way, as
 * the text FORMATS.md describes, so each typed column is first written as that text,
 * exactly: a TIMESTAMP WITH TIME ZONE as an ISO-8601 instant in UTC (microseconds, what
 * DuckDB keeps), a TIMESTAMP without a zone as a wall-clock time without an offset (which,
 * like such text in a CSV, needs --input-timezone: POLICY.md D7), a DECIMAL as its
 * digits, an integer as itself. Money or instants as binary floating point are refused
 * outright: a float cannot hold 0.1 exactly, and no bill is exact once it did.
 */

const FLOAT_TYPES = new Set(['FLOAT', 'DOUBLE', 'REAL', 'FLOAT4', 'FLOAT8']);
const MONEY_COLUMNS: ReadonlySet<LogColumn> = new Set(['cost_usd', 'charged_usd']);
const DECIMAL = /^DECIMAL\((\d+),(\d+)\)$/;

/** The SQL expression that gives a Parquet column's value as the log text it stands for. */
export function parquetColumnText(file: string, name: string, type: string, column: LogColumn): string {
  const value = duckdbIdentifier(name);
  if (FLOAT_TYPES.has(type) && (MONEY_COLUMNS.has(column) || column === 'timestamp')) {
    const what = column === 'timestamp' ? 'an instant (epoch milliseconds as a float are not exact)' : 'money exactly (POLICY.md D4)';
    throw new DuckdbRefusal(
      'DUCKDB_INEXACT_COLUMN',
      `${file}: column ${JSON.stringify(name)} is ${type}: binary floating point cannot hold ${what}; ` +
        `write it as ${column === 'timestamp' ? 'TIMESTAMP WITH TIME ZONE, an integer or text' : 'DECIMAL or text'}`,
    );
  }
  if (column === 'timestamp') {
    switch (type) {
      case 'TIMESTAMP WITH TIME ZONE':
        return `strftime(make_timestamp(epoch_us(${value})), '%Y-%m-%dT%H:%M:%S.%fZ')`;
      case 'TIMESTAMP':
      case 'TIMESTAMP_S':
      case 'TIMESTAMP_MS':
        return `strftime(${value}::TIMESTAMP, '%Y-%m-%dT%H:%M:%S.%f')`;
      case 'TIMESTAMP_NS':
        return `strftime(${value}, '%Y-%m-%dT%H:%M:%S.%n')`;
      default:
        break;
    }
  }
  const decimal = DECIMAL.exec(type);
  if (decimal !== null && Number(decimal[2]) > 12) {
    // DECIMAL(38,18) writes 18 fractional digits; the value has at most 12 significant
    // ones when the rest are zeros, and that is what the log's 12-digit limit is about.
    return `regexp_replace(regexp_replace(${value}::VARCHAR, '0+$', ''), '\\.$', '')`;
  }
  return type === 'VARCHAR' ? value : `${value}::VARCHAR`;
}

/** An unknown column's value as text, for the rejects file's copy of a refused row. */
export function parquetOtherColumnText(name: string, type: string): string {
  const value = duckdbIdentifier(name);
  return type === 'VARCHAR' ? value : `${value}::VARCHAR`;
}

/**
 * A typed column read as it is, with no text in between (the text is made only for the
 * rows a message quotes): a TIMESTAMP WITH TIME ZONE as epoch microseconds, and a cost
 * whose DECIMAL type holds every value exactly at scale 12. Undefined: read as text.
 */
export function parquetTypedValue(name: string, type: string, column: LogColumn): string | undefined {
  const value = duckdbIdentifier(name);
  if (column === 'timestamp' && type === 'TIMESTAMP WITH TIME ZONE') return `epoch_us(${value})`;
  const decimal = DECIMAL.exec(type);
  if (column === 'cost_usd' && decimal !== null) {
    const [precision, scale] = [Number(decimal[1]), Number(decimal[2])];
    if (scale <= 12 && precision - scale <= 26) return `${value}::DECIMAL(38,12)`;
  }
  return undefined;
}
