import { feeTermsShorthand } from '../policy/feeTerms.js';
import type { PolicyVersion } from '../policy/policyTypes.js';
import type { SqlDialect } from './sqlDialect.js';
import { sqlString } from './sqlLiteral.js';
import { type TierSqlTypes, capLiteral } from './tieredFeeSql.js';

/** What the closing CTEs of a query billing tiers are made of (expressions over one row of `ruled_rows`). */
export interface TieredFeeParts {
  /** Whether the row's charge rule says `fee`. */
  readonly isFee: string;
  /** The uncapped tiered fee of a counted row (`tieredVersionSql`, per version). */
  readonly tierFee: string;
  /** The fee of a row that does not count (`uncountedFeeSql`, per version). */
  readonly uncountedFee: string;
  /** The row's cap (`capSql`, per version), or undefined when no version and no account has one. */
  readonly cap: string | undefined;
  /** Whether some version counts list-usd (the rows have `list_to`). */
  readonly listUsd: boolean;
  /** The allowance order, as `ORDER BY` takes it. */
  readonly order: string;
  readonly feeType: string;
}

/**
 * A request that does not count has no place in the tiers: the record ledger charges it a
 * fee (when its charge rule says so) only where its scope's terms are exactly the version's
 * shorthand — no cap, the shorthand's rate — as `rate × cost`; under tiers, 0.
 */
export function uncountedFeeSql(version: PolicyVersion, types: TierSqlTypes): string {
  const zero = `CAST(0 AS ${types.feeType})`;
  const short = feeTermsShorthand(version.feeTerms);
  if (short === undefined || short.feeRate.units === 0n) return zero;
  const rate = `CAST(${sqlString(version.parameters.feeRate.toString(), types.dialect)} AS ${types.rateType})`;
  return `CASE WHEN acct_fee_cap IS NULL AND (acct_fee_rate IS NULL OR acct_fee_rate = ${rate}) THEN CAST(cost_usd * ${rate} AS ${types.feeType}) ELSE ${zero} END`;
}

/** The cap of a row's scope-month under `version`: its account's, else the version's, else NULL (none). */
export function capSql(version: PolicyVersion, feeScale: number, dialect: SqlDialect): string {
  const cap = version.feeTerms.capUsd;
  return `COALESCE(acct_fee_cap, ${cap === undefined ? `CAST(NULL AS DECIMAL(38,${feeScale}))` : capLiteral(cap, feeScale, dialect)})`;
}

/**
 * The CTEs after `ruled_rows` in a query billing tiers (docs/pricing-language.md), ending in
 * `charged_rows` with `tiered_fee`, the fee each row pays: `fee_rows` gives each fee-paying
 * row its uncapped fee; with a cap, `capped_rows` sums them per scope-month in allowance
 * order (`fees_to`, up to and with the row) and the row pays
 * `min(fees_to, cap) − min(fees_to − fee, cap)` — which is the contract's rule: the request
 * that reaches the cap pays the remainder, later ones 0.
 */
export function tieredFeeCtes(parts: TieredFeeParts): string {
  const { feeType } = parts;
  const zero = `CAST(0 AS ${feeType})`;
  const source = parts.listUsd ? '(SELECT r.*, list_to - cost_usd AS list_from FROM ruled_rows AS r)' : 'ruled_rows';
  const feeRows = `,
  -- A counted request charged the fee pays, in its schedule, each tier's rate on its part in the tier.
  fee_rows AS (
    SELECT r.*, CASE WHEN NOT (${parts.isFee}) THEN ${zero} WHEN counted THEN ${parts.tierFee} ELSE ${parts.uncountedFee} END AS uncapped_fee
    FROM ${source} AS r
  ),`;
  if (parts.cap === undefined) {
    return `${feeRows}
  charged_rows AS (
    SELECT f.*, uncapped_fee AS tiered_fee FROM fee_rows AS f
  )`;
  }
  // LEAST is not standard SQL.
  const least = (a: string, b: string) => `CASE WHEN ${a} < ${b} THEN ${a} ELSE ${b} END`;
  return `${feeRows}
  -- The cap per scope-month: fees accumulate in allowance order; what passes the cap is not paid
  -- (paid = min(fees up to and with it, cap) - min(fees before it, cap)).
  capped_rows AS (
    SELECT f.*, ${parts.cap} AS fee_cap,
      SUM(uncapped_fee) OVER (PARTITION BY scope, period ORDER BY ${parts.order} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS fees_to
    FROM fee_rows AS f
  ),
  charged_rows AS (
    SELECT c.*, CASE WHEN fee_cap IS NULL THEN uncapped_fee
      ELSE CAST(${least('fees_to', 'fee_cap')} - ${least('fees_to - uncapped_fee', 'fee_cap')} AS ${feeType}) END AS tiered_fee
    FROM capped_rows AS c
  )`;
}
