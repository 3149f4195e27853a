/*
 * The record ledger against the fee oracle (issue 16, docs/pricing-language.md): a generated
 * pricing-language config written as a policy document and an accounts file
 * (feePolicyDocument.ts), loaded as the CLI loads them, billed by `createLedger` (through
 * `billRequests`), must give the reference bill digit for digit: lines, totals, free and
 * billable counts, and every request's status and fee.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { billRequests, billToJson, loadPolicy } from '@byok-billing/core';
import { type FeeLogRow, feeConfigArb, feeLogArb } from '../arbitraries/feeConfig.js';
import { SCOPES } from '../arbitraries/requestLog.js';
import { accountsOf, requestOf } from '../support/feeAccounts.js';
import { costs, feeLog } from '../support/feeLog.js';
import { type DocumentOptions, feePolicyDocument } from './feePolicyDocument.js';
import { referenceBill } from './referenceBill.js';
import type { FeeConfig, RefFeeAccount, RefFees } from './referenceFees.js';

export function expectLedgerMatchesOracle(rows: readonly FeeLogRow[], config: FeeConfig, options: DocumentOptions = {}): void {
  const policy = loadPolicy(feePolicyDocument(config, options));
  const { bill, decisions } = billRequests(rows.map(requestOf), { policy, accounts: accountsOf(config, policy) });
  const ref = referenceBill(rows, config);
  const { policy: _policy, ...json } = billToJson(bill);
  expect(json).toEqual({ input: ref.input, lines: ref.lines, totals: ref.totals });
  expect(decisions).toHaveLength(rows.length);
  for (const d of decisions) {
    const expected = ref.decisions.get(d.request.requestId)!;
    expect(
      { scope: d.scope, period: d.period, route: d.route, ordinal: d.ordinal, status: d.status, fee: d.fee.toString(), charge: d.charge.toString(), routeMismatch: d.routeMismatch },
      d.request.requestId,
    ).toEqual(expected);
  }
}

const one = (fees: RefFees, accounts: readonly RefFeeAccount[] = [], counts: 'served' | 'attempted' = 'served'): FeeConfig => ({
  versions: [{ version: 'v', fees }],
  counts,
  scopeMode: 'org',
  defaultFailoverMode: 'fallback',
  accounts,
});

describe('the record ledger on the boundaries, case by case', () => {
  // catches: a list-usd interval ending on a bound counted in the next tier, a zero-cost
  // request made billable, an inexact split at 10^-12, a cap remainder or its month wrong,
  // contract terms not applied, a rate-0 tier read as free.
  it('bills each case exactly as the oracle', () => {
    const usd = (schedule: RefFees['schedules'][string], capUsd?: string): RefFees => ({ unit: 'list-usd', schedules: { s: schedule }, ...(capUsd === undefined ? {} : { capUsd }) });
    const req = (schedule: RefFees['schedules'][string], capUsd?: string): RefFees => ({ schedules: { s: schedule }, ...(capUsd === undefined ? {} : { capUsd }) });
    const twoTiers = usd([{ upTo: '10', rate: '0' }, { rate: '0.05' }]);
    const three = usd([{ upTo: '1', rate: '0' }, { upTo: '2', rate: '0.1' }, { rate: '0.01' }]);
    const cases: [FeeLogRow[], FeeConfig][] = [
      [feeLog(costs('6', '4', '0', '0.000000000001', '3')), one(twoTiers)],
      [feeLog(costs('10', '0.000000000001')), one(twoTiers)],
      [feeLog(costs('3.5', '0.5', '1.000000000001')), one(three)],
      [feeLog(costs('0.5', '2')), one(three, [{ scope: 'org:acme', free_requests: '0.75' }])],
      [feeLog(costs('2', '2')), one(three, [{ scope: 'org:acme', free_requests: '0' }])],
      [feeLog(costs('1', '1', '1', '1', '1', '1')), one(req([{ upTo: '2', rate: '0' }, { upTo: '4', rate: '0.05' }, { rate: '0.03' }]))],
      [feeLog(costs('1', '1', '1')), one(req([{ upTo: '1', rate: '0.05' }, { upTo: '2', rate: '0' }, { rate: '0.05' }]))],
      [feeLog(costs('1', '1')), one(req([{ rate: '0' }]))],
      [feeLog(costs('1', '1', '1')), one(req([{ upTo: '1', rate: '0' }, { rate: '0.05' }]), [{ scope: 'org:acme', fee_rate: '0' }])],
      [feeLog([...costs('1.5', '1', '1'), { cost: '1', at: '2025-11-01T00:00:00Z' }, { cost: '4', org: 'beta' }]), one(req([{ rate: '0.5' }], '1'))],
      [feeLog(costs('1', '1', '1', '1')), one(req([{ upTo: '1', rate: '0' }, { rate: '0.5' }], '0.6'), [{ scope: 'org:acme', fee_cap_usd: '0.7' }])],
      [feeLog([{ cost: '3', keyResult: 'rate_limited' }, { cost: '3' }]), one(usd([{ upTo: '4', rate: '0' }, { rate: '0.1' }]), [], 'attempted')],
      [
        feeLog([{ cost: '4', model: 'gpt' }, { cost: '4', model: 'openai/o1-pro' }, { cost: '1', model: 'gpt', provider: 'openai' }]),
        one({
          unit: 'list-usd',
          schedules: { standard: [{ upTo: '5', rate: '0' }, { rate: '0.05' }], premium: [{ upTo: '5', rate: '0' }, { rate: '0.1' }] },
          rules: [
            { name: 'o1-pro', priority: 2, all: [{ fact: 'model', operator: 'equal', value: 'openai/o1-pro' }], schedule: 'premium' },
            { name: 'else', all: [], schedule: 'standard' },
          ],
        }),
      ],
    ];
    for (const [rows, config] of cases) expectLedgerMatchesOracle(rows, config);
  });

  it('a decision says its schedule, the tiers it covered and whether the cap applied', () => {
    const config = one({ unit: 'list-usd', schedules: { s: [{ upTo: '1', rate: '0' }, { upTo: '2', rate: '0.1' }, { rate: '0.01' }] }, capUsd: '0.11' });
    const policy = loadPolicy(feePolicyDocument(config));
    const { decisions } = billRequests(feeLog(costs('3.5', '1')).map(requestOf), { policy, accounts: accountsOf(config, policy) });
    const [first, second] = decisions;
    expect(first!.tiers!.schedule).toBe('s');
    expect(first!.tiers!.parts.map((p) => [p.tier, p.from, p.to, p.rate.toString(), p.fee.toString()])).toEqual([
      [0, 0n, 1_000_000_000_000n, '0', '0'],
      [1, 1_000_000_000_000n, 2_000_000_000_000n, '0.1', '0.1'],
      [2, 2_000_000_000_000n, 3_500_000_000_000n, '0.01', '0.015'],
    ]);
    expect([first!.fee.toString(), first!.tiers!.uncappedFee.toString(), first!.tiers!.capped]).toEqual(['0.11', '0.115', true]);
    expect([second!.fee.toString(), second!.tiers!.uncappedFee.toString(), second!.tiers!.capped]).toEqual(['0', '0.01', true]);
  });
});

describe('the record ledger bills the pricing language as the fee oracle does', () => {
  // catches: a tier located by the wrong quantity (the ordinal off by one, the list-usd counter
  // moved by uncounted requests or after the request), the rate of the wrong tier or schedule,
  // a list-usd interval split inexactly, free read from rates instead of the free tier, the
  // contract terms of the wrong account or not applied, a cap per scope instead of per
  // scope-month, the remainder miscomputed, fees summed per line by rate instead of per request.
  it('law: bills, lines and decisions equal the reference bill, digit for digit', () => {
    fc.assert(
      fc.property(feeLogArb(), feeConfigArb(), (rows, config) => expectLedgerMatchesOracle(rows, config)),
      { numRuns: 300 },
    );
  });

  // catches: the shorthand's fast path (a line's fee as rate × costs) taken for terms an
  // account's fee_rate or fee_cap_usd changed, or disagreeing with the tiers it stands for.
  it('law: the same with versions written as today’s shorthand where it can say them', () => {
    fc.assert(
      fc.property(feeLogArb(), feeConfigArb({ unit: 'requests' }), (rows, config) => expectLedgerMatchesOracle(rows, config, { shorthand: true })),
      { numRuns: 200 },
    );
  });

  it('law: the same with every scope under contract terms (fee_rate, fee_cap_usd), shorthand versions included', () => {
    const terms = fc.array(fc.record({ rate: fc.constantFrom('', '0', '0.04', '1'), cap: fc.constantFrom('', '0', '0.02', '1000') }), { minLength: SCOPES.length, maxLength: SCOPES.length });
    fc.assert(
      fc.property(feeLogArb(), feeConfigArb({ unit: 'requests' }), terms, fc.boolean(), (rows, config, t, shorthand) => {
        const accounts = SCOPES.map((scope, i) => ({ ...config.accounts.find((a) => a.scope === scope), scope, fee_rate: t[i]!.rate, fee_cap_usd: t[i]!.cap }));
        expectLedgerMatchesOracle(rows, { ...config, accounts }, { shorthand });
      }),
      { numRuns: 200 },
    );
  });

  it('law: the same in unit list-usd only (free_requests in dollars)', () => {
    fc.assert(
      fc.property(feeLogArb(), feeConfigArb({ unit: 'list-usd' }), (rows, config) => expectLedgerMatchesOracle(rows, config)),
      { numRuns: 200 },
    );
  });
});
