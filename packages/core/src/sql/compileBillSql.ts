import type { Accounts } from '../accounts/accounts.js';
import type { Policy, PolicyVersion } from '../policy/policyTypes.js';
import { formatInstant } from '../time/instant.js';
import { Money } from '../money/money.js';
import { type FeeSchedule, type FeeTerms, LIST_USD_BOUND_SCALE, feeTermsShorthand } from '../policy/feeTerms.js';
import { type BillSqlOptions, COST_SCALE, billRowsSql } from './billRowsSql.js';
import { canonicalMoneySql } from './dialectExpressions.js';
import { BILL_SQL_COLUMNS, BILL_SQL_MONEY_COLUMNS, REQUESTS_RELATION } from './requestsRelation.js';
import { sqlCommentText } from './sqlLiteral.js';
import { clickhouseBillQuery } from './clickhouse/clickhouseBillQuery.js';

export type { BillSqlOptions } from './billRowsSql.js';

/**
 * The policy's bill as one SQL query (see `compileBillSql`), without the header comment
 * and the closing semicolon: ready to embed, e.g. in `COPY (…) TO 'bill.csv'`.
 */
export function compileBillQuery(policy: Policy, accounts: Accounts | undefined, options: BillSqlOptions): string {
  // ClickHouse has no window functions and no CTEs: its query is built apart, from the same decision tables.
  if (options.dialect === 'clickhouse') return clickhouseBillQuery(policy, accounts, options);
  const rows = billRowsSql(policy, accounts, options);
  const { costType, feeType, collate } = rows;
  const money = options.money ?? 'text';
  const asMoney = (amount: string) => (money === 'text' ? canonicalMoneySql(amount, options.dialect) : amount);
  const sumAs = (type: string, amount: string) => `CAST(SUM(${amount}) AS ${type})`;
  const outputs = BILL_SQL_COLUMNS.map((name) => (BILL_SQL_MONEY_COLUMNS.has(name) ? `${asMoney(name)} AS ${name}` : name));

  return `${rows.ctes},
  -- Exact amounts: the fee is cost x rate at scale ${COST_SCALE} + the rate's, never rounded.
  priced_rows AS (
    SELECT scope, period, route, within_allowance, cost_usd,
      CASE WHEN ${rows.isFee} THEN ${rows.feeSql} ELSE CAST(0 AS ${feeType}) END AS fee,
      CASE WHEN ${rows.isList} THEN cost_usd ELSE CAST(0 AS ${costType}) END AS list_charge
    FROM charged_rows
  ),
  lines AS (
    SELECT scope, period,
      COUNT(CASE WHEN route = 'byok' THEN 1 END) AS byok_requests,
      COUNT(CASE WHEN route = 'byok' AND within_allowance THEN 1 END) AS free_requests,
      COUNT(CASE WHEN route = 'byok' AND NOT within_allowance THEN 1 END) AS billable_requests,
      ${sumAs(costType, `CASE WHEN route = 'byok' THEN cost_usd ELSE CAST(0 AS ${costType}) END`)} AS byok_cost_usd,
      ${sumAs(feeType, 'fee')} AS fee_usd,
      COUNT(CASE WHEN route = 'platform' THEN 1 END) AS platform_requests,
      ${sumAs(costType, `CASE WHEN route = 'platform' THEN cost_usd ELSE CAST(0 AS ${costType}) END`)} AS platform_cost_usd,
      COUNT(CASE WHEN route = 'failed' THEN 1 END) AS failed_requests,
      ${sumAs(feeType, `fee + CAST(list_charge AS ${feeType})`)} AS total_usd
    FROM priced_rows
    GROUP BY scope, period
  )
SELECT ${outputs.join(', ')}
FROM lines
ORDER BY scope${collate}, period${collate}`;
}

/** What the header says of a version's terms. */
function describeVersion(version: PolicyVersion): string {
  const p = version.parameters;
  const from = version.effectiveFromMs === null ? 'from the start' : `from ${formatInstant({ epochMs: version.effectiveFromMs, nanos: 0 })}`;
  const fees = feeTermsShorthand(version.feeTerms) === undefined ? describeFees(version.feeTerms) : `allowance ${p.allowance}, fee rate ${p.feeRate.toString()}`;
  return (
    `${JSON.stringify(version.version)} ${from}: ${fees}, scope ${p.scopeMode}, ` +
    `counts ${p.counts}, default failover ${p.defaultFailoverMode}, reset zone ${p.resetTimeZone}`
  );
}

/** Pricing-language terms as `tiers` writes them (`upTo:rate/…/rate`, list-usd bounds in dollars). */
function describeFees(terms: FeeTerms): string {
  const bound = (upTo: number | bigint) => (typeof upTo === 'bigint' ? new Money(upTo, LIST_USD_BOUND_SCALE).toString() : String(upTo));
  const schedules = (terms.schedules as readonly FeeSchedule<number | bigint>[]).map(
    (s) => `${s.name} ${s.tiers.map((t) => (t.upTo === null ? t.rate.toString() : `${bound(t.upTo)}:${t.rate.toString()}`)).join('/')}`,
  );
  return `fees in ${terms.unit} (${schedules.join('; ')})${terms.capUsd === undefined ? '' : `, cap ${terms.capUsd.toString()}`}`;
}

/**
 * Compiles the policy (and the accounts file) to one SQL query that turns the relation
 * `requests` — the request log's columns, as `requestsRelation.ts` defines them — into
 * the bill lines `byok bill` gives, field for field, sorted by scope then period in byte
 * order. Routing, counting and charges are the kernel's compiled decision tables
 * (`decisionTerms`, the ones every JS path decides by) printed as CASE expressions; versions, parameters and accounts
 * become CASEs on the version in force and a VALUES list. Money is exact DECIMAL
 * throughout. Pure: the script is returned, never run.
 *
 * Policy and accounts are data: every value they carry is written as a quoted literal
 * or an escaped comment, so no file can change what the query does.
 *
 * @example
 * compileBillSql(defaultPolicy(), undefined, { dialect: 'duckdb' }).startsWith('-- byok-billing') //=> true
 */
export function compileBillSql(policy: Policy, accounts: Accounts | undefined, options: BillSqlOptions): string {
  const query = compileBillQuery(policy, accounts, options);
  const header = [
    `byok-billing: the bill lines of the relation ${options.relation ?? REQUESTS_RELATION} (dialect ${options.dialect}),`,
    `money as ${options.money ?? 'text'}, under the policy ${JSON.stringify(policy.id)} (sha256 ${policy.sha256})`,
    `with ${accounts?.size ?? 0} account${accounts?.size === 1 ? '' : 's'}. Generated by compileBillSql (byok sql); the relation's`,
    'columns and types: docs/sql.md. One query; output columns as `byok bill --format csv`.',
    options.dialect === 'clickhouse'
      ? 'Instants to the nanosecond: the timestamp column holds Int64 epoch nanoseconds.'
      : options.nanosecondColumn === undefined
      ? 'Instants to the microsecond (the timestamp column).'
      : `Instants to the nanosecond: the timestamp column, then the nanoseconds past its microsecond in ${JSON.stringify(options.nanosecondColumn)}.`,
    'Policy versions:',
    ...policy.versions.map((v) => `  ${describeVersion(v)}`),
  ];
  return `${header.map((line) => `-- ${sqlCommentText(line)}`).join('\n')}\n${query};\n`;
}
