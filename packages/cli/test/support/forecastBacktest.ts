import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DecisionRecord, type Forecast, Ratio, type ScopeForecast, defaultPolicyDocument, forecastMonth, halfEven, instantFromEpochMs } from '@byok-billing/core';
import { toDecisionRecord } from '@byok-billing/core/internal';
import { runReplay } from '../../src/replay/runReplay.js';
import { byok } from '../../../../test/support/runByok.js';

/*
 * The forecast backtest: generated months (`byok generate`: diurnal and weekly traffic, heavy
 * orgs far past the allowance) forecast at the end of day 10 and of day 20, against the
 * month's real end. The README's error bars are `renderBacktest` of `runBacktest`, and a test
 * recomputes them, so they cannot drift from what the method does.
 */
export const BACKTEST = {
  rows: 60_000,
  heavyOrgs: 4,
  /** A small allowance, so the heavy orgs pass it mid-month, as the 1,000,000 does at gateway scale. */
  allowance: 4000,
  /** Scope-months smaller than this at month end are left out: a handful of requests has no profile. */
  minRequests: 500,
  months: [
    { start: '2025-10-01T00:00:00Z', seed: 1 },
    { start: '2025-11-01T00:00:00Z', seed: 2 },
    { start: '2026-02-01T00:00:00Z', seed: 3 },
    { start: '2026-03-01T00:00:00Z', seed: 4 },
  ],
  days: [10, 20],
} as const;

const NS_PER_MS = 1_000_000n;
const MS_PER_DAY = 86_400_000;

/** One scope-month forecast at one as-of, against the month's end. */
export interface BacktestCase {
  readonly scope: string;
  readonly month: string;
  readonly day: number;
  /** |projected − actual| / actual, month-end requests and fee (fee: when the actual fee is > 0). */
  readonly requestsError: Ratio;
  readonly feeError: Ratio | undefined;
  /**
   * When the allowance was not yet out at as-of: the projected and actual run-out day of month
   * (undefined: not this month). Undefined when it was already out (nothing to predict).
   */
  readonly runOut: { readonly projected: number | undefined; readonly actual: number | undefined } | undefined;
}

export interface BacktestResult {
  readonly cases: readonly BacktestCase[];
  /** Scope-months whose forecast at the month's last instant is not exactly the month (must be none). */
  readonly lastInstantMismatches: readonly string[];
}

const io = { stdout: () => {}, stderr: () => {} };

export async function runBacktest(dir: string): Promise<BacktestResult> {
  const policy = join(dir, 'backtest-policy.json');
  const doc = JSON.parse(JSON.stringify(defaultPolicyDocument));
  doc.parameters.allowance = BACKTEST.allowance;
  writeFileSync(policy, JSON.stringify(doc));
  const cases: BacktestCase[] = [];
  const lastInstantMismatches: string[] = [];
  for (const { start, seed } of BACKTEST.months) {
    const log = join(dir, `backtest-${seed}.csv`);
    const generated = await byok(['generate', '--rows', String(BACKTEST.rows), '--months', '1', '--start', start, '--seed', String(seed), '--heavy-orgs', String(BACKTEST.heavyOrgs), '--out', log]);
    if (generated.code !== 0) throw new Error(generated.stderr);
    const startMs = Date.parse(start);
    const at = (ms: number) => {
      const ns = BigInt(ms) * NS_PER_MS - 1n; // the last instant before ms
      return instantFromEpochMs(Number(ns / NS_PER_MS), Number(ns % NS_PER_MS));
    };
    // One replay of the whole month; each forecast sees only its month so far.
    const last = at(Date.parse(nextMonth(start)));
    const records: DecisionRecord[] = [];
    const run = await runReplay([log], { reorderWindow: '15m', policy, quiet: true }, io, {
      onPolicy: () => (records.length = 0),
      onDecision: (decision) => records.push(toDecisionRecord(decision)),
    });
    const first = { policy: run.policy, records };
    const monthEnd = forecastMonth(first.records, { policy: first.policy, asOf: last });
    const actual = new Map(monthEnd.scopes.map((s) => [s.scope, s]));
    const counted = new Map<string, number>();
    for (const r of first.records) if (r.counted) counted.set(r.scope, (counted.get(r.scope) ?? 0) + 1);
    for (const s of monthEnd.scopes) {
      // At the last instant, the forecast is the month: anything else is a wrong method.
      const real = BigInt(counted.get(s.scope) ?? 0);
      if (!s.remainingRequests.isZero() || s.requestsSoFar !== real || s.projectedFee.compare(s.feeSoFar) !== 0) lastInstantMismatches.push(`${monthEnd.period} ${s.scope}`);
    }
    // A scope's forecast depends on its own decisions only: the large scopes' are all it needs.
    const large = new Set(monthEnd.scopes.filter((s) => s.requestsSoFar >= BigInt(BACKTEST.minRequests)).map((s) => s.scope));
    const largeRecords = first.records.filter((r) => large.has(r.scope));
    for (const day of BACKTEST.days) {
      const forecast: Forecast = forecastMonth(largeRecords, { policy: first.policy, asOf: at(startMs + day * MS_PER_DAY) });
      for (const s of forecast.scopes) {
        const end = actual.get(s.scope)!;
        cases.push({
          scope: s.scope,
          month: forecast.period,
          day,
          requestsError: relativeError(s.projectedRequests, end.projectedRequests),
          feeError: end.projectedFee.isZero() ? undefined : relativeError(s.projectedFee, end.projectedFee),
          runOut: s.runOut.kind === 'already' ? undefined : { projected: dayOfMonth(s), actual: dayOfMonth(end) },
        });
      }
    }
  }
  return { cases, lastInstantMismatches };
}

function nextMonth(start: string): string {
  const d = new Date(start);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString();
}

function relativeError(projected: Ratio, actual: Ratio): Ratio {
  const diff = projected.subtract(actual);
  return (diff.num < 0n ? new Ratio(-diff.num, diff.den) : diff).divide(actual);
}

function dayOfMonth(s: ScopeForecast): number | undefined {
  return s.runOutDay === undefined ? undefined : Number(s.runOutDay.slice(8, 10));
}

/** The nearest-rank percentile `p` (0–100) of `values`. */
export function percentile(values: readonly Ratio[], p: number): Ratio {
  const sorted = [...values].sort((a, b) => a.compare(b));
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

const percent = (r: Ratio) => `${r.multiply(Ratio.of(100)).toFixed(1, halfEven)}%`;

/** The error statistics of one as-of day, as the README's table shows them. */
export interface DayStatistics {
  readonly day: number;
  readonly scopeMonths: number;
  readonly requestsMedian: Ratio;
  readonly requestsP90: Ratio;
  readonly feeMedian: Ratio;
  readonly feeP90: Ratio;
  /** Scope-months whose allowance was still to run out at as-of. */
  readonly runOutCases: number;
  readonly runOutExact: number;
  /** Days off, among those where both the forecast and the month say it runs out. */
  readonly runOutMedianDaysOff: number;
  readonly runOutMaxDaysOff: number;
  /** Forecast says it runs out and it did not, or the other way round. */
  readonly runOutWrongCalls: number;
}

export function dayStatistics(result: BacktestResult, day: number): DayStatistics {
  const cases = result.cases.filter((c) => c.day === day);
  const fees = cases.flatMap((c) => (c.feeError === undefined ? [] : [c.feeError]));
  const runOuts = cases.flatMap((c) => (c.runOut === undefined ? [] : [c.runOut]));
  const both = runOuts.filter((r) => r.projected !== undefined && r.actual !== undefined).map((r) => Math.abs(r.projected! - r.actual!));
  const sortedDays = [...both].sort((a, b) => a - b);
  return {
    day,
    scopeMonths: cases.length,
    requestsMedian: percentile(cases.map((c) => c.requestsError), 50),
    requestsP90: percentile(cases.map((c) => c.requestsError), 90),
    feeMedian: percentile(fees, 50),
    feeP90: percentile(fees, 90),
    runOutCases: runOuts.length,
    runOutExact: both.filter((d) => d === 0).length + runOuts.filter((r) => r.projected === undefined && r.actual === undefined).length,
    runOutMedianDaysOff: sortedDays.length === 0 ? 0 : sortedDays[Math.ceil(sortedDays.length / 2) - 1]!,
    runOutMaxDaysOff: sortedDays.length === 0 ? 0 : sortedDays[sortedDays.length - 1]!,
    runOutWrongCalls: runOuts.filter((r) => (r.projected === undefined) !== (r.actual === undefined)).length,
  };
}

/** The README's table of error bars. */
export function renderBacktest(result: BacktestResult): string {
  const rows = BACKTEST.days.map((day) => {
    const s = dayStatistics(result, day);
    return `| day ${day} | ${s.scopeMonths} | ${percent(s.requestsMedian)} | ${percent(s.requestsP90)} | ${percent(s.feeMedian)} | ${percent(s.feeP90)} | ${s.runOutExact} of ${s.runOutCases} | ${s.runOutMedianDaysOff} / ${s.runOutMaxDaysOff} | ${s.runOutWrongCalls} |`;
  });
  return [
    '| forecast at the end of | scope-months | month-end requests: median error | p90 error | month-end fee: median error | p90 error | run-out day right (or rightly "not this month") | run-out days off: median / max | wrong run-out calls |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...rows,
  ].join('\n');
}
