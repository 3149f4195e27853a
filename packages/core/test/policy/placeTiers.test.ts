import { describe, expect, it } from 'vitest';
import {
  type FeeTerms,
  defaultPolicy,
  defaultPolicyDocument,
  feeUnitsOf,
  loadPolicy,
  parseAccounts,
  parseMoney,
  placeTiers,
  shorthandFeeTerms,
  feeTermsShorthand,
  parseRate,
  type AccountRow,
} from '@byok-billing/core';
import { feesDocument, readFees } from '@byok-billing/core/internal';

const terms = (fees: unknown): FeeTerms => readFees(fees, '$');
const account = (row: Omit<AccountRow, 'scope'>, units?: ('requests' | 'list-usd')[]) => parseAccounts([{ scope: 'org:a', ...row }], units === undefined ? {} : { units }).get('org:a');

/** Schedules as [name, [[bound as text or null, rate]...]] for readable expectations. */
const view = (t: FeeTerms) => ({
  schedules: t.schedules.map((s) => [s.name, s.tiers.map((tier) => [tier.upTo === null ? null : String(tier.upTo), tier.rate.toString()])]),
  free: t.schedules.map((s) => s.free),
  cap: t.capUsd?.toString(),
});

const contract = () =>
  terms({
    schedules: {
      standard: [{ upTo: 1000000, rate: '0' }, { upTo: 10000000, rate: '0.05' }, { rate: '0.03' }],
      premium: [{ upTo: 1000000, rate: '0' }, { rate: '0.08' }],
      flat: [{ upTo: 500, rate: '0.1' }, { upTo: 1000, rate: '0' }, { rate: '0.02' }],
    },
    capUsd: '2000',
  });

describe('placeTiers: a scope\'s contract terms applied to a version\'s fee terms', () => {
  it('no account, or an account without contract terms: the terms themselves', () => {
    const t = contract();
    expect(placeTiers(t, undefined)).toBe(t);
    expect(placeTiers(t, account({ failover_mode: 'strict' }))).toBe(t);
    expect(placeTiers(t, account({ free_requests: '', fee_rate: '', fee_cap_usd: '' }))).toBe(t);
  });

  it('free_requests: the bound of every free first tier; a schedule without one keeps its tiers', () => {
    expect(view(placeTiers(contract(), account({ free_requests: '2000000' })))).toEqual({
      schedules: [
        ['flat', [['500', '0.1'], ['1000', '0'], [null, '0.02']]],
        ['premium', [['2000000', '0'], [null, '0.08']]],
        ['standard', [['2000000', '0'], ['10000000', '0.05'], [null, '0.03']]],
      ],
      free: [false, true, true],
      cap: '2000',
    });
  });

  it('free_requests past later bounds: the tiers it reaches cover nothing and are left out', () => {
    expect(view(placeTiers(contract(), account({ free_requests: '10000000' }))).schedules[2]).toEqual(['standard', [['10000000', '0'], [null, '0.03']]]);
    expect(view(placeTiers(contract(), account({ free_requests: '10000001' }))).schedules[2]).toEqual(['standard', [['10000001', '0'], [null, '0.03']]]);
    expect(view(placeTiers(contract(), account({ free_requests: '9999999' }))).schedules[2]).toEqual(['standard', [['9999999', '0'], ['10000000', '0.05'], [null, '0.03']]]);
  });

  it('free_requests 0: the free tier covers nothing and is left out; the schedule has none', () => {
    const placed = view(placeTiers(contract(), account({ free_requests: '0' })));
    expect(placed.schedules.slice(1)).toEqual([
      ['premium', [[null, '0.08']]],
      ['standard', [['10000000', '0.05'], [null, '0.03']]],
    ]);
    expect(placed.free).toEqual([false, false, false]);
    // a tier of rate 0 after the free tier stays billable when the free tier goes
    const zeroAfter = placeTiers(terms({ schedules: { s: [{ upTo: 5, rate: '0' }, { upTo: 9, rate: '0' }, { rate: '0.1' }] } }), account({ free_requests: '0' }));
    expect(view(zeroAfter)).toEqual({ schedules: [['s', [['9', '0'], [null, '0.1']]]], free: [false], cap: undefined });
  });

  it('the shorthand: an account allowance as today, and none for a version without a free allowance', () => {
    const [before, after] = defaultPolicy().versions;
    const big = account({ free_requests: '5000000' });
    expect(placeTiers(after!.feeTerms, big)).toEqual(shorthandFeeTerms(5_000_000, parseRate('0.05')));
    expect(placeTiers(before!.feeTerms, big)).toEqual(before!.feeTerms);
    expect(placeTiers(after!.feeTerms, account({ free_requests: '0' }))).toEqual(shorthandFeeTerms(0, parseRate('0.05')));
  });

  it('fee_rate: replaces the rate of every tier of rate > 0, in every schedule', () => {
    expect(view(placeTiers(contract(), account({ fee_rate: '0.01' })))).toEqual({
      schedules: [
        ['flat', [['500', '0.01'], ['1000', '0'], [null, '0.01']]],
        ['premium', [['1000000', '0'], [null, '0.01']]],
        ['standard', [['1000000', '0'], ['10000000', '0.01'], [null, '0.01']]],
      ],
      free: [false, true, true],
      cap: '2000',
    });
  });

  it('fee_rate 0 makes no tier free: the paid tiers stay billable, at 0; free_requests resizes only the free tiers', () => {
    const placed = view(placeTiers(contract(), account({ fee_rate: '0', free_requests: '700' })));
    expect(placed.schedules[0]).toEqual(['flat', [['500', '0'], ['1000', '0'], [null, '0']]]);
    expect(placed.schedules[1]).toEqual(['premium', [['700', '0'], [null, '0']]]);
    expect(placed.free).toEqual([false, true, true]);
    const shorthand = placeTiers(shorthandFeeTerms(0, parseRate('0.05')), account({ fee_rate: '0' }));
    expect(shorthand.schedules[0]!.free).toBe(false);
    expect(shorthand).toEqual(shorthandFeeTerms(0, parseRate('0')));
  });

  it('placed terms that look like a shorthand but have no free tier are no shorthand', () => {
    const placed = placeTiers(terms({ schedules: { s: [{ upTo: 5, rate: '0.1' }, { rate: '0.2' }] } }), account({ fee_rate: '0' }));
    expect(view(placed)).toEqual({ schedules: [['s', [['5', '0'], [null, '0']]]], free: [false], cap: undefined });
    expect(feeTermsShorthand(placed)).toBeUndefined();
    expect(feeTermsShorthand(placeTiers(shorthandFeeTerms(5, parseRate('0.1')), account({ fee_rate: '0' })))).toEqual({ allowance: 5, feeRate: parseRate('0') });
  });

  it('placed terms a document cannot say are not written as one', () => {
    const placed = placeTiers(contract(), account({ fee_rate: '0' }));
    expect(() => feesDocument(placed)).toThrow(/schedule "flat" cannot be written as a fees document: its first tier is not free/);
    expect(feesDocument(placeTiers(contract(), account({ fee_rate: '0.01' }))).schedules.premium).toEqual([{ upTo: 1000000, rate: '0' }, { rate: '0.01' }]);
  });

  it('fee_cap_usd: sets the cap, or replaces the version\'s', () => {
    expect(placeTiers(contract(), account({ fee_cap_usd: '150.25' })).capUsd).toEqual(parseMoney('150.25'));
    expect(placeTiers(shorthandFeeTerms(10, parseRate('0.05')), account({ fee_cap_usd: '0' })).capUsd).toEqual(parseMoney('0'));
    expect(placeTiers(contract(), account({ fee_rate: '0.5' })).capUsd).toEqual(parseMoney('2000'));
  });

  it('list-usd: free_requests is dollars, in units of 10^-12', () => {
    const t = terms({ unit: 'list-usd', schedules: { s: [{ upTo: '100', rate: '0' }, { upTo: '250.5', rate: '0.05' }, { rate: '0.03' }] } });
    const placed = placeTiers(t, account({ free_requests: '120.000000000001' }, ['list-usd']));
    expect(placed.unit).toBe('list-usd');
    expect(placed.schedules[0]!.tiers.map((tier) => tier.upTo)).toEqual([120_000_000_000_001n, 250_500_000_000_000n, null]);
    // a whole number read for a policy of both units is dollars here
    expect(placeTiers(t, account({ free_requests: '300' }, ['requests', 'list-usd'])).schedules[0]!.tiers.map((tier) => tier.upTo)).toEqual([300_000_000_000_000n, null]);
  });

  it('gives frozen terms in normal form', () => {
    const placed = placeTiers(contract(), account({ fee_rate: '0.0100', fee_cap_usd: '7.50' }));
    expect(Object.isFrozen(placed)).toBe(true);
    expect(Object.isFrozen(placed.schedules[0]!.tiers)).toBe(true);
    expect(placed.schedules[0]!.tiers[0]!.rate).toEqual(parseRate('0.01'));
    expect(placed.capUsd).toEqual(parseMoney('7.5'));
  });
});

describe('feeUnitsOf', () => {
  it('the units a policy counts, each once', () => {
    expect(feeUnitsOf(defaultPolicy())).toEqual(['requests']);
    const d = structuredClone(defaultPolicyDocument) as { versions: { parameters?: unknown }[] };
    d.versions[1]!.parameters = { fees: { unit: 'list-usd', schedules: { s: [{ upTo: '10', rate: '0' }, { rate: '0.05' }] } } };
    expect(feeUnitsOf(loadPolicy(d))).toEqual(['requests', 'list-usd']);
  });
});
