import type { DuckDBConnection } from '@duckdb/node-api';
import { type Accounts, type Bill, type InputSummary, type Policy, compileBillQuery } from '@byok-billing/core';
import { sumBillLines } from '@byok-billing/core/internal';
import { billLinesFromSqlRows } from '../sqlBillLines.js';
import { REQUEST_NANOSECONDS, REQUESTS } from './arrivalsSql.js';
import { DuckdbEngineBug, duckdbFailure } from './duckdbEngineErrors.js';

/**
 * Runs the policy compiled to SQL (compileBillQuery, packages/core/src/sql) over the
 * `requests` relation and makes its rows the Bill the default engine makes: counts as
 * numbers, money as exact `Money` read from the query's canonical decimal text (never
 * through a JavaScript number), totals summed exactly, lines in FORMATS.md's order.
 */
export async function billFromSql(connection: DuckDBConnection, policy: Policy, accounts: Accounts | undefined, input: InputSummary, routeMismatches: number): Promise<Bill> {
  // Ordered to the nanosecond: the view carries what TIMESTAMPTZ drops (createRequestsViewSql).
  const query = compileBillQuery(policy, accounts, { dialect: 'duckdb', money: 'text', relation: REQUESTS, nanosecondColumn: REQUEST_NANOSECONDS });
  let rows: Record<string, unknown>[];
  try {
    rows = (await connection.runAndReadAll(query)).getRowObjectsJson();
  } catch (error) {
    const failure = duckdbFailure(error);
    if (failure !== error) throw failure;
    // The rows were checked as the default engine checks them: the query's own checks
    // (errors starting "byok:") can only fire on a bug.
    throw new DuckdbEngineBug(`the compiled bill query failed: ${(error as Error).message.split('\n')[0]}`);
  }
  const lines = billLinesFromSqlRows(rows, (message) => new DuckdbEngineBug(message));
  return {
    policy: { id: policy.id, version: policy.version, sha256: policy.sha256 },
    input,
    lines,
    totals: sumBillLines(lines),
    routeMismatches,
  };
}

