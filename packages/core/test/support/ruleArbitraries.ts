import fc from 'fast-check';
import { type Condition, type FactCondition, type Facts, RULE_OPERATORS, type RuleDocument, type RuleOperator } from '@byok-billing/core';

/**
 * Arbitraries for json-rules-engine rule documents in the data-only subset a policy
 * accepts (rules/ruleDocument.ts), and for arbitrary fact objects to run them on.
 *
 * Values and fact values are drawn mostly from one small shared pool so that conditions
 * actually match often (a comparison that is always false proves little), with the
 * quirky corners of json-rules-engine's operators in the pool: numeric strings, strings
 * parseFloat reads only a prefix of, null / booleans / empty strings that `<` coerces
 * to numbers, arrays (which `contains` needs and parseFloat reads), NaN and infinities.
 */

/**
 * The fact names conditions use. `toString` is inherited by every object: a fact of that
 * name must still read as missing unless the facts object has it as its own.
 */
export const FACT_NAMES = ['alpha', 'beta', 'gamma', 'toString'] as const;

/** JSON scalars shared by condition values and fact values. */
const SCALAR_POOL = ['', ' ', 'x', 'y', '0', '1', '2.5', '-3', ' 7', '3px', 'NaN', 'Infinity', 0, 1, -1, 2.5, 7, -3, true, false, null] as const;
const NUMBER_POOL = [0, 1, -1, 2.5, 7, -3, 0.5, 100] as const;

export type Scalar = string | number | boolean | null;

export const factNameArb: fc.Arbitrary<string> = fc.constantFrom(...FACT_NAMES);

/** A JSON scalar (finite numbers only: a policy is JSON). */
export const scalarArb: fc.Arbitrary<Scalar> = fc.oneof(
  { arbitrary: fc.constantFrom<Scalar>(...SCALAR_POOL), weight: 6 },
  { arbitrary: fc.string({ maxLength: 4 }), weight: 1 },
  { arbitrary: fc.integer({ min: -10, max: 10 }), weight: 1 },
  { arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), weight: 1 },
);

/** A finite number, as the numeric operators require of a condition value. */
export const numberArb: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.constantFrom<number>(...NUMBER_POOL), weight: 4 },
  { arbitrary: fc.integer({ min: -10, max: 10 }), weight: 1 },
  { arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), weight: 1 },
);

/** The value a condition with this operator may carry (validateRules' readValue). */
export function valueArb(operator: RuleOperator): fc.Arbitrary<FactCondition['value']> {
  if (operator === 'in' || operator === 'notIn') return fc.array(scalarArb, { maxLength: 4 });
  if (operator.startsWith('less') || operator.startsWith('greater')) return numberArb;
  return scalarArb;
}

const conditionPriorityArb = fc.integer({ min: 1, max: 3 });

/** A fact condition with any of the engine's operators, sometimes with a priority. */
export const factConditionArb: fc.Arbitrary<FactCondition> = fc.oneof(
  ...RULE_OPERATORS.map((operator) =>
    fc.record(
      { fact: factNameArb, operator: fc.constant(operator), value: valueArb(operator), priority: conditionPriorityArb },
      { requiredKeys: ['fact', 'operator', 'value'] },
    ),
  ),
);

export interface ConditionTreeOptions {
  /** Nesting levels of all/any/not above the leaves (default 3). */
  readonly maxDepth?: number;
  /** Most children of an all/any (default 3; empty arrays are always possible). */
  readonly maxChildren?: number;
}

/**
 * Condition trees whose root is `all`, `any` or `not` (json-rules-engine requires a
 * boolean root). Inner nodes are any condition: leaves or nested all/any/not, with
 * empty `all` / `any` arrays included.
 */
export function conditionTreeArb(options: ConditionTreeOptions = {}): fc.Arbitrary<Condition> {
  const maxDepth = options.maxDepth ?? 3;
  const maxLength = options.maxChildren ?? 3;
  const depthIdentifier = fc.createDepthIdentifier();
  const tree = fc.letrec<{ node: Condition; all: Condition; any: Condition; not: Condition; root: Condition }>((tie) => ({
    node: fc.oneof({ maxDepth, depthIdentifier, depthSize: 'small' }, factConditionArb, tie('all'), tie('any'), tie('not')),
    all: fc.record({ all: fc.array(tie('node'), { maxLength, depthIdentifier }), priority: conditionPriorityArb }, { requiredKeys: ['all'] }),
    any: fc.record({ any: fc.array(tie('node'), { maxLength, depthIdentifier }), priority: conditionPriorityArb }, { requiredKeys: ['any'] }),
    not: fc.record({ not: tie('node'), priority: conditionPriorityArb }, { requiredKeys: ['not'] }),
    root: fc.oneof(tie('all'), tie('any'), tie('not')),
  }));
  return tree.root;
}

/** A fact value: anything a caller could hand over, not only the rule domain's values. */
export const factValueArb: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: scalarArb, weight: 8 },
  { arbitrary: fc.array(scalarArb, { maxLength: 3 }), weight: 2 },
  { arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0), weight: 1 },
);

/**
 * A fact object over FACT_NAMES: each fact may be missing (the engine then sees
 * `undefined`), all of them now and then. Some objects have no prototype, the others
 * inherit `toString` and the rest of Object.prototype.
 */
export const factsArb: fc.Arbitrary<Facts> = fc.oneof(
  { arbitrary: fc.constant({}), weight: 1 },
  {
    arbitrary: fc
      .tuple(fc.record({ alpha: factValueArb, beta: factValueArb, gamma: factValueArb, toString: factValueArb }, { requiredKeys: [] }), fc.boolean())
      .map(([facts, plain]): Facts => (plain ? { ...facts } : facts)),
    weight: 9,
  },
);

export type TestParams = { readonly n: number };

/**
 * Rule sets of 1 to `maxRules` rules with unique names, priorities 1 to 3 (or none,
 * which means 1), and small condition trees.
 */
export function ruleSetArb(maxRules = 4, tree: ConditionTreeOptions = { maxDepth: 2, maxChildren: 2 }): fc.Arbitrary<RuleDocument<TestParams>[]> {
  return fc
    .array(fc.record({ priority: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }), conditions: conditionTreeArb(tree) }), {
      minLength: 1,
      maxLength: maxRules,
    })
    .map((rules) =>
      rules.map(({ priority, conditions }, n) => {
        const rule: RuleDocument<TestParams> = { name: `rule ${n}`, conditions, event: { type: 'test', params: { n } } };
        return priority === undefined ? rule : { ...rule, priority };
      }),
    );
}

/** A single-rule set around a condition tree, for the engine. */
export function singleRule(conditions: Condition): RuleDocument<TestParams>[] {
  return [{ name: 'only', conditions, event: { type: 'test', params: { n: 0 } } }];
}
