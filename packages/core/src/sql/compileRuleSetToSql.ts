import type { RuleDocument } from '../rules/ruleDocument.js';
import { type SqlFact, compileConditionToSql } from './compileConditionToSql.js';
import { sqlCommentText } from './sqlLiteral.js';

/** A rule of the set, numbered for the query: the CASE yields its id. */
export interface SqlRule<P> {
  readonly id: number;
  readonly name: string;
  readonly params: P;
}

export interface SqlRuleSet<P> {
  readonly rules: readonly SqlRule<P>[];
  /** `CASE WHEN <conditions> THEN <rule id> … END`: the id of the rule that decides a row. */
  readonly caseSql: string;
}

/**
 * Compiles a rule set (json-rules-engine documents) to one CASE expression that yields
 * the id of the deciding rule. Rules are tried by descending priority, in document order
 * within a priority: the policy loader has already decided every combination of facts
 * and refused a set where two rules of the top priority match together, so the first
 * matching WHEN is the rule the core's decision table names.
 */
export function compileRuleSetToSql<P>(
  rules: readonly RuleDocument<P>[],
  facts: Readonly<Record<string, SqlFact>>,
  firstId: number,
  indent: string,
): SqlRuleSet<P> {
  const numbered = rules.map((rule, i) => ({ id: firstId + i, name: rule.name, params: rule.event.params, priority: rule.priority ?? 1, rule }));
  // Array.prototype.sort is stable: equal priorities keep the document's order.
  const tried = [...numbered].sort((a, b) => b.priority - a.priority);
  const lines: string[] = [];
  let otherwise: number | undefined;
  for (const candidate of tried) {
    const condition = compileConditionToSql(candidate.rule.conditions, facts);
    if ('constant' in condition) {
      if (!condition.constant) continue;
      otherwise = candidate.id;
      break; // a rule that always holds decides every row no earlier rule took
    }
    lines.push(`${indent}  -- ${candidate.id}: ${sqlCommentText(JSON.stringify(candidate.name))}`);
    lines.push(`${indent}  WHEN ${condition.sql} THEN ${candidate.id}`);
  }
  const rulesOut = numbered.map(({ id, name, params }) => ({ id, name, params }));
  if (lines.length === 0) return { rules: rulesOut, caseSql: otherwise === undefined ? 'CAST(NULL AS INTEGER)' : String(otherwise) };
  const tail = otherwise === undefined ? '' : `\n${indent}  ELSE ${otherwise}`;
  return { rules: rulesOut, caseSql: `CASE\n${lines.join('\n')}${tail}\n${indent}END` };
}

/**
 * Maps rule ids to what their events say: `CASE WHEN <column> IN (ids) THEN <value> … END`,
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

/** The ids of the rules whose events satisfy `test`, as a SQL test on `column`. */
export function ruleIdsSql<P>(column: string, rules: readonly SqlRule<P>[], test: (params: P) => boolean): string {
  const ids = rules.filter((rule) => test(rule.params)).map((rule) => rule.id);
  if (ids.length === 0) return 'FALSE';
  return ids.length === 1 ? `${column} = ${ids[0]}` : `${column} IN (${ids.join(', ')})`;
}
