/*
 * The two-tier shorthand bills exactly as today's policy (issue 16): `allowance: A, feeRate: R`
 * is the schedule `(up to A: 0), (beyond: R)` (docs/pricing-language.md §2). The engines take a
 * plain path for terms the shorthand can say and the tiered path (tieredFee.ts) for the rest, so
 * this law is checked on both: the terms written as `fees` (the plain path, found by
 * `feeTermsShorthand`) and the same terms with the paid tier split at an extra bound, the same
 * rate on both sides (which only the tiered path can bill), must give today's bill and today's
 * decisions, request for request, under any allowance, fee rate (0 included), counts and scope
 * mode, failover default and accounts — through the record ledger and the compact ledger.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Accounts, type Bill, type Policy, type UsageRequest, billRequests, billToJson, compareRequests, loadPolicy, parseAccounts } from '@byok-billing/core';
import { CHARGE_CODE, ROUTE_CODE, createCompactLedger } from '@byok-billing/core/internal';
import { type BillConfig, configArb, policyFor } from '../arbitraries/billConfig.js';
import { logWithDuplicatesArb, toUsageRequest } from '../arbitraries/requestLog.js';
import { compactFeed } from '../support/compactFeed.js';
import { feePolicyDocument } from './feePolicyDocument.js';
import { type FeeConfig, type RefSchedule, feeConfigOfShorthand } from './referenceFees.js';

/**
 * The config's shorthand as fees, every paid tier split `extra` requests past its start (the
 * same rate after the split). A lone tier at rate 0 stays whole: split, its first part would be
 * a rate-0 first tier with a bound, which the contract reads as a free tier (P3).
 */
function splitPaidTier(config: FeeConfig, extra: number): FeeConfig {
  const split = (s: RefSchedule): RefSchedule => {
    const last = s[s.length - 1]!;
    if (s.length === 1 && /^0+(\.0+)?$/.test(last.rate)) return s;
    const start = s.length === 1 ? 0 : Number(s[s.length - 2]!.upTo);
    return [...s.slice(0, -1), { upTo: String(start + extra), rate: last.rate }, { rate: last.rate }];
  };
  return {
    ...config,
    versions: config.versions.map((v) => ({ ...v, fees: { ...v.fees, schedules: Object.fromEntries(Object.entries(v.fees.schedules).map(([n, s]) => [n, split(s)])) } })),
  };
}

interface Seen {
  readonly route: string;
  readonly ordinal: number | null;
  readonly status: string | null;
  readonly fee: string;
  readonly charge: string;
}

function recordBill(requests: readonly UsageRequest[], policy: Policy, accounts: Accounts | undefined) {
  const { bill, decisions } = billRequests(requests, { policy, accounts });
  const seen = new Map<string, Seen>();
  for (const d of decisions) {
    if (!d.duplicate) seen.set(d.request.requestId, { route: d.route, ordinal: d.ordinal, status: d.status, fee: d.fee.toString(), charge: d.charge.toString() });
  }
  return { bill, seen };
}

/** 10^-24 $ units as `Money.toString` writes them. */
function feeText(units: bigint): string {
  const digits = units.toString().padStart(25, '0');
  const whole = digits.slice(0, -24).replace(/^0+(?=\d)/, '');
  const fraction = digits.slice(-24).replace(/0+$/, '');
  return fraction === '' ? whole : `${whole}.${fraction}`;
}

/** The compact ledger fed as the fast replay feeds it (allowance order, one row per id). */
function compactBill(requests: readonly UsageRequest[], policy: Policy, accounts: Accounts | undefined, input: Bill['input']) {
  const ids = new Set<string>();
  const unique = requests.filter((r) => !ids.has(r.requestId) && ids.add(r.requestId)).sort(compareRequests);
  const feed = compactFeed();
  const ledger = createCompactLedger({ policy, accounts, names: feed.names });
  const seen = new Map<string, { status: string | null; fee: string }>();
  for (const r of unique) {
    const o = feed.decide(ledger, r);
    seen.set(r.requestId, {
      status: o.route === ROUTE_CODE.byok ? (o.within ? 'free' : 'billable') : null,
      fee: o.chargeKind !== CHARGE_CODE.fee ? '0' : o.tieredFee !== undefined ? feeText(o.tieredFee) : r.cost.multiply(o.terms.version.parameters.feeRate).toString(),
    });
  }
  return { bill: ledger.finish(input), seen };
}

const withoutPolicy = (bill: Bill) => {
  const { policy: _policy, ...rest } = billToJson(bill);
  return rest;
};

describe('the two-tier shorthand bills exactly as today’s policy', () => {
  // catches: a shorthand read as tiers that disagree with the allowance (an off-by-one at the
  // bound, free read as "rate 0" so a 0% policy's billable requests turn free), a tiered path
  // whose fee differs from rate × cost, contract terms applied differently on the two paths.
  it('law: today’s document, the same terms written as fees, and the paid tier split in two give today’s bill and decisions', () => {
    fc.assert(
      fc.property(logWithDuplicatesArb(), configArb(), fc.integer({ min: 1, max: 4 }), (rows, c: BillConfig, extra) => {
        const requests = rows.map(toUsageRequest);
        const today = recordBill(requests, policyFor(c), parseAccounts(c.accounts));
        const feeConfig = feeConfigOfShorthand(c);
        for (const config of [feeConfig, splitPaidTier(feeConfig, extra)]) {
          const policy = loadPolicy(feePolicyDocument(config));
          const accounts = parseAccounts(c.accounts);
          const spelled = recordBill(requests, policy, accounts);
          expect(withoutPolicy(spelled.bill)).toEqual(withoutPolicy(today.bill));
          expect(spelled.seen).toEqual(today.seen);
          const compact = compactBill(requests, policy, accounts, today.bill.input);
          expect(withoutPolicy(compact.bill)).toEqual(withoutPolicy(today.bill));
          expect(compact.seen).toEqual(new Map([...today.seen].map(([id, d]) => [id, { status: d.status, fee: d.fee }])));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('the split schedule really takes the tiered path (so the law above tests it)', () => {
    const c: BillConfig = { allowance: 2, feeRate: '0.05', counts: 'served', scopeMode: 'org', defaultFailoverMode: 'fallback', accounts: [] };
    const plain = loadPolicy(feePolicyDocument(feeConfigOfShorthand(c)));
    const split = loadPolicy(feePolicyDocument(splitPaidTier(feeConfigOfShorthand(c), 3)));
    const request = toUsageRequest({
      requestId: 'r1',
      instant: { epochMs: Date.UTC(2025, 9, 2), nanos: 0 },
      timestamp: '2025-10-02T00:00:00Z',
      userId: 'u1',
      orgId: 'acme',
      cost: '1',
      keyResult: 'ok',
      platformResult: undefined,
      recordedRoute: undefined,
      model: undefined,
    } as Parameters<typeof toUsageRequest>[0]);
    expect(billRequests([request], { policy: plain }).decisions[0]!.tiers).toBeUndefined();
    expect(billRequests([request], { policy: split }).decisions[0]!.tiers?.schedule).toBe('default');
  });
});
