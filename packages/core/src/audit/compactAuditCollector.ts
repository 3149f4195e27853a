import type { Bill } from '../ledger/billLine.js';
import type { CompactLines, CompactOutcome } from '../ledger/compactLedger.js';
import type { DecisionTerms } from '../kernel/decisionTerms.js';
import { ABSENT, CHARGE_FEE, CHARGE_LIST, ROUTE_BYOK, ROUTE_PLATFORM } from '../kernel/codes.js';
import { FEE_SCALE } from '../ledger/lineAccumulator.js';
import { Money } from '../money/money.js';
import { ROUNDING_MODES, roundMoney } from '../money/rounding/roundMoney.js';
import { halfEven } from '../money/rounding/halfEven.js';
import { halfUp } from '../money/rounding/halfUp.js';
import { ROUTES } from '../routing/routeTypes.js';
import { type AuditEvidence, type LineAlternatives, lineKey } from './auditCollector.js';
import type { Finding, WrongChargeKind } from './findings.js';
import { TierTally, mergeTierEvidence } from './tierAlternatives.js';
import { chargeIndex } from '../kernel/decisionTerms.js';
import { type MoneyMatchOptions, moneyMatches } from './moneyMatch.js';

/** Amounts of the fast replay are integer counts of 10^-12 dollars. */
const PICO_SCALE = 12;

/** One decided request as the fast replay has it: its outcome and its amounts as units. */
export interface CompactAuditRequest {
  readonly outcome: CompactOutcome;
  /** List cost in 10^-12 dollars (a safe integer), or NaN with the exact value in `costBig`. */
  readonly cost: number;
  readonly costBig: bigint | undefined;
  /** Recorded charge in 10^-12 dollars, negative when the row has none, NaN with `chargedBig`. */
  readonly charged: number;
  readonly chargedBig: bigint | undefined;
  /** Recorded route code, or `ABSENT`. */
  readonly recorded: number;
  /** The request id and where the row is: built only for a finding. */
  readonly requestId: () => string;
  readonly source: () => string;
}

export interface CompactAuditOptions {
  readonly match: MoneyMatchOptions;
  /** At most this many request findings are kept (all are counted). Default 10,000. */
  readonly maxRequestFindings?: number;
}

/** What is summed per bill line (scope and period), as bigint units until the end. */
class LineSums {
  /** Σ cost (10^-12 $) of BYOK requests ranked past twice the allowance. */
  pastDouble = 0n;
  /** Σ of each request's fee rounded at the presentation scale. */
  halfEven = 0n;
  halfUp = 0n;
  feePerUser: Money = Money.ZERO;
  chargedDifference: Money = Money.ZERO;
  chargedRequests = 0;
  /** Tier tallies of the line's compact lines with pricing-language terms (one per policy version in force in the month). */
  tallies: TierTally[] = [];
  /** The terms and allowance of the line's first compact line. */
  constructor(
    readonly key: string,
    readonly terms: DecisionTerms,
    readonly allowance: number,
  ) {}
}

export interface CompactAuditCollector {
  /** Takes each request the main replay decided, in allowance order. */
  observe(request: CompactAuditRequest): void;
  /**
   * Takes the per-user decision (scope mode `user`) of a request whose main outcome is
   * `main`: the fee it would have paid had each org member their own allowance.
   */
  observePerUser(main: CompactOutcome, perUser: CompactOutcome, cost: number, costBig: bigint | undefined): void;
  /**
   * Takes a request's main outcome, in allowance order, for the tier evidence of its line
   * (pricing-language lines only: what the cap cut, the tier mistakes of tierAlternatives.ts).
   * Asked, as `observePerUser`, only in a pass that names causes: it costs a few tier
   * positions per counted request.
   */
  observeTiers(main: CompactOutcome, cost: number, costBig: bigint | undefined): void;
  /** Whether any decided request had a recorded charge. */
  readonly sawCharged: boolean;
  /** The evidence, with the bills under other reset zones when they were computed. */
  finish(zoneBills: ReadonlyMap<string, Bill>): AuditEvidence;
}

const units = (n: number, big: bigint | undefined): bigint => (n === n ? BigInt(n) : big!);

/**
 * The evidence of `createAuditCollector` gathered from the fast replay's numbers: the same
 * sums per line, the same request findings in the same order and words, without a
 * `Decision` object or an extra ledger per request. The per-user fee and the zone bills
 * come from a second replay (see `observePerUser`, `finish`), run only when a line
 * mismatches and a cause must be named.
 */
export function createCompactAuditCollector(options: CompactAuditOptions): CompactAuditCollector {
  const { match } = options;
  const maxFindings = options.maxRequestFindings ?? 10_000;
  const scale = match.scale;
  const sums = new Map<string, LineSums>();
  // A bill line can span two policy versions (two compact lines): both map to one key.
  // By line number of the ledger whose lines these are (a pass that starts again has its own).
  let byLine: (LineSums | undefined)[] = [];
  let byLineOf: CompactLines | undefined;
  /** Tier tallies by line number of the same ledger (lines with pricing-language terms only). */
  let tallyByLine: (TierTally | undefined)[] = [];
  const divisors = new Map<number, bigint>();
  const requestFindings: Finding[] = [];
  let requestFindingCount = 0;
  let routeMismatchCount = 0;
  let chargedRequests = 0;
  const chargeMatch: MoneyMatchOptions = { ...match, scale: PICO_SCALE, rounding: 'half-even', tolerance: match.tolerance ?? Money.ZERO };
  const roundHalfEven = ROUNDING_MODES['half-even'];

  const record = (finding: Finding) => {
    requestFindingCount++;
    if (requestFindings.length < maxFindings) requestFindings.push(finding);
  };

  function sumsOf(outcome: CompactOutcome): LineSums {
    const { line, lines } = outcome;
    if (lines !== byLineOf) {
      byLineOf = lines;
      byLine = [];
      tallyByLine = [];
    }
    let s = byLine[line];
    if (s === undefined) {
      const key = lineKey(lines.scope(line), lines.period(line));
      s = sums.get(key);
      if (s === undefined) sums.set(key, (s = new LineSums(key, lines.terms(line), lines.allowance(line))));
      byLine[line] = s;
    }
    return s;
  }

  /** 10^(feeScale − presentation scale), or 1n when the fee has no more digits than presented. */
  function divisorFor(feeScale: number): bigint {
    let d = divisors.get(feeScale);
    if (d === undefined) divisors.set(feeScale, (d = feeScale > scale ? 10n ** BigInt(feeScale - scale) : 1n));
    return d;
  }

  /** Adds one request's fee rounded at the presentation scale, both ways (half-even, half-up). */
  function addRoundedFee(s: LineSums, fee: bigint, feeScale: number): void {
    if (fee === 0n) return;
    if (feeScale <= scale) {
      const exact = fee * 10n ** BigInt(scale - feeScale);
      s.halfEven += exact;
      s.halfUp += exact;
      return;
    }
    // The presentation's own rounding modes, on integers (no Money per request).
    const d = divisorFor(feeScale);
    const q = fee / d;
    const r = fee - q * d;
    s.halfUp += halfUp(q, r, d);
    s.halfEven += halfEven(q, r, d);
  }

  /** Adds a counted request of a pricing-language line to its compact line's tier tally. */
  function observeTiers(outcome: CompactOutcome, cost: bigint): void {
    if (outcome.tieredFee === undefined || outcome.ordinal === 0) return;
    const s = sumsOf(outcome);
    const { line, lines, terms, route } = outcome;
    let tally = tallyByLine[line];
    if (tally === undefined) {
      tallyByLine[line] = tally = new TierTally(lines.fees(line)!, terms.version.feeTerms);
      s.tallies.push(tally);
    }
    tally.observe(
      outcome.tieredSchedule,
      cost,
      terms.charge[chargeIndex(route, true)] === CHARGE_FEE,
      terms.charge[chargeIndex(route, false)] === CHARGE_FEE,
      outcome.tieredUncapped,
      outcome.tieredFee!,
    );
  }

  function checkCharge(r: CompactAuditRequest, s: LineSums, charge: Money, cost: bigint): void {
    const { outcome } = r;
    const charged = new Money(units(r.charged, r.chargedBig), PICO_SCALE);
    chargedRequests++;
    s.chargedRequests++;
    s.chargedDifference = s.chargedDifference.add(charged.subtract(charge));
    // The log keeps 12 decimals; compare the policy's charge at that precision.
    const expected = roundMoney(charge, PICO_SCALE, roundHalfEven).rounded;
    if (moneyMatches(charged, expected, chargeMatch)) return;
    const byok = outcome.route === ROUTE_BYOK;
    let kind: WrongChargeKind;
    if (byok && outcome.within) kind = 'fee inside the allowance';
    else if (byok && cost !== 0n && charged.units === cost) kind = 'platform charge on a BYOK request';
    else if (byok && charged.units === 0n) kind = 'no fee past the allowance';
    else if (byok) kind = 'fee at the wrong rate';
    else if (outcome.route === ROUTE_PLATFORM) kind = 'wrong platform charge';
    else kind = 'charge on a failed request';
    record({
      kind: 'wrong-charge',
      scope: outcome.lines.scope(outcome.line),
      period: outcome.lines.period(outcome.line),
      field: 'charged_usd',
      invoiced: charged.toString(),
      recomputed: charge.toString(),
      difference: charged.subtract(charge).toString(),
      requestId: r.requestId(),
      ordinal: outcome.ordinal === 0 ? null : outcome.ordinal,
      wrongCharge: kind,
      source: r.source(),
    });
  }

  return {
    observe(r) {
      const { outcome } = r;
      const { terms } = outcome;
      const s = sumsOf(outcome);
      // Not counted has ordinal 0, never past twice an allowance.
      if (outcome.route === ROUTE_BYOK && outcome.ordinal > 2 * s.allowance) s.pastDouble += units(r.cost, r.costBig);
      // A pricing-language line's fee is the ledger's (10^-24 $); a shorthand line's, cost × rate.
      const tiered = outcome.tieredFee !== undefined;
      const rate = terms.version.parameters.feeRate;
      const feeScale = tiered ? FEE_SCALE : PICO_SCALE + rate.scale;
      let fee = 0n;
      if (outcome.chargeKind === CHARGE_FEE) {
        fee = tiered ? outcome.tieredFee! : units(r.cost, r.costBig) * rate.units;
        addRoundedFee(s, fee, feeScale);
      }
      if (r.recorded !== ABSENT && r.recorded !== outcome.route) {
        routeMismatchCount++;
        const route = ROUTES[outcome.route]!;
        record({
          kind: 'route-mismatch',
          scope: outcome.lines.scope(outcome.line),
          period: outcome.lines.period(outcome.line),
          field: 'route',
          invoiced: ROUTES[r.recorded],
          recomputed: route,
          requestId: r.requestId(),
          ordinal: outcome.ordinal === 0 ? null : outcome.ordinal,
          cause: `the ${terms.failoverMode} failover mode gives ${route} (${terms.routeRule[outcome.routeIndex]})`,
          source: r.source(),
        });
      }
      if (!(r.charged >= 0) && r.chargedBig === undefined) return;
      const cost = units(r.cost, r.costBig);
      const charge =
        outcome.chargeKind === CHARGE_FEE ? new Money(fee, feeScale) : outcome.chargeKind === CHARGE_LIST ? new Money(cost, PICO_SCALE) : Money.ZERO;
      checkCharge(r, s, charge, cost);
    },
    observePerUser(main, perUser, cost, costBig) {
      if (perUser.chargeKind !== CHARGE_FEE) return;
      const s = sumsOf(main);
      if (perUser.tieredFee !== undefined) {
        s.feePerUser = s.feePerUser.add(new Money(perUser.tieredFee, FEE_SCALE));
        return;
      }
      const rate = perUser.terms.version.parameters.feeRate;
      s.feePerUser = s.feePerUser.add(new Money(units(cost, costBig) * rate.units, PICO_SCALE + rate.scale));
    },
    observeTiers(main, cost, costBig) {
      observeTiers(main, units(cost, costBig));
    },
    get sawCharged() {
      return chargedRequests > 0;
    },
    finish(zoneBills) {
      const alternatives = new Map<string, LineAlternatives>();
      for (const [key, s] of sums) {
        alternatives.set(key, {
          rate: s.terms.version.parameters.feeRate,
          allowance: s.allowance,
          costPastDoubleAllowance: new Money(s.pastDouble, PICO_SCALE),
          feeRoundedPerRequest: { 'half-even': new Money(s.halfEven, scale), 'half-up': new Money(s.halfUp, scale) },
          feePerUser: s.feePerUser,
          chargedDifference: s.chargedDifference,
          chargedRequests: s.chargedRequests,
          tiers: s.tallies.length === 0 ? undefined : s.tallies.map((t) => t.finish()).reduce(mergeTierEvidence),
        });
      }
      return { alternatives, zoneBills, requestFindings, requestFindingCount, routeMismatchCount, chargedRequests };
    },
  };
}
