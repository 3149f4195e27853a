/**
 * Rules are written in json-rules-engine's own JSON format, so a policy can be
 * loaded into `new Engine(rules)` unchanged. The policy accepts a data-only subset:
 * `all`/`any`/`not` and fact conditions with the engine's built-in operators, values
 * that are JSON scalars or arrays of scalars. No `path`, `params`, fact references,
 * named condition references or custom operators: nothing in a policy can run code.
 */
export type JsonScalar = string | number | boolean | null;
export type ConditionValue = JsonScalar | readonly JsonScalar[];

export const RULE_OPERATORS = [
  'equal',
  'notEqual',
  'in',
  'notIn',
  'contains',
  'doesNotContain',
  'lessThan',
  'lessThanInclusive',
  'greaterThan',
  'greaterThanInclusive',
] as const;
export type RuleOperator = (typeof RULE_OPERATORS)[number];

export interface FactCondition {
  readonly fact: string;
  readonly operator: RuleOperator;
  readonly value: ConditionValue;
  readonly priority?: number;
}

export type Condition =
  | FactCondition
  | { readonly all: readonly Condition[]; readonly priority?: number }
  | { readonly any: readonly Condition[]; readonly priority?: number }
  | { readonly not: Condition; readonly priority?: number };

export interface RuleEvent<P = Readonly<Record<string, unknown>>> {
  readonly type: string;
  readonly params: P;
}

export interface RuleDocument<P = Readonly<Record<string, unknown>>> {
  /** Names the rule in decisions and explanations; unique within its rule set. */
  readonly name: string;
  /** Higher wins when several rules match (json-rules-engine's priority, ≥ 1). */
  readonly priority?: number;
  readonly conditions: Condition;
  readonly event: RuleEvent<P>;
}

export type Facts = Readonly<Record<string, unknown>>;
