import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type FeeTerms,
  type ParameterOverrides,
  type Policy,
  PolicyValidationError,
  canonicalJson,
  defaultPolicy,
  defaultPolicyDocument,
  formatInstant,
  createPeriodCalendar,
  loadPolicy,
  parseMoney,
  parseTierList,
  policyVariant,
  shorthandFeeTerms,
  parseRate,
} from '@byok-billing/core';

/* eslint-disable @typescript-eslint/no-explicit-any -- documents are edited as plain JSON here */
type Doc = any;

const rules = (): Doc => structuredClone(defaultPolicyDocument.rules);
const event = (schedule: string) => ({ type: 'schedule', params: { schedule } });

/** Schedules as [name, [[bound as text or null, rate]...]]. */
const view = (t: FeeTerms) => t.schedules.map((s) => [s.name, s.tiers.map((tier) => [tier.upTo === null ? null : String(tier.upTo), tier.rate.toString()])]);

/** Two versions: the shorthand before 2025-10, the contract's schedules (with rules) from then. */
function tiered(): Policy {
  const r = rules();
  r.schedule = [
    { name: 'o1', priority: 2, conditions: { all: [{ fact: 'model', operator: 'equal', value: 'o1' }] }, event: event('premium') },
    { name: 'rest', conditions: { all: [] }, event: event('standard') },
  ];
  return loadPolicy({
    id: 'tiered',
    parameters: {
      fees: {
        schedules: {
          standard: [{ upTo: 1000000, rate: '0' }, { upTo: 10000000, rate: '0.05' }, { rate: '0.03' }],
          premium: [{ upTo: 1000000, rate: '0' }, { rate: '0.08' }],
          nofree: [{ upTo: 100, rate: '0.2' }, { rate: '0.1' }],
        },
        capUsd: '2000',
      },
    },
    rules: { ...r, schedule: [...r.schedule, { name: 'never', conditions: { all: [{ fact: 'model', operator: 'in', value: [] }] }, event: event('nofree') }] },
    versions: [
      { version: 'shorthand', parameters: { allowance: 0, feeRate: '0.05' }, rules: rules() },
      { version: 'tiered', effectiveFrom: '2025-10-01T00:00:00Z' },
    ],
  });
}

describe('policyVariant on versions given as fees', () => {
  it('allowance sets the bound of every free first tier, adds none, and leaves shorthand versions as the shorthand reads it', () => {
    const variant = policyVariant(tiered(), { allowance: 2_000_000 });
    const [before, after] = variant.versions;
    expect(view(after!.feeTerms)).toEqual([
      ['nofree', [['100', '0.2'], [null, '0.1']]],
      ['premium', [['2000000', '0'], [null, '0.08']]],
      ['standard', [['2000000', '0'], ['10000000', '0.05'], [null, '0.03']]],
    ]);
    expect(after!.feeTerms.capUsd).toEqual(parseMoney('2000'));
    // the shorthand version with allowance 0 takes the allowance as it always has
    expect(before!.feeTerms).toEqual(shorthandFeeTerms(2_000_000, parseRate('0.05')));
  });

  it('allowance past later bounds drops the tiers it reaches; 0 removes the free tier', () => {
    expect(view(policyVariant(tiered(), { allowance: 20_000_000 }).versions[1]!.feeTerms)[2]).toEqual(['standard', [['20000000', '0'], [null, '0.03']]]);
    expect(view(policyVariant(tiered(), { allowance: 0 }).versions[1]!.feeTerms).slice(1)).toEqual([
      ['premium', [[null, '0.08']]],
      ['standard', [['10000000', '0.05'], [null, '0.03']]],
    ]);
  });

  it('allowance-bearing: versions with a free first tier in some schedule; a shorthand version with allowance 0 is left alone', () => {
    const variant = policyVariant(tiered(), { allowance: 5 }, { versions: 'allowance-bearing' });
    expect(variant.versions[0]!.feeTerms).toEqual(shorthandFeeTerms(0, parseRate('0.05')));
    expect(view(variant.versions[1]!.feeTerms)[1]).toEqual(['premium', [['5', '0'], [null, '0.08']]]);
    const noFree = loadPolicy({ id: 'n', parameters: { fees: { schedules: { s: [{ upTo: 9, rate: '0.1' }, { rate: '0.2' }] } } }, rules: rules(), versions: [{ version: 'v' }] });
    expect(policyVariant(noFree, { allowance: 5 }, { versions: 'allowance-bearing' }).document).toEqual({ ...(noFree.document as object), id: `n+${canonicalJson({ allowance: 5 })}` });
  });

  it('fee sets the rate of every paid tier; free tiers stay free', () => {
    const variant = policyVariant(tiered(), { feeRate: '0.04' });
    expect(view(variant.versions[1]!.feeTerms)).toEqual([
      ['nofree', [['100', '0.04'], [null, '0.04']]],
      ['premium', [['1000000', '0'], [null, '0.04']]],
      ['standard', [['1000000', '0'], ['10000000', '0.04'], [null, '0.04']]],
    ]);
    expect(variant.versions[0]!.parameters.feeRate.toString()).toBe('0.04');
  });

  it('fee sets every tier but the free tier, a tier of rate 0 included: a fees document varies as the shorthand it spells out', () => {
    const zeroFees = loadPolicy({ id: 'z', parameters: { fees: { schedules: { default: [{ rate: '0' }] } } }, rules: rules(), versions: [{ version: 'v' }] });
    const zeroShorthand = loadPolicy({ id: 'z', parameters: { allowance: 0, feeRate: '0' }, rules: rules(), versions: [{ version: 'v' }] });
    expect(zeroFees.versions[0]!.feeTerms).toEqual(zeroShorthand.versions[0]!.feeTerms);
    expect(policyVariant(zeroFees, { feeRate: '0.05' }).versions[0]!.feeTerms).toEqual(policyVariant(zeroShorthand, { feeRate: '0.05' }).versions[0]!.feeTerms);
    expect(policyVariant(zeroFees, { feeRate: '0.05' }).versions[0]!.feeTerms).toEqual(shorthandFeeTerms(0, parseRate('0.05')));
    const zeroAfter = loadPolicy({ id: 'a', parameters: { fees: { schedules: { s: [{ upTo: 5, rate: '0' }, { upTo: 9, rate: '0' }, { rate: '0.1' }] } } }, rules: rules(), versions: [{ version: 'v' }] });
    expect(view(policyVariant(zeroAfter, { feeRate: '0.2' }).versions[0]!.feeTerms)).toEqual([['s', [['5', '0'], ['9', '0.2'], [null, '0.2']]]]);
  });

  it('fee 0 on a schedule without a free tier: one tier at 0, every request billable', () => {
    const variant = policyVariant(tiered(), { feeRate: '0' });
    expect(view(variant.versions[1]!.feeTerms)).toEqual([
      ['nofree', [[null, '0']]],
      ['premium', [['1000000', '0'], [null, '0']]],
      ['standard', [['1000000', '0'], ['10000000', '0'], [null, '0']]],
    ]);
    expect(variant.versions[1]!.feeTerms.schedules.map((s) => s.free)).toEqual([false, true, true]);
  });

  it('allowance 0 where a tier of rate 0 follows the free tier: a document cannot say it, so the variant is refused', () => {
    const base = loadPolicy({ id: 'z', parameters: { fees: { schedules: { s: [{ upTo: 5, rate: '0' }, { upTo: 9, rate: '0' }, { rate: '0.1' }] } } }, rules: rules(), versions: [{ version: 'v' }] });
    expect(() => policyVariant(base, { allowance: 0 })).toThrow(PolicyValidationError);
    expect(() => policyVariant(base, { allowance: 0 })).toThrow(
      `$.versions[0].parameters.fees: the variant would make schedule "s"'s first tier, (0, 9] at rate 0, a free tier, which it is not (the free tier it followed was removed); a policy document cannot say that`,
    );
    expect(view(policyVariant(base, { allowance: 0, feeRate: '0' }).versions[0]!.feeTerms)).toEqual([['s', [[null, '0']]]]);
    expect(view(policyVariant(base, { allowance: 7 }).versions[0]!.feeTerms)).toEqual([['s', [['7', '0'], ['9', '0'], [null, '0.1']]]]);
  });

  it('tiers replace every schedule of every version, and the schedule rules go', () => {
    const tiers = parseTierList('1000:0/5000:0.05/0.03');
    if (typeof tiers === 'string') throw new Error(tiers);
    const variant = policyVariant(tiered(), { tiers });
    for (const version of variant.versions) {
      expect(view(version.feeTerms)).toEqual([['default', [['1000', '0'], ['5000', '0.05'], [null, '0.03']]]]);
      expect(version.rules.schedule).toBeUndefined();
      expect(version.scheduleChooser.choose('p', 'o1', 'fallback', 'ok', 'ok')).toEqual({ schedule: 0, name: 'default', rule: 'only-schedule' });
    }
    // the first version keeps its own routing and charge rules; the cap stays
    expect(variant.versions[0]!.rules).toEqual(rules());
    expect(variant.versions[1]!.feeTerms.capUsd).toEqual(parseMoney('2000'));
    expect((variant.document as Doc).rules.schedule).toBeUndefined();
  });

  it('tiers on some versions only: the others keep the policy schedule rules', () => {
    const d: Doc = tiered().document;
    d.versions[0] = { version: 'free first', parameters: { fees: { schedules: { standard: [{ upTo: 5, rate: '0' }, { rate: '0.05' }], premium: [{ rate: '0.08' }], nofree: [{ rate: '1' }] } } } };
    d.versions.push({ version: 'no free tier', effectiveFrom: '2026-01-01T00:00:00Z', parameters: { fees: { schedules: { standard: [{ rate: '0.05' }], premium: [{ rate: '0.08' }], nofree: [{ rate: '0.1' }] } } } });
    const base = loadPolicy(d);
    const variant = policyVariant(base, { tiers: [{ upTo: '10', rate: '0' }, { rate: '0.01' }] }, { versions: 'allowance-bearing' });
    const [a, b, c] = variant.versions;
    expect(view(a!.feeTerms)).toEqual([['default', [['10', '0'], [null, '0.01']]]]);
    expect(view(b!.feeTerms)).toEqual([['default', [['10', '0'], [null, '0.01']]]]);
    expect(c!.feeTerms).toEqual(base.versions[2]!.feeTerms);
    expect(c!.rules.schedule).toEqual(base.versions[2]!.rules.schedule);
    expect(a!.rules.schedule).toBeUndefined();
    expect(a!.rules.routing).toEqual(base.versions[0]!.rules.routing);
  });

  it('unit reinterprets the bounds: requests become dollars, and back when whole', () => {
    const dollars = policyVariant(tiered(), { unit: 'list-usd' });
    for (const version of dollars.versions) expect(version.feeTerms.unit).toBe('list-usd');
    expect(dollars.versions[1]!.feeTerms.schedules[1]!.tiers[0]!.upTo).toBe(1_000_000n * 10n ** 12n);
    expect(view(dollars.versions[0]!.feeTerms)).toEqual([['default', [[null, '0.05']]]]);
    const back = policyVariant(dollars, { unit: 'requests' });
    expect(back.versions[1]!.feeTerms).toEqual(tiered().versions[1]!.feeTerms);
    const cents = policyVariant(dollars, { tiers: [{ upTo: '0.5', rate: '0' }, { rate: '0.05' }] });
    expect(cents.versions[1]!.feeTerms.schedules[0]!.tiers[0]!.upTo).toBe(500_000_000_000n);
    expect(() => policyVariant(cents, { unit: 'requests' })).toThrow(PolicyValidationError);
    expect(() => policyVariant(cents, { unit: 'requests' })).toThrow(/\$\.versions\[0\]\.parameters\.fees\.schedules\.default\[0\]\.upTo: must be a whole number of requests/);
  });

  it('cap sets, replaces or removes the cap of every version', () => {
    expect(policyVariant(tiered(), { cap: '150.5' }).versions.map((v) => v.feeTerms.capUsd?.toString())).toEqual(['150.5', '150.5']);
    expect(policyVariant(tiered(), { cap: null }).versions.map((v) => v.feeTerms.capUsd)).toEqual([undefined, undefined]);
    expect(() => policyVariant(tiered(), { cap: '-1' })).toThrow(PolicyValidationError);
  });

  it('the knobs combine: tiers, then unit, then allowance and fee, then cap', () => {
    const variant = policyVariant(tiered(), { tiers: [{ upTo: '100', rate: '0' }, { upTo: '200', rate: '0.1' }, { rate: '0.2' }], unit: 'list-usd', allowance: 150, feeRate: '0.3', cap: '9' });
    const version = variant.versions[1]!;
    expect(version.feeTerms.unit).toBe('list-usd');
    expect(version.feeTerms.schedules[0]!.tiers.map((t) => [t.upTo, t.rate.toString()])).toEqual([
      [150n * 10n ** 12n, '0'],
      [200n * 10n ** 12n, '0.3'],
      [null, '0.3'],
    ]);
    expect(version.feeTerms.capUsd).toEqual(parseMoney('9'));
  });

  it('a version given as fees that is asked for no fee change keeps its fees as written', () => {
    const base = tiered();
    const variant = policyVariant(base, { scopeMode: 'user' });
    expect((variant.document as Doc).parameters).toEqual((base.document as Doc).parameters);
    expect((variant.document as Doc).versions[1]).toEqual({ ...(base.document as Doc).versions[1], parameters: { scopeMode: 'user' } });
    expect(variant.versions[1]!.parameters.scopeMode).toBe('user');
  });

  it('a variant document bills as the variant: loading it again gives the same terms and hash', () => {
    const variants = [
      policyVariant(tiered(), { allowance: 3, feeRate: '0.5', cap: '1' }),
      policyVariant(tiered(), { tiers: [{ rate: '0.07' }], unit: 'list-usd' }),
      policyVariant(defaultPolicy(), { tiers: [{ upTo: '5', rate: '0' }, { rate: '0.07' }], resetTimeZone: 'Europe/Berlin' }),
    ];
    for (const variant of variants) {
      const again = loadPolicy(JSON.parse(JSON.stringify(variant.document)));
      expect(again.sha256).toBe(variant.sha256);
      expect(again.versions.map((v) => v.feeTerms)).toEqual(variant.versions.map((v) => v.feeTerms));
      expect(again.versions.map((v) => v.effectiveFromMs)).toEqual(variant.versions.map((v) => v.effectiveFromMs));
    }
  });
});

describe('policyVariant on shorthand versions: exactly as before fee schedules', () => {
  /** policyVariant as it was before issue 16, kept here as the reference. */
  function previousVariant(base: Policy, overrides: Record<string, unknown>, which: 'all' | 'allowance-bearing'): unknown {
    const document = JSON.parse(JSON.stringify(base.document)) as { id: string; versions: { parameters?: Record<string, unknown>; effectiveFrom?: string }[] };
    document.versions.forEach((version, i) => {
      const original = base.versions[i]!;
      if (which === 'allowance-bearing' && original.parameters.allowance === 0) return;
      version.parameters = { ...(version.parameters ?? {}), ...overrides };
      if (overrides.resetTimeZone !== undefined && original.effectiveFromMs !== null) {
        const label = original.calendar.periodOf({ epochMs: original.effectiveFromMs, nanos: 0 });
        const start = createPeriodCalendar(overrides.resetTimeZone as string).periodStartMs(label);
        version.effectiveFrom = formatInstant({ epochMs: start, nanos: 0 });
      }
    });
    document.id = `${base.id}+${canonicalJson(overrides)}`;
    return document;
  }

  const overrides = fc.record(
    {
      allowance: fc.nat({ max: 5_000_000 }),
      feeRate: fc.constantFrom('0', '0.05', '0.025', '0.10', '1'),
      scopeMode: fc.constantFrom('org' as const, 'user' as const),
      counts: fc.constantFrom('served' as const, 'attempted' as const),
      defaultFailoverMode: fc.constantFrom('fallback' as const, 'strict' as const, 'credits-first' as const),
      resetTimeZone: fc.constantFrom('UTC', 'Europe/London', 'Etc/GMT+1'),
    },
    { requiredKeys: [] },
  );

  it('the same document as before, for any overrides of the old parameters', () => {
    const bases = [defaultPolicy(), loadPolicy({ id: 'p', parameters: { allowance: 10, feeRate: '0.05', counts: 'attempted' }, rules: rules(), versions: [{ version: 'a' }, { version: 'b', effectiveFrom: '2025-06-01T00:00:00Z', parameters: { feeRate: '0.1' } }] })];
    fc.assert(
      fc.property(fc.constantFrom(...bases), overrides, fc.constantFrom('all' as const, 'allowance-bearing' as const), (base, o: ParameterOverrides, which) => {
        const previous = previousVariant(base, o as Record<string, unknown>, which);
        let refusal: unknown;
        try {
          loadPolicy(previous);
        } catch (e) {
          refusal = e;
        }
        // a variant the previous code refused (a zone that splits a period) is refused alike
        if (refusal !== undefined) expect(() => policyVariant(base, o, { versions: which })).toThrow((refusal as Error).message);
        else expect(policyVariant(base, o, { versions: which }).document).toEqual(previous);
      }),
      { numRuns: 60 },
    );
  });
});

describe('parseTierList', () => {
  it.each([
    ['1000000:0/10000000:0.05/0.03', [{ upTo: '1000000', rate: '0' }, { upTo: '10000000', rate: '0.05' }, { rate: '0.03' }]],
    ['0.05', [{ rate: '0.05' }]],
    ['0.5:0/12.25:0.1/0', [{ upTo: '0.5', rate: '0' }, { upTo: '12.25', rate: '0.1' }, { rate: '0' }]],
  ])('%s', (text, tiers) => {
    expect(parseTierList(text)).toEqual(tiers);
  });

  it.each([
    ['1000:0', 'the last tier "1000:0" is a rate alone (it has no bound)'],
    ['1000/0.05', 'tier 1 "1000" is not upTo:rate'],
    ['', 'tier 1: rate "": empty value'],
    ['10:0/5:0.1/0.2', 'tier 2: bound "5" must be greater than the previous bound'],
    ['10:0/10.0:0.1/0.2', 'tier 2: bound "10.0" must be greater than the previous bound'],
    ['0:0/0.05', 'tier 1: bound "0" must be greater than 0'],
    ['1e6:0/0.05', 'tier 1: bound "1e6": exponent notation is not accepted; write a plain decimal'],
    ['10:5%/0.05', 'tier 1: rate "5%": unexpected character "%" at position 2; expected a plain decimal like 0.0125'],
    ['10:0/-0.05', 'tier 2: rate "-0.05": must not be negative'],
  ])('refuses %j', (text, reason) => {
    expect(parseTierList(text)).toBe(reason);
  });
});
