import { decisionTerms, chargeIndex } from '../kernel/decisionTerms.js';
import { RECORDED_BASE, routeIndex } from '../kernel/codes.js';
import { CHARGE_KINDS, type ChargeKind } from '../policy/chargeTypes.js';
import type { PolicyVersion } from '../policy/policyTypes.js';
import { FAILOVER_MODES, KEY_RESULTS, PLATFORM_RESULTS, ROUTES, type Route } from '../routing/routeTypes.js';
import type { JsonScalar } from '../rules/ruleDocument.js';
import { type SqlBoolean, SQL_TRUE, sqlAnd, sqlBooleanText, sqlOr } from './sqlBoolean.js';
import { sqlCommentText } from './sqlLiteral.js';

/** A fact as the query holds it: the column, every value it can take, and how to test some. */
export interface SqlFact {
  readonly column: string;
  readonly domain: readonly JsonScalar[];
  /** The SQL test "column is one of these values" (never called with none or all of them). */
  readonly isOneOf: (values: readonly JsonScalar[]) => string;
}

/** A rule as the query numbers it: the CASEs yield its id, and its outcome is looked up by id. */
export interface SqlRule<P> {
  readonly id: number;
  readonly name: string;
  readonly params: P;
}

/** Routing outcomes: what the kernel's route tables give for a combination of facts. */
export interface SqlRouteParams {
  readonly route: Route;
  readonly keyTried: boolean;
}

export interface SqlChargeParams {
  readonly charge: ChargeKind;
}

/**
 * The kernel's decision tables (`decisionTerms`) printed as SQL: the query never reads a
 * rule document. For every version, the routing table over (failover mode, key result,
 * platform result), the recorded-route table, and the charge table over (route, within
 * allowance) become CASEs that yield a rule id; rules are numbered across versions by
 * what they decide, so versions that decide alike print the same CASE.
 */
export function compileTermsToSql(versions: readonly PolicyVersion[], facts: TermFacts) {
  const routing = new RuleIds<SqlRouteParams>();
  const charge = new RuleIds<SqlChargeParams>();
  const perVersion = versions.map((version) => {
    const keyed: Cell[] = [];
    const recorded: Cell[] = [];
    const counted = new Set<number>();
    FAILOVER_MODES.forEach((mode, m) => {
      const terms = decisionTerms(version, mode);
      const note = (index: number, cell: readonly number[], into: Cell[]) => {
        const id = routing.idOf(terms.routeRule[index]!, { route: ROUTES[terms.route[index]!]!, keyTried: terms.keyTried[index] === 1 });
        if (terms.counted[index] === 1) counted.add(id);
        into.push({ cell, id });
      };
      KEY_RESULTS.forEach((_, k) => PLATFORM_RESULTS.forEach((__, p) => note(routeIndex(k, p, 0), [m, k, p], keyed)));
      // The recorded route does not depend on the failover mode: the first mode's table says it.
      if (m === 0) ROUTES.forEach((_, r) => note(RECORDED_BASE + r, [r], recorded));
    });
    const terms = decisionTerms(version, FAILOVER_MODES[0]);
    const charged: Cell[] = [];
    ROUTES.forEach((_, r) =>
      [false, true].forEach((within) => {
        const i = chargeIndex(r, within);
        charged.push({ cell: [r, within ? 0 : 1], id: charge.idOf(terms.chargeRule[i]!, { charge: CHARGE_KINDS[terms.charge[i]!]! }) });
      }),
    );
    return { keyed, recorded, charged, counted: [...counted].sort((a, b) => a - b) };
  });
  return {
    routing: routing.rules,
    charge: charge.rules,
    /** Per version: the routing rule id of a row with a key result, and of one taken as recorded. */
    keyedCase: (v: number, indent: string) => tableCase(perVersion[v]!.keyed, [facts.failoverMode, facts.keyResult, facts.platformResult], routing.rules, indent),
    recordedCase: (v: number, indent: string) => tableCase(perVersion[v]!.recorded, [facts.recordedRoute], routing.rules, indent),
    chargeCase: (v: number, indent: string) => tableCase(perVersion[v]!.charged, [facts.route, facts.withinAllowance], charge.rules, indent),
    /** Per version: the routing rule ids of requests that count toward the allowance. */
    countedIds: (v: number) => perVersion[v]!.counted,
  };
}

/** A text column as a fact of the tables: its values tested with `=` or `IN`, written by `literal`. */
export function textSqlFact(column: string, domain: readonly string[], literal: (text: string) => string): SqlFact {
  return {
    column,
    domain,
    isOneOf: (values) => (values.length === 1 ? `${column} = ${literal(String(values[0]))}` : `${column} IN (${values.map((v) => literal(String(v))).join(', ')})`),
  };
}

/**
 * The tables over the bill query's columns (`failover_mode`, `key_result`, `platform_result`,
 * `recorded_route`, `route`, `within_allowance`), as every dialect's query names them.
 */
export function billDecisionTables(versions: readonly PolicyVersion[], literal: (text: string) => string) {
  return compileTermsToSql(versions, {
    failoverMode: textSqlFact('failover_mode', FAILOVER_MODES, literal),
    keyResult: textSqlFact('key_result', KEY_RESULTS, literal),
    platformResult: textSqlFact('platform_result', PLATFORM_RESULTS, literal),
    recordedRoute: textSqlFact('recorded_route', ROUTES, literal),
    route: textSqlFact('route', ROUTES, literal),
    withinAllowance: { column: 'within_allowance', domain: [true, false], isOneOf: (values) => (values[0] === true ? 'within_allowance' : 'NOT within_allowance') },
  });
}

/** The columns the tables' facts are read from, each with the domain the kernel numbers it by. */
export interface TermFacts {
  readonly failoverMode: SqlFact;
  readonly keyResult: SqlFact;
  readonly platformResult: SqlFact;
  readonly recordedRoute: SqlFact;
  readonly route: SqlFact;
  /** Domain `[true, false]`: cell value 0 is within the allowance. */
  readonly withinAllowance: SqlFact;
}

/** One entry of a decision table: the fact values (indexes into each fact's domain) and the deciding rule's id. */
export interface Cell {
  readonly cell: readonly number[];
  readonly id: number;
}

/** Numbers rules by name and outcome, so one rule deciding alike in several versions has one id. */
class RuleIds<P> {
  readonly rules: SqlRule<P>[] = [];
  private readonly ids = new Map<string, number>();

  idOf(name: string, params: P): number {
    const key = JSON.stringify([name, params]);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.rules.length;
      this.ids.set(key, id);
      this.rules.push({ id, name, params });
    }
    return id;
  }
}

/**
 * `CASE WHEN <facts in the cells of rule a> THEN a … ELSE z END`: the table as one CASE,
 * each rule's cells folded into IN lists (a fact whose every value leads to the same cells
 * drops out). The cells partition the facts' domain, so the rule with the most cells can
 * be the ELSE and the order of the WHENs does not matter.
 */
export function tableCase<P>(cells: readonly Cell[], facts: readonly SqlFact[], rules: readonly SqlRule<P>[], indent: string): string {
  const byId = new Map<number, number[][]>();
  for (const { cell, id } of cells) byId.set(id, [...(byId.get(id) ?? []), [...cell]]);
  const groups = [...byId].sort((a, b) => a[0] - b[0]);
  if (groups.length === 1) return String(groups[0]![0]);
  const otherwise = groups.reduce((best, g) => (g[1].length > best[1].length ? g : best));
  const lines: string[] = [];
  for (const [id, members] of groups) {
    if (id === otherwise[0]) continue;
    lines.push(`${indent}  -- ${id}: ${sqlCommentText(JSON.stringify(rules[id]!.name))}`);
    lines.push(`${indent}  WHEN ${sqlBooleanText(cellsSql(members, facts, 0))} THEN ${id}`);
  }
  lines.push(`${indent}  -- ${otherwise[0]}: ${sqlCommentText(JSON.stringify(rules[otherwise[0]]!.name))}`);
  return `CASE\n${lines.join('\n')}\n${indent}  ELSE ${otherwise[0]}\n${indent}END`;
}

/** The SQL test that the facts from `depth` on are one of `cells` (rows of domain indexes). */
function cellsSql(cells: readonly number[][], facts: readonly SqlFact[], depth: number): SqlBoolean {
  if (depth === facts.length) return SQL_TRUE;
  const fact = facts[depth]!;
  const byValue = new Map<number, number[][]>();
  for (const cell of cells) byValue.set(cell[depth]!, [...(byValue.get(cell[depth]!) ?? []), cell]);
  // Values whose remaining facts are tested alike share one branch.
  const branches = new Map<string, { values: number[]; rest: SqlBoolean }>();
  for (const [value, sub] of [...byValue].sort((a, b) => a[0] - b[0])) {
    const rest = cellsSql(sub, facts, depth + 1);
    const key = sqlBooleanText(rest);
    const branch = branches.get(key);
    if (branch === undefined) branches.set(key, { values: [value], rest });
    else branch.values.push(value);
  }
  return sqlOr(
    [...branches.values()].map(({ values, rest }) =>
      sqlAnd([values.length === fact.domain.length ? SQL_TRUE : { sql: fact.isOneOf(values.map((v) => fact.domain[v]!)) }, rest]),
    ),
  );
}

/**
 * Maps rule ids to what their outcomes say: `CASE WHEN <column> IN (ids) THEN <value> … END`,
 * one branch per distinct value.
 */
export function ruleOutcomeSql<P>(column: string, rules: readonly SqlRule<P>[], outcome: (params: P) => string): string {
  const byValue = new Map<string, number[]>();
  for (const rule of rules) {
    const value = outcome(rule.params);
    const ids = byValue.get(value) ?? [];
    ids.push(rule.id);
    byValue.set(value, ids);
  }
  const branches = [...byValue].map(([value, ids]) => `WHEN ${column} ${ids.length === 1 ? `= ${ids[0]}` : `IN (${ids.join(', ')})`} THEN ${value}`);
  return `CASE ${branches.join(' ')} END`;
}

/** The given rule ids as a SQL test on `column`. */
export function idsSql(column: string, ids: readonly number[]): string {
  if (ids.length === 0) return 'FALSE';
  return ids.length === 1 ? `${column} = ${ids[0]}` : `${column} IN (${ids.join(', ')})`;
}
