import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckdbRefusal } from './duckdbEngineErrors.js';
import { tooLargeAmountsSql } from './inputSummarySql.js';

/*
 * What DuckDB cannot bill exactly as the default engine does is refused, never billed
 * approximately: amounts past DECIMAL(38,12) here, sums past it in lineSumLimits.ts.
 * (Instants are exact: the bill query orders by the nanoseconds TIMESTAMPTZ drops,
 * see createRequestsViewSql.)
 */

export async function refuseTooLargeAmounts(connection: DuckDBConnection): Promise<void> {
  const found = (await connection.runAndReadAll(tooLargeAmountsSql)).getRowObjectsJson()[0]!;
  if (Number(found.n) > 0) {
    throw new DuckdbRefusal(
      'DUCKDB_AMOUNT_TOO_LARGE',
      `${Number(found.n).toLocaleString('en-US')} row(s) (request_id ${JSON.stringify(found.example)}, ...) have a cost_usd or charged_usd of 10^26 dollars or more, ` +
        "beyond DuckDB's exact DECIMAL(38,12); bill this log with --engine js",
    );
  }
}
