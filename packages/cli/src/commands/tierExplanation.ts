/**
 * What `byok explain` says about the pricing language (docs/pricing-language.md): a request's
 * schedule, the tiers its quantity covered and the cap; a bill line's tier progression. The
 * numbers are the ledger's own (`Decision.tiers`), so they add up to the bill: a request's
 * parts sum to its fee before the cap, the cap takes that to its fee; a line's tier fees sum
 * to its fee before the cap, and what the cap cut takes that to the line's fee.
 */
import { type Decision, type DecisionTiers, type FeeTerms, type FeeTier, type FeeUnit, MAX_MONEY_FRACTION_DIGITS, Money, type Rate, feeTermsShorthand } from '@byok-billing/core';
import type { RowSource } from '../replay/rowSource.js';

const n = (v: number | bigint) => v.toLocaleString('en-US');

/** A quantity of a tier's unit: a count of requests, or dollars (10^-12 $ units) of cumulative list cost. */
export function quantityText(unit: FeeUnit, q: bigint | number): string {
  return unit === 'requests' ? n(q) : `$${new Money(BigInt(q), MAX_MONEY_FRACTION_DIGITS).normalize().toString()}`;
}

/** A quantity as data: the count (`"3"`) or the dollars (`"1.5"`), exact. */
function quantityData(unit: FeeUnit, q: bigint | number): string {
  return unit === 'requests' ? String(q) : new Money(BigInt(q), MAX_MONEY_FRACTION_DIGITS).normalize().toString();
}

const unitName = (unit: FeeUnit) => (unit === 'requests' ? 'counted requests' : 'cumulative list cost');

/** Tier `i` of `tiers` as its interval: `(from, upTo]`, or `beyond from`. */
function tierInterval(unit: FeeUnit, tiers: readonly FeeTier<number | bigint>[], i: number): string {
  const from = i === 0 ? 0 : tiers[i - 1]!.upTo!;
  const upTo = tiers[i]!.upTo;
  return upTo === null ? `beyond ${quantityText(unit, from)}` : `(${quantityText(unit, from)}, ${quantityText(unit, upTo)}]`;
}

/** A version's fee terms in words, for versions that are not today's shorthand. */
export function feeTermsText(terms: FeeTerms): string {
  const schedules = terms.schedules.map((s) => {
    const tiers = s.tiers.map((t) => (t.upTo === null ? `beyond: ${t.rate.toPercentString()}` : `up to ${quantityText(terms.unit, t.upTo)}: ${t.rate.toPercentString()}`));
    return `${s.name} (${tiers.join(', ')})`;
  });
  const cap = terms.capUsd === undefined ? '' : `, fee capped at $${terms.capUsd.toString()} per scope per month`;
  return `fee tiers over the ${unitName(terms.unit)} of a scope's month, schedule${schedules.length === 1 ? '' : 's'} ${schedules.join('; ')}${cap}`;
}

/** The schedule a request paid by, as placed for its scope (contract terms applied), the rule that chose it, and the cap. */
export function scheduleText(t: DecisionTiers): string {
  const tiers = t.scheduleTiers.map((tier) => (tier.upTo === null ? `beyond: ${tier.rate.toPercentString()}` : `up to ${quantityText(t.unit, tier.upTo)}: ${tier.rate.toPercentString()}`));
  const cap = t.capUsd === undefined ? '' : `; fees capped at $${t.capUsd.toString()} per month`;
  return `${t.schedule} (rule "${t.scheduleRule}"), over the ${unitName(t.unit)}: ${tiers.join(', ')}${cap}`;
}

/** Whether a version's terms need `feeTermsText` (they are not the shorthand `allowance` + `feeRate`). */
export const isTiered = (terms: FeeTerms) => feeTermsShorthand(terms) === undefined;

/** One part of a request's fee in words: `tier 2 (1, 2] 5% × $0.4 = $0.02`. */
function partText(t: DecisionTiers, cost: Money, part: DecisionTiers['parts'][number]): string {
  const base = t.unit === 'requests' ? cost : new Money(part.to - part.from, MAX_MONEY_FRACTION_DIGITS).normalize();
  return `tier ${part.tier + 1} ${tierInterval(t.unit, t.scheduleTiers, part.tier)} ${part.rate.toPercentString()} × $${base.toString()} = $${part.fee.toString()}`;
}

/** Where a counted request lies: its ordinal, or the interval of the cumulative list cost it covers. */
function positionText(decision: Decision, t: DecisionTiers): string {
  if (t.unit === 'requests') return `it is the ${n(decision.ordinal!)}${ordinalSuffix(decision.ordinal!)} counted request of ${decision.scope} in ${decision.period}`;
  const cost = decision.request.cost;
  if (cost.isZero()) return `it costs nothing, so it covers none of the cumulative list cost of ${decision.scope} in ${decision.period}`;
  const first = t.parts[0]!;
  const last = t.parts[t.parts.length - 1]!;
  return `its list cost covers (${quantityText('list-usd', first.from)}, ${quantityText('list-usd', last.to)}] of the cumulative list cost of ${decision.scope} in ${decision.period}`;
}

function ordinalSuffix(v: number): string {
  const mod100 = v % 100;
  return mod100 >= 11 && mod100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][v % 10] ?? 'th');
}

/** The status of a counted BYOK request priced by tiers, in words. */
export function tieredStatusText(decision: Decision, t: DecisionTiers): string {
  const where = positionText(decision, t);
  const tiers = t.parts.map((p) => `tier ${p.tier + 1} ${tierInterval(t.unit, t.scheduleTiers, p.tier)}`);
  if (decision.status === 'free') {
    return t.parts.length === 0 ? `free: ${where}` : `free: ${where}, within the free tier ${tierInterval(t.unit, t.scheduleTiers, 0)} of schedule ${t.schedule}`;
  }
  return `billable: ${where}, in ${tiers.join(' and ')} of schedule ${t.schedule}`;
}

/** The arithmetic of a tiered fee: each tier part, the fee before the cap, and what the cap left. */
export function tieredFeeArithmetic(decision: Decision, t: DecisionTiers): string {
  const cost = decision.request.cost;
  const parts = t.parts.filter((p) => t.unit === 'requests' || p.to > p.from);
  const sum = parts.length === 1 ? partText(t, cost, parts[0]!) : `${parts.map((p) => partText(t, cost, p)).join(' + ')} = $${t.uncappedFee.toString()}`;
  return `fee = ${sum}${capText(decision, t)}`;
}

function capText(decision: Decision, t: DecisionTiers): string {
  if (t.capUsd === undefined) return '';
  const room = t.capUsd.subtract(t.feesBefore);
  const left = room.isNegative() ? Money.ZERO : room;
  return t.capped
    ? `; the cap of $${t.capUsd.toString()} per month had $${left.toString()} left after $${t.feesBefore.toString()} of fees, so it pays $${decision.fee.toString()}`
    : `; under the cap of $${t.capUsd.toString()} per month ($${t.feesBefore.toString()} of fees before it)`;
}

/** A decision's pricing-language side as data (exact decimal strings; quantities in the unit). */
export function tiersData(decision: Decision, t: DecisionTiers) {
  return {
    unit: t.unit,
    schedule: t.schedule,
    scheduleRule: t.scheduleRule,
    parts: t.parts.map((p) => ({
      tier: p.tier + 1,
      tierFrom: quantityData(t.unit, p.tier === 0 ? 0 : t.scheduleTiers[p.tier - 1]!.upTo!),
      tierUpTo: t.scheduleTiers[p.tier]!.upTo === null ? null : quantityData(t.unit, t.scheduleTiers[p.tier]!.upTo!),
      rate: p.rate.toString(),
      from: quantityData(t.unit, p.from),
      to: quantityData(t.unit, p.to),
      feeUsd: p.fee.toString(),
    })),
    uncappedFeeUsd: t.uncappedFee.toString(),
    cap: t.capUsd === undefined ? null : { capUsd: t.capUsd.toString(), feesBeforeUsd: t.feesBefore.toString(), capped: t.capped, paidUsd: decision.fee.toString() },
  };
}

/** A line's progress through one tier of one schedule. */
interface TierStep {
  readonly schedule: string;
  readonly tier: number;
  readonly interval: string;
  readonly rate: Rate;
  /** The first counted request whose quantity reached this tier: where its lower bound was crossed. */
  readonly reachedBy: { readonly requestId: string; readonly file: string; readonly line: number };
  requests: number;
  quantity: bigint;
  /** Σ of the parts' fees of the requests that pay a fee. */
  fee: Money;
}

/** A bill line's tier progression, gathered from its counted requests' decisions in allowance order. */
export interface TierProgress {
  unit: FeeUnit;
  readonly steps: TierStep[];
  /** Σ fee before the cap of the fee-paying requests (= Σ steps' fees). */
  uncappedFee: Money;
  fee: Money;
  capUsd: Money | undefined;
  /** The request the cap first lowered, with its fee before the cap and paid. */
  capReached?: { readonly requestId: string; readonly file: string; readonly line: number; readonly uncappedFeeUsd: string; readonly paidUsd: string };
  /** Requests after it that the cap lowered (to 0). */
  cappedLater: number;
}

export const emptyTierProgress = (unit: FeeUnit): TierProgress => ({ unit, steps: [], uncappedFee: Money.ZERO, fee: Money.ZERO, capUsd: undefined, cappedLater: 0 });

/** Adds a counted request priced by tiers to its line's progression. */
export function addToProgress(progress: TierProgress, decision: Decision, t: DecisionTiers, source: RowSource): void {
  const pays = decision.chargeKind === 'fee';
  const where = { requestId: decision.request.requestId, file: source.file, line: source.line };
  for (const part of t.parts) {
    let step = progress.steps.find((s) => s.schedule === t.schedule && s.tier === part.tier);
    if (step === undefined) {
      step = { schedule: t.schedule, tier: part.tier, interval: tierInterval(t.unit, t.scheduleTiers, part.tier), rate: part.rate, reachedBy: where, requests: 0, quantity: 0n, fee: Money.ZERO };
      progress.steps.push(step);
    }
    step.requests++;
    step.quantity += part.to - part.from;
    if (pays) step.fee = step.fee.add(part.fee);
  }
  progress.uncappedFee = progress.uncappedFee.add(t.uncappedFee);
  progress.fee = progress.fee.add(decision.fee);
  progress.capUsd ??= t.capUsd;
  if (t.capped) {
    if (progress.capReached === undefined) progress.capReached = { ...where, uncappedFeeUsd: t.uncappedFee.toString(), paidUsd: decision.fee.toString() };
    else progress.cappedLater++;
  }
}

/** A line's tier progression in words (one line per tier reached, then the cap), indented as explainLine's. */
export function progressText(p: TierProgress): string[] {
  const steps = p.steps.map((s) => {
    return `    ${s.schedule}, tier ${s.tier + 1} ${s.interval} at ${s.rate.toPercentString()}: reached by ${s.reachedBy.requestId} (${s.reachedBy.file}, line ${s.reachedBy.line}); ${n(s.requests)} request${s.requests === 1 ? '' : 's'}${p.unit === 'list-usd' ? ` covering ${quantityText(p.unit, s.quantity)}` : ''}; fee $${s.fee.toString()}`;
  });
  const sum = p.steps.length === 0 ? '$0' : `${p.steps.map((s) => `$${s.fee.toString()}`).join(' + ')} = $${p.uncappedFee.toString()}`;
  const lines = [`  Tiers       the line's ${unitName(p.unit)} through each tier, in allowance order:`, ...steps, `  Before cap  ${sum}`];
  if (p.capUsd !== undefined) {
    const cut = p.uncappedFee.subtract(p.fee);
    lines.push(
      p.capReached === undefined
        ? `  Cap         $${p.capUsd.toString()} per month, not reached: fee $${p.fee.toString()}`
        : `  Cap         $${p.capUsd.toString()} per month, reached by ${p.capReached.requestId} (${p.capReached.file}, line ${p.capReached.line}), which paid $${p.capReached.paidUsd} of its $${p.capReached.uncappedFeeUsd}${p.cappedLater > 0 ? `; ${n(p.cappedLater)} later request${p.cappedLater === 1 ? '' : 's'} paid $0` : ''}: fee $${p.uncappedFee.toString()} − $${cut.toString()} = $${p.fee.toString()}`,
    );
  }
  return lines;
}

/** A line's tier progression as data. */
export function progressData(p: TierProgress) {
  return {
    unit: p.unit,
    steps: p.steps.map((s) => ({
      schedule: s.schedule,
      tier: s.tier + 1,
      interval: s.interval,
      rate: s.rate.toString(),
      reachedBy: s.reachedBy,
      requests: s.requests,
      quantity: quantityData(p.unit, s.quantity),
      feeUsd: s.fee.toString(),
    })),
    uncappedFeeUsd: p.uncappedFee.toString(),
    cap: p.capUsd === undefined ? null : { capUsd: p.capUsd.toString(), reachedBy: p.capReached ?? null, cappedLater: p.cappedLater, cutUsd: p.uncappedFee.subtract(p.fee).toString() },
    feeUsd: p.fee.toString(),
  };
}
