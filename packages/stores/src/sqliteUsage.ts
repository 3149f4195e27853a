import { COST_SCALE, type DecisionRecord, FEE_SCALE, type UsageFilter, type UsageTotals } from '@byok-billing/core';
import type { Database } from 'better-sqlite3';
import { exactPartCount, exactPartsSql, joinExactParts } from './exactSumSql.js';
import type { SqliteLayoutKind } from './sqliteSchema.js';

/**
 * The decisions of a store as rows of the fields a usage query reads, in either layout.
 * Compact: the decision's columns and its shape's route and status (`decision_shapes.shape`
 * is the JSON array `shapeText` writes: route at 2, status at 8), or, for a record kept
 * whole, its JSON; first layout: every field from the record's JSON.
 */
function decisionFieldsSql(p: string, kind: SqliteLayoutKind): string {
  if (kind === 'json') {
    return `SELECT seq, record ->> '$.scope' AS scope, record ->> '$.period' AS period, record ->> '$.ordinal' AS ordinal,
              record ->> '$.route' AS route, record ->> '$.status' AS status, record ->> '$.costUsd' AS cost, record ->> '$.feeUsd' AS fee
            FROM ${p}decisions`;
  }
  const field = (column: string, json: string) => `iif(d.record IS NULL, ${column}, d.record ->> '$.${json}')`;
  return `SELECT d.seq AS seq, ${field('d.scope', 'scope')} AS scope, ${field('d.period', 'period')} AS period,
            ${field('d.ordinal', 'ordinal')} AS ordinal, ${field('s.shape ->> 2', 'route')} AS route,
            ${field('s.shape ->> 8', 'status')} AS status, ${field('d.cost', 'costUsd')} AS cost, ${field('d.fee', 'feeUsd')} AS fee
          FROM ${p}decision_rows AS d LEFT JOIN ${p}decision_shapes AS s ON s.id = d.shape`;
}

const FEE_PARTS = exactPartCount(FEE_SCALE);
const COST_PARTS = exactPartCount(COST_SCALE);

/** The aggregate query: one row per scope-month, every amount as exact integer parts. */
function usageSql(p: string, kind: SqliteLayoutKind): string {
  const sum = (part: string) => `sum(${part})`;
  const when = (condition: string) => (part: string) => `sum(iif(${condition}, ${part}, 0))`;
  const columns = [
    'scope',
    'period',
    'count(ordinal)',
    `min(iif(status = 'billable', seq, NULL))`,
    'max(seq)',
    ...exactPartsSql('fee', FEE_SCALE, sum),
    ...exactPartsSql('cost', COST_SCALE, when(`route = 'byok'`)),
    ...exactPartsSql('cost', COST_SCALE, when('ordinal IS NOT NULL')),
  ];
  return `SELECT ${columns.join(',\n  ')}
    FROM (${decisionFieldsSql(p, kind)})
    WHERE (:scope IS NULL OR scope = :scope) AND (:period IS NULL OR period = :period)
    GROUP BY scope, period`;
}

/**
 * Each scope-month's usage totals, summed by SQLite (exactly: `exactSumSql.ts`) in one read
 * transaction; the crossing and latest decisions of each are then read by seq
 * (`recordAt`), a few rows per scope-month rather than every decision.
 */
export function sqliteUsageTotals(
  db: Database,
  prefix: string,
  kind: SqliteLayoutKind,
  recordAt: (seq: number) => DecisionRecord,
  filter: UsageFilter,
): UsageTotals[] {
  const statement = db.prepare(usageSql(prefix, kind)).raw().safeIntegers();
  return db.transaction(() => {
    const rows = statement.all({ scope: filter.scope ?? null, period: filter.period ?? null }) as unknown[][];
    return rows.map((row): UsageTotals => {
      const [, , counted, crossingSeq, latestSeq] = row;
      let at = 5;
      const parts = (n: number) => row.slice(at, (at += n));
      const feeUnits = joinExactParts(parts(FEE_PARTS), FEE_SCALE);
      const byokCostUnits = joinExactParts(parts(COST_PARTS), COST_SCALE);
      const countedCostUnits = joinExactParts(parts(COST_PARTS), COST_SCALE);
      const crossing = crossingSeq === null ? null : recordAt(Number(crossingSeq));
      // Named by a decision the layout decodes exactly: SQLite returns a name holding a lone
      // surrogate altered (storedText.ts), though it groups and compares such names apart.
      const latest = recordAt(Number(latestSeq));
      return {
        scope: latest.scope,
        period: latest.period,
        counted: Number(counted),
        feeUnits,
        byokCostUnits,
        countedCostUnits,
        crossing: crossing === null ? null : { requestId: crossing.requestId, instant: crossing.instant },
        latestInstant: latest.instant,
      };
    });
  })();
}
