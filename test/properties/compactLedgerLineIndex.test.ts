/**
 * A compact ledger that numbers its lines as another ledger does (`lineIndex`: what-if
 * variants that cannot ride along, fed the requests the baseline decided) bills exactly as
 * `createLedger` does under its own policy and accounts — whether the two place requests
 * alike (the index is shared) or not (the ledger keeps its own).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Accounts, type Policy, type UsageRequest, billToJson, compareRequests, createLedger, parseAccounts } from '@byok-billing/core';
import { type CompactLedger, createCompactLedger } from '@byok-billing/core/internal';
import { accountsArb, configArb, policyFor } from '../arbitraries/billConfig.js';
import { logArb, toUsageRequest } from '../arbitraries/requestLog.js';
import { compactFeed } from '../support/compactFeed.js';

const input = (n: number) => ({ rows: n, accepted: n, rejected: 0, duplicates: 0 });

/** Decides requests (in allowance order) on the baseline, then on each other ledger, as the fast replay feeds them. */
function compactBills(requests: readonly UsageRequest[], base: { policy: Policy; accounts: Accounts }, others: { policy: Policy; accounts: Accounts }[]) {
  const feed = compactFeed();
  const { names } = feed;

  const baseline = createCompactLedger({ policy: base.policy, accounts: base.accounts, names });
  const ledgers: CompactLedger[] = others.map((o) => createCompactLedger({ policy: o.policy, accounts: o.accounts, names, lineIndex: baseline }));
  const decideOn = feed.decide;

  // The fast replay feeds the other ledgers a batch at a time, after the baseline decided it.
  for (let from = 0; from < requests.length; from += 3) {
    const batch = requests.slice(from, from + 3);
    for (const r of batch) decideOn(baseline, r);
    for (const ledger of ledgers) for (const r of batch) decideOn(ledger, r);
  }
  return ledgers.map((ledger) => ({ bill: ledger.finish(input(requests.length)), strictFailed: ledger.strictFailed }));
}

function ledgerBill(requests: readonly UsageRequest[], policy: Policy, accounts: Accounts) {
  const ledger = createLedger({ policy, accounts });
  for (const r of requests) ledger.add(r);
  return ledger.finish();
}

describe('a compact ledger numbering its lines as another', () => {
  it('law: bills exactly as createLedger under its own policy and accounts', () => {
    fc.assert(
      fc.property(logArb(), configArb(), fc.array(fc.tuple(configArb(), accountsArb), { minLength: 1, maxLength: 3 }), (rows, config, variants) => {
        const requests = [...rows.map(toUsageRequest)].sort(compareRequests);
        const base = { policy: policyFor(config), accounts: parseAccounts(config.accounts) };
        // Other counting, failover modes, allowances and rates place requests alike; another scope mode does not.
        const others = variants.map(([variant, accounts]) => ({ policy: policyFor(variant), accounts: parseAccounts(accounts) }));
        const bills = compactBills(requests, base, others);
        others.forEach((o, i) => {
          expect(billToJson(bills[i]!.bill)).toEqual(billToJson(ledgerBill(requests, o.policy, o.accounts)));
        });
      }),
    );
  });
});
