import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RULE_OPERATORS } from '@byok-billing/core';
import { validateRules } from '../../src/rules/validateRules.js';
import { readObject } from '../../src/validation/readJson.js';
import { FACT_NAMES, ruleSetArb } from '../support/ruleArbitraries.js';
import { policyError } from '../support/expectErrors.js';

const schema = {
  facts: ['a', 'b'],
  eventType: 'hit',
  readParams: (value: unknown, path: string) => readObject(value, path, ['k']),
};

const leaf = { fact: 'a', operator: 'equal', value: 1 };
const event = { type: 'hit', params: { k: 1 } };
const ruleWith = (conditions: unknown, extra: Record<string, unknown> = {}) => ({ name: 'r', conditions, event, ...extra });
const validate = (rules: unknown) => () => validateRules(rules, '$.r', schema);
const validateConditions = (conditions: unknown) => validate([ruleWith(conditions)]);

function nestNot(levels: number): unknown {
  let condition: unknown = leaf;
  for (let i = 0; i < levels; i++) condition = { not: condition };
  return condition;
}

function nest(bool: 'all' | 'any', levels: number): unknown {
  let condition: unknown = leaf;
  for (let i = 0; i < levels; i++) condition = { [bool]: [condition] };
  return condition;
}

describe('validateRules: valid rule sets', () => {
  it('reads a rule set into fresh objects equal to the input', () => {
    const input = [
      ruleWith({ all: [leaf, { any: [{ fact: 'b', operator: 'in', value: ['x', 2, true, null] }] }], priority: 2 }, { priority: 3 }),
      { name: 's', conditions: { not: { fact: 'b', operator: 'lessThanInclusive', value: 2.5, priority: 1 } }, event: { type: 'hit', params: { k: 2 } } },
    ];
    const rules = validateRules(input, '$.r', schema);
    expect(rules).toEqual(input);
    expect(rules[0]).not.toBe(input[0]);
    expect(rules[0]!.conditions).not.toBe(input[0]!.conditions);
    expect(rules[0]!.event).not.toBe(input[0]!.event);
  });

  it('adds no priority where the document has none', () => {
    const [rule] = validateRules([ruleWith({ all: [leaf] })], '$.r', schema);
    expect(Object.keys(rule!)).toEqual(['name', 'conditions', 'event']);
    expect(Object.keys((rule!.conditions as { all: object[] }).all[0]!)).toEqual(['fact', 'operator', 'value']);
    expect(Object.keys(rule!.conditions)).toEqual(['all']);
  });

  it('accepts every operator with a value of its kind', () => {
    for (const operator of RULE_OPERATORS) {
      const value = operator === 'in' || operator === 'notIn' ? [1] : 1;
      expect(validateConditions({ all: [{ fact: 'a', operator, value }] })()[0]!.conditions).toEqual({ all: [{ fact: 'a', operator, value }] });
    }
    for (const operator of ['equal', 'notEqual', 'contains', 'doesNotContain'] as const) {
      for (const value of ['s', true, false, null, 0]) expect(() => validateConditions({ any: [{ fact: 'b', operator, value }] })()).not.toThrow();
    }
  });

  it('accepts empty all and any, and a not at the root', () => {
    expect(() => validateConditions({ all: [] })()).not.toThrow();
    expect(() => validateConditions({ any: [] })()).not.toThrow();
    expect(validateConditions({ not: leaf })()[0]!.conditions).toEqual({ not: leaf });
  });

  it('accepts conditions nested 32 levels deep', () => {
    expect(() => validateConditions(nestNot(32))()).not.toThrow();
    expect(() => validateConditions(nest('all', 32))()).not.toThrow();
    expect(() => validateConditions(nest('any', 32))()).not.toThrow();
  });

  it('hands the event params and their path to the schema', () => {
    const seen: [unknown, string][] = [];
    const rules = validateRules([ruleWith({ all: [] }), { ...ruleWith({ any: [] }), name: 's' }], '$.q', {
      ...schema,
      readParams: (value, path) => {
        seen.push([value, path]);
        return 'read';
      },
    });
    expect(seen).toEqual([
      [{ k: 1 }, '$.q[0].event.params'],
      [{ k: 1 }, '$.q[1].event.params'],
    ]);
    expect(rules.map((r) => r.event)).toEqual([
      { type: 'hit', params: 'read' },
      { type: 'hit', params: 'read' },
    ]);
  });

  it('reads any generated rule set unchanged', () => {
    fc.assert(
      fc.property(ruleSetArb(4, { maxDepth: 3, maxChildren: 3 }), (rules) => {
        expect(validateRules(rules, '$', { facts: FACT_NAMES, eventType: 'test', readParams: (v) => v })).toEqual(rules);
      }),
    );
  });
});

describe('validateRules: invalid rule sets name the JSON path of the problem', () => {
  const p = '$.r[0].conditions';
  const cases: [string, () => unknown, string, string?][] = [
    ['not an array', validate({}), '$.r', 'must be an array, got an object'],
    ['no rules', validate([]), '$.r', 'must hold at least one rule'],
    ['a rule that is not an object', validate(['rule']), '$.r[0]', 'must be an object, got string "rule"'],
    ['an unknown key in a rule', validate([ruleWith({ all: [] }, { when: 1 })]), '$.r[0].when', 'unknown key; expected one of name, priority, conditions, event'],
    ['a missing name', validate([{ conditions: { all: [] }, event }]), '$.r[0].name', 'must be a string, got nothing'],
    ['an empty name', validate([ruleWith({ all: [] }, { name: '' })]), '$.r[0].name', 'must not be empty'],
    ['a duplicate name', validate([ruleWith({ all: [] }), ruleWith({ any: [] })]), '$.r[1].name', 'duplicate rule name "r"'],
    ['priority 0', validate([ruleWith({ all: [] }, { priority: 0 })]), '$.r[0].priority', 'must be an integer from 1 to 9007199254740991, got number 0'],
    ['a fractional priority', validate([ruleWith({ all: [] }, { priority: 1.5 })]), '$.r[0].priority'],
    ['a priority as a string', validate([ruleWith({ all: [] }, { priority: '2' })]), '$.r[0].priority'],
    ['missing conditions', validate([{ name: 'r', event }]), p, 'must be an object, got nothing'],
    ['conditions as an array', validateConditions([leaf]), p, 'must be an object, got an array'],
    ['a fact condition at the top', validateConditions(leaf), p, 'the top-level condition must be "all", "any" or "not" (as in json-rules-engine)'],
    ['all that is not an array', validateConditions({ all: leaf }), `${p}.all`, 'must be an array, got an object'],
    ['any that is not an array', validateConditions({ any: 'x' }), `${p}.any`, 'must be an array, got string "x"'],
    ['not holding an array', validateConditions({ not: [leaf] }), `${p}.not`, 'must be an object, got an array'],
    ['all beside any', validateConditions({ any: [], all: [] }), `${p}.any`, 'unknown key; expected one of all, priority'],
    ['any beside not', validateConditions({ not: leaf, any: [] }), `${p}.not`, 'unknown key; expected one of any, priority'],
    ['not beside a fact', validateConditions({ not: leaf, fact: 'a' }), `${p}.fact`, 'unknown key; expected one of not, priority'],
    ['a nested item that is not an object', validateConditions({ all: [leaf, 3] }), `${p}.all[1]`, 'must be an object, got number 3'],
    ['a named condition reference', validateConditions({ all: [{ condition: 'shared' }] }), `${p}.all[0].condition`, 'named condition references are not supported; write the condition inline'],
    ['a named condition reference at the top', validateConditions({ condition: 'shared' }), `${p}.condition`],
    ['a fact path', validateConditions({ all: [{ ...leaf, path: '$.x' }] }), `${p}.all[0].path`, 'unknown key; expected one of fact, operator, value, priority'],
    ['fact params', validateConditions({ all: [{ ...leaf, params: {} }] }), `${p}.all[0].params`],
    ['a fact that is not a string', validateConditions({ all: [{ ...leaf, fact: 1 }] }), `${p}.all[0].fact`, 'must be a string, got number 1'],
    ['an unknown fact', validateConditions({ any: [{ ...leaf, fact: 'c' }] }), `${p}.any[0].fact`, 'unknown fact "c"; these rules can use a, b'],
    ['a missing operator', validateConditions({ all: [{ fact: 'a', value: 1 }] }), `${p}.all[0].operator`, `must be one of ${RULE_OPERATORS.join(', ')}, got nothing`],
    ['a decorated operator', validateConditions({ all: [{ ...leaf, operator: 'someFact:equal' }] }), `${p}.all[0].operator`, `must be one of ${RULE_OPERATORS.join(', ')}, got string "someFact:equal"`],
    ['an operator in the wrong case', validateConditions({ all: [{ ...leaf, operator: 'Equal' }] }), `${p}.all[0].operator`],
    ['a custom operator', validateConditions({ all: [{ ...leaf, operator: 'startsWith' }] }), `${p}.all[0].operator`],
    ['an operator that is not a string', validateConditions({ all: [{ ...leaf, operator: ['equal'] }] }), `${p}.all[0].operator`],
    ['a missing value', validateConditions({ all: [{ fact: 'a', operator: 'equal' }] }), `${p}.all[0].value`, 'is required'],
    ['a fact reference as the value', validateConditions({ all: [{ ...leaf, value: { fact: 'b' } }] }), `${p}.all[0].value`, 'must be a string, number, boolean or null (fact references are not supported), got an object'],
    ['an array value for equal', validateConditions({ all: [{ ...leaf, value: [1] }] }), `${p}.all[0].value`, 'must be a string, number, boolean or null (fact references are not supported), got an array'],
    ['an infinite value', validateConditions({ all: [{ ...leaf, value: Number.POSITIVE_INFINITY }] }), `${p}.all[0].value`],
    ['a NaN value', validateConditions({ all: [{ ...leaf, value: Number.NaN }] }), `${p}.all[0].value`],
    ['in without an array', validateConditions({ all: [{ ...leaf, operator: 'in', value: 'x' }] }), `${p}.all[0].value`, 'must be an array, got string "x"'],
    ['notIn with a fact reference inside', validateConditions({ all: [{ ...leaf, operator: 'notIn', value: [1, { fact: 'b' }] }] }), `${p}.all[0].value[1]`, 'must be a string, number, boolean or null, got an object'],
    ['in with a nested array', validateConditions({ all: [{ ...leaf, operator: 'in', value: [[1]] }] }), `${p}.all[0].value[0]`, 'must be a string, number, boolean or null, got an array'],
    ['in with an infinite item', validateConditions({ all: [{ ...leaf, operator: 'in', value: [Number.NEGATIVE_INFINITY] }] }), `${p}.all[0].value[0]`],
    ['lessThan a string', validateConditions({ all: [{ ...leaf, operator: 'lessThan', value: '5' }] }), `${p}.all[0].value`, 'operator lessThan compares numbers, got string "5"'],
    ['lessThanInclusive a boolean', validateConditions({ all: [{ ...leaf, operator: 'lessThanInclusive', value: true }] }), `${p}.all[0].value`],
    ['greaterThan null', validateConditions({ all: [{ ...leaf, operator: 'greaterThan', value: null }] }), `${p}.all[0].value`, 'operator greaterThan compares numbers, got null'],
    ['greaterThanInclusive an array', validateConditions({ all: [{ ...leaf, operator: 'greaterThanInclusive', value: [1] }] }), `${p}.all[0].value`],
    ['a fact condition with priority 0', validateConditions({ all: [{ ...leaf, priority: 0 }] }), `${p}.all[0].priority`],
    ['an all with priority 0', validateConditions({ all: [], priority: 0 }), `${p}.priority`],
    ['a not with a string priority', validateConditions({ not: leaf, priority: 'high' }), `${p}.priority`],
    ['nesting 33 levels deep', validateConditions(nestNot(33)), `${p}${'.not'.repeat(33)}`, 'conditions nest deeper than 32 levels'],
    ['all nested 33 levels deep', validateConditions(nest('all', 33)), `${p}${'.all[0]'.repeat(33)}`, 'conditions nest deeper than 32 levels'],
    ['any nested 33 levels deep', validateConditions(nest('any', 33)), `${p}${'.any[0]'.repeat(33)}`, 'conditions nest deeper than 32 levels'],
    ['a null condition', validateConditions({ all: [null] }), `${p}.all[0]`, 'must be an object, got null'],
    ['a null condition under not', validateConditions({ not: null }), `${p}.not`, 'must be an object, got null'],
    ['a missing event', validate([{ name: 'r', conditions: { all: [] } }]), '$.r[0].event', 'must be an object, got nothing'],
    ['an unknown key in the event', validate([ruleWith({ all: [] }, { event: { ...event, extra: 1 } })]), '$.r[0].event.extra', 'unknown key; expected one of type, params'],
    ['an event type that is not a string', validate([ruleWith({ all: [] }, { event: { ...event, type: 1 } })]), '$.r[0].event.type', 'must be a string, got number 1'],
    ['the wrong event type', validate([ruleWith({ all: [] }, { event: { ...event, type: 'route' } })]), '$.r[0].event.type', 'must be "hit"'],
    ['event params the schema refuses', validate([ruleWith({ all: [] }, { event: { ...event, params: { j: 1 } } })]), '$.r[0].event.params.j'],
    ['a problem in a later rule', validate([ruleWith({ all: [] }), { ...ruleWith({ all: [{ ...leaf, fact: 'z' }] }), name: 's' }]), '$.r[1].conditions.all[0].fact'],
  ];

  it.each(cases)('%s', (_title, run, path, problem) => {
    expect(run).toThrow(policyError(path, problem));
  });
});
