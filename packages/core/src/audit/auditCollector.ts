import type { Accounts } from '../accounts/accounts.js';
import type { Bill } from '../ledger/billLine.js';
import type { Decision } from '../ledger/decision.js';
import { type Ledger, createLedger } from '../ledger/ledger.js';
import { Money } from '../money/money.js';
import { ROUNDING_MODES, roundMoney } from '../money/rounding/roundMoney.js';
import type { Rate } from '../money/rate.js';
import { policyVariant } from '../policy/policyVariant.js';
import type { Policy } from '../policy/policyTypes.js';
import type { Finding, WrongChargeKind } from './findings.js';
import { type TierEvidence, TierTally, mergeTierEvidence } from './tierAlternatives.js';
import { placeRequest } from '../ledger/decideRequest.js';
import { COST_SCALE, FEE_SCALE, unitsAt } from '../ledger/lineAccumulator.js';
import { type DecisionTerms, chargeIndex, decisionTerms } from '../kernel/decisionTerms.js';
import { CHARGE_FEE, ROUTE_CODE } from '../kernel/codes.js';
import { type MoneyMatchOptions, moneyMatches } from './moneyMatch.js';

/** Time zones an invoice is often (wrongly) cut in: checked as the cause of month shifts. */
export const SUSPECT_ZONES = [
  'America/Los_Angeles',
  'America/Denver',
  'America/Chicago',
  'America/New_York',
  'America/Sao_Paulo',
  'Europe/London',
  'Europe/Berlin',
  'Asia/Kolkata',
  'Asia/Shanghai',
  'Asia/Tokyo',
  'Australia/Sydney',
] as const;

/** What else each bill line would have been under the usual invoicing mistakes. */
export interface LineAlternatives {
  readonly rate: Rate;
  readonly allowance: number;
  /** Σ cost of BYOK requests ranked past twice the allowance. */
  costPastDoubleAllowance: Money;
  /** Σ of each request's fee rounded to the presentation scale, per rounding mode. */
  feeRoundedPerRequest: Record<'half-even' | 'half-up', Money>;
  /** The fee had every member of an org had their own allowance. */
  feePerUser: Money;
  /** Σ (recorded charge − policy charge) over requests with a `charged_usd`. */
  chargedDifference: Money;
  chargedRequests: number;
  /**
   * Lines priced in the pricing language (docs/pricing-language.md): what the cap cut and
   * what the fee would be under the usual mistakes about tiers (tierAlternatives.ts). The
   * shorthand's `rate` and `allowance` alternatives do not describe such a line.
   */
  tiers?: TierEvidence | undefined;
}

export interface AuditCollectorOptions {
  readonly policy: Policy;
  readonly accounts?: Accounts | undefined;
  readonly match: MoneyMatchOptions;
  /** Zones whose month boundaries are tried as the cause of month shifts. */
  readonly suspectZones?: readonly string[];
  /** At most this many request findings are kept (all are counted). Default 10,000. */
  readonly maxRequestFindings?: number;
}

export interface AuditCollector {
  /** Takes each decision of the main replay, in allowance order. */
  observe(decision: Decision, source?: string): void;
  finish(): AuditEvidence;
}

/** Everything reconciliation needs besides the bill and the invoice. */
export interface AuditEvidence {
  readonly alternatives: ReadonlyMap<string, LineAlternatives>;
  readonly zoneBills: ReadonlyMap<string, Bill>;
  readonly requestFindings: readonly Finding[];
  readonly requestFindingCount: number;
  readonly routeMismatchCount: number;
  readonly chargedRequests: number;
}

export const lineKey = (scope: string, period: string) => `${scope}\n${period}`;

/**
 * Follows a replay to gather the evidence an audit needs in the same single pass:
 * alternative fees for each line (to name the likely cause of a mismatch), bills under
 * other reset zones (month shifts), a per-user variant (allowance per user instead of
 * per org), and the per-request check of recorded charges (`charged_usd`).
 */
export function createAuditCollector(options: AuditCollectorOptions): AuditCollector {
  const { policy, accounts, match } = options;
  const maxFindings = options.maxRequestFindings ?? 10_000;
  const alternatives = new Map<string, LineAlternatives>();
  const zones = options.suspectZones ?? SUSPECT_ZONES;
  const zoneLedgers = new Map<string, Ledger>(
    zones.map((zone) => [zone, createLedger({ policy: policyVariant(policy, { resetTimeZone: zone }), accounts })]),
  );
  const perUser = createLedger({ policy: policyVariant(policy, { scopeMode: 'user' }), accounts });
  const requestFindings: Finding[] = [];
  let requestFindingCount = 0;
  let routeMismatchCount = 0;
  let chargedRequests = 0;
  const roundHalfEven = ROUNDING_MODES['half-even'];
  const roundHalfUp = ROUNDING_MODES['half-up'];
  /** Per bill line, the tier tallies of its parts (one per policy version in force in the month), by version. */
  const tallies = new Map<string, Map<string, TierTally>>();
  const termsByMode = new Map<string, DecisionTerms>();

  /** Adds a counted request of a pricing-language line to its line's tier tally. */
  function observeTiers(decision: Decision): void {
    const tiers = decision.tiers!;
    const key = lineKey(decision.scope, decision.period);
    let parts = tallies.get(key);
    if (parts === undefined) tallies.set(key, (parts = new Map()));
    let tally = parts.get(decision.policyVersion);
    const version = policy.versionAt(decision.request.instant);
    if (tally === undefined) parts.set(decision.policyVersion, (tally = new TierTally(placeRequest(policy, accounts, decision.request).fees!, version.feeTerms)));
    const modeKey = `${version.version}\n${decision.failoverMode}`;
    let terms = termsByMode.get(modeKey);
    if (terms === undefined) termsByMode.set(modeKey, (terms = decisionTerms(version, decision.failoverMode)));
    const route = ROUTE_CODE[decision.route];
    tally.observe(
      tiers.scheduleIndex,
      unitsAt(decision.request.cost, COST_SCALE),
      terms.charge[chargeIndex(route, true)] === CHARGE_FEE,
      terms.charge[chargeIndex(route, false)] === CHARGE_FEE,
      unitsAt(tiers.uncappedFee, FEE_SCALE),
      unitsAt(decision.fee, FEE_SCALE),
    );
  }

  const record = (finding: Finding) => {
    requestFindingCount++;
    if (requestFindings.length < maxFindings) requestFindings.push(finding);
  };

  function alternativesFor(decision: Decision): LineAlternatives {
    const key = lineKey(decision.scope, decision.period);
    let alt = alternatives.get(key);
    if (alt === undefined) {
      const version = policy.versionAt(decision.request.instant);
      alt = {
        rate: version.parameters.feeRate,
        allowance: decision.allowance,
        costPastDoubleAllowance: Money.ZERO,
        feeRoundedPerRequest: { 'half-even': Money.ZERO, 'half-up': Money.ZERO },
        feePerUser: Money.ZERO,
        chargedDifference: Money.ZERO,
        chargedRequests: 0,
      };
      alternatives.set(key, alt);
    }
    return alt;
  }

  function checkCharge(decision: Decision, alt: LineAlternatives, source: string | undefined): void {
    const { request } = decision;
    const charged = request.charged;
    if (charged === undefined) return;
    chargedRequests++;
    alt.chargedRequests++;
    alt.chargedDifference = alt.chargedDifference.add(charged.subtract(decision.charge));
    // The log keeps 12 decimals; compare the policy's charge at that precision.
    const expected = roundMoney(decision.charge, 12, roundHalfEven).rounded;
    if (moneyMatches(charged, expected, { ...match, scale: 12, rounding: 'half-even', tolerance: match.tolerance ?? Money.ZERO })) return;
    let kind: WrongChargeKind;
    if (decision.route === 'byok' && decision.status === 'free') kind = 'fee inside the allowance';
    else if (decision.route === 'byok' && !request.cost.isZero() && charged.equals(request.cost)) kind = 'platform charge on a BYOK request';
    else if (decision.route === 'byok' && charged.isZero()) kind = 'no fee past the allowance';
    else if (decision.route === 'byok') kind = 'fee at the wrong rate';
    else if (decision.route === 'platform') kind = 'wrong platform charge';
    else kind = 'charge on a failed request';
    record({
      kind: 'wrong-charge',
      scope: decision.scope,
      period: decision.period,
      field: 'charged_usd',
      invoiced: charged.toString(),
      recomputed: decision.charge.toString(),
      difference: charged.subtract(decision.charge).toString(),
      requestId: request.requestId,
      ordinal: decision.ordinal,
      wrongCharge: kind,
      source,
    });
  }

  return {
    observe(decision, source) {
      if (decision.duplicate) return;
      const alt = alternativesFor(decision);
      if (decision.tiers !== undefined) observeTiers(decision);
      if (decision.ordinal !== null && decision.route === 'byok' && decision.ordinal > 2 * alt.allowance) {
        alt.costPastDoubleAllowance = alt.costPastDoubleAllowance.add(decision.request.cost);
      }
      if (!decision.fee.isZero()) {
        alt.feeRoundedPerRequest['half-even'] = alt.feeRoundedPerRequest['half-even'].add(roundMoney(decision.fee, match.scale, roundHalfEven).rounded);
        alt.feeRoundedPerRequest['half-up'] = alt.feeRoundedPerRequest['half-up'].add(roundMoney(decision.fee, match.scale, roundHalfUp).rounded);
      }
      const userDecision = perUser.add(decision.request);
      alt.feePerUser = alt.feePerUser.add(userDecision.fee);
      for (const ledger of zoneLedgers.values()) ledger.add(decision.request);
      if (decision.routeMismatch) {
        routeMismatchCount++;
        record({
          kind: 'route-mismatch',
          scope: decision.scope,
          period: decision.period,
          field: 'route',
          invoiced: decision.request.recordedRoute,
          recomputed: decision.route,
          requestId: decision.request.requestId,
          ordinal: decision.ordinal,
          cause: `the ${decision.failoverMode} failover mode gives ${decision.route} (${decision.routeRule})`,
          source,
        });
      }
      checkCharge(decision, alt, source);
    },
    finish() {
      for (const [key, parts] of tallies) {
        const alt = alternatives.get(key)!;
        alt.tiers = [...parts.values()].map((t) => t.finish()).reduce(mergeTierEvidence);
      }
      return {
        alternatives,
        zoneBills: new Map([...zoneLedgers].map(([zone, ledger]) => [zone, ledger.finish()])),
        requestFindings,
        requestFindingCount,
        routeMismatchCount,
        chargedRequests,
      };
    },
  };
}

