import type { DuckDBConnection } from '@duckdb/node-api';
import { submicrosecondOrderSql } from './arrivalsSql.js';
import { DuckdbRefusal } from './duckdbEngineErrors.js';
import { tooLargeAmountsSql } from './inputSummarySql.js';

/*
 * What DuckDB cannot bill exactly as the default engine does is refused, never billed
 * approximately: amounts past DECIMAL(38,12), and requests whose order below a
 * microsecond (DuckDB's TIMESTAMPTZ precision) would change who gets the allowance.
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

export async function refuseSubmicrosecondOrder(connection: DuckDBConnection): Promise<void> {
  const found = (await connection.runAndReadAll(submicrosecondOrderSql)).getRowObjectsJson()[0]!;
  if (Number(found.n) > 0) {
    throw new DuckdbRefusal(
      'DUCKDB_SUBMICROSECOND_ORDER',
      `${Number(found.n).toLocaleString('en-US')} request(s) (request_id ${JSON.stringify(found.example)}, ...) share a microsecond with another request and ` +
        'are ordered by their nanoseconds differently from their request_ids; DuckDB keeps microseconds, so it could give the allowance to another ' +
        'request than the default engine does. Bill this log with --engine js',
    );
  }
}

