import type { Accounts } from '../../accounts/accounts.js';
import { InvalidArgumentError } from '../../errors.js';
import { feeUnitsOf } from '../../policy/placeTiers.js';
import type { Policy, PolicyVersion } from '../../policy/policyTypes.js';
import { FAILOVER_MODES, KEY_RESULTS, PLATFORM_RESULTS, ROUTES } from '../../routing/routeTypes.js';
import { type BillSqlOptions, COST_SCALE, feeScaleOf, perVersion } from '../billRowsSql.js';
import { billDecisionTables, idsSql, ruleOutcomeSql, textSqlFact } from '../compileTermsToSql.js';
import { periodSql } from '../dialectExpressions.js';
import { OPTIONAL_REQUEST_COLUMNS, type OptionalRequestColumn, REQUESTS_RELATION } from '../requestsRelation.js';
import { scheduleChoiceSql } from '../scheduleChoiceSql.js';
import { sqlString } from '../sqlLiteral.js';
import { capSql, uncountedFeeSql } from '../tieredFeeCtes.js';
import { pricingNeeds, rateDigits, rateTypeOf, tierRates, tieredVersionSql } from '../tieredFeeSql.js';
import { ClickhouseAccountsSql } from './clickhouseAccountsSql.js';
import { canonicalDecimalTextSql, decimalDigitsSql, digitsToDecimalTextSql, PIECES, piecesSql, piecesToDigitsSql } from './exactPiecesSql.js';

/*
 * The bill query for ClickHouse (from 18.16 on). The engine has no window functions and no
 * CTEs, so the query is nested subqueries, innermost first, and the allowance order is made
 * with arrays: each scope-month's rows are gathered (`groupArray` of tuples), sorted
 * (`arraySort` orders tuples element by element, strings by bytes: instant, then request_id,
 * POLICY.md D1), numbered (`arrayCumSum` of the counted flags) and spread back out (`ARRAY
 * JOIN`). Decimals never go into an array (groupArray over Decimal128 crashed 18.16): they ride
 * as exact text, and running sums go through exact integer pieces (exactPiecesSql.ts). A line's
 * `sum()`s, which wrap past 38 digits, are guarded: a line that could pass 38 digits is refused.
 * The decision tables are the kernel's, printed as for the other dialects (compileTermsToSql).
 *
 * ClickHouse evaluates every branch of a CASE for every row, so a branch must never fail for
 * a row it does not apply to: refusals are one CAST of the row's problem text (or '0'), and
 * NULLs are kept out of casts to non-Nullable types.
 */

/** `instant` is Int64 nanoseconds; a DateTime (UInt32 seconds) must hold it to find its month. */
const DATETIME_END_NANOS = `${2n ** 32n * 10n ** 9n}`;

const q = (text: string) => sqlString(text, 'clickhouse');
/** ClickHouse 18.16 has no TRUE/FALSE: a shared builder's constant (idsSql of no ids) as UInt8. */
const chBool = (sql: string) => (sql === 'FALSE' ? '0' : sql === 'TRUE' ? '1' : sql);

/** A ClickHouse identifier: backquoted, backslashes and backquotes escaped. */
export function clickhouseIdentifier(name: string): string {
  if (name === '' || /[\u0000-\u001f\u007f]/u.test(name)) throw new InvalidArgumentError(`byok-billing: ${JSON.stringify(name)} is not a usable SQL identifier`);
  return `\`${name.replace(/[\\`]/gu, (ch) => `\\${ch}`)}\``;
}

function rateOf(versions: readonly PolicyVersion[]): string {
  const digits = versions.map((v) => rateDigits(v.parameters.feeRate.toString()));
  const scale = Math.max(...digits.map((d) => d.scale));
  return perVersion(versions, (v) => `CAST(${q(v.parameters.feeRate.toString())} AS DECIMAL(38,${scale}))`);
}

/**
 * Sorts a scope-month's rows into allowance order and spreads them out again with running
 * sums; `after` are expressions over the spread rows, computed in the same SELECT (ClickHouse
 * 18.16 plans each level of nesting again for every level above it: fewer levels, faster).
 */
function allowanceOrderSql(source: string, carried: readonly string[], runningSums: readonly { readonly name: string; readonly value: string }[], after: string): string {
  // tuple element 1 is the instant, 2 the request_id: the sort key. The running sums' inputs ride along.
  const inputs = runningSums.flatMap((s) => [...s.value.matchAll(/\{(\w+)\}/gu)].map((m) => m[1]!));
  const fields = [...new Set(['instant', 'request_id', ...carried, ...inputs])];
  const element = (name: string) => `tupleElement(x, ${fields.indexOf(name) + 1})`;
  const sums = runningSums.map((s) => `arrayCumSum(arrayMap(x -> ${s.value.replace(/\{(\w+)\}/gu, (_, n: string) => element(n))}, sorted_rows)) AS ${s.name}_running`);
  const spread = fields.map((f, i) => `tupleElement(row, ${i + 1}) AS ${f}`);
  return `SELECT scope, period, ${spread.join(', ')}${runningSums.map((s) => `, ${s.name}`).join('')},
      ${after}
  FROM (
    SELECT scope, period, arraySort(groupArray(tuple(${fields.join(', ')}))) AS sorted_rows${sums.map((s) => `,\n      ${s}`).join('')}
    FROM (${source})
    GROUP BY scope, period
  )
  ARRAY JOIN sorted_rows AS row${runningSums.map((s) => `, ${s.name}_running AS ${s.name}`).join('')}`;
}

/**
 * The policy's bill as one ClickHouse query over the relation (docs/sql.md, "ClickHouse"):
 * the columns of `byok bill --format csv`, sorted by scope then period in byte order.
 */
export function clickhouseBillQuery(policy: Policy, accounts: Accounts | undefined, options: BillSqlOptions): string {
  for (const column of options.absentColumns ?? []) {
    if (!(OPTIONAL_REQUEST_COLUMNS as readonly string[]).includes(column)) {
      throw new InvalidArgumentError(`byok-billing: ${JSON.stringify(column)} is not an optional column (${OPTIONAL_REQUEST_COLUMNS.join(', ')})`);
    }
  }
  if (options.nanosecondColumn !== undefined) {
    throw new InvalidArgumentError('byok-billing: the clickhouse dialect reads instants as Int64 epoch nanoseconds: it takes no nanosecond column');
  }
  const versions = policy.versions;
  const absent = new Set<string>(options.absentColumns ?? []);
  const text = (name: OptionalRequestColumn) => (absent.has(name) ? "''" : `ifNull(${clickhouseIdentifier(name)}, '')`);
  const costType = `DECIMAL(38,${COST_SCALE})`;
  const feeScale = feeScaleOf(policy, accounts);
  const feeType = `DECIMAL(38,${feeScale})`;
  const { tiered, byFacts, listUsd, capped } = pricingNeeds(policy, accounts);
  // Rates at precision 38: ClickHouse 18.16 multiplies a narrower DECIMAL on the left by a
  // Decimal128 at the wrong scale (0.05 × 9.5 gave 4.75e-11); at equal widths it is exact.
  const rateType = rateTypeOf(tiered ? tierRates(policy, accounts) : []).replace(/^DECIMAL\(\d+,/u, 'DECIMAL(38,');
  const tierTypes = { dialect: 'clickhouse' as const, rateType, feeType };
  const acct = new ClickhouseAccountsSql(accounts, tiered ? { units: feeUnitsOf(policy), rateType, feeScale } : undefined);
  const each = (sqlOf: (version: PolicyVersion, index: number) => string) => perVersion(versions, sqlOf);

  const textFact = (name: string, domain: readonly string[]) => textSqlFact(name, domain, q);
  const tables = billDecisionTables(versions, q);
  const scheduleFacts = {
    literal: q,
    failoverMode: textFact('failover_mode', FAILOVER_MODES),
    keyResult: textFact(`if(key_result = '', 'ok', key_result)`, KEY_RESULTS),
    platformResult: textFact('platform_result', PLATFORM_RESULTS),
  };
  const routeOf = ruleOutcomeSql('routing_rule', tables.routing, (p) => q(p.route));
  const isFee = chBool(idsSql('charge_rule', tables.charge.filter((r) => r.params.charge === 'fee').map((r) => r.id)));
  const isList = chBool(idsSql('charge_rule', tables.charge.filter((r) => r.params.charge === 'list').map((r) => r.id)));

  // 1. The relation read: '' and NULL both mean absent; the row's problem, if any.
  const first = versions[0]!;
  const nanosOf = (epochMs: number) => `${BigInt(epochMs) * 1_000_000n}`;
  const inList = (values: readonly string[]) => values.map(q).join(', ');
  const problems = [
    [`isNull(${clickhouseIdentifier('request_id')})`, 'request_id is missing'],
    [`isNull(${clickhouseIdentifier('timestamp')})`, 'timestamp is missing'],
    [`l_instant < 0 OR l_instant >= ${DATETIME_END_NANOS}`, 'timestamp is outside 1970-01-01 to 2106-02-07 (the range of a ClickHouse DateTime)'],
    [`isNull(${clickhouseIdentifier('user_id')})`, 'user_id is missing'],
    [`isNull(${clickhouseIdentifier('cost_usd')})`, 'cost_usd is missing'],
    ['l_cost_usd < 0', 'cost_usd is negative'],
    [`l_key_result = '' AND l_recorded_route = ''`, 'a request needs key_result or route'],
    [`l_key_result <> '' AND l_key_result NOT IN (${inList(KEY_RESULTS)})`, `key_result is not one of ${KEY_RESULTS.join(', ')}`],
    [`l_platform_result NOT IN (${inList(PLATFORM_RESULTS)})`, `platform_result is not one of ${PLATFORM_RESULTS.join(', ')}`],
    [`l_recorded_route <> '' AND l_recorded_route NOT IN (${inList(ROUTES)})`, `route is not one of ${ROUTES.join(', ')}`],
    ...(first.effectiveFromMs === null ? [] : [[`l_instant < ${nanosOf(first.effectiveFromMs)}`, "timestamp is before the policy's first version"]]),
  ];
  const factColumns = byFacts ? ['provider', 'model'] : [];
  const logRows = `SELECT ifNull(${clickhouseIdentifier('request_id')}, '') AS l_request_id,
      ifNull(toInt64(${clickhouseIdentifier('timestamp')}), toInt64(0)) AS l_instant,
      ifNull(${clickhouseIdentifier('user_id')}, '') AS l_user_id,
      ${text('org_id')} AS l_org_id,
      ifNull(CAST(${clickhouseIdentifier('cost_usd')} AS Nullable(Decimal(38, ${COST_SCALE}))), CAST(0 AS ${costType})) AS l_cost_usd,
      ${text('key_result')} AS l_key_result,
      if(${text('platform_result')} = '', 'ok', ${text('platform_result')}) AS l_platform_result,
      ${text('route')} AS l_recorded_route,${factColumns.map((c) => `\n      ${text(c as OptionalRequestColumn)} AS l_${c},`).join('')}
      multiIf(${problems.map(([when, what]) => `${when}, ${q(what!)}`).join(',\n        ')},
        '') AS l_problem_text,
      if(l_problem_text = '', '', concat('byok: ', l_problem_text, ' (request_id ', if(${`isNull(${clickhouseIdentifier('request_id')})`}, 'NULL', l_request_id), ')')) AS l_problem
    FROM ${clickhouseIdentifier(options.relation ?? REQUESTS_RELATION)}`;

  // 2. One row per request_id: repeated with the same content it counts once (POLICY.md D6), with
  // other content it is refused. Then, over the request's values in the same SELECT: checked (a
  // problem stops the query: the CAST of its text fails), versioned, placed, termed, routed.
  const content = ['instant', 'user_id', 'org_id', 'cost_usd', 'key_result', 'platform_result', 'recorded_route', ...factColumns];
  const versionBranches: string[] = [];
  for (let i = versions.length - 1; i >= 1; i--) versionBranches.push(`instant >= ${nanosOf(versions[i]!.effectiveFromMs!)}, ${i}`);
  const versionSql = versionBranches.length === 0 ? '0' : `multiIf(${versionBranches.join(', ')}, 0)`;
  const orgScope = `if(org_id <> '', concat('org:', org_id), concat('user:', user_id))`;
  const ownerJoined = versions.some((v) => v.parameters.scopeMode === 'user');
  const ownerIndex = ownerJoined ? acct.indexOf('key_owner') : 'acct_index';
  const failover = each((v) => `if(${acct.failoverMode(v.parameters.scopeMode === 'org' ? 'acct_index' : 'owner_index')} <> '', ${acct.failoverMode(v.parameters.scopeMode === 'org' ? 'acct_index' : 'owner_index')}, ${q(v.parameters.defaultFailoverMode)})`);
  const routing = each((_, i) => `if(key_result <> '', ${tables.keyedCase(i, '      ')},\n      ${tables.recordedCase(i, '      ')})`);
  const counted = each((_, i) => chBool(idsSql('routing_rule', tables.countedIds(i))));
  const cost = piecesSql('cost_usd', COST_SCALE, 'cost_digits');
  // The cost rides through the arrays as text (groupArray over a Decimal128 crashed 18.16), written exactly.
  const routedRows = `SELECT l_request_id AS request_id, ${content.map((c) => `any(l_${c}) AS ${c}`).join(', ')},
      if(uniqExact(${content.map((c) => `l_${c}`).join(', ')}) > 1, concat('byok: request_id appears twice with different content (request_id ', l_request_id, ')'), max(l_problem)) AS problem,
      ${digitsToDecimalTextSql(decimalDigitsSql('cost_usd', COST_SCALE, 'cost_text_digits'), COST_SCALE, 'cost_text_all')} AS cost_text,
      CAST(if(problem = '', '0', problem) AS Int32) + ${versionSql} AS version_index,
      ${each((v) => (v.parameters.scopeMode === 'org' ? orgScope : `concat('user:', user_id)`))} AS scope,${ownerJoined ? `\n      ${orgScope} AS key_owner,` : ''}
      ${each((v) => periodSql(v.calendar.resetTimeZone, 'clickhouse'))} AS period,
      ${acct.indexOf('scope')} AS acct_index, ${ownerIndex} AS owner_index,
      ${failover} AS failover_mode,
      ${routing} AS routing_rule,
      ${counted} AS counted${tiered ? `,\n      ${each((v) => scheduleChoiceSql(v, scheduleFacts, '      '))} AS schedule_index` : ', 0 AS schedule_index'}${
        listUsd ? `,\n      ${cost.digits} AS cost_digits, ${cost.pieces.map((p, k) => `${p} AS cost_p${k}`).join(', ')}` : ''
      }
    FROM (${logRows})
    GROUP BY l_request_id`;

  // 3. The allowance order: each counted request's ordinal, and (list-usd) the running list cost;
  // then, row by row: judged and charged (within the allowance, the charge table, the fee).
  const listRunning = listUsd ? Array.from({ length: PIECES }, (_, k) => ({ name: `list_s${k}`, value: `if({counted}, {cost_p${k}}, toUInt64(0))` })) : [];
  const allowance = each((v) => (v.parameters.allowance > 0 ? `ifNull(acct_free_requests, ${v.parameters.allowance})` : '0'));
  const tierSql = versions.map((v) => (tiered ? tieredVersionSql(v, tierTypes) : undefined));
  const within = tiered ? `if(counted, ${each((_, i) => `(${tierSql[i]!.free})`)}, 0)` : `counted AND ordinal <= allowance`;
  const fee = tiered
    ? `multiIf(NOT (${isFee}), CAST(0 AS ${feeType}), counted, CAST(${each((_, i) => tierSql[i]!.fee)} AS ${feeType}), CAST(${each((v) => uncountedFeeSql(v, tierTypes))} AS ${feeType}))`
    : `if(${isFee}, CAST(cost_usd * ${rateOf(versions)} AS ${feeType}), CAST(0 AS ${feeType}))`;
  const termColumns = tiered
    ? `${acct.freeRequests('acct_index')} AS acct_free_requests, ${acct.freeUsd('acct_index')} AS acct_free_usd, ${acct.feeRate('acct_index')} AS acct_fee_rate, ${acct.feeCap('acct_index')} AS acct_fee_cap,`
    : `${acct.freeRequests('acct_index')} AS acct_free_requests,`;
  const listTo = listUsd ? `CAST(${digitsToDecimalTextSql(piecesToDigitsSql(Array.from({ length: PIECES }, (_, k) => `list_s${k}`), 'list'), COST_SCALE, 'list_to_digits')} AS ${costType}) AS list_to, list_to - cost_usd AS list_from,` : '';
  const uncapped = piecesSql('uncapped_fee', feeScale, 'uncapped_digits');
  // Levels of their own where a value is read many times: ClickHouse expands an alias at each
  // reference (a running sum read by every tier's bounds made the AST too big).
  const numberedRows = allowanceOrderSql(
    routedRows,
    ['cost_text', 'version_index', 'routing_rule', 'counted', 'schedule_index', ...(listUsd ? Array.from({ length: PIECES }, (_, k) => `cost_p${k}`) : [])],
    [{ name: 'ordinal', value: '{counted}' }, ...listRunning],
    `CAST(cost_text AS ${costType}) AS cost_usd${listTo === '' ? '' : `, ${listTo.replace(/,$/u, '')}`}`,
  );
  const judged = `${acct.indexOf('scope')} AS acct_index, ${termColumns}
      ${allowance} AS allowance,
      ${routeOf} AS route, ${within} AS within_allowance`;
  const charged = `${each((_, i) => tables.chargeCase(i, '      '))} AS charge_rule,
      ${isList} AS is_list,
      ${fee} AS ${capped ? 'uncapped_fee' : 'fee'}`;
  // Each level of nesting makes 18.16 plan the levels below it again (about 20 ms a level): the
  // tiers' level is apart only where its expansion needs it (list-usd reads list_to in every bound).
  const feeRows = tiered
    ? `SELECT *,\n      ${charged}\n    FROM (SELECT *,\n      ${judged}\n    FROM (${numberedRows}))`
    : `SELECT *,\n      ${judged},\n      ${charged}\n    FROM (${numberedRows})`;
  const chargedRows = capped ? `SELECT *, ${uncapped.digits} AS uncapped_digits, ${uncapped.pieces.map((p, k) => `${p} AS uncapped_p${k}`).join(', ')} FROM (${feeRows})` : feeRows;

  // 4. The cap (when a version or account has one): fees accumulate in allowance order; what passes the cap is not paid.
  let pricedRows = chargedRows;
  if (capped) {
    const feesRunning = Array.from({ length: PIECES }, (_, k) => ({ name: `fees_s${k}`, value: `{uncapped_p${k}}` }));
    const least = (a: string, b: string) => `if(${a} < ${b}, ${a}, ${b})`;
    const cappedRows = allowanceOrderSql(
      chargedRows,
      ['cost_text', 'version_index', 'route', 'within_allowance', 'is_list', 'uncapped_digits'],
      feesRunning,
      `CAST(cost_text AS ${costType}) AS cost_usd,
        CAST(${digitsToDecimalTextSql('uncapped_digits', feeScale)} AS ${feeType}) AS uncapped_fee,
        CAST(${digitsToDecimalTextSql(piecesToDigitsSql(feesRunning.map((f) => f.name), 'fees'), feeScale, 'fees_to_digits')} AS ${feeType}) AS fees_to,
        ${acct.indexOf('scope')} AS acct_index, ${acct.feeCap('acct_index')} AS acct_fee_cap,
        ${each((v) => (v.feeTerms.capUsd === undefined ? 'acct_fee_cap' : capSql(v, feeScale, 'clickhouse')))} AS fee_cap,
        ifNull(fee_cap, CAST(0 AS ${feeType})) AS cap_value`,
    );
    pricedRows = `SELECT *,
        if(isNull(fee_cap), uncapped_fee, CAST(${least('fees_to', 'cap_value')} - ${least('fees_to - uncapped_fee', 'cap_value')} AS ${feeType})) AS fee
      FROM (${cappedRows})`;
  }

  // 7. The line sums. sum() over a Decimal128 wraps silently past 38 digits, so each money column
  // is guarded: a line whose rows × largest amount could pass 38 digits is refused (a CAST of the
  // message fails). Sums are written by decimalDigitsSql: 18.16's toString garbles a Decimal128
  // past 21 integer digits. (Splitting every row's amount into pieces instead cost 2/3 of the query.)
  const moneyColumns = [
    { name: 'byok_cost_usd', scale: COST_SCALE, amount: `if(route = 'byok', cost_usd, CAST(0 AS ${costType}))` },
    { name: 'fee_usd', scale: feeScale, amount: 'fee' },
    { name: 'platform_cost_usd', scale: COST_SCALE, amount: `if(route = 'platform', cost_usd, CAST(0 AS ${costType}))` },
    { name: 'total_usd', scale: feeScale, amount: `CAST(fee + CAST(if(is_list, cost_usd, CAST(0 AS ${costType})) AS ${feeType}) AS ${feeType})` },
  ];
  const largest = (scale: number) => `CAST('${'9'.repeat(38 - scale)}${scale > 0 ? `.${'9'.repeat(scale)}` : ''}' AS DECIMAL(38,${scale}))`;
  // Each column's sum and largest amount, named where first written.
  const sum = (m: (typeof moneyColumns)[number]) => `(sum(${m.amount}) AS ${m.name}_sum)`;
  const tooLarge = (m: (typeof moneyColumns)[number]) => `(max(${m.amount}) AS ${m.name}_max) > ${largest(m.scale)} / toDecimal128(count(), 0)`;
  const refusal = `concat('byok: ', multiIf(${moneyColumns.map((m) => `${m.name}_max > ${largest(m.scale)} / toDecimal128(count(), 0), ${q(m.name)}`).join(', ')}, ''), ' of ', scope, ' in ', period, ' could pass 38 digits, which a ClickHouse sum() would wrap: refused')`;
  const money = options.money ?? 'text';
  const moneyOut = (m: (typeof moneyColumns)[number]) =>
    money === 'text' ? canonicalDecimalTextSql(digitsToDecimalTextSql(decimalDigitsSql(sum(m), m.scale, `${m.name}_d`), m.scale, `${m.name}_all`)) : sum(m);
  return `SELECT scope, period,
  countIf(route = 'byok') + CAST(if(${moneyColumns.map(tooLarge).join(' OR ')}, ${refusal}, '0') AS UInt8) AS byok_requests,
  countIf(route = 'byok' AND within_allowance) AS free_requests,
  countIf(route = 'byok' AND NOT within_allowance) AS billable_requests,
  ${moneyOut(moneyColumns[0]!)} AS byok_cost_usd,
  ${moneyOut(moneyColumns[1]!)} AS fee_usd,
  countIf(route = 'platform') AS platform_requests,
  ${moneyOut(moneyColumns[2]!)} AS platform_cost_usd,
  countIf(route = 'failed') AS failed_requests,
  ${moneyOut(moneyColumns[3]!)} AS total_usd
FROM (${pricedRows})
GROUP BY scope, period
ORDER BY scope, period`;
}
