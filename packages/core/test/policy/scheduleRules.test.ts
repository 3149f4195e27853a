import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FAILOVER_MODES,
  InvalidRequestError,
  KEY_RESULTS,
  ONLY_SCHEDULE_RULE,
  PLATFORM_RESULTS,
  PolicyValidationError,
  defaultPolicyDocument,
  loadPolicy,
} from '@byok-billing/core';
import { policyError } from '../support/expectErrors.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- documents are edited as plain JSON here */
type Doc = any;

const event = (schedule: string) => ({ type: 'schedule', params: { schedule } });
const rule = (name: string, conditions: unknown, schedule: string, priority?: number) => ({ name, ...(priority === undefined ? {} : { priority }), conditions, event: event(schedule) });
const catchAll = (schedule = 'standard', priority = 1) => rule('everything else', { all: [] }, schedule, priority);
const premiumModel = (value: unknown = 'openai/o1-pro', operator = 'equal') => rule('expensive model', { all: [{ fact: 'model', operator, value }] }, 'premium', 2);

const twoSchedules = () => ({ standard: [{ upTo: 1000000, rate: '0' }, { rate: '0.05' }], premium: [{ upTo: 1000000, rate: '0' }, { rate: '0.08' }] });

/** One version, fees with `schedules` and `schedule` rules at the top. */
function doc(scheduleRules: unknown, schedules: unknown = twoSchedules()): Doc {
  const rules: Doc = structuredClone(defaultPolicyDocument.rules);
  if (scheduleRules !== undefined) rules.schedule = scheduleRules;
  return { id: 'p', parameters: { fees: { schedules } }, rules, versions: [{ version: 'v1' }] };
}

const contract = () => doc([premiumModel(), catchAll()]);

function changed(change: (d: Doc) => void): Doc {
  const d = contract();
  change(d);
  return d;
}

const ALL_FACTS = 'provider, model, failoverMode, keyResult, platformResult';

const invalid: [string, unknown, string, string?][] = [
  // the rule set's form, as for routing and charge rules
  ['schedule rules that are not an array', doc({}), '$.rules.schedule', 'must be an array, got an object'],
  ['an empty schedule rule set', doc([]), '$.rules.schedule', 'must hold at least one rule'],
  ['a rule with a route event', changed((d) => (d.rules.schedule[0].event.type = 'route')), '$.rules.schedule[0].event.type', 'must be "schedule"'],
  ['no schedule param', changed((d) => (d.rules.schedule[0].event.params = {})), '$.rules.schedule[0].event.params.schedule', 'must be a string, got nothing'],
  ['an empty schedule param', changed((d) => (d.rules.schedule[0].event.params.schedule = '')), '$.rules.schedule[0].event.params.schedule', 'must not be empty'],
  ['an unknown param', changed((d) => (d.rules.schedule[0].event.params.rate = '0.1')), '$.rules.schedule[0].event.params.rate', 'unknown key; expected one of schedule'],
  ['duplicate rule names', changed((d) => (d.rules.schedule[1].name = d.rules.schedule[0].name)), '$.rules.schedule[1].name', 'duplicate rule name "expensive model"'],
  ['an unknown fact', changed((d) => (d.rules.schedule[0].conditions.all[0].fact = 'route')), '$.rules.schedule[0].conditions.all[0].fact', `unknown fact "route"; these rules can use ${ALL_FACTS}`],
  ['a charge fact', changed((d) => (d.rules.schedule[0].conditions.all[0].fact = 'withinAllowance')), '$.rules.schedule[0].conditions.all[0].fact'],
  // provider and model: equal, notEqual, in, notIn, strings only
  ...(['contains', 'doesNotContain', 'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive'] as const).map(
    (operator): [string, unknown, string, string] => [
      `model ${operator}`,
      doc([premiumModel(operator.startsWith('less') || operator.startsWith('greater') ? 5 : 'o1', operator), catchAll()]),
      '$.rules.schedule[0].conditions.all[0].operator',
      `model is compared with equal, notEqual, in, notIn only, got "${operator}"`,
    ],
  ),
  [
    'provider contains, deep inside',
    doc([rule('p', { any: [{ not: { all: [{ fact: 'provider', operator: 'contains', value: 'a' }] } }] }, 'premium', 2), catchAll()]),
    '$.rules.schedule[0].conditions.any[0].not.all[0].operator',
    'provider is compared with equal, notEqual, in, notIn only, got "contains"',
  ],
  ['a model compared with a number', doc([premiumModel(5), catchAll()]), '$.rules.schedule[0].conditions.all[0].value', 'model is compared with strings, got number 5'],
  ['a model compared with null', doc([premiumModel(null, 'notEqual'), catchAll()]), '$.rules.schedule[0].conditions.all[0].value', 'model is compared with strings, got null'],
  ['a model compared with true', doc([premiumModel(true), catchAll()]), '$.rules.schedule[0].conditions.all[0].value', 'model is compared with strings, got boolean true'],
  ['a model in a list with a number', doc([premiumModel(['o1', 1], 'in'), catchAll()]), '$.rules.schedule[0].conditions.all[0].value[1]', 'model is compared with strings, got number 1'],
  ['a provider not in a list with null', doc([rule('p', { all: [{ fact: 'provider', operator: 'notIn', value: [null] }] }, 'premium', 2), catchAll()]), '$.rules.schedule[0].conditions.all[0].value[0]', 'provider is compared with strings, got null'],
  ['a model in a string', doc([premiumModel('o1', 'in'), catchAll()]), '$.rules.schedule[0].conditions.all[0].value', 'must be an array, got string "o1"'],
  // completeness and ambiguity over every combination
  [
    'no catch-all',
    doc([premiumModel()]),
    '$.rules.schedule',
    'no rule decides provider=(any other), model=(any other), failoverMode="fallback", keyResult="ok", platformResult="ok"; give a catch-all rule ({ "all": [] }) at a low priority',
  ],
  [
    'a catch-all that misses the empty model (an absent cell)',
    doc([premiumModel(), rule('named models', { all: [{ fact: 'model', operator: 'notEqual', value: '' }] }, 'standard')]),
    '$.rules.schedule',
    'no rule decides provider=(any other), model="", failoverMode="fallback", keyResult="ok", platformResult="ok"; give a catch-all rule ({ "all": [] }) at a low priority',
  ],
  [
    'a rule set that forgets one key result',
    doc([rule('ok', { all: [{ fact: 'keyResult', operator: 'in', value: ['ok', 'rate_limited', 'error'] }] }, 'standard'), rule('o1', { all: [{ fact: 'model', operator: 'equal', value: 'o1' }] }, 'premium', 2)]),
    '$.rules.schedule',
    'no rule decides provider=(any other), model=(any other), failoverMode="fallback", keyResult="none", platformResult="ok"; give a catch-all rule ({ "all": [] }) at a low priority',
  ],
  [
    'a rule set that forgets an unnamed provider under one mode only',
    doc([
      rule('openai', { all: [{ fact: 'provider', operator: 'equal', value: 'openai' }] }, 'premium'),
      rule('others, not strict', { all: [{ fact: 'provider', operator: 'notEqual', value: 'openai' }, { fact: 'failoverMode', operator: 'notEqual', value: 'strict' }] }, 'standard'),
    ]),
    '$.rules.schedule',
    'no rule decides provider=(any other), model=(any other), failoverMode="strict", keyResult="ok", platformResult="ok"; give a catch-all rule ({ "all": [] }) at a low priority',
  ],
  [
    'two catch-alls at one priority naming different schedules',
    doc([premiumModel(), catchAll(), rule('also everything', { all: [] }, 'premium')]),
    '$.rules.schedule',
    'rules "everything else" and "also everything" choose different schedules ("standard" and "premium") for provider=(any other), model=(any other), failoverMode="fallback", keyResult="ok", platformResult="ok" at the same priority; give one a higher priority',
  ],
  [
    'overlapping provider and model rules at one priority',
    doc([
      rule('anthropic', { all: [{ fact: 'provider', operator: 'equal', value: 'anthropic' }] }, 'standard', 2),
      rule('o1 models', { all: [{ fact: 'model', operator: 'in', value: ['o1', 'o1-pro'] }] }, 'premium', 2),
      catchAll('standard'),
    ]),
    '$.rules.schedule',
    'rules "anthropic" and "o1 models" choose different schedules ("standard" and "premium") for provider="anthropic", model="o1", failoverMode="fallback", keyResult="ok", platformResult="ok" at the same priority; give one a higher priority',
  ],
  // schedules and rules must match
  [
    'a rule naming a schedule the version does not have',
    changed((d) => (d.rules.schedule[0].event.params.schedule = 'platinum')),
    '$.rules.schedule[0].event.params.schedule',
    'names no fee schedule of version "v1": its schedules ($.parameters.fees) are "premium", "standard"',
  ],
  [
    'a schedule no rule names',
    doc([catchAll()]),
    '$.parameters.fees.schedules.premium',
    'no rule of $.rules.schedule chooses this schedule (version "v1"); every schedule is named by a rule',
  ],
  [
    'two schedules and no schedule rules',
    doc(undefined),
    '$.rules.schedule',
    'is required: version "v1" has 2 fee schedules (premium, standard), and schedule rules choose which one a request pays by',
  ],
  [
    "top-level schedule rules that name a version's missing schedule",
    (() => {
      const d = contract();
      d.versions = [{ version: 'v1' }, { version: 'v2', effectiveFrom: '2026-01-01T00:00:00Z', parameters: { allowance: 5, feeRate: '0.05' } }];
      return d;
    })(),
    '$.rules.schedule[0].event.params.schedule',
    'names no fee schedule of version "v2": its schedules ($.versions[1].parameters) are "default"',
  ],
  [
    "a version's own rules without schedule rules, over two schedules",
    (() => {
      const d = contract();
      d.versions[0].rules = structuredClone(defaultPolicyDocument.rules);
      return d;
    })(),
    '$.versions[0].rules.schedule',
    'is required: version "v1" has 2 fee schedules (premium, standard), and schedule rules choose which one a request pays by',
  ],
  [
    "a version's own incomplete schedule rules",
    (() => {
      const d = contract();
      d.versions[0].rules = { ...structuredClone(defaultPolicyDocument.rules), schedule: [premiumModel()] };
      return d;
    })(),
    '$.versions[0].rules.schedule',
  ],
  [
    'too many named models to decide',
    doc([rule('many', { all: [{ fact: 'model', operator: 'in', value: Array.from({ length: 300 }, (_, i) => `m${i}`) }, { fact: 'provider', operator: 'in', value: Array.from({ length: 300 }, (_, i) => `p${i}`) }] }, 'premium'), catchAll()]),
    '$.rules.schedule',
    'the rules name 300 providers and 300 models: 2174424 combinations of facts to decide, more than 2097152; name fewer (e.g. the models of the exceptional schedules, with a catch-all for the rest)',
  ],
];

describe('loadPolicy refuses bad schedule rules, naming the JSON path of the problem', () => {
  it.each(invalid)('%s', (_title, document, path, problem) => {
    expect(() => loadPolicy(document)).toThrow(policyError(path, problem));
    expect(() => loadPolicy(document)).toThrow(PolicyValidationError);
  });

  it('accepts what sits next to those refusals', () => {
    const ok = (d: Doc) => expect(() => loadPolicy(d)).not.toThrow();
    ok(contract());
    // every operator the contract allows on provider and model
    ok(doc([premiumModel('o1', 'notEqual'), catchAll('standard', 3)]));
    ok(doc([premiumModel(['o1', ''], 'in'), catchAll()]));
    ok(doc([premiumModel([], 'notIn'), catchAll()]));
    // the routing facts take any operator, as in routing rules
    ok(doc([rule('not ok', { all: [{ fact: 'keyResult', operator: 'contains', value: 'ok' }] }, 'premium', 2), catchAll()]));
    // two rules at one priority that name the same schedule agree
    ok(doc([premiumModel(), rule('o1 too', { all: [{ fact: 'model', operator: 'equal', value: 'openai/o1-pro' }] }, 'premium', 2), catchAll()]));
    // a higher priority settles what would be a tie
    ok(doc([catchAll(), rule('also everything', { all: [] }, 'premium', 3)]));
    // one schedule: the rules may be left out, or name it
    ok(doc(undefined, { only: [{ rate: '0.05' }] }));
    ok(doc([rule('all', { all: [] }, 'only')], { only: [{ rate: '0.05' }] }));
    // the shorthand's one schedule is "default"
    ok({ ...doc([rule('all', { all: [] }, 'default')]), parameters: { allowance: 5, feeRate: '0.05' } });
    // as many names as the limit allows
    ok(doc([rule('many', { all: [{ fact: 'model', operator: 'in', value: Array.from({ length: 289 }, (_, i) => `m${i}`) }, { fact: 'provider', operator: 'in', value: Array.from({ length: 300 }, (_, i) => `p${i}`) }] }, 'premium', 2), catchAll()]));
  });

  it('a tie below the highest matching priority is no ambiguity', () => {
    const d = doc([rule('a', { all: [] }, 'standard'), rule('b', { all: [] }, 'premium'), rule('c', { all: [] }, 'premium', 2)]);
    const chooser = loadPolicy(d).versions[0]!.scheduleChooser;
    expect(chooser.choose('x', 'y', 'fallback', 'ok', 'ok')).toEqual({ schedule: 0, name: 'premium', rule: 'c' });
  });

  it('checks each version against the rules that apply to it', () => {
    const d = contract();
    const ownRules = { ...structuredClone(defaultPolicyDocument.rules), schedule: [rule('all', { all: [] }, 'default')] };
    d.versions.push({ version: 'v2', effectiveFrom: '2026-01-01T00:00:00Z', parameters: { allowance: 5, feeRate: '0.05' }, rules: ownRules });
    const [v1, v2] = loadPolicy(d).versions;
    expect(v1!.scheduleChooser.choose('', 'openai/o1-pro', 'fallback', 'ok', 'ok').name).toBe('premium');
    expect(v2!.scheduleChooser.choose('', 'openai/o1-pro', 'fallback', 'ok', 'ok')).toEqual({ schedule: 0, name: 'default', rule: 'all' });
    expect(v2!.rules.schedule).toEqual(ownRules.schedule);
  });
});

describe('ScheduleChooser', () => {
  it('the contract example: o1-pro pays by premium, everything else by standard', () => {
    const version = loadPolicy(contract()).versions[0]!;
    const chooser = version.scheduleChooser;
    expect(chooser.names).toEqual(['premium', 'standard']);
    expect(chooser.choose('openai', 'openai/o1-pro', 'fallback', 'ok', 'ok')).toEqual({ schedule: 0, name: 'premium', rule: 'expensive model' });
    expect(chooser.choose('openai', 'openai/gpt-4o', 'fallback', 'ok', 'ok')).toEqual({ schedule: 1, name: 'standard', rule: 'everything else' });
    expect(chooser.choose('', '', 'strict', 'none', 'error')).toEqual({ schedule: 1, name: 'standard', rule: 'everything else' });
    expect(version.feeTerms.schedules[chooser.choose('a', 'openai/o1-pro', 'credits-first', 'error', 'error').schedule]!.name).toBe('premium');
    expect(version.rules.schedule).toEqual([premiumModel(), catchAll()]);
  });

  /** A reference: evaluates the rules directly (highest priority wins, first in document order on agreeing ties). */
  const rulesByHand = [
    { name: 'openai o1', priority: 3, test: (f: Facts) => f.provider === 'openai' && ['o1', 'o1-pro'].includes(f.model), schedule: 'premium' },
    { name: 'strict anthropic', priority: 2, test: (f: Facts) => f.provider === 'anthropic' && f.failoverMode === 'strict', schedule: 'discount' },
    { name: 'no key', priority: 2, test: (f: Facts) => f.keyResult === 'none' && f.provider !== 'anthropic', schedule: 'standard' },
    { name: 'not o1', priority: 2, test: (f: Facts) => !['o1'].includes(f.model) && f.keyResult === 'none' && f.provider !== 'anthropic', schedule: 'standard' },
    { name: 'rest', priority: 1, test: () => true, schedule: 'standard' },
  ];
  type Facts = { provider: string; model: string; failoverMode: string; keyResult: string; platformResult: string };
  const documentRules = [
    rule('openai o1', { all: [{ fact: 'provider', operator: 'equal', value: 'openai' }, { fact: 'model', operator: 'in', value: ['o1', 'o1-pro'] }] }, 'premium', 3),
    rule('strict anthropic', { all: [{ fact: 'provider', operator: 'equal', value: 'anthropic' }, { fact: 'failoverMode', operator: 'equal', value: 'strict' }] }, 'discount', 2),
    rule('no key', { all: [{ fact: 'keyResult', operator: 'equal', value: 'none' }, { fact: 'provider', operator: 'notEqual', value: 'anthropic' }] }, 'standard', 2),
    rule('not o1', { all: [{ not: { all: [{ fact: 'model', operator: 'in', value: ['o1'] }] } }, { fact: 'keyResult', operator: 'equal', value: 'none' }, { fact: 'provider', operator: 'notIn', value: ['anthropic'] }] }, 'standard', 2),
    rule('rest', { all: [] }, 'standard'),
  ];
  const schedules = { premium: [{ rate: '0.08' }], discount: [{ rate: '0.02' }], standard: [{ rate: '0.05' }] };

  it('chooses as the rules say for any provider and model, named or not', () => {
    const chooser = loadPolicy(doc(documentRules, schedules)).versions[0]!.scheduleChooser;
    const names = ['openai', 'anthropic', 'o1', 'o1-pro', '', 'google', '\u0000other'];
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...names), fc.string()),
        fc.oneof(fc.constantFrom(...names), fc.string()),
        fc.constantFrom(...FAILOVER_MODES),
        fc.constantFrom(...KEY_RESULTS),
        fc.constantFrom(...PLATFORM_RESULTS),
        (provider, model, failoverMode, keyResult, platformResult) => {
          const facts = { provider, model, failoverMode, keyResult, platformResult };
          const top = Math.max(...rulesByHand.filter((r) => r.test(facts)).map((r) => r.priority));
          const winner = rulesByHand.find((r) => r.priority === top && r.test(facts))!;
          const choice = chooser.choose(provider, model, failoverMode, keyResult, platformResult);
          expect(choice).toEqual({ schedule: chooser.names.indexOf(winner.schedule), name: winner.schedule, rule: winner.name });
        },
      ),
    );
  });

  it('a recorded route is chosen as a served key (keyResult ok), platform default ok', () => {
    const d = doc([rule('key served', { all: [{ fact: 'keyResult', operator: 'equal', value: 'ok' }, { fact: 'platformResult', operator: 'equal', value: 'ok' }] }, 'premium', 2), catchAll()]);
    const chooser = loadPolicy(d).versions[0]!.scheduleChooser;
    expect(chooser.chooseRecorded('p', 'm', 'fallback').name).toBe('premium');
    expect(chooser.chooseRecorded('p', 'm', 'fallback', 'ok').name).toBe('premium');
    expect(chooser.chooseRecorded('p', 'm', 'fallback', 'error').name).toBe('standard');
  });

  it('one schedule without rules: every request, rule "only-schedule"', () => {
    const chooser = loadPolicy(doc(undefined, { solo: [{ rate: '0.05' }] })).versions[0]!.scheduleChooser;
    expect(ONLY_SCHEDULE_RULE).toBe('only-schedule');
    expect(chooser.choose('a', 'b', 'strict', 'error', 'ok')).toEqual({ schedule: 0, name: 'solo', rule: 'only-schedule' });
    expect(chooser.chooseRecorded('a', 'b', 'strict')).toBe(chooser.choose('', '', 'fallback', 'ok', 'ok'));
  });

  it('refuses facts outside the domains from an untyped caller', () => {
    const chooser = loadPolicy(contract()).versions[0]!.scheduleChooser;
    expect(() => chooser.choose('a', 'b', 'never' as never, 'ok', 'ok')).toThrow(InvalidRequestError);
    expect(() => chooser.choose('a', 'b', 'fallback', 'maybe' as never, 'ok')).toThrow(InvalidRequestError);
    expect(() => chooser.choose('a', 'b', 'fallback', 'ok', 'sometimes' as never)).toThrow(InvalidRequestError);
    expect(() => chooser.choose(undefined as never, 'b', 'fallback', 'ok', 'ok')).toThrow(InvalidRequestError);
  });

  it('versions with the same schedule rules and schedule names share one chooser', () => {
    const d = contract();
    d.versions.push({ version: 'v2', effectiveFrom: '2026-01-01T00:00:00Z' });
    const [v1, v2] = loadPolicy(d).versions;
    expect(v2!.scheduleChooser).toBe(v1!.scheduleChooser);
  });
});
