import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  Money,
  PolicyValidationError,
  type FeeTerms,
  canonicalJson,
  defaultPolicy,
  defaultPolicyDocument,
  feeTermsShorthand,
  loadPolicy,
  parseMoney,
  parseRate,
  shorthandFeeTerms,
} from '@byok-billing/core';
import { feesDocument, readFees } from '@byok-billing/core/internal';
import { policyError } from '../support/expectErrors.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- documents are edited as plain JSON here */
type Doc = any;

const rules = () => structuredClone(defaultPolicyDocument.rules) as Doc;

/** The contract's example schedules (docs/pricing-language.md §2), without schedule rules. */
const contractFees = () => ({
  unit: 'requests',
  schedules: {
    standard: [{ upTo: 1000000, rate: '0' }, { upTo: 10000000, rate: '0.05' }, { rate: '0.03' }],
    premium: [{ upTo: 1000000, rate: '0' }, { rate: '0.08' }],
  },
  capUsd: '2000',
});

const contractScheduleRules = () => [
  {
    name: 'expensive model',
    priority: 2,
    conditions: { all: [{ fact: 'model', operator: 'equal', value: 'openai/o1-pro' }] },
    event: { type: 'schedule', params: { schedule: 'premium' } },
  },
  { name: 'everything else', priority: 1, conditions: { all: [] }, event: { type: 'schedule', params: { schedule: 'standard' } } },
];

/** One version, fees at the top. */
function feesDoc(fees: unknown, scheduleRules?: unknown): Doc {
  const r = rules();
  if (scheduleRules !== undefined) r.schedule = scheduleRules;
  return { id: 'p', parameters: { fees }, rules: r, versions: [{ version: 'v1' }] };
}

/** A document with one fee schedule `tiers` at the top. */
const oneSchedule = (tiers: unknown, extra: Record<string, unknown> = {}) => feesDoc({ schedules: { s: tiers }, ...extra });

function withFees(change: (fees: Doc) => void): Doc {
  const fees: Doc = contractFees();
  change(fees);
  return feesDoc(fees, contractScheduleRules());
}

const PER_TIER = 'must be a whole number of requests from 1 to 9007199254740991 (a JSON integer; the unit is "requests")';
const LIST_BOUND = 'must be a dollar amount > 0 written as a decimal string with at most 12 fractional digits (the unit is "list-usd"), e.g. "1000"';
const RATE_ADVICE = '(write the rate as a decimal string, e.g. "0.05" for 5%)';

const invalid: [string, unknown, string, string?][] = [
  ['fees that are not an object', feesDoc([]), '$.parameters.fees', 'must be an object, got an array'],
  ['an unknown key in fees', withFees((f) => (f.tiers = [])), '$.parameters.fees.tiers', 'unknown key; expected one of unit, schedules, capUsd'],
  ['an unknown unit', withFees((f) => (f.unit = 'tokens')), '$.parameters.fees.unit', 'must be one of "requests", "list-usd", got string "tokens"'],
  ['no schedules', withFees((f) => delete f.schedules), '$.parameters.fees.schedules', 'must be an object, got nothing'],
  ['schedules as an array', withFees((f) => (f.schedules = [[{ rate: '0.05' }]])), '$.parameters.fees.schedules', 'must be an object, got an array'],
  ['no schedule at all', feesDoc({ schedules: {} }), '$.parameters.fees.schedules', 'must name at least one schedule, e.g. { "standard": [ { "rate": "0.05" } ] }'],
  ['a schedule name with a space', feesDoc({ schedules: { 'big spender': [{ rate: '0.05' }] } }), '$.parameters.fees.schedules["big spender"]', 'a schedule name is 1 to 64 characters of A-Z, a-z, 0-9, "_", "." and "-"'],
  ['a schedule name of 65 characters', feesDoc({ schedules: { ['a'.repeat(65)]: [{ rate: '0.05' }] } }), `$.parameters.fees.schedules.${'a'.repeat(65)}`],
  ['an empty schedule name', feesDoc({ schedules: { '': [{ rate: '0.05' }] } }), '$.parameters.fees.schedules[""]'],
  ['a schedule named "constructor"', feesDoc({ schedules: { constructor: [{ rate: '0.05' }] } }), '$.parameters.fees.schedules.constructor', 'this key is not allowed'],
  ['a schedule that is not an array', oneSchedule({ rate: '0.05' }), '$.parameters.fees.schedules.s', 'must be an array, got an object'],
  ['an empty schedule', oneSchedule([]), '$.parameters.fees.schedules.s', 'must hold at least one tier (the last, { "rate": … }, covers everything beyond the others)'],
  ['a tier that is not an object', oneSchedule(['0.05']), '$.parameters.fees.schedules.s[0]', 'must be an object, got string "0.05"'],
  ['an unknown tier key', oneSchedule([{ upTo: 5, rate: '0', from: 0 }, { rate: '0.05' }]), '$.parameters.fees.schedules.s[0].from', 'unknown key; expected one of upTo, rate'],
  [
    'a bound on the last tier',
    oneSchedule([{ upTo: 5, rate: '0' }, { upTo: 10, rate: '0.05' }]),
    '$.parameters.fees.schedules.s[1].upTo',
    'the last tier has no bound (it covers everything beyond the previous one): remove upTo, or add a tier after this one',
  ],
  ['a bound on the only tier', oneSchedule([{ upTo: 5, rate: '0' }]), '$.parameters.fees.schedules.s[0].upTo'],
  ['no bound on a tier before the last', oneSchedule([{ rate: '0' }, { rate: '0.05' }]), '$.parameters.fees.schedules.s[0].upTo', 'is required on every tier but the last'],
  ['a bound of 0 requests', oneSchedule([{ upTo: 0, rate: '0' }, { rate: '0.05' }]), '$.parameters.fees.schedules.s[0].upTo', `${PER_TIER}, got number 0`],
  ['a negative bound', oneSchedule([{ upTo: -5, rate: '0' }, { rate: '0.05' }]), '$.parameters.fees.schedules.s[0].upTo', `${PER_TIER}, got number -5`],
  ['a fractional bound of requests', oneSchedule([{ upTo: 2.5, rate: '0' }, { rate: '0.05' }]), '$.parameters.fees.schedules.s[0].upTo', `${PER_TIER}, got number 2.5`],
  ['a bound of requests as a string', oneSchedule([{ upTo: '1000', rate: '0' }, { rate: '0.05' }]), '$.parameters.fees.schedules.s[0].upTo', `${PER_TIER}, got string "1000"`],
  ['a bound beyond safe integers', oneSchedule([{ upTo: 2 ** 53, rate: '0' }, { rate: '0.05' }]), '$.parameters.fees.schedules.s[0].upTo'],
  [
    'bounds that do not increase',
    oneSchedule([{ upTo: 10, rate: '0' }, { upTo: 10, rate: '0.05' }, { rate: '0.03' }]),
    '$.parameters.fees.schedules.s[1].upTo',
    "must be greater than the previous tier's bound (10): bounds strictly increase",
  ],
  ['bounds that decrease', oneSchedule([{ upTo: 10, rate: '0' }, { upTo: 9, rate: '0.05' }, { rate: '0.03' }]), '$.parameters.fees.schedules.s[1].upTo'],
  [
    'list-usd bounds that do not increase',
    oneSchedule([{ upTo: '10.5', rate: '0' }, { upTo: '10.500', rate: '0.05' }, { rate: '0.03' }], { unit: 'list-usd' }),
    '$.parameters.fees.schedules.s[1].upTo',
    "must be greater than the previous tier's bound (10.5): bounds strictly increase",
  ],
  ['a list-usd bound as a number', oneSchedule([{ upTo: 1000, rate: '0' }, { rate: '0.05' }], { unit: 'list-usd' }), '$.parameters.fees.schedules.s[0].upTo', `${LIST_BOUND}, got number 1000`],
  ['a list-usd bound of 0', oneSchedule([{ upTo: '0.000', rate: '0' }, { rate: '0.05' }], { unit: 'list-usd' }), '$.parameters.fees.schedules.s[0].upTo', `${LIST_BOUND}, got "0.000"`],
  [
    'a list-usd bound with 13 fractional digits',
    oneSchedule([{ upTo: '0.0000000000001', rate: '0' }, { rate: '0.05' }], { unit: 'list-usd' }),
    '$.parameters.fees.schedules.s[0].upTo',
    `${LIST_BOUND}; "0.0000000000001": has 13 fractional digits; at most 12 are accepted`,
  ],
  ['a negative list-usd bound', oneSchedule([{ upTo: '-1', rate: '0' }, { rate: '0.05' }], { unit: 'list-usd' }), '$.parameters.fees.schedules.s[0].upTo', `${LIST_BOUND}; "-1": must not be negative`],
  ['a list-usd bound with an exponent', oneSchedule([{ upTo: '1e3', rate: '0' }, { rate: '0.05' }], { unit: 'list-usd' }), '$.parameters.fees.schedules.s[0].upTo'],
  ['a tier without a rate', oneSchedule([{ upTo: 5 }, { rate: '0.05' }]), '$.parameters.fees.schedules.s[0].rate', 'must be a string, got nothing'],
  ['a rate as a number', oneSchedule([{ rate: 0.05 }]), '$.parameters.fees.schedules.s[0].rate', 'must be a string, got number 0.05'],
  ['a negative rate', oneSchedule([{ rate: '-0.05' }]), '$.parameters.fees.schedules.s[0].rate', `"-0.05": must not be negative ${RATE_ADVICE}`],
  ['a rate in percent', oneSchedule([{ rate: '5%' }]), '$.parameters.fees.schedules.s[0].rate'],
  ['a rate with 13 fractional digits', oneSchedule([{ rate: '0.0500000000001' }]), '$.parameters.fees.schedules.s[0].rate', `"0.0500000000001": has 13 fractional digits; at most 12 are accepted ${RATE_ADVICE}`],
  ['a cap as a number', withFees((f) => (f.capUsd = 2000)), '$.parameters.fees.capUsd', 'must be a string, got number 2000'],
  ['a negative cap', withFees((f) => (f.capUsd = '-1')), '$.parameters.fees.capUsd', '"-1": must not be negative (write the cap as a decimal string of dollars, e.g. "2000")'],
  ['a cap with a currency sign', withFees((f) => (f.capUsd = '$2000')), '$.parameters.fees.capUsd'],
  ['a cap with 13 fractional digits', withFees((f) => (f.capUsd = '0.0000000000001')), '$.parameters.fees.capUsd'],
  // shorthand and fees
  [
    'fees beside an allowance at one level',
    (() => {
      const d = feesDoc(contractFees(), contractScheduleRules());
      d.parameters.allowance = 5;
      return d;
    })(),
    '$.parameters.fees',
    'give either fees or the shorthand (allowance here), not both at one level; the shorthand allowance: A, feeRate: R is fees with one schedule "default"',
  ],
  [
    'fees beside a fee rate in a version',
    (() => {
      const d = feesDoc(contractFees(), contractScheduleRules());
      d.versions[0].parameters = { feeRate: '0.05', fees: contractFees() };
      return d;
    })(),
    '$.versions[0].parameters.fees',
    'give either fees or the shorthand (feeRate here), not both at one level; the shorthand allowance: A, feeRate: R is fees with one schedule "default"',
  ],
  [
    'a version allowance alone over the policy fees',
    (() => {
      const d = feesDoc(contractFees(), contractScheduleRules());
      d.versions[0].parameters = { allowance: 5 };
      return d;
    })(),
    '$.versions[0].parameters.feeRate',
    'is required here: the shorthand at this level replaces $.parameters.fees, so give allowance and feeRate together (or fees)',
  ],
  [
    'a version fee rate alone over the policy fees',
    (() => {
      const d = feesDoc(contractFees(), contractScheduleRules());
      d.versions[0].parameters = { feeRate: '0.05' };
      return d;
    })(),
    '$.versions[0].parameters.allowance',
    'is required here: the shorthand at this level replaces $.parameters.fees, so give allowance and feeRate together (or fees)',
  ],
  [
    'neither fees nor a shorthand anywhere',
    { id: 'p', rules: rules(), versions: [{ version: 'v1' }] },
    '$.versions[0].parameters.allowance',
    'is required (here or in $.parameters)',
  ],
];

describe('loadPolicy refuses bad fees, naming the JSON path of the problem', () => {
  it.each(invalid)('%s', (_title, document, path, problem) => {
    expect(() => loadPolicy(document)).toThrow(policyError(path, problem));
    expect(() => loadPolicy(document)).toThrow(PolicyValidationError);
  });

  it('accepts the boundary cases next to those refusals', () => {
    const ok = (d: Doc) => expect(() => loadPolicy(d)).not.toThrow();
    ok(oneSchedule([{ upTo: 1, rate: '0' }, { upTo: Number.MAX_SAFE_INTEGER, rate: '0.05' }, { rate: '0' }]));
    ok(oneSchedule([{ upTo: '0.000000000001', rate: '0' }, { upTo: '0.000000000002', rate: '0.5' }, { rate: '0.05' }], { unit: 'list-usd' }));
    ok(oneSchedule([{ rate: '0.050000000001' }]));
    ok(oneSchedule([{ rate: '0' }]));
    ok(withFees((f) => (f.capUsd = '0')));
    ok(withFees((f) => (f.capUsd = '0.000000000001')));
    ok(feesDoc({ schedules: { ['a'.repeat(64)]: [{ rate: '0.05' }] } }));
    ok(feesDoc({ schedules: { 'A-z_0.9': [{ rate: '0.05' }] } }));
  });
});

describe('fees compile to FeeTerms', () => {
  it('the contract example: schedules by name, bounds as integers, rates and cap exact', () => {
    const version = loadPolicy(feesDoc(contractFees(), contractScheduleRules())).versions[0]!;
    const terms = version.feeTerms;
    expect(terms.unit).toBe('requests');
    expect(terms.schedules.map((s) => s.name)).toEqual(['premium', 'standard']);
    expect(terms.schedules.map((s) => s.tiers.map((t) => [t.upTo, t.rate.toString()]))).toEqual([
      [
        [1_000_000, '0'],
        [null, '0.08'],
      ],
      [
        [1_000_000, '0'],
        [10_000_000, '0.05'],
        [null, '0.03'],
      ],
    ]);
    expect(terms.capUsd).toEqual(parseMoney('2000'));
    expect(Object.isFrozen(terms)).toBe(true);
    expect(Object.isFrozen(terms.schedules)).toBe(true);
    expect(Object.isFrozen(terms.schedules[1]!.tiers[1])).toBe(true);
  });

  it('the free tier: a first tier of rate 0 with a bound, and only that', () => {
    const free = (tiers: unknown) => readFees({ schedules: { s: tiers } }, '$').schedules[0]!.free;
    expect(free([{ upTo: 5, rate: '0' }, { rate: '0.05' }])).toBe(true);
    expect(free([{ upTo: 5, rate: '0.000' }, { upTo: 9, rate: '0' }, { rate: '0' }])).toBe(true);
    // a rate-0 schedule of one tier has no allowance: its requests are billable at 0, as the shorthand's 0% is today
    expect(free([{ rate: '0' }])).toBe(false);
    expect(free([{ upTo: 5, rate: '0.1' }, { upTo: 9, rate: '0' }, { rate: '0.05' }])).toBe(false);
    expect(shorthandFeeTerms(0, parseRate('0')).schedules[0]!.free).toBe(false);
    expect(shorthandFeeTerms(1, parseRate('0')).schedules[0]!.free).toBe(true);
  });

  it('unit defaults to requests; no capUsd is no cap', () => {
    const terms = loadPolicy(oneSchedule([{ rate: '0.05' }])).versions[0]!.feeTerms;
    expect(terms.unit).toBe('requests');
    expect(terms.capUsd).toBeUndefined();
  });

  it('list-usd bounds are bigint units of 10^-12 dollars', () => {
    const terms = loadPolicy(oneSchedule([{ upTo: '1000', rate: '0' }, { upTo: '1000.000000000001', rate: '0.05' }, { upTo: '2500.5', rate: '0.04' }, { rate: '0.03' }], { unit: 'list-usd' }))
      .versions[0]!.feeTerms;
    expect(terms.unit).toBe('list-usd');
    expect(terms.schedules[0]!.tiers.map((t) => t.upTo)).toEqual([1_000_000_000_000_000n, 1_000_000_000_000_001n, 2_500_500_000_000_000n, null]);
  });

  it('orders schedules by name, whatever the key order of the document', () => {
    const a = loadPolicy(feesDoc({ schedules: { b: [{ rate: '0.02' }], a: [{ rate: '0.01' }], B: [{ rate: '0.03' }] } }, [
      { name: 'all', conditions: { all: [] }, event: { type: 'schedule', params: { schedule: 'a' } } },
      { name: 'never', conditions: { all: [{ fact: 'model', operator: 'in', value: [] }] }, event: { type: 'schedule', params: { schedule: 'b' } } },
      { name: 'never B', conditions: { all: [{ fact: 'model', operator: 'in', value: [] }] }, event: { type: 'schedule', params: { schedule: 'B' } } },
    ]));
    expect(a.versions[0]!.feeTerms.schedules.map((s) => s.name)).toEqual(['B', 'a', 'b']);
    expect(a.versions[0]!.scheduleChooser.names).toEqual(['B', 'a', 'b']);
  });

  it('readFees and feesDocument are inverse on compiled terms', () => {
    for (const fees of [contractFees(), { unit: 'list-usd', schedules: { x: [{ upTo: '0.5', rate: '0' }, { upTo: '12.000000000001', rate: '0.1' }, { rate: '0.050' }] } }]) {
      const terms = readFees(fees, '$');
      expect(readFees(JSON.parse(JSON.stringify(feesDocument(terms))), '$')).toEqual(terms);
    }
    expect(feesDocument(readFees(contractFees(), '$'))).toEqual(contractFees());
  });
});

describe('the shorthand is fees with one schedule "default"', () => {
  const spelledOut = (allowance: number, rate: string) => ({
    unit: 'requests',
    schedules: { default: allowance > 0 ? [{ upTo: allowance, rate: '0' }, { rate }] : [{ rate }] },
  });

  it.each([
    [1_000_000, '0.05'],
    [0, '0.05'],
    [1, '0'],
    [0, '0'],
    [Number.MAX_SAFE_INTEGER, '0.123456789012'],
  ])('allowance %d, feeRate %s', (allowance, rate) => {
    const shorthand = loadPolicy({ id: 'p', parameters: { allowance, feeRate: rate }, rules: rules(), versions: [{ version: 'v' }] }).versions[0]!;
    const fees = loadPolicy(feesDoc(spelledOut(allowance, rate))).versions[0]!;
    expect(fees.feeTerms).toEqual(shorthand.feeTerms);
    expect(shorthand.feeTerms).toEqual(shorthandFeeTerms(allowance, parseRate(rate)));
    // the parameters the engines read today agree too
    expect(fees.parameters.allowance).toBe(shorthand.parameters.allowance);
    expect(fees.parameters.feeRate).toEqual(shorthand.parameters.feeRate);
    expect(feeTermsShorthand(fees.feeTerms)).toEqual({ allowance, feeRate: parseRate(rate) });
    expect(fees.scheduleChooser.choose('openai', 'gpt', 'fallback', 'ok', 'ok')).toEqual(shorthand.scheduleChooser.choose('x', '', 'strict', 'none', 'error'));
  });

  it('the default policy: (beyond: 0.05), then (up to 1,000,000: 0), (beyond: 0.05)', () => {
    const [before, after] = defaultPolicy().versions;
    expect(before!.feeTerms).toEqual(shorthandFeeTerms(0, parseRate('0.05')));
    expect(after!.feeTerms).toEqual(shorthandFeeTerms(1_000_000, parseRate('0.05')));
    expect(after!.feeTerms.schedules[0]!.name).toBe('default');
    expect(after!.scheduleChooser.choose('', '', 'fallback', 'ok', 'ok')).toEqual({ schedule: 0, name: 'default', rule: 'only-schedule' });
  });

  it('terms that no shorthand means are recognised as such', () => {
    const no = (fees: unknown) => expect(feeTermsShorthand(readFees(fees, '$'))).toBeUndefined();
    no({ schedules: { s: [{ upTo: 5, rate: '0' }, { rate: '0.05' }] }, capUsd: '10' });
    no({ unit: 'list-usd', schedules: { s: [{ rate: '0.05' }] } });
    no({ schedules: { a: [{ rate: '0.05' }], b: [{ rate: '0.05' }] } });
    no({ schedules: { s: [{ upTo: 5, rate: '0.01' }, { rate: '0.05' }] } });
    no({ schedules: { s: [{ upTo: 5, rate: '0' }, { upTo: 6, rate: '0.05' }, { rate: '0.05' }] } });
  });
});

describe('PolicyParameters.allowance and feeRate of a version given as fees (summaries)', () => {
  const summary = (fees: unknown, scheduleRules?: unknown) => {
    const { allowance, feeRate } = loadPolicy(feesDoc(fees, scheduleRules)).versions[0]!.parameters;
    return [allowance, feeRate.toString()];
  };
  const twoRules = (a: string, b: string) => [
    { name: 'o1', priority: 2, conditions: { all: [{ fact: 'model', operator: 'equal', value: 'o1' }] }, event: { type: 'schedule', params: { schedule: a } } },
    { name: 'rest', conditions: { all: [] }, event: { type: 'schedule', params: { schedule: b } } },
  ];

  it('every schedule starts with a free tier of the same bound: that bound', () => {
    expect(summary(contractFees(), contractScheduleRules())).toEqual([1_000_000, '0.08']);
  });

  it('free first tiers of different bounds, or one schedule without: 0', () => {
    expect(summary({ schedules: { a: [{ upTo: 5, rate: '0' }, { rate: '0.05' }], b: [{ upTo: 6, rate: '0' }, { rate: '0.05' }] } }, twoRules('a', 'b'))).toEqual([0, '0.05']);
    expect(summary({ schedules: { a: [{ upTo: 5, rate: '0' }, { rate: '0.05' }], b: [{ rate: '0.07' }] } }, twoRules('a', 'b'))).toEqual([0, '0.05']);
  });

  it('list-usd: 0 (the bound is dollars, not requests)', () => {
    expect(summary({ unit: 'list-usd', schedules: { s: [{ upTo: '100', rate: '0' }, { rate: '0.05' }] } })).toEqual([0, '0.05']);
  });

  it('feeRate: the first rate > 0 of the first schedule by name, or 0', () => {
    expect(summary({ schedules: { s: [{ upTo: 5, rate: '0' }, { upTo: 9, rate: '0.04' }, { rate: '0.03' }] } })).toEqual([5, '0.04']);
    expect(summary({ schedules: { s: [{ upTo: 5, rate: '0' }, { rate: '0' }] } })).toEqual([5, '0']);
    expect(summary({ schedules: { s: [{ upTo: 5, rate: '0' }, { rate: '0.050' }] } })).toEqual([5, '0.05']);
  });
});

describe('merging fees and the shorthand across levels: the most specific level wins', () => {
  const shorthandTop = (): Doc => ({ id: 'p', parameters: { allowance: 10, feeRate: '0.05' }, rules: rules(), versions: [] });
  const v = (version: string, from: string | undefined, parameters?: unknown, extra: Record<string, unknown> = {}) => ({
    version,
    ...(from === undefined ? {} : { effectiveFrom: from }),
    ...(parameters === undefined ? {} : { parameters }),
    ...extra,
  });
  const tiers = (terms: FeeTerms) => terms.schedules.map((s) => [s.name, s.tiers.map((t) => [typeof t.upTo === 'bigint' ? t.upTo.toString() : t.upTo, t.rate.toString()])]);

  it("a version's fees replace the policy's shorthand; a version's shorthand the policy's fees", () => {
    const d = shorthandTop();
    d.versions = [
      v('inherits', undefined),
      v('fees', '2025-01-01T00:00:00Z', { fees: { schedules: { s: [{ upTo: 3, rate: '0' }, { rate: '0.02' }] } } }),
      v('partial', '2025-02-01T00:00:00Z', { feeRate: '0.1' }),
    ];
    const [a, b, c] = loadPolicy(d).versions;
    expect(tiers(a!.feeTerms)).toEqual([['default', [[10, '0'], [null, '0.05']]]]);
    expect(tiers(b!.feeTerms)).toEqual([['s', [[3, '0'], [null, '0.02']]]]);
    // a partial shorthand over a shorthand merges as it always has
    expect(tiers(c!.feeTerms)).toEqual([['default', [[10, '0'], [null, '0.1']]]]);

    const top: Doc = { id: 'p', parameters: { fees: { unit: 'list-usd', schedules: { s: [{ upTo: '5', rate: '0' }, { rate: '0.02' }] }, capUsd: '7' } }, rules: rules(), versions: [] };
    top.versions = [
      v('inherits', undefined),
      v('shorthand', '2025-01-01T00:00:00Z', { allowance: 4, feeRate: '0.3' }),
      v('own fees', '2025-02-01T00:00:00Z', { fees: { schedules: { t: [{ rate: '0.01' }] } } }),
    ];
    const [x, y, z] = loadPolicy(top).versions;
    expect(x!.feeTerms.unit).toBe('list-usd');
    expect(tiers(x!.feeTerms)).toEqual([['s', [['5000000000000', '0'], [null, '0.02']]]]);
    expect(x!.feeTerms.capUsd).toEqual(parseMoney('7'));
    expect(y!.feeTerms).toEqual(shorthandFeeTerms(4, parseRate('0.3')));
    // a version's fees replace the policy's whole: unit and cap included, nothing merges
    expect(z!.feeTerms).toEqual({ unit: 'requests', schedules: [{ name: 't', free: false, tiers: [{ upTo: null, rate: parseRate('0.01') }] }], capUsd: undefined });
  });

  it('the other parameters still merge around the fees', () => {
    const d: Doc = { id: 'p', parameters: { fees: contractFees(), counts: 'attempted', presentation: { scale: 4 } }, rules: rules(), versions: [] };
    d.rules.schedule = contractScheduleRules();
    d.versions = [v('a', undefined, { scopeMode: 'user', presentation: { rounding: 'half-up' } })];
    const [a] = loadPolicy(d).versions;
    expect(a!.parameters).toMatchObject({ scopeMode: 'user', counts: 'attempted', presentation: { scale: 4, rounding: 'half-up' } });
    expect(a!.feeTerms.capUsd).toEqual(new Money(2000n, 0));
  });

  it('the policy fees may sit beside no shorthand while every version has its own shorthand', () => {
    const d: Doc = { id: 'p', parameters: { fees: { schedules: { a: [{ rate: '0.1' }], b: [{ rate: '0.2' }] } } }, rules: rules(), versions: [v('a', undefined, { allowance: 1, feeRate: '0.05' })] };
    // two schedules would need schedule rules; the version's shorthand replaces them
    expect(loadPolicy(d).versions[0]!.feeTerms).toEqual(shorthandFeeTerms(1, parseRate('0.05')));
  });
});

describe('the hash of a document is the hash of its canonical JSON, as written', () => {
  const sha = (value: unknown) => createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex');

  it('the default policy keeps its hash', () => {
    expect(defaultPolicy().sha256).toBe(sha(defaultPolicyDocument));
  });

  it('fees are hashed as written: no default filled in, no rate normalised', () => {
    const written = feesDoc({ schedules: { s: [{ upTo: 10, rate: '0.0' }, { rate: '0.050' }] } });
    const normalised = feesDoc({ unit: 'requests', schedules: { s: [{ upTo: 10, rate: '0' }, { rate: '0.05' }] } });
    const a = loadPolicy(written);
    const b = loadPolicy(normalised);
    expect(a.sha256).toBe(sha(written));
    expect(b.sha256).toBe(sha(normalised));
    expect(a.sha256).not.toBe(b.sha256);
    expect(a.versions[0]!.feeTerms.schedules[0]!.tiers[1]!.rate.toString()).toBe(b.versions[0]!.feeTerms.schedules[0]!.tiers[1]!.rate.toString());
    expect(a.document).toEqual(written);
  });
});
