import type { Condition, ConditionValue, Facts, RuleOperator } from './ruleDocument.js';

export type CompiledCondition = (facts: Facts) => boolean;

/** json-rules-engine's numeric operators accept a fact only when parseFloat reads it. */
function isNumeric(value: unknown): boolean {
  return Number.parseFloat(value as string).toString() !== 'NaN';
}

// Each operator does exactly what json-rules-engine's default operator of that name does
// (engine-default-operators.js), validator included; a property test holds them equal.
const OPERATORS: Readonly<Record<RuleOperator, (fact: any, value: any) => boolean>> = {
  equal: (a, b) => a === b,
  notEqual: (a, b) => a !== b,
  in: (a, b) => b.indexOf(a) > -1,
  notIn: (a, b) => b.indexOf(a) === -1,
  contains: (a, b) => Array.isArray(a) && a.indexOf(b) > -1,
  doesNotContain: (a, b) => Array.isArray(a) && a.indexOf(b) === -1,
  lessThan: (a, b) => isNumeric(a) && a < b,
  lessThanInclusive: (a, b) => isNumeric(a) && a <= b,
  greaterThan: (a, b) => isNumeric(a) && a > b,
  greaterThanInclusive: (a, b) => isNumeric(a) && a >= b,
};

function compileFact(fact: string, operator: RuleOperator, value: ConditionValue): CompiledCondition {
  const op = OPERATORS[operator];
  return (facts) => op(Object.prototype.hasOwnProperty.call(facts, fact) ? facts[fact] : undefined, value);
}

/**
 * Compiles a (validated) condition tree into a synchronous predicate with the
 * semantics of json-rules-engine: an empty `all` or `any` is true, `not` negates,
 * condition priorities only order evaluation and never change a result.
 */
export function compileCondition(condition: Condition): CompiledCondition {
  if ('all' in condition) {
    const parts = condition.all.map(compileCondition);
    return (facts) => parts.every((part) => part(facts));
  }
  if ('any' in condition) {
    const parts = condition.any.map(compileCondition);
    if (parts.length === 0) return () => true;
    return (facts) => parts.some((part) => part(facts));
  }
  if ('not' in condition) {
    const inner = compileCondition(condition.not);
    return (facts) => !inner(facts);
  }
  return compileFact(condition.fact, condition.operator, condition.value);
}
