import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Condition, type Facts, RULE_OPERATORS, type RuleOperator } from '@byok-billing/core';
import { compileCondition } from '@byok-billing/core/internal';
import { runWithEngine } from '../support/engineReference.js';
import { conditionTreeArb, factConditionArb, factsArb, singleRule } from '../support/ruleArbitraries.js';

// The generators must produce each kind of answer often: a share of the runs (200 in CI).
const EVERY_TENTH = Math.floor(fc.readConfigureGlobal().numRuns! / 10);

/** What json-rules-engine's own Engine says of a rule with these conditions. */
async function engineMatches(conditions: Condition, facts: Facts): Promise<boolean> {
  const [outcome] = await runWithEngine(singleRule(conditions), facts);
  return outcome!.matched;
}

const MISSING = Symbol('missing');

/**
 * One operator on one fact value, with json-rules-engine's answer. Each case is checked
 * against the engine too, so the table documents the engine, not our reading of it.
 */
const operatorCases: [RuleOperator, unknown, unknown, boolean, string][] = [
  ['equal', 'x', 'x', true, 'same string'],
  ['equal', 1, '1', false, 'strict: a numeric string is not its number'],
  ['equal', null, MISSING, false, 'a missing fact is undefined, not null'],
  ['equal', null, null, true, 'null equals null'],
  ['notEqual', 'x', 'y', true, 'different strings'],
  ['notEqual', 'x', 'x', false, 'same string'],
  ['notEqual', 'x', MISSING, true, 'a missing fact differs from everything'],
  ['in', ['a', 'b'], 'b', true, 'listed'],
  ['in', ['a', 'b'], 'c', false, 'not listed'],
  ['in', ['a', 'b'], 'a', true, 'the first item is listed too'],
  ['in', [1], '1', false, 'strict membership'],
  ['in', [], 'a', false, 'nothing is in an empty list'],
  ['in', [null], MISSING, false, 'undefined is not null'],
  ['notIn', ['a'], 'b', true, 'not listed'],
  ['notIn', ['a', 'b'], 'a', false, 'listed first'],
  ['notIn', ['a', 'b'], 'b', false, 'listed last'],
  ['notIn', [], 'a', true, 'everything is outside an empty list'],
  ['contains', 'a', ['a', 'b'], true, 'an array fact holding the value'],
  ['contains', 'b', ['a', 'b'], true, 'at its last index'],
  ['contains', 'c', ['a', 'b'], false, 'an array fact without the value'],
  ['contains', 'b', 'abc', false, 'a string fact is not an array, even though "abc".indexOf("b") finds it'],
  ['contains', 'a', MISSING, false, 'a missing fact is not an array'],
  ['doesNotContain', 'c', ['a', 'b'], true, 'an array fact without the value'],
  ['doesNotContain', 'a', ['a', 'b'], false, 'an array fact holding the value'],
  ['doesNotContain', 'z', 'abc', false, 'a string fact is not an array'],
  ['doesNotContain', 'z', MISSING, false, 'a missing fact is not an array'],
  ['doesNotContain', 'z', null, false, 'null is not an array'],
  ['lessThan', 5, 3, true, 'a number below'],
  ['lessThan', 5, 5, false, 'equal is not less'],
  ['lessThan', 5, '3', true, 'a numeric string compares as a number'],
  ['lessThan', 8, ' 7', true, 'parseFloat skips leading spaces'],
  ['lessThan', 5, '3px', false, 'parseFloat reads 3, but "3px" < 5 is NaN < 5'],
  ['lessThan', 5, null, false, 'null < 5 holds in JavaScript, but parseFloat(null) is NaN'],
  ['lessThan', 5, true, false, 'true < 5 holds in JavaScript, but parseFloat(true) is NaN'],
  ['lessThan', 5, '', false, '"" < 5 holds in JavaScript, but parseFloat("") is NaN'],
  ['lessThan', 5, [], false, '[] < 5 holds in JavaScript, but parseFloat([]) is NaN'],
  ['lessThan', 5, [3], true, 'parseFloat([3]) is 3 and [3] < 5'],
  ['lessThan', 5, MISSING, false, 'a missing fact is not a number'],
  ['lessThan', 5, Number.NEGATIVE_INFINITY, true, '-Infinity is a number'],
  ['lessThan', 5, Number.NaN, false, 'NaN is not a number'],
  ['lessThanInclusive', 5, 5, true, 'equal is included'],
  ['lessThanInclusive', 5, 6, false, 'a number above'],
  ['lessThanInclusive', 0, null, false, 'null <= 0 holds in JavaScript, not for the engine'],
  ['lessThanInclusive', 0, false, false, 'false <= 0 holds in JavaScript, not for the engine'],
  ['greaterThan', 5, 6, true, 'a number above'],
  ['greaterThan', 5, 5, false, 'equal is not greater'],
  ['greaterThan', 9, '10', true, 'a numeric string compares as a number'],
  ['greaterThan', 5, 'Infinity', true, 'parseFloat reads "Infinity"'],
  ['greaterThan', -1, false, false, 'false > -1 holds in JavaScript, not for the engine'],
  ['greaterThan', -1, 'x', false, 'a non-numeric string'],
  ['greaterThanInclusive', 5, 5, true, 'equal is included'],
  ['greaterThanInclusive', 5, 4, false, 'a number below'],
  ['greaterThanInclusive', 0, null, false, 'null >= 0 holds in JavaScript, not for the engine'],
  ['greaterThanInclusive', 0, ' ', false, 'a blank string is not a number'],
];

describe('compileCondition: operators', () => {
  it.each(operatorCases)('%s %j on fact %j is %s (%s)', async (operator, value, factValue, expected) => {
    const leaf = { fact: 'f', operator, value } as Condition;
    const facts: Facts = factValue === MISSING ? {} : { f: factValue };
    expect(compileCondition(leaf)(facts)).toBe(expected);
    expect(await engineMatches({ all: [leaf] }, facts)).toBe(expected);
  });

  it('reads only the fact it names', () => {
    const test = compileCondition({ fact: 'b', operator: 'equal', value: 'x' });
    expect(test({ a: 'x' })).toBe(false);
    expect(test({ a: 'y', b: 'x' })).toBe(true);
  });

  it('ignores inherited properties of the facts object, as the engine does', async () => {
    const facts = Object.create({ f: 'x' }) as Facts;
    const leaf: Condition = { fact: 'f', operator: 'equal', value: 'x' };
    expect(compileCondition(leaf)(facts)).toBe(false);
    expect(compileCondition({ fact: 'f', operator: 'notEqual', value: 'x' })(facts)).toBe(true);
    expect(await engineMatches({ all: [leaf] }, facts)).toBe(false);
  });

  it('treats a fact present with the value undefined as missing', () => {
    expect(compileCondition({ fact: 'f', operator: 'notEqual', value: null })({ f: undefined })).toBe(true);
    expect(compileCondition({ fact: 'f', operator: 'contains', value: null })({ f: undefined })).toBe(false);
  });
});

describe('compileCondition: all, any, not', () => {
  const yes: Condition = { fact: 'f', operator: 'equal', value: 1 };
  const no: Condition = { fact: 'f', operator: 'equal', value: 2 };
  const facts = { f: 1 };
  const cases: [string, Condition, boolean][] = [
    ['an empty all is true', { all: [] }, true],
    ['an empty any is true (a json-rules-engine quirk)', { any: [] }, true],
    ['not of an empty all is false', { not: { all: [] } }, false],
    ['not of an empty any is false', { not: { any: [] } }, false],
    ['all of true and true', { all: [yes, yes] }, true],
    ['all of true and false', { all: [yes, no] }, false],
    ['all of false and true', { all: [no, yes] }, false],
    ['all of one false', { all: [no] }, false],
    ['any of false and false', { any: [no, no] }, false],
    ['any of false and true', { any: [no, yes] }, true],
    ['any of true and false', { any: [yes, no] }, true],
    ['any of one true', { any: [yes] }, true],
    ['any of one false', { any: [no] }, false],
    ['not of true', { not: yes }, false],
    ['not of false', { not: no }, true],
    ['not not of true', { not: { not: yes } }, true],
    ['nested: all of (any of false, empty any) and not false', { all: [{ any: [no, { any: [] }] }, { not: no }] }, true],
    ['nested: any of (all of true, false) and not true', { any: [{ all: [yes, no] }, { not: yes }] }, false],
    ['condition priorities order evaluation only', { any: [{ ...no, priority: 3 }, { ...yes, priority: 1 }], priority: 2 }, true],
    ['priorities on all and not too', { all: [{ not: no, priority: 2 }, { ...yes, priority: 5 }] }, true],
  ];

  it.each(cases)('%s', async (_title, condition, expected) => {
    expect(compileCondition(condition)(facts)).toBe(expected);
    const root = 'fact' in condition ? { all: [condition] } : condition;
    expect(await engineMatches(root, facts)).toBe(expected);
  });

  it('compiles once and decides each facts object afresh', () => {
    const test = compileCondition({ any: [{ fact: 'f', operator: 'in', value: [1, 2] }, { not: { fact: 'g', operator: 'lessThan', value: 0 } }] });
    expect(test({ f: 3, g: -1 })).toBe(false);
    expect(test({ f: 2, g: -1 })).toBe(true);
    expect(test({ f: 3, g: 1 })).toBe(true);
    expect(test({ f: 3, g: -1 })).toBe(false);
  });
});

/** Every node of a condition tree. */
function nodes(condition: Condition): Condition[] {
  if ('all' in condition) return [condition, ...condition.all.flatMap(nodes)];
  if ('any' in condition) return [condition, ...condition.any.flatMap(nodes)];
  if ('not' in condition) return [condition, ...nodes(condition.not)];
  return [condition];
}

describe('compileCondition against json-rules-engine on arbitrary facts', () => {
  it('the generated trees hold every operator, all/any/not, empty arrays and nesting', () => {
    const trees = fc.sample(conditionTreeArb({ maxDepth: 3, maxChildren: 3 }), { numRuns: 300, seed: 42 });
    const all = trees.flatMap(nodes);
    const kinds = new Set(all.map((c) => ('all' in c ? (c.all.length === 0 ? 'empty all' : 'all') : 'any' in c ? (c.any.length === 0 ? 'empty any' : 'any') : 'not' in c ? 'not' : c.operator)));
    expect([...kinds].sort()).toEqual([...RULE_OPERATORS, 'all', 'any', 'not', 'empty all', 'empty any'].sort());
    expect(Math.max(...trees.map((t) => nodes(t).length))).toBeGreaterThan(8);
    const facts = fc.sample(factsArb, { numRuns: 300, seed: 42 });
    expect(facts.some((f) => Object.keys(f).length === 0)).toBe(true);
    expect(facts.some((f) => Array.isArray(f.alpha))).toBe(true);
    expect(facts.some((f) => typeof f.beta === 'string' && f.beta.trim() !== '' && !Number.isNaN(Number(f.beta)))).toBe(true);
    expect(facts.some((f) => Object.prototype.hasOwnProperty.call(f, 'toString'))).toBe(true);
    expect(facts.some((f) => !Object.prototype.hasOwnProperty.call(f, 'toString') && typeof f.toString === 'function')).toBe(true);
  });

  it('a compiled fact condition matches exactly when the engine matches it', async () => {
    const seen = { true: 0, false: 0 };
    await fc.assert(
      fc.asyncProperty(factConditionArb, factsArb, async (leaf, facts) => {
        const engine = await engineMatches({ all: [leaf] }, facts);
        seen[`${engine}`]++;
        expect(compileCondition(leaf)(facts)).toBe(engine);
      }),
    );
    // The property is only worth something if both answers come up often.
    expect(seen.true).toBeGreaterThan(EVERY_TENTH);
    expect(seen.false).toBeGreaterThan(EVERY_TENTH);
  });

  it('a compiled condition tree matches exactly when the engine matches it', async () => {
    const seen = { true: 0, false: 0 };
    await fc.assert(
      fc.asyncProperty(conditionTreeArb({ maxDepth: 3, maxChildren: 3 }), factsArb, async (tree, facts) => {
        const engine = await engineMatches(tree, facts);
        seen[`${engine}`]++;
        expect(compileCondition(tree)(facts)).toBe(engine);
      }),
    );
    expect(seen.true).toBeGreaterThan(EVERY_TENTH);
    expect(seen.false).toBeGreaterThan(EVERY_TENTH);
  });

  it('negating a compiled tree negates its answer on every facts object', () => {
    fc.assert(
      fc.property(conditionTreeArb(), factsArb, (tree, facts) => {
        expect(compileCondition({ not: tree })(facts)).toBe(!compileCondition(tree)(facts));
      }),
    );
  });
});
