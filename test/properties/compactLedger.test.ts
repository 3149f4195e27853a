/**
 * The compact ledger (requests as numbers, what the fast replay decides with) bills exactly
 * as `createLedger` does, and a variant that rides along with it (`shared`: same decisions,
 * other allowance and fee rate) bills exactly as a ledger of its own under that variant.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Accounts, type Policy, type UsageRequest, billToJson, compareRequests, createLedger, parseAccounts } from '@byok-billing/core';
import { createCompactLedger, sharesDecisions } from '@byok-billing/core/internal';
import { type BillConfig, configArb, policyFor } from '../arbitraries/billConfig.js';
import { logArb, toUsageRequest } from '../arbitraries/requestLog.js';
import { compactFeed } from '../support/compactFeed.js';

const input = (n: number) => ({ rows: n, accepted: n, rejected: 0, duplicates: 0 });

function sorted(requests: UsageRequest[]): UsageRequest[] {
  return [...requests].sort(compareRequests);
}

/** Bills requests (in allowance order) through a compact ledger, with variants riding along. */
function compactBills(requests: readonly UsageRequest[], policy: Policy, accounts: Accounts | undefined, shared: { policy: Policy; accounts?: Accounts }[]) {
  const feed = compactFeed();
  const { names } = feed;

  const ledger = createCompactLedger({ policy, accounts, names, shared });
  for (const r of requests) feed.decide(ledger, r);

  return { bill: ledger.finish(input(requests.length)), shared: shared.map((_, i) => ledger.sharedBill(i, input(requests.length))), strictFailed: ledger.strictFailed };
}

function ledgerBill(requests: readonly UsageRequest[], policy: Policy, accounts: Accounts | undefined) {
  const ledger = createLedger({ policy, accounts });
  for (const r of requests) ledger.add(r);
  return ledger.finish();
}

const accountsOf = (config: BillConfig) => parseAccounts(config.accounts);

describe('the compact ledger', () => {
  it('law: bills exactly as createLedger on any log and policy', () => {
    fc.assert(
      fc.property(logArb(), configArb(), (rows, config) => {
        const requests = sorted(rows.map(toUsageRequest));
        const policy = policyFor(config);
        const accounts = accountsOf(config);
        expect(billToJson(compactBills(requests, policy, accounts, []).bill)).toEqual(billToJson(ledgerBill(requests, policy, accounts)));
      }),
    );
  });

  it('law: a variant differing in allowance and fee rate rides along and bills as its own ledger would', () => {
    fc.assert(
      fc.property(logArb(), configArb(), fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.constantFrom('0.05', '0.03', '0.125', '0')), { minLength: 1, maxLength: 4 }), (rows, config, variants) => {
        const requests = sorted(rows.map(toUsageRequest));
        const policy = policyFor(config);
        const accounts = accountsOf(config);
        const shared = variants.map(([allowance, feeRate]) => ({ policy: policyFor({ ...config, allowance, feeRate }), accounts }));
        for (const s of shared) expect(sharesDecisions({ policy, accounts }, s)).toBe(true);
        const result = compactBills(requests, policy, accounts, shared);
        shared.forEach((s, i) => {
          expect(billToJson(result.shared[i]!)).toEqual(billToJson(ledgerBill(requests, s.policy, s.accounts)));
        });
      }),
    );
  });

  it('does not let a variant ride along when its decisions could differ', () => {
    const base = policyFor({ allowance: 3, feeRate: '0.05', counts: 'served', scopeMode: 'org', defaultFailoverMode: 'fallback', accounts: [] });
    const other = (change: Partial<BillConfig>) => policyFor({ allowance: 3, feeRate: '0.05', counts: 'served', scopeMode: 'org', defaultFailoverMode: 'fallback', accounts: [], ...change });
    expect(sharesDecisions({ policy: base }, { policy: other({ allowance: 5, feeRate: '0.07' }) })).toBe(true);
    expect(sharesDecisions({ policy: base }, { policy: other({ scopeMode: 'user' }) })).toBe(false);
    expect(sharesDecisions({ policy: base }, { policy: other({ counts: 'attempted' }) })).toBe(false);
    expect(sharesDecisions({ policy: base }, { policy: other({ defaultFailoverMode: 'strict' }) })).toBe(false);
    const strict = parseAccounts([{ scope: 'org:acme', failover_mode: 'strict' }]);
    expect(sharesDecisions({ policy: base }, { policy: base, accounts: strict })).toBe(false);
  });
});
