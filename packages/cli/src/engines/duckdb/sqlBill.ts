import type { DuckDBConnection } from '@duckdb/node-api';
import { type Accounts, type Bill, type BillLine, type InputSummary, Money, type Policy, compileBillQuery } from '@byok-billing/core';
import { compareUtf8, sumBillLines } from '@byok-billing/core/internal';
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
  const lines: BillLine[] = rows.map((row) => ({
    scope: String(row.scope),
    period: String(row.period),
    byokRequests: count(row.byok_requests),
    freeRequests: count(row.free_requests),
    billableRequests: count(row.billable_requests),
    byokCostUsd: money(row.byok_cost_usd),
    feeUsd: money(row.fee_usd),
    platformRequests: count(row.platform_requests),
    platformCostUsd: money(row.platform_cost_usd),
    failedRequests: count(row.failed_requests),
    totalUsd: money(row.total_usd),
  }));
  lines.sort((a, b) => compareUtf8(a.scope, b.scope) || (a.period < b.period ? -1 : a.period > b.period ? 1 : 0));
  return {
    policy: { id: policy.id, version: policy.version, sha256: policy.sha256 },
    input,
    lines,
    totals: sumBillLines(lines),
    routeMismatches,
  };
}

function count(value: unknown): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new DuckdbEngineBug(`a count of the bill query is ${String(value)}`);
  return n;
}

/** Exact money from the query's canonical text ("0.0006", "12.5", "0"). */
function money(value: unknown): Money {
  const text = String(value);
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (match === null) throw new DuckdbEngineBug(`an amount of the bill query is ${JSON.stringify(text)}`);
  const fraction = match[2] ?? '';
  return new Money(BigInt(match[1]! + fraction), fraction.length);
}
