import { compileCondition } from '../rules/compileCondition.js';
import type { Condition, JsonScalar } from '../rules/ruleDocument.js';
import { type SqlBoolean, SQL_FALSE, SQL_TRUE, sqlAnd, sqlNot, sqlOr } from './sqlBoolean.js';

/** A fact as the query holds it: the column, every value it can take, and how to test one. */
export interface SqlFact {
  readonly column: string;
  readonly domain: readonly JsonScalar[];
  /** The SQL test "column is one of these values" (never called with none or all of them). */
  readonly isOneOf: (values: readonly JsonScalar[]) => string;
}

/**
 * Translates a rule's condition tree to a SQL boolean over the facts' columns. The tree's
 * shape (all / any / not) is kept; each fact condition becomes the set of the fact's
 * values it accepts, found by running the core's own compiled condition (json-rules-engine
 * semantics) on every value of the fact's finite domain. So an operator means in SQL
 * exactly what it means to the core — `equal` is `===`, `lessThan` on a string is false —
 * and no SQL comparison of mixed types is ever written.
 */
export function compileConditionToSql(condition: Condition, facts: Readonly<Record<string, SqlFact>>): SqlBoolean {
  if ('all' in condition) return sqlAnd(condition.all.map((c) => compileConditionToSql(c, facts)));
  // json-rules-engine: an empty `any` holds (as the core's compileCondition says).
  if ('any' in condition) return condition.any.length === 0 ? SQL_TRUE : sqlOr(condition.any.map((c) => compileConditionToSql(c, facts)));
  if ('not' in condition) return sqlNot(compileConditionToSql(condition.not, facts));
  const fact = facts[condition.fact];
  if (fact === undefined) throw new RangeError(`byok-billing: the SQL compiler has no column for fact ${JSON.stringify(condition.fact)}`);
  const test = compileCondition({ fact: condition.fact, operator: condition.operator, value: condition.value });
  const accepted = fact.domain.filter((value) => test({ [condition.fact]: value }));
  if (accepted.length === 0) return SQL_FALSE;
  if (accepted.length === fact.domain.length) return SQL_TRUE;
  return { sql: fact.isOneOf(accepted) };
}
