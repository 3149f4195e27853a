/*
 * The record audit collector and reconcileInvoice on the pricing language (issue 16,
 * docs/pricing-language.md §4), in the core alone: a line's tier evidence (what the cap cut,
 * the tier mistakes of tierAlternatives.ts) names the invoice's mistake only when its fee is
 * exactly the invoice's. Fees here are worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import { type AuditReport, billRequests, defaultPolicyDocument, loadPolicy, parseAccounts, parseInvoiceRow, parseMoney, parseTimestamp, reconcileInvoice, type UsageRequest } from '@byok-billing/core';
import { createAuditCollector } from '@byok-billing/core/internal';

const match = { scale: 2, rounding: 'half-even' as const };

/** The default policy's rules with one version priced by `fees`. */
function policyWith(fees: unknown) {
  const doc = JSON.parse(JSON.stringify(defaultPolicyDocument));
  delete doc.parameters.allowance;
  delete doc.parameters.feeRate;
  doc.parameters.fees = fees;
  doc.versions = [{ version: 'tiers' }];
  return loadPolicy(doc);
}

/** Requests r1, r2, … of org acme a minute apart in October 2025, served by the key. */
const requests = (costs: readonly string[]): UsageRequest[] =>
  costs.map((cost, i) => ({ requestId: `r${i + 1}`, instant: parseTimestamp(`2025-10-01T00:0${i}:00Z`), userId: 'dev', orgId: 'acme', cost: parseMoney(cost), keyResult: 'ok' }));

function auditOf(policy: ReturnType<typeof loadPolicy>, reqs: readonly UsageRequest[], fee: string, accounts?: ReturnType<typeof parseAccounts>): AuditReport {
  const collector = createAuditCollector({ policy, accounts, match });
  const { bill, decisions } = billRequests(reqs, { policy, accounts });
  for (const d of decisions) collector.observe(d);
  const invoice = [parseInvoiceRow({ scope: 'org:acme', period: '2025-10', total_usd: fee, fee_usd: fee })];
  return reconcileInvoice(bill, invoice, collector.finish(), match);
}

const causes = (r: AuditReport) => [...new Set(r.findings.map((f) => f.cause))];

describe('likely causes of a line priced by tiers', () => {
  // (up to 2: 0), (up to 4: 10%), (beyond: 1%), cap 0.15; six requests of $1: 0.1 + 0.1 + 0.01 + 0.01 = 0.22 before the cap, 0.15 paid.
  const policy = policyWith({ schedules: { s: [{ upTo: 2, rate: '0' }, { upTo: 4, rate: '0.1' }, { rate: '0.01' }] }, capUsd: '0.15' });
  const six = requests(['1', '1', '1', '1', '1', '1']);

  it('the bill matches; the fee before the cap is "cap not applied"', () => {
    expect(auditOf(policy, six, '0.15').matches).toBe(true);
    expect(causes(auditOf(policy, six, '0.22'))).toEqual(['cap not applied: the invoice charges the fee before the cap, $0.22, but the cap of $0.15 per month cut it to $0.15']);
  });

  it('a fee no mistake gives is left unnamed (under the cap most mistakes give the cap again)', () => {
    // Every mistake's fee is capped to 0.15 again but "one rate of 1%" (0.04): 0.16 is none of them.
    expect(causes(auditOf(policy, six, '0.16'))).toEqual([undefined]);
  });

  it('contract terms not applied uses the policy cap, not the account’s', () => {
    // The account: cap 0.05 — 0.05 paid; the policy's terms (cap 0.15) give 0.15, its uncapped fee 0.22.
    const accounts = parseAccounts([{ scope: 'org:acme', fee_cap_usd: '0.05' }]);
    expect(auditOf(policy, six, '0.05', accounts).matches).toBe(true);
    expect(causes(auditOf(policy, six, '0.15', accounts))).toEqual([
      "contract terms not applied: the invoice bills by the policy's tiers and cap of $0.15, not this scope's terms from the accounts file (free_requests, fee_rate, fee_cap_usd)",
    ]);
    expect(causes(auditOf(policy, six, '0.22', accounts))[0]).toMatch(/^cap not applied: .* the cap of \$0\.05 per month/);
  });

  it('without a cap: one rate, bounds off by one, the free tier billed', () => {
    const uncapped = policyWith({ schedules: { s: [{ upTo: 2, rate: '0' }, { upTo: 4, rate: '0.1' }, { rate: '0.01' }] } });
    expect(auditOf(uncapped, six, '0.22').matches).toBe(true);
    expect(causes(auditOf(uncapped, six, '0.04'))[0]).toMatch(/^fee at the wrong tier: .* tier 3's rate \(1%\)/);
    expect(causes(auditOf(uncapped, six, '0.21'))[0]).toMatch(/^fee at the wrong tier: .* one request later/);
    expect(causes(auditOf(uncapped, six, '0.42'))[0]).toMatch(/^allowance not applied/);
  });
});
