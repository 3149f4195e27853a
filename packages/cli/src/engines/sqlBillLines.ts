import { type BillLine, Money } from '@byok-billing/core';
import { compareUtf8 } from '@byok-billing/core/internal';

/**
 * The rows of the compiled bill query (compileBillQuery, any dialect) as the default
 * engine's bill lines: counts as numbers, money as exact `Money` read from the query's
 * canonical decimal text (never through a JavaScript number), in FORMATS.md's order
 * (scope by UTF-8 bytes, then period). A value that is not what the query promises is
 * a bug in byok: `bug` makes the engine's error for it.
 */
export function billLinesFromSqlRows(rows: readonly Record<string, unknown>[], bug: (message: string) => Error): BillLine[] {
  const count = (value: unknown): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 0) throw bug(`a count of the bill query is ${String(value)}`);
    return n;
  };
  const money = (value: unknown): Money => {
    const text = String(value);
    const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
    if (match === null) throw bug(`an amount of the bill query is ${JSON.stringify(text)}`);
    const fraction = match[2] ?? '';
    return new Money(BigInt(match[1]! + fraction), fraction.length);
  };
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
  return lines.sort(compareBillLines);
}

/** FORMATS.md's order of bill lines: scope (by UTF-8 bytes), then period. */
export function compareBillLines(a: BillLine, b: BillLine): number {
  return compareUtf8(a.scope, b.scope) || (a.period < b.period ? -1 : a.period > b.period ? 1 : 0);
}
