import type { Accounts } from '../accounts/accounts.js';
import type { Policy } from '../policy/policyTypes.js';
import { type BillSqlOptions, COST_SCALE, billRowsSql } from './billRowsSql.js';

/** The line sums query is DuckDB's: HUGEINT and `//` are its own. */
export interface LineSumsSqlOptions extends Omit<BillSqlOptions, 'dialect' | 'money'> {
  readonly dialect: 'duckdb';
}

/**
 * Whole dollars are cut into two pieces at 10^this: each below 10^13 (costs stay below
 * 10^26 dollars), as the fraction's units are (10^12).
 */
export const DOLLARS_PIECE_DIGITS = 13;
const PIECE = `1${'0'.repeat(DOLLARS_PIECE_DIGITS)}`;
const FRACTION_UNITS = `1${'0'.repeat(COST_SCALE)}`;

/**
 * The exact sums behind the money columns of the bill lines, for an engine whose
 * DECIMAL stops at 38 digits (DuckDB): where the bill query would overflow (a line
 * whose costs reach 10^26 dollars, or whose fees and totals reach 10^(38 − the fee
 * scale)), `byok bill` has no limit, so such a line must be found before the query runs.
 *
 * One row per scope, period, policy version, route and charge (`fee`, `list` or `none`),
 * the same requests as `compileBillQuery`'s, with the sum of their costs in three
 * integer pieces: `dollars_high` (whole dollars // 10^13), `dollars_low` (whole dollars
 * % 10^13) and `fraction_units` (the fraction in units of 10^-12). Every piece is below
 * 10^13, so their HUGEINT sums overflow for no number of rows DuckDB can count. The
 * caller puts them together exactly: cost = (high × 10^13 + low) + units × 10^-12, and
 * a fee is that cost × the version's fee rate.
 *
 * @example
 * compileLineSumsQuery(defaultPolicy(), undefined, { dialect: 'duckdb' }).includes('fraction_units') //=> true
 */
export function compileLineSumsQuery(policy: Policy, accounts: Accounts | undefined, options: LineSumsSqlOptions): string {
  const rows = billRowsSql(policy, accounts, options);
  return `${rows.ruledCtes},
  -- Each cost in integer pieces below 10^13: their sums cannot overflow a HUGEINT.
  cost_pieces AS (
    SELECT scope, period, version_index, route,
      CASE WHEN ${rows.isFee} THEN 'fee' WHEN ${rows.isList} THEN 'list' ELSE 'none' END AS charge,
      CAST(floor(cost_usd) AS HUGEINT) AS dollars,
      CAST((cost_usd - floor(cost_usd)) * ${FRACTION_UNITS} AS HUGEINT) AS fraction
    FROM ${rows.ruledRows}
  )
SELECT scope, period, version_index, route, charge,
  SUM(dollars // ${PIECE}) AS dollars_high, SUM(dollars % ${PIECE}) AS dollars_low, SUM(fraction) AS fraction_units
FROM cost_pieces
GROUP BY scope, period, version_index, route, charge`;
}
