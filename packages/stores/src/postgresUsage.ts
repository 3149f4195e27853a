import { COST_SCALE, type DecisionRecord, FEE_SCALE, type UsageFilter, type UsageTotals, unitsOf } from '@byok-billing/core';
import type { PoolClient } from 'pg';
import type { PostgresTables } from './postgresSchema.js';
import { decodeRecord } from './storedRecord.js';

/**
 * A record PostgreSQL's JSON types refuse: JSON.stringify writes a lone surrogate (an id
 * that is not well-formed UTF-16) as `\udXXX`, and NUL as `\u0000`, which `json`/`jsonb`
 * reject, so one such record would fail the whole query. Those few are summed here instead
 * (a false match, such as an id holding the text `\ud800`, is summed here too, just as exactly).
 */
const REFUSED_BY_JSONB = String.raw`record ~* '\\u(d[89a-f]|0000)'`;

interface UsageRow {
  readonly scope: string;
  readonly period: string;
  readonly counted: string;
  readonly fees: string | null;
  readonly byok_cost: string | null;
  readonly counted_cost: string | null;
  readonly crossing_seq: string | null;
  readonly crossing_record: string | null;
  readonly latest_seq: string;
  readonly latest_record: string;
}

/** Totals with the seqs of their crossing and latest decisions, to merge the two sums. */
interface SeqTotals {
  readonly totals: UsageTotals;
  readonly crossingSeq: bigint | null;
  readonly latestSeq: bigint;
}

/**
 * Each scope-month's usage totals, summed by PostgreSQL: amounts as NUMERIC, which sums
 * decimal text exactly, and the crossing (first billable) and latest decisions found by
 * seq within the same query, so nothing per decision leaves the server. The record is the
 * decision's JSON text (`postgresSchema.ts`); `->>` gives its money strings as written.
 * Names, ids and instants come from the records' own JSON, parsed here, so they are exact.
 */
export async function postgresUsageTotals(client: PoolClient, tables: PostgresTables, filter: UsageFilter): Promise<UsageTotals[]> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const summed = await summedInSql(client, tables, filter);
    const refused = await client.query<{ seq_text: string; request_id: string; record: string }>(
      `SELECT seq::text AS seq_text, request_id, record FROM ${tables.decisions} WHERE ${REFUSED_BY_JSONB} ORDER BY seq`,
    );
    await client.query('COMMIT');
    const byKey = new Map(summed.map((s) => [`${s.totals.scope}\n${s.totals.period}`, s]));
    for (const row of refused.rows) {
      // The request_id column holds the id as PostgreSQL could keep it; the JSON keeps it exactly.
      const record = decodeRecord(row.record, row.request_id, () => true);
      if ((filter.scope !== undefined && record.scope !== filter.scope) || (filter.period !== undefined && record.period !== filter.period)) continue;
      const key = `${record.scope}\n${record.period}`;
      byKey.set(key, merged(byKey.get(key), single(record, BigInt(row.seq_text))));
    }
    return [...byKey.values()].map((s) => s.totals);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function summedInSql(client: PoolClient, tables: PostgresTables, filter: UsageFilter): Promise<SeqTotals[]> {
  const { rows } = await client.query<UsageRow>(
    `WITH d AS (
       SELECT seq, j ->> 'scope' AS scope, j ->> 'period' AS period, j ->> 'ordinal' AS ordinal, j ->> 'route' AS route,
              j ->> 'status' AS status, (j ->> 'costUsd')::numeric AS cost, (j ->> 'feeUsd')::numeric AS fee
       FROM (SELECT seq, record::jsonb AS j FROM ${tables.decisions} WHERE NOT (${REFUSED_BY_JSONB})) AS r
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
            g.counted_cost::text AS counted_cost, g.crossing_seq::text AS crossing_seq, c.record AS crossing_record,
            g.latest_seq::text AS latest_seq, l.record AS latest_record
     FROM g
     LEFT JOIN ${tables.decisions} AS c ON c.seq = g.crossing_seq
     JOIN ${tables.decisions} AS l ON l.seq = g.latest_seq`,
    [filter.scope ?? null, filter.period ?? null],
  );
  return rows.map((row) => {
    const crossing = row.crossing_record === null ? null : (JSON.parse(row.crossing_record) as DecisionRecord);
    const latest = JSON.parse(row.latest_record) as DecisionRecord;
    return {
      totals: {
        scope: row.scope,
        period: row.period,
        counted: Number(row.counted),
        feeUnits: numericUnits(row.fees, FEE_SCALE),
        byokCostUnits: numericUnits(row.byok_cost, COST_SCALE),
        countedCostUnits: numericUnits(row.counted_cost, COST_SCALE),
        crossing: crossing === null ? null : { requestId: crossing.requestId, instant: crossing.instant },
        latestInstant: latest.instant,
      },
      crossingSeq: row.crossing_seq === null ? null : BigInt(row.crossing_seq),
      latestSeq: BigInt(row.latest_seq),
    };
  });
}

/** The totals of one decision. */
function single(r: DecisionRecord, seq: bigint): SeqTotals {
  const cost = unitsOf(r.costUsd, COST_SCALE);
  const billable = r.status === 'billable';
  return {
    totals: {
      scope: r.scope,
      period: r.period,
      counted: r.ordinal === null ? 0 : 1,
      feeUnits: unitsOf(r.feeUsd, FEE_SCALE),
      byokCostUnits: r.route === 'byok' ? cost : 0n,
      countedCostUnits: r.ordinal === null ? 0n : cost,
      crossing: billable ? { requestId: r.requestId, instant: r.instant } : null,
      latestInstant: r.instant,
    },
    crossingSeq: billable ? seq : null,
    latestSeq: seq,
  };
}

/** Two sums of one scope-month as one: amounts added, the earlier crossing, the later latest. */
function merged(a: SeqTotals | undefined, b: SeqTotals): SeqTotals {
  if (a === undefined) return b;
  const crossingFromB = b.crossingSeq !== null && (a.crossingSeq === null || b.crossingSeq < a.crossingSeq);
  const latestFromB = b.latestSeq > a.latestSeq;
  return {
    totals: {
      scope: a.totals.scope,
      period: a.totals.period,
      counted: a.totals.counted + b.totals.counted,
      feeUnits: a.totals.feeUnits + b.totals.feeUnits,
      byokCostUnits: a.totals.byokCostUnits + b.totals.byokCostUnits,
      countedCostUnits: a.totals.countedCostUnits + b.totals.countedCostUnits,
      crossing: crossingFromB ? b.totals.crossing : a.totals.crossing,
      latestInstant: latestFromB ? b.totals.latestInstant : a.totals.latestInstant,
    },
    crossingSeq: crossingFromB ? b.crossingSeq : a.crossingSeq,
    latestSeq: latestFromB ? b.latestSeq : a.latestSeq,
  };
}

/** A NUMERIC sum's text (trailing zeros and all) in units at `scale`; none is 0. */
function numericUnits(text: string | null, scale: number): bigint {
  if (text === null) return 0n;
  // NUMERIC keeps the largest scale it summed; stored amounts never exceed `scale` digits.
  const trimmed = text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
  return unitsOf(trimmed, scale);
}
