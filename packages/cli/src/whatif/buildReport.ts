import { type Bill, type BillLine, Money, Rate, parseMoney } from '@byok-billing/core';
import { compareUtf8, pow10 } from '@byok-billing/core/internal';
import { describeFeeTerms } from './describeFees.js';
import type { Variant } from './variants.js';
import type { VariantParameters, VariantResult, WhatifReport } from './whatifReport.js';

/** What one variant's replay produced. */
export interface VariantOutcome {
  readonly variant: Variant;
  readonly bill: Bill;
  readonly strictFailedRequests: number;
}

const HALF = new Rate(5n, 1);
/** Fee ranges of the distribution chart, in dollars: [0, 0.01), [0.01, 0.1), … [10000, ∞). */
const HISTOGRAM_EDGES = ['0', '0.01', '0.1', '1', '10', '100', '1000', '10000'].map((t) => parseMoney(t));

/** 100 × part / whole, rounded half-even to 2 decimals; null when whole is 0. */
export function percentOf(part: Money, whole: Money): string | null {
  if (whole.isZero()) return null;
  const scale = Math.max(part.scale, whole.scale);
  const p = part.units * pow10(scale - part.scale) * 10_000n;
  const w = whole.units * pow10(scale - whole.scale);
  const negative = (p < 0n) !== (w < 0n);
  const ap = p < 0n ? -p : p;
  const aw = w < 0n ? -w : w;
  let q = ap / aw;
  const r = ap % aw;
  if (r * 2n > aw || (r * 2n === aw && q % 2n === 1n)) q += 1n;
  return new Money(negative ? -q : q, 2).toFixedScale(2);
}

function parametersOf(variant: Variant): VariantParameters {
  const version = variant.policy.versions[variant.policy.versions.length - 1]!;
  const latest = version.parameters;
  return {
    allowance: latest.allowance,
    feeRate: latest.feeRate.toString(),
    scopeMode: latest.scopeMode,
    counts: latest.counts,
    failoverMode: variant.failoverMode,
    resetTimeZone: latest.resetTimeZone,
    fees: describeFeeTerms(version.feeTerms),
  };
}

/**
 * Each scope's fee and total over the whole log, in the bill's scope order: parallel arrays
 * (no object or map entry per scope), a scope of one line keeping that line's amounts.
 */
interface ScopeTotals {
  readonly scopes: string[];
  readonly fees: Money[];
  readonly totals: Money[];
}

function perScope(bill: Bill): ScopeTotals {
  const out: ScopeTotals = { scopes: [], fees: [], totals: [] };
  for (const line of linesByScope(bill)) {
    const last = out.scopes.length - 1;
    if (last >= 0 && out.scopes[last] === line.scope) {
      out.fees[last] = out.fees[last]!.add(line.feeUsd);
      out.totals[last] = out.totals[last]!.add(line.totalUsd);
    } else {
      out.scopes.push(line.scope);
      out.fees.push(line.feeUsd);
      out.totals.push(line.totalUsd);
    }
  }
  return out;
}

/** The bill's lines with each scope's lines together, in UTF-8 order of scope (as bills come). */
function linesByScope(bill: Bill): readonly BillLine[] {
  const { lines } = bill;
  for (let i = 1; i < lines.length; i++) {
    if (compareUtf8(lines[i - 1]!.scope, lines[i]!.scope) > 0) return [...lines].sort((a, b) => compareUtf8(a.scope, b.scope));
  }
  return lines;
}

interface Mover {
  readonly scope: string;
  readonly before: Money;
  readonly after: Money;
  readonly change: Money;
}

/** The scopes whose total differs between two bills: one merge of their scope orders. */
function changedScopes(base: ScopeTotals, variant: ScopeTotals): Mover[] {
  const movers: Mover[] = [];
  let b = 0;
  let v = 0;
  while (b < base.scopes.length || v < variant.scopes.length) {
    const order = b === base.scopes.length ? 1 : v === variant.scopes.length ? -1 : compareUtf8(base.scopes[b]!, variant.scopes[v]!);
    const scope = order <= 0 ? base.scopes[b]! : variant.scopes[v]!;
    const before = order <= 0 ? base.totals[b++]! : Money.ZERO;
    const after = order >= 0 ? variant.totals[v++]! : Money.ZERO;
    const change = after.subtract(before);
    if (!change.isZero()) movers.push({ scope, before, after, change });
  }
  return movers;
}

/** Fee and total per period, in `periods`' order. */
function byPeriodOf(bill: Bill, periods: readonly string[]): VariantResult['byPeriod'] {
  const sums = new Map<string, { fee: Money; total: Money }>();
  for (const line of bill.lines) {
    const s = sums.get(line.period);
    if (s === undefined) sums.set(line.period, { fee: Money.ZERO.add(line.feeUsd), total: Money.ZERO.add(line.totalUsd) });
    else {
      s.fee = s.fee.add(line.feeUsd);
      s.total = s.total.add(line.totalUsd);
    }
  }
  return periods.map((period) => {
    const { fee, total } = sums.get(period) ?? { fee: Money.ZERO, total: Money.ZERO };
    return { period, feeRevenueUsd: fee.toString(), platformRevenueUsd: total.subtract(fee).toString(), totalUsd: total.toString() };
  });
}

function feeStatistics(fees: Money[]): VariantResult['feePerPayingScope'] {
  if (fees.length === 0) return { medianUsd: '0', p90Usd: '0', maxUsd: '0' };
  const sorted = [...fees].sort((a, b) => a.compare(b));
  const n = sorted.length;
  const median = n % 2 === 1 ? sorted[(n - 1) / 2]! : sorted[n / 2 - 1]!.add(sorted[n / 2]!).multiply(HALF);
  const p90 = sorted[Math.ceil(0.9 * n) - 1]!;
  return { medianUsd: median.toString(), p90Usd: p90.toString(), maxUsd: sorted[n - 1]!.toString() };
}

function histogram(fees: readonly Money[]): VariantResult['feeHistogram'] {
  return HISTOGRAM_EDGES.map((from, i) => {
    const to = HISTOGRAM_EDGES[i + 1];
    const scopes = fees.filter((f) => f.compare(from) >= 0 && (to === undefined || f.compare(to) < 0)).length;
    return { fromUsd: from.toString(), toUsd: to === undefined ? null : to.toString(), scopes };
  });
}

/**
 * Compares the variants' bills: revenue, paying scopes and their fees, strict failures,
 * change against the baseline (the first variant), per period, and the scopes that move most.
 */
export function buildWhatifReport(outcomes: readonly VariantOutcome[], top: number): WhatifReport {
  const baseline = outcomes[0]!;
  const baseScopes = perScope(baseline.bill);
  const periodSet = new Set<string>();
  for (const o of outcomes) for (const line of o.bill.lines) periodSet.add(line.period);
  const periods = [...periodSet].sort();
  const variants = outcomes.map((outcome): VariantResult => {
    const { bill } = outcome;
    const fee = bill.totals.feeUsd;
    const total = bill.totals.totalUsd;
    const scopes = outcome === baseline ? baseScopes : perScope(bill);
    const payingFees = scopes.fees.filter((f) => !f.isZero());
    const feeDiff = fee.subtract(baseline.bill.totals.feeUsd);
    const totalDiff = total.subtract(baseline.bill.totals.totalUsd);
    const movers = changedScopes(baseScopes, scopes)
      .sort((a, b) => {
        const x = a.change.isNegative() ? a.change.negate() : a.change;
        const y = b.change.isNegative() ? b.change.negate() : b.change;
        return y.compare(x) || compareUtf8(a.scope, b.scope);
      })
      .slice(0, top)
      .map((m) => ({ scope: m.scope, baselineUsd: m.before.toString(), variantUsd: m.after.toString(), changeUsd: m.change.toString() }));
    return {
      name: outcome.variant.name,
      policy: { ...bill.policy },
      parameters: parametersOf(outcome.variant),
      feeRevenueUsd: fee.toString(),
      platformRevenueUsd: total.subtract(fee).toString(),
      totalUsd: total.toString(),
      payingScopes: payingFees.length,
      feePerPayingScope: feeStatistics(payingFees),
      strictFailedRequests: outcome.strictFailedRequests,
      vsBaseline: {
        feeRevenueUsd: feeDiff.toString(),
        feeRevenuePct: percentOf(feeDiff, baseline.bill.totals.feeUsd),
        totalUsd: totalDiff.toString(),
        totalPct: percentOf(totalDiff, baseline.bill.totals.totalUsd),
      },
      byPeriod: byPeriodOf(bill, periods),
      feeHistogram: histogram(payingFees),
      movers,
    };
  });
  const input = baseline.bill.input;
  return {
    format: 'byok-whatif/v1',
    baseline: baseline.variant.name,
    input: { rows: input.rows, accepted: input.accepted, rejected: input.rejected, duplicates: input.duplicates },
    periods,
    variants,
  };
}
