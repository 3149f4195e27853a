import type { Accounts } from '../accounts/accounts.js';
import type { Policy, PolicyVersion } from '../policy/policyTypes.js';
import { FAILOVER_MODES, KEY_RESULTS, PLATFORM_RESULTS, ROUTES } from '../routing/routeTypes.js';
import { formatInstant } from '../time/instant.js';
import { accountsSql } from './accountsSql.js';
import { type SqlFact, compileTermsToSql, idsSql, ruleOutcomeSql } from './compileTermsToSql.js';
import { binaryCollation, canonicalMoneySql, periodSql, raiseSql } from './dialectExpressions.js';
import {
  BILL_SQL_COLUMNS,
  BILL_SQL_MONEY_COLUMNS,
  OPTIONAL_REQUEST_COLUMNS,
  type OptionalRequestColumn,
  REQUESTS_RELATION,
  type SqlMoneyOutput,
} from './requestsRelation.js';
import { type SqlDialect, isSqlDialect } from './sqlDialect.js';
import { sqlCommentText, sqlIdentifier, sqlString, sqlTimestamp } from './sqlLiteral.js';
import { InvalidArgumentError } from '../errors.js';

export interface BillSqlOptions {
  readonly dialect: SqlDialect;
  /** The relation the query reads (a table or view name). Default: `requests`. */
  readonly relation?: string;
  /** Optional log columns the relation does not have; they read as NULL. Default: none. */
  readonly absentColumns?: readonly OptionalRequestColumn[];
  /** Money columns as canonical text (default, identical to `byok bill`) or exact DECIMALs. */
  readonly money?: SqlMoneyOutput;
}

/** Costs are DECIMAL at the log's scale (FORMATS.md: at most 12 fractional digits). */
const COST_SCALE = 12;

/**
 * The policy's bill as one SQL query (see `compileBillSql`), without the header comment
 * and the closing semicolon: ready to embed, e.g. in `COPY (…) TO 'bill.csv'`.
 */
export function compileBillQuery(policy: Policy, accounts: Accounts | undefined, options: BillSqlOptions): string {
  const dialect = options.dialect;
  if (!isSqlDialect(dialect)) throw new InvalidArgumentError(`byok-billing: unknown SQL dialect ${JSON.stringify(dialect)}`);
  const absent = new Set<string>(options.absentColumns ?? []);
  for (const column of absent) {
    if (!(OPTIONAL_REQUEST_COLUMNS as readonly string[]).includes(column)) {
      throw new InvalidArgumentError(`byok-billing: ${JSON.stringify(column)} is not an optional column (${OPTIONAL_REQUEST_COLUMNS.join(', ')})`);
    }
  }
  const money = options.money ?? 'text';
  const versions = policy.versions;
  const str = (text: string) => sqlString(text, dialect);
  const nullText = dialect === 'ansi' ? "NULLIF('', '')" : 'CAST(NULL AS VARCHAR)';
  const column = (name: OptionalRequestColumn) => (absent.has(name) ? nullText : sqlIdentifier(name));
  const collate = binaryCollation(dialect);

  /** One expression per version, folded to one when the versions agree, else a CASE on version_index. */
  const perVersion = (sqlOf: (version: PolicyVersion) => string): string => {
    const groups = new Map<string, number[]>();
    versions.forEach((version, i) => {
      const sql = sqlOf(version);
      groups.set(sql, [...(groups.get(sql) ?? []), i]);
    });
    if (groups.size === 1) return [...groups.keys()][0]!;
    const entries = [...groups];
    const branches = entries.slice(0, -1).map(([sql, ids]) => `WHEN version_index ${ids.length === 1 ? `= ${ids[0]}` : `IN (${ids.join(', ')})`} THEN ${sql}`);
    return `CASE ${branches.join(' ')} ELSE ${entries[entries.length - 1]![0]} END`;
  };

  // Fee rates as exact DECIMALs of one type: the scale of the finest rate, room for the widest.
  const rates = versions.map((v) => v.parameters.feeRate.toString());
  const rateScale = Math.max(...rates.map((r) => (r.includes('.') ? r.length - r.indexOf('.') - 1 : 0)));
  const integerDigits = (r: string) => {
    const integer = r.includes('.') ? r.slice(0, r.indexOf('.')) : r;
    return integer === '0' ? 0 : integer.length;
  };
  const rateInteger = Math.max(...rates.map(integerDigits));
  const feeScale = COST_SCALE + rateScale;
  const costType = `DECIMAL(38,${COST_SCALE})`;
  const feeType = `DECIMAL(38,${feeScale})`;
  const rateSql = perVersion((v) => `CAST(${str(v.parameters.feeRate.toString())} AS DECIMAL(${Math.max(1, rateInteger + rateScale)},${rateScale}))`);

  // The kernel's decision tables of each version, printed as CASEs that yield a rule id.
  const textFact = (name: string, domain: readonly string[]): SqlFact => ({
    column: name,
    domain,
    isOneOf: (values) => (values.length === 1 ? `${name} = ${str(String(values[0]))}` : `${name} IN (${values.map((v) => str(String(v))).join(', ')})`),
  });
  const tables = compileTermsToSql(versions, {
    failoverMode: textFact('failover_mode', FAILOVER_MODES),
    keyResult: textFact('key_result', KEY_RESULTS),
    platformResult: textFact('platform_result', PLATFORM_RESULTS),
    recordedRoute: textFact('recorded_route', ROUTES),
    route: textFact('route', ROUTES),
    withinAllowance: { column: 'within_allowance', domain: [true, false], isOneOf: (values) => (values[0] === true ? 'within_allowance' : 'NOT within_allowance') },
  });
  const byIndex = <T,>(f: (i: number) => T) => (v: PolicyVersion) => f(versions.indexOf(v));
  const routingCase = perVersion(byIndex((i) => `CASE WHEN key_result IS NOT NULL THEN ${tables.keyedCase(i, '      ')}\n      ELSE ${tables.recordedCase(i, '      ')} END`));
  const chargeCase = perVersion(byIndex((i) => tables.chargeCase(i, '      ')));
  const countedSql = perVersion(byIndex((i) => idsSql('routing_rule', tables.countedIds(i))));

  const scopeSql = perVersion((v) =>
    v.parameters.scopeMode === 'org' ? `CASE WHEN org_id <> '' THEN 'org:' || org_id ELSE 'user:' || user_id END` : `'user:' || user_id`,
  );
  const periodOf = perVersion((v) => periodSql(v.calendar.resetTimeZone, dialect));
  // An account's allowance replaces only a version's that grants one (decideRequest's placeRequest).
  const allowanceSql = perVersion((v) => (v.parameters.allowance > 0 ? `COALESCE(a.free_requests, ${v.parameters.allowance})` : '0'));
  const failoverSql = perVersion((v) => `COALESCE(a.failover_mode, ${str(v.parameters.defaultFailoverMode)})`);

  const first = versions[0]!;
  const versionBranches: string[] = [];
  for (let i = versions.length - 1; i >= 1; i--) versionBranches.push(`WHEN instant >= ${sqlTimestamp(versions[i]!.effectiveFromMs!)} THEN ${i}`);
  const raise = (problem: string) => raiseSql(problem, dialect);
  const inList = (values: readonly string[]) => values.map(str).join(', ');
  const checks = [
    `WHEN request_id IS NULL THEN ${raise('request_id is missing')}`,
    `WHEN instant IS NULL THEN ${raise('timestamp is missing')}`,
    `WHEN user_id IS NULL THEN ${raise('user_id is missing')}`,
    `WHEN cost_usd IS NULL THEN ${raise('cost_usd is missing')}`,
    `WHEN cost_usd < 0 THEN ${raise('cost_usd is negative')}`,
    `WHEN key_result IS NULL AND recorded_route IS NULL THEN ${raise('a request needs key_result or route')}`,
    `WHEN key_result NOT IN (${inList(KEY_RESULTS)}) THEN ${raise(`key_result is not one of ${KEY_RESULTS.join(', ')}`)}`,
    `WHEN platform_result NOT IN (${inList(PLATFORM_RESULTS)}) THEN ${raise(`platform_result is not one of ${PLATFORM_RESULTS.join(', ')}`)}`,
    `WHEN recorded_route NOT IN (${inList(ROUTES)}) THEN ${raise(`route is not one of ${ROUTES.join(', ')}`)}`,
    `WHEN k.conflicting_id IS NOT NULL THEN ${raiseSql('request_id appears twice with different content', dialect, 'k.conflicting_id')}`,
    ...(first.effectiveFromMs === null ? [] : [`WHEN instant < ${sqlTimestamp(first.effectiveFromMs)} THEN ${raise("timestamp is before the policy's first version")}`]),
  ];

  const routeOf = ruleOutcomeSql('routing_rule', tables.routing, (p) => str(p.route));
  const isFee = idsSql('charge_rule', tables.charge.filter((r) => r.params.charge === 'fee').map((r) => r.id));
  const isList = idsSql('charge_rule', tables.charge.filter((r) => r.params.charge === 'list').map((r) => r.id));
  const asMoney = (amount: string) => (money === 'text' ? canonicalMoneySql(amount, dialect) : amount);
  const sumAs = (type: string, amount: string) => `CAST(SUM(${amount}) AS ${type})`;
  const outputs = BILL_SQL_COLUMNS.map((name) => (BILL_SQL_MONEY_COLUMNS.has(name) ? `${asMoney(name)} AS ${name}` : name));

  return `WITH
  -- The log as the policy reads it: '' and NULL both mean absent, platform_result defaults to ok.
  -- Text is compared byte for byte from here on, whatever the columns' or session's collation.
  log_rows AS (
    SELECT request_id${collate} AS request_id, "timestamp" AS instant, user_id${collate} AS user_id,
      COALESCE(${column('org_id')}, '')${collate} AS org_id, CAST(cost_usd AS ${costType}) AS cost_usd,
      NULLIF(${column('key_result')}, '')${collate} AS key_result,
      COALESCE(NULLIF(${column('platform_result')}, ''), 'ok')${collate} AS platform_result,
      NULLIF(${column('route')}, '')${collate} AS recorded_route
    FROM ${sqlIdentifier(options.relation ?? REQUESTS_RELATION)}
  ),
  -- A request_id repeated with the same content counts once (POLICY.md D6).
  distinct_rows AS (
    SELECT DISTINCT request_id, instant, user_id, org_id, cost_usd, key_result, platform_result, recorded_route FROM log_rows
  ),
  -- The same request_id with other content is an error: the least such id, or NULL.
  conflict AS (
    SELECT MIN(request_id) AS conflicting_id
    FROM (SELECT request_id FROM distinct_rows GROUP BY request_id HAVING COUNT(*) > 1) AS c
  ),
  -- The policy version in force at each instant. A row no policy can decide stops the query.
  checked_rows AS (
    SELECT r.*, CASE
      ${[...checks, ...versionBranches].join('\n      ')}
      ELSE 0 END AS version_index
    FROM distinct_rows AS r CROSS JOIN conflict AS k
  ),
  -- Whose allowance (the version's scope mode) and which period (its reset zone).
  placed_rows AS (
    SELECT request_id, instant, cost_usd, key_result, platform_result, recorded_route, version_index,
      ${scopeSql} AS scope,
      ${periodOf} AS period
    FROM checked_rows
    WHERE version_index >= 0
  ),
  -- The accounts file: per-scope failover mode and allowance (NULL: the policy default).
  accounts AS (
${accountsSql(accounts, dialect, '    ')}
  ),
  termed_rows AS (
    SELECT p.*, ${allowanceSql} AS allowance, ${failoverSql} AS failover_mode
    FROM placed_rows AS p LEFT JOIN accounts AS a ON a.scope = p.scope
  ),
  -- The routing tables (the kernel's, compiled once from the rule documents): the deciding
  -- rule's id. Without key_result the route is taken as recorded.
  routed_rows AS (
    SELECT t.*, ${routingCase} AS routing_rule
    FROM termed_rows AS t
  ),
  counting_rows AS (
    SELECT r.*, ${routeOf} AS route, ${countedSql} AS counted
    FROM routed_rows AS r
  ),
  -- The allowance is used in time order, ties by request_id in byte order (POLICY.md D1).
  numbered_rows AS (
    SELECT c.*, CASE WHEN counted THEN ROW_NUMBER() OVER (PARTITION BY scope, period, counted ORDER BY instant, request_id${collate}) END AS ordinal
    FROM counting_rows AS c
  ),
  judged_rows AS (
    SELECT n.*, COALESCE(ordinal <= allowance, FALSE) AS within_allowance FROM numbered_rows AS n
  ),
  -- The charge tables (the kernel's): the deciding rule's id.
  charged_rows AS (
    SELECT j.*, ${chargeCase} AS charge_rule FROM judged_rows AS j
  ),
  -- Exact amounts: the fee is cost x rate at scale ${COST_SCALE} + the rate's, never rounded.
  priced_rows AS (
    SELECT scope, period, route, within_allowance, cost_usd,
      CASE WHEN ${isFee} THEN CAST(cost_usd * ${rateSql} AS ${feeType}) ELSE CAST(0 AS ${feeType}) END AS fee,
      CASE WHEN ${isList} THEN cost_usd ELSE CAST(0 AS ${costType}) END AS list_charge
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
  return (
    `${JSON.stringify(version.version)} ${from}: allowance ${p.allowance}, fee rate ${p.feeRate.toString()}, scope ${p.scopeMode}, ` +
    `counts ${p.counts}, default failover ${p.defaultFailoverMode}, reset zone ${p.resetTimeZone}`
  );
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
    'Policy versions:',
    ...policy.versions.map((v) => `  ${describeVersion(v)}`),
  ];
  return `${header.map((line) => `-- ${sqlCommentText(line)}`).join('\n')}\n${query};\n`;
}
