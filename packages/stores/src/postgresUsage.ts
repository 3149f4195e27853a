import { COST_SCALE, FEE_SCALE, type UsageFilter, type UsageTotals, unitsOf } from '@byok-billing/core';
import type { PoolClient } from 'pg';
import type { PostgresTables } from './postgresSchema.js';

interface UsageRow {
  readonly scope: string;
  readonly period: string;
  readonly counted: string;
  readonly fees: string | null;
  readonly byok_cost: string | null;
  readonly counted_cost: string | null;
  readonly crossing_id: string | null;
  readonly crossing_instant: string | null;
  readonly latest_instant: string;
}

/**
 * Each scope-month's usage totals, summed by PostgreSQL: amounts as NUMERIC, which sums
 * decimal text exactly, and the crossing (first billable) and latest decisions found by
 * seq within the same query, so nothing per decision leaves the server. The record is the
 * decision's JSON text (`postgresSchema.ts`); `->>` gives its money strings as written.
 * Scopes and periods are compared byte-wise (COLLATE "C"), as the store holds them.
 */
export async function postgresUsageTotals(client: PoolClient, tables: PostgresTables, filter: UsageFilter): Promise<UsageTotals[]> {
  const { rows } = await client.query<UsageRow>(
    `WITH d AS (
       SELECT seq, j ->> 'scope' AS scope, j ->> 'period' AS period, j ->> 'ordinal' AS ordinal, j ->> 'route' AS route,
              j ->> 'status' AS status, (j ->> 'costUsd')::numeric AS cost, (j ->> 'feeUsd')::numeric AS fee
       FROM (SELECT seq, record::jsonb AS j FROM ${tables.decisions}) AS r
     ),
     g AS (
       SELECT scope, period, count(ordinal) AS counted, sum(fee) AS fees,
              sum(cost) FILTER (WHERE route = 'byok') AS byok_cost,
              sum(cost) FILTER (WHERE ordinal IS NOT NULL) AS counted_cost,
              min(seq) FILTER (WHERE status = 'billable') AS crossing_seq, max(seq) AS latest_seq
       FROM d
       WHERE ($1::text IS NULL OR scope = $1::text) AND ($2::text IS NULL OR period = $2::text)
       GROUP BY scope, period
     )
     SELECT g.scope, g.period, g.counted::text AS counted, g.fees::text AS fees, g.byok_cost::text AS byok_cost,
            g.counted_cost::text AS counted_cost, c.request_id AS crossing_id, c.record::jsonb ->> 'instant' AS crossing_instant,
            l.record::jsonb ->> 'instant' AS latest_instant
     FROM g
     LEFT JOIN ${tables.decisions} AS c ON c.seq = g.crossing_seq
     JOIN ${tables.decisions} AS l ON l.seq = g.latest_seq`,
    [filter.scope ?? null, filter.period ?? null],
  );
  return rows.map((row) => ({
    scope: row.scope,
    period: row.period,
    counted: Number(row.counted),
    feeUnits: numericUnits(row.fees, FEE_SCALE),
    byokCostUnits: numericUnits(row.byok_cost, COST_SCALE),
    countedCostUnits: numericUnits(row.counted_cost, COST_SCALE),
    crossing: row.crossing_id === null ? null : { requestId: row.crossing_id, instant: row.crossing_instant! },
    latestInstant: row.latest_instant,
  }));
}

/** A NUMERIC sum's text (trailing zeros and all) in units at `scale`; none is 0. */
function numericUnits(text: string | null, scale: number): bigint {
  if (text === null) return 0n;
  // NUMERIC keeps the largest scale it summed; stored amounts never exceed `scale` digits.
  const trimmed = text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
  return unitsOf(trimmed, scale);
}
