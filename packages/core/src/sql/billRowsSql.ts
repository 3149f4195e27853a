import type { Accounts } from '../accounts/accounts.js';
import type { Policy, PolicyVersion } from '../policy/policyTypes.js';
import { FAILOVER_MODES, KEY_RESULTS, PLATFORM_RESULTS, ROUTES } from '../routing/routeTypes.js';
import { accountsSql } from './accountsSql.js';
import { billDecisionTables, idsSql, ruleOutcomeSql, textSqlFact } from './compileTermsToSql.js';
import { binaryCollation, periodSql, raiseSql } from './dialectExpressions.js';
import { OPTIONAL_REQUEST_COLUMNS, type OptionalRequestColumn, REQUESTS_RELATION, type SqlMoneyOutput } from './requestsRelation.js';
import { type SqlDialect, isSqlDialect } from './sqlDialect.js';
import { sqlIdentifier, sqlString, sqlTimestamp } from './sqlLiteral.js';
import { InvalidArgumentError } from '../errors.js';
import { feeUnitsOf } from '../policy/placeTiers.js';
import { scheduleChoiceSql } from './scheduleChoiceSql.js';
import { capSql, tieredFeeCtes, uncountedFeeSql } from './tieredFeeCtes.js';
import { billsTiers, pricingNeeds, rateDigits, rateTypeOf, tierRates, tieredVersionSql } from './tieredFeeSql.js';

export interface BillSqlOptions {
  readonly dialect: SqlDialect;
  /** The relation the query reads (a table or view name). Default: `requests`. */
  readonly relation?: string;
  /** Optional log columns the relation does not have; they read as NULL. Default: none. */
  readonly absentColumns?: readonly OptionalRequestColumn[];
  /** Money columns as canonical text (default, identical to `byok bill`) or exact DECIMALs. */
  readonly money?: SqlMoneyOutput;
  /**
   * A column of the relation holding the nanoseconds of each request's instant past its
   * microsecond (an integer 0–999: the 7th to 9th fractional digits of its timestamp),
   * `timestamp` then holding the instant cut to the microsecond. With it the allowance
   * order and duplicates are exact to the nanosecond, as `byok bill`'s are; without it
   * (the default) they are exact to the microsecond, the precision of TIMESTAMPTZ.
   */
  readonly nanosecondColumn?: string;
}

/** Costs are DECIMAL at the log's scale (FORMATS.md: at most 12 fractional digits). */
export const COST_SCALE = 12;

/**
 * The scale of fees (and totals) in the query: the cost scale plus the finest fee rate's
 * scale, so `cost × rate` is exact. Engines whose DECIMAL holds 38 digits hold fees
 * below 10^(38 - this scale) dollars. A policy billed by tiers (`billsTiers`) counts
 * every tier's rate and every account's `fee_rate` too.
 */
export function feeScaleOf(policy: Policy, accounts?: Accounts): number {
  const plain = Math.max(...policy.versions.map((v) => rateDigits(v.parameters.feeRate.toString()).scale));
  if (!billsTiers(policy, accounts)) return COST_SCALE + plain;
  return COST_SCALE + Math.max(plain, ...tierRates(policy, accounts).map((r) => rateDigits(r.toString()).scale));
}

/** The query up to `charged_rows`, and the expressions its closing CTEs need. */
export interface BillRowsSql {
  /**
   * `WITH` and the CTEs up to `charged_rows` (no trailing comma): one row per distinct
   * request with `scope`, `period`, `version_index`, `route`, `within_allowance`,
   * `charge_rule` and `cost_usd` (DECIMAL(38,12)); billing tiers, also `tiered_fee`
   * (`feeSql`), and the columns of the CTEs before (tieredFeeCtes.ts).
   */
  readonly ctes: string;
  /** Whether a `charged_rows` row pays a fee (cost × rate) / its list cost. */
  readonly isFee: string;
  readonly isList: string;
  /** The row's fee rate, a DECIMAL of one type for all versions (the shorthand's: a policy billed by tiers has `tiered_fee` instead). */
  readonly rateSql: string;
  /** The fee of a `charged_rows` row that pays one, at the fee type: cost × rate, or (tiers) its column `tiered_fee`. */
  readonly feeSql: string;
  /**
   * The CTEs up to the rows with their charge rule but no fee (`ruledRows`, its name): what
   * reads only costs and charge kinds (the line sums) needs none of the tiers' sums, which
   * could overflow where the line sums must find the overflow first.
   */
  readonly ruledCtes: string;
  readonly ruledRows: string;
  readonly costType: string;
  readonly feeType: string;
  /** `COLLATE …` for byte order, or '' (ansi). */
  readonly collate: string;
}

/** Refuses options no query can be written for (untyped callers: the CLI, JavaScript users). */
function checkOptions(options: BillSqlOptions): void {
  if (!isSqlDialect(options.dialect)) throw new InvalidArgumentError(`byok-billing: unknown SQL dialect ${JSON.stringify(options.dialect)}`);
  for (const column of options.absentColumns ?? []) {
    if (!(OPTIONAL_REQUEST_COLUMNS as readonly string[]).includes(column)) {
      throw new InvalidArgumentError(`byok-billing: ${JSON.stringify(column)} is not an optional column (${OPTIONAL_REQUEST_COLUMNS.join(', ')})`);
    }
  }
  // sqlIdentifier refuses what no dialect can name.
  if (options.nanosecondColumn !== undefined) sqlIdentifier(options.nanosecondColumn);
}

/** One expression per version, folded to one when the versions agree, else a CASE on version_index. */
export function perVersion(versions: readonly PolicyVersion[], sqlOf: (version: PolicyVersion, index: number) => string): string {
  const groups = new Map<string, number[]>();
  versions.forEach((version, i) => {
    const sql = sqlOf(version, i);
    groups.set(sql, [...(groups.get(sql) ?? []), i]);
  });
  if (groups.size === 1) return [...groups.keys()][0]!;
  const entries = [...groups];
  const branches = entries.slice(0, -1).map(([sql, ids]) => `WHEN version_index ${ids.length === 1 ? `= ${ids[0]}` : `IN (${ids.join(', ')})`} THEN ${sql}`);
  return `CASE ${branches.join(' ')} ELSE ${entries[entries.length - 1]![0]} END`;
}

/** Fee rates as exact DECIMALs of one type: the scale of the finest rate, room for the widest. */
function rateSqlOf(versions: readonly PolicyVersion[], dialect: SqlDialect): string {
  const digits = versions.map((v) => rateDigits(v.parameters.feeRate.toString()));
  const scale = Math.max(...digits.map((d) => d.scale));
  const integer = Math.max(...digits.map((d) => d.integer));
  return perVersion(versions, (v) => `CAST(${sqlString(v.parameters.feeRate.toString(), dialect)} AS DECIMAL(${Math.max(1, integer + scale)},${scale}))`);
}

/** The row checks of `checked_rows`: a row no policy can decide stops the query. */
function checksSql(policy: Policy, dialect: SqlDialect, withNanoseconds: boolean): string[] {
  const str = (text: string) => sqlString(text, dialect);
  const raise = (problem: string) => raiseSql(problem, dialect);
  const inList = (values: readonly string[]) => values.map(str).join(', ');
  const first = policy.versions[0]!;
  return [
    `WHEN request_id IS NULL THEN ${raise('request_id is missing')}`,
    `WHEN instant IS NULL THEN ${raise('timestamp is missing')}`,
    ...(withNanoseconds ? [`WHEN instant_nanos IS NULL OR instant_nanos < 0 OR instant_nanos > 999 THEN ${raise('the nanosecond column is not a number from 0 to 999')}`] : []),
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
}

/**
 * The part of the bill query every closing shares (`compileBillQuery`'s lines,
 * `compileLineSumsQuery`'s exact sums): the relation read and normalised, checked,
 * placed in its scope and period, routed, numbered in allowance order and charged, by
 * the kernel's decision tables. Each CTE says why it is there.
 */
export function billRowsSql(policy: Policy, accounts: Accounts | undefined, options: BillSqlOptions): BillRowsSql {
  checkOptions(options);
  const { dialect } = options;
  const versions = policy.versions;
  const absent = new Set<string>(options.absentColumns ?? []);
  const str = (text: string) => sqlString(text, dialect);
  const nullText = dialect === 'ansi' ? "NULLIF('', '')" : 'CAST(NULL AS VARCHAR)';
  const column = (name: OptionalRequestColumn) => (absent.has(name) ? nullText : sqlIdentifier(name));
  const collate = binaryCollation(dialect);
  const costType = `DECIMAL(38,${COST_SCALE})`;
  const feeScale = feeScaleOf(policy, accounts);
  const feeType = `DECIMAL(38,${feeScale})`;
  // The pricing language (docs/pricing-language.md): tiers, schedules, caps and contract
  // terms. A policy the shorthand bills (and accounts without fee_rate/fee_cap_usd) keeps
  // the plain query, unchanged: fee = cost × rate.
  const { tiered, byFacts, listUsd, capped } = pricingNeeds(policy, accounts);
  const factSelect = byFacts ? `,\n      COALESCE(${column('provider')}, '')${collate} AS provider, COALESCE(${column('model')}, '')${collate} AS model` : '';
  const factColumns = byFacts ? ', provider, model' : '';
  // The nanoseconds past the microsecond, when the relation has them, are part of the
  // instant: of its content (duplicates) and of the allowance order.
  const nanos = options.nanosecondColumn === undefined ? undefined : sqlIdentifier(options.nanosecondColumn);
  const nanosSelect = nanos === undefined ? '' : `, ${nanos} AS instant_nanos`;
  const nanosColumn = nanos === undefined ? '' : ', instant_nanos';

  // The kernel's decision tables of each version, printed as CASEs that yield a rule id.
  const textFact = (name: string, domain: readonly string[]) => textSqlFact(name, domain, str);
  const tables = billDecisionTables(versions, str);
  const each = (sqlOf: (version: PolicyVersion, index: number) => string) => perVersion(versions, sqlOf);
  const routingCase = each((_, i) => `CASE WHEN key_result IS NOT NULL THEN ${tables.keyedCase(i, '      ')}\n      ELSE ${tables.recordedCase(i, '      ')} END`);
  const chargeCase = each((_, i) => tables.chargeCase(i, '      '));
  const countedSql = each((_, i) => idsSql('routing_rule', tables.countedIds(i)));
  const routeOf = ruleOutcomeSql('routing_rule', tables.routing, (p) => str(p.route));

  // The scope under mode `org` is also whose keys serve a request, under every mode (keyOwnerOf).
  const orgScopeSql = `CASE WHEN org_id <> '' THEN 'org:' || org_id ELSE 'user:' || user_id END`;
  const scopeSql = each((v) => (v.parameters.scopeMode === 'org' ? orgScopeSql : `'user:' || user_id`));
  // Under scope mode `user` an org member's failover mode is the org's account's: a second
  // join, written only when some version pools allowances per user.
  const ownerJoined = versions.some((v) => v.parameters.scopeMode === 'user');
  const periodOf = each((v) => periodSql(v.calendar.resetTimeZone, dialect));
  // An account's allowance replaces only a version's that grants one (decideRequest's placeRequest).
  const allowanceSql = each((v) => (v.parameters.allowance > 0 ? `COALESCE(a.free_requests, ${v.parameters.allowance})` : '0'));
  const failoverSql = each((v) => `COALESCE(${v.parameters.scopeMode === 'org' ? 'a' : 'o'}.failover_mode, ${str(v.parameters.defaultFailoverMode)})`);
  const rateType = rateTypeOf(tiered ? tierRates(policy, accounts) : []);
  const tierTypes = { dialect, rateType, feeType };
  const tierSql = versions.map((v) => (tiered ? tieredVersionSql(v, tierTypes) : undefined));
  const scheduleFacts = {
    literal: str,
    failoverMode: textFact('failover_mode', FAILOVER_MODES),
    keyResult: textFact(`COALESCE(key_result, 'ok')`, KEY_RESULTS),
    platformResult: textFact('platform_result', PLATFORM_RESULTS),
  };
  const versionBranches: string[] = [];
  for (let i = versions.length - 1; i >= 1; i--) versionBranches.push(`WHEN instant >= ${sqlTimestamp(versions[i]!.effectiveFromMs!)} THEN ${i}`);

  const ctes = `WITH
  -- The log as the policy reads it: '' and NULL both mean absent, platform_result defaults to ok.
  -- Text is compared byte for byte from here on, whatever the columns' or session's collation.
  log_rows AS (
    SELECT request_id${collate} AS request_id, "timestamp" AS instant${nanosSelect}, user_id${collate} AS user_id,
      COALESCE(${column('org_id')}, '')${collate} AS org_id, CAST(cost_usd AS ${costType}) AS cost_usd,
      NULLIF(${column('key_result')}, '')${collate} AS key_result,
      COALESCE(NULLIF(${column('platform_result')}, ''), 'ok')${collate} AS platform_result,
      NULLIF(${column('route')}, '')${collate} AS recorded_route${factSelect}
    FROM ${sqlIdentifier(options.relation ?? REQUESTS_RELATION)}
  ),
  -- A request_id repeated with the same content counts once (POLICY.md D6).
  distinct_rows AS (
    SELECT DISTINCT request_id, instant${nanosColumn}, user_id, org_id, cost_usd, key_result, platform_result, recorded_route${factColumns} FROM log_rows
  ),
  -- The same request_id with other content is an error: the least such id, or NULL.
  conflict AS (
    SELECT MIN(request_id) AS conflicting_id
    FROM (SELECT request_id FROM distinct_rows GROUP BY request_id HAVING COUNT(*) > 1) AS c
  ),
  -- The policy version in force at each instant. A row no policy can decide stops the query.
  checked_rows AS (
    SELECT r.*, CASE
      ${[...checksSql(policy, dialect, nanos !== undefined), ...versionBranches].join('\n      ')}
      ELSE 0 END AS version_index
    FROM distinct_rows AS r CROSS JOIN conflict AS k
  ),
  -- Whose allowance (the version's scope mode)${ownerJoined ? ', whose keys (the org of an org member, else the user)' : ''} and which period (its reset zone).
  placed_rows AS (
    SELECT request_id, instant${nanosColumn}, cost_usd, key_result, platform_result, recorded_route${factColumns}, version_index,
      ${scopeSql} AS scope,${ownerJoined ? `\n      ${orgScopeSql} AS key_owner,` : ''}
      ${periodOf} AS period
    FROM checked_rows
    WHERE version_index >= 0
  ),
  -- The accounts file: per-scope failover mode and allowance (NULL: the policy default).
  accounts AS (
${accountsSql(accounts, dialect, '    ', tiered ? { units: feeUnitsOf(policy), rateType, feeScale } : undefined)}
  ),
  -- The allowance is the scope's account's; the failover mode the account's of whose keys serve
  -- the request (under scope mode org, the same account).
  termed_rows AS (
    SELECT p.*, ${allowanceSql} AS allowance, ${failoverSql} AS failover_mode${
      tiered ? ',\n      a.free_requests AS acct_free_requests, a.free_usd AS acct_free_usd, a.fee_rate AS acct_fee_rate, a.fee_cap_usd AS acct_fee_cap' : ''
    }
    FROM placed_rows AS p LEFT JOIN accounts AS a ON a.scope = p.scope${ownerJoined ? '\n      LEFT JOIN accounts AS o ON o.scope = p.key_owner' : ''}
  ),
  -- The routing tables (the kernel's, compiled once from the rule documents): the deciding
  -- rule's id. Without key_result the route is taken as recorded.
  routed_rows AS (
    SELECT t.*, ${routingCase} AS routing_rule
    FROM termed_rows AS t
  ),
  counting_rows AS (
    SELECT r.*, ${routeOf} AS route, ${countedSql} AS counted${tiered ? `,\n      ${each((v) => scheduleChoiceSql(v, scheduleFacts, '      '))} AS schedule_index` : ''}
    FROM routed_rows AS r
  ),
  -- The allowance is used in time order, ties by request_id in byte order (POLICY.md D1).
  numbered_rows AS (
    SELECT c.*, CASE WHEN counted THEN ROW_NUMBER() OVER (PARTITION BY scope, period, counted ORDER BY instant${nanosColumn}, request_id${collate}) END AS ordinal${
      listUsd
        ? `,\n      -- list-usd tiers: the scope-month's cumulative list cost of counted requests, up to and with this one.\n      CASE WHEN counted THEN SUM(cost_usd) OVER (PARTITION BY scope, period, counted ORDER BY instant${nanosColumn}, request_id${collate} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS list_to`
        : ''
    }
    FROM counting_rows AS c
  ),
  judged_rows AS (
    ${
      tiered
        ? `-- Free: all of a counted request in its schedule's free tier (the charge rules' "within").
    SELECT n.*, CASE WHEN counted THEN ${each((_, i) => `(${tierSql[i]!.free})`)} ELSE FALSE END AS within_allowance FROM numbered_rows AS n`
        : 'SELECT n.*, COALESCE(ordinal <= allowance, FALSE) AS within_allowance FROM numbered_rows AS n'
    }
  ),
  -- The charge tables (the kernel's): the deciding rule's id.
  ${tiered ? 'ruled_rows' : 'charged_rows'} AS (
    SELECT j.*, ${chargeCase} AS charge_rule FROM judged_rows AS j
  )`;
  return {
    ctes: tiered
      ? `${ctes}${tieredFeeCtes({
          isFee: idsSql('charge_rule', tables.charge.filter((r) => r.params.charge === 'fee').map((r) => r.id)),
          tierFee: each((_, i) => tierSql[i]!.fee),
          uncountedFee: each((v) => uncountedFeeSql(v, tierTypes)),
          cap: capped ? each((v) => capSql(v, feeScale, dialect)) : undefined,
          listUsd,
          order: `instant${nanosColumn}, request_id${collate}`,
          feeType,
        })}`
      : ctes,
    ruledCtes: ctes,
    ruledRows: tiered ? 'ruled_rows' : 'charged_rows',
    isFee: idsSql('charge_rule', tables.charge.filter((r) => r.params.charge === 'fee').map((r) => r.id)),
    isList: idsSql('charge_rule', tables.charge.filter((r) => r.params.charge === 'list').map((r) => r.id)),
    rateSql: rateSqlOf(versions, dialect),
    feeSql: tiered ? 'tiered_fee' : `CAST(cost_usd * ${rateSqlOf(versions, dialect)} AS ${feeType})`,
    costType,
    feeType,
    collate,
  };
}
