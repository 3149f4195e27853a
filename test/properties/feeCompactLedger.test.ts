/*
 * The compact ledger (the fast replay's: requests as numbers, lines as typed-array columns)
 * bills the pricing language (issue 16, docs/pricing-language.md) exactly as the fee oracle
 * and the record ledger do: the same generated configs and logs, fed as the fast replay feeds
 * it, give the reference bill digit for digit, and every request the same status and fee.
 * Schedules chosen by provider/model are billed from the cells the fast replay gives the ledger
 * (`withFacts`); a ledger made without them refuses such a policy, never billing it with `''`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Accounts, type Bill, type Policy, type UsageRequest, billRequests, billToJson, compareRequests, loadPolicy } from '@byok-billing/core';
import { CHARGE_CODE, type CompactLedger, ROUTE_CODE, createCompactLedger, sharesDecisions } from '@byok-billing/core/internal';
import { type FeeLogRow, feeConfigArb, feeLogArb } from '../arbitraries/feeConfig.js';
import { SCOPES } from '../arbitraries/requestLog.js';
import { compactFeed } from '../support/compactFeed.js';
import { accountsOf, requestOf } from '../support/feeAccounts.js';
import { type DocumentOptions, feePolicyDocument } from './feePolicyDocument.js';
import { referenceBill } from './referenceBill.js';
import type { FeeConfig } from './referenceFees.js';

/** 10^-24 $ units as the decimal text `Money.toString` gives. */
function unitsText(units: bigint): string {
  const digits = units.toString().padStart(25, '0');
  const whole = digits.slice(0, -24).replace(/^0+(?=\d)/, '');
  const fraction = digits.slice(-24).replace(/0+$/, '');
  return fraction === '' ? whole : `${whole}.${fraction}`;
}

interface CompactDecision {
  readonly route: string;
  readonly ordinal: number | null;
  readonly status: string | null;
  readonly fee: string;
}

/** The requests in allowance order, one per id (the fast replay orders and removes duplicates), billed by a compact ledger. */
function compactBill(requests: readonly UsageRequest[], policy: Policy, accounts: Accounts | undefined, input: Bill['input']) {
  const seen = new Set<string>();
  const unique = requests.filter((r) => !seen.has(r.requestId) && seen.add(r.requestId)).sort(compareRequests);
  const feed = compactFeed();
  const ledger: CompactLedger = createCompactLedger({ policy, accounts, names: feed.names, withFacts: true });
  const decisions = new Map<string, CompactDecision>();
  const routes = Object.keys(ROUTE_CODE);
  for (const r of unique) {
    // The ledger's outcome, as the fast replay's onDecided sees it.
    const o = feed.decide(ledger, r);
    const fee = o.chargeKind !== CHARGE_CODE.fee ? '0' : o.tieredFee !== undefined ? unitsText(o.tieredFee) : r.cost.multiply(o.terms.version.parameters.feeRate).toString();
    decisions.set(r.requestId, { route: routes[o.route]!, ordinal: o.ordinal > 0 ? o.ordinal : null, status: o.route === ROUTE_CODE.byok ? (o.within ? 'free' : 'billable') : null, fee });
  }
  return { bill: ledger.finish(input), decisions };
}

/** 'by facts' when some version's schedule choice depends on provider/model (the cases the fast replay must read them for). */
function expectCompactMatches(rows: readonly FeeLogRow[], config: FeeConfig, options: DocumentOptions = {}, policyOf = (c: FeeConfig) => loadPolicy(feePolicyDocument(c, options))): 'by facts' | 'other' {
  const policy = policyOf(config);
  const accounts = accountsOf(config, policy);
  const requests = rows.map(requestOf);
  const record = billRequests(requests, { policy, accounts });
  const byFacts = policy.versions.some((v) => v.scheduleChooser.byProviderOrModel);
  // Without the cells, such a policy is never billed (it would be chosen for with '').
  if (byFacts) expect(() => createCompactLedger({ policy, accounts, names: [] })).toThrow(/provider\/model/);
  const { bill, decisions } = compactBill(requests, policy, accounts, record.bill.input);
  expect(billToJson(bill)).toEqual(billToJson(record.bill));
  for (const d of record.decisions) {
    if (d.duplicate) continue;
    expect(decisions.get(d.request.requestId), d.request.requestId).toEqual({ route: d.route, ordinal: d.ordinal, status: d.status, fee: d.fee.toString() });
  }
  return byFacts ? 'by facts' : 'other';
}

function expectCompactMatchesOracle(rows: readonly FeeLogRow[], config: FeeConfig, options: DocumentOptions = {}): 'by facts' | 'other' {
  const outcome = expectCompactMatches(rows, config, options);
  const policy = loadPolicy(feePolicyDocument(config, options));
  const { bill } = compactBill(rows.map(requestOf), policy, accountsOf(config, policy), billRequests(rows.map(requestOf), { policy, accounts: accountsOf(config, policy) }).bill.input);
  const ref = referenceBill(rows, config);
  const { policy: _policy, ...json } = billToJson(bill);
  expect(json).toEqual({ input: ref.input, lines: ref.lines, totals: ref.totals });
  return outcome;
}

/** Facts the fast replay reads, standing in for provider and model in generated schedule rules (complete and unambiguous as before: values map one to one or many to one, lists alike). */
const PLATFORM_FOR_PROVIDER: Record<string, string> = { anthropic: 'ok', openai: 'error', google: 'error', '': 'ok', mistral: 'error' };
const MODE_FOR_MODEL: Record<string, string> = { m1: 'fallback', m2: 'strict', '': 'credits-first', m9: 'strict' };

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function onRoutingFacts(doc: Json): Json {
  if (Array.isArray(doc)) return doc.map(onRoutingFacts);
  if (doc === null || typeof doc !== 'object') return doc;
  if (doc.fact === 'provider' || doc.fact === 'model') {
    const map = doc.fact === 'provider' ? PLATFORM_FOR_PROVIDER : MODE_FOR_MODEL;
    const value = doc.value as string | string[];
    return { ...doc, fact: doc.fact === 'provider' ? 'platformResult' : 'failoverMode', value: Array.isArray(value) ? [...new Set(value.map((v) => map[v]!))] : map[value]! };
  }
  return Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, onRoutingFacts(v)]));
}

describe('the compact ledger bills the pricing language as the record ledger and the fee oracle do', () => {
  // catches: a tier located by the wrong quantity (ordinal off by one, the list-usd counter
  // moved by uncounted requests), the wrong schedule or failover mode, the cap's fees not
  // carried per scope-month, a line's fee taken as rate × costs, free/billable from the
  // kernel's allowance instead of the tiers, contract terms of the wrong scope.
  // catches: provider/model not passed (or passed as the wrong name number) to the schedule choice.
  it('law: bills, lines and decisions equal the reference bill (schedules by provider/model included)', () => {
    const seen = { 'by facts': 0, other: 0 };
    fc.assert(
      fc.property(feeLogArb(), feeConfigArb(), (rows, config) => {
        seen[expectCompactMatchesOracle(rows, config)]++;
      }),
      { numRuns: 300 },
    );
    expect(seen['by facts']).toBeGreaterThan(30);
    expect(seen.other).toBeGreaterThan(30);
  });

  it('law: the same in unit list-usd, and with every scope under contract terms, shorthand versions included', () => {
    const terms = fc.array(fc.record({ rate: fc.constantFrom('', '0', '0.04', '1'), cap: fc.constantFrom('', '0', '0.02', '1000') }), { minLength: SCOPES.length, maxLength: SCOPES.length });
    fc.assert(
      fc.property(feeLogArb(), feeConfigArb({ unit: 'list-usd' }), (rows, config) => void expectCompactMatchesOracle(rows, config)),
      { numRuns: 150 },
    );
    fc.assert(
      fc.property(feeLogArb(), feeConfigArb({ unit: 'requests' }), terms, fc.boolean(), (rows, config, t, shorthand) => {
        const accounts = SCOPES.map((scope, i) => ({ ...config.accounts.find((a) => a.scope === scope), scope, fee_rate: t[i]!.rate, fee_cap_usd: t[i]!.cap }));
        void expectCompactMatchesOracle(rows, { ...config, accounts }, { shorthand });
      }),
      { numRuns: 150 },
    );
  });

  // catches: the schedule chosen with the wrong routing facts (the line's failover mode instead
  // of an org member's, an absent platform result not read as ok).
  it('law: several schedules chosen by platformResult/failoverMode bill as the record ledger does', () => {
    fc.assert(
      fc.property(feeLogArb(), feeConfigArb(), (rows, config) => {
        const policyOf = (c: FeeConfig) => loadPolicy(onRoutingFacts(feePolicyDocument(c) as Json) as Parameters<typeof loadPolicy>[0]);
        expect(expectCompactMatches(rows, config, {}, policyOf)).toBe('other');
      }),
      { numRuns: 200 },
    );
  });

  it('variants with pricing-language terms, or accounts with fee terms, do not ride along', () => {
    const base = loadPolicy(feePolicyDocument({ versions: [{ version: 'v', fees: { schedules: { s: [{ upTo: '3', rate: '0' }, { rate: '0.05' }] } } }], counts: 'served', scopeMode: 'org', defaultFailoverMode: 'fallback', accounts: [] }, { shorthand: true }));
    const capped = loadPolicy(feePolicyDocument({ versions: [{ version: 'v', fees: { schedules: { s: [{ upTo: '3', rate: '0' }, { rate: '0.05' }] }, capUsd: '1' } }], counts: 'served', scopeMode: 'org', defaultFailoverMode: 'fallback', accounts: [] }));
    expect(sharesDecisions({ policy: base }, { policy: base })).toBe(true);
    expect(sharesDecisions({ policy: base }, { policy: capped })).toBe(false);
    expect(sharesDecisions({ policy: capped }, { policy: base })).toBe(false);
    const withRate = accountsOf({ versions: [], counts: 'served', scopeMode: 'org', defaultFailoverMode: 'fallback', accounts: [{ scope: 'org:acme', fee_rate: '0.01' }] }, base);
    expect(sharesDecisions({ policy: base }, { policy: base, accounts: withRate })).toBe(false);
  });
});
