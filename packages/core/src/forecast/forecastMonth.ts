import type { Accounts } from '../accounts/accounts.js';
import type { DecisionRecord } from '../meter/decisionRecord.js';
import { placeTiers } from '../policy/placeTiers.js';
import type { Policy } from '../policy/policyTypes.js';
import type { Scope } from '../scope/scope.js';
import { type Instant, MS_PER_DAY, civilFromDays } from '../time/instant.js';
import { parseTimestamp } from '../time/parseTimestamp.js';
import { type Period, formatPeriod, parsePeriod } from '../time/periodCalendar.js';
import { zoneOffsetMs } from '../time/timeZone.js';
import { hourSlots, instantNs } from './hourProfile.js';
import { type ForecastDecision, ScopeMonthCollector } from './forecastCollector.js';
import { type ScopeProjection, projectScope } from './projectScope.js';

/**
 * The method, in words, as every output format states it (and the README quotes).
 */
export const FORECAST_METHOD =
  'Weekday-and-hour profile of the month so far: the month is cut into hour slots from its first instant (in the reset zone); ' +
  'each remaining hour is expected to bring the scope\'s average count of counted BYOK requests over the complete hours so far ' +
  'with the same local weekday and hour of day. A bucket with no complete hour yet uses the overall hourly average of the ' +
  'complete hours (before the first hour completes: the requests so far over the time elapsed). The hour holding --as-of ' +
  'contributes its unobserved fraction. Fee: the fees charged so far, plus the projected remaining requests priced at the ' +
  'month-so-far average list cost per counted request, continuing the scope-month\'s counter through the scope\'s fee terms ' +
  '(tiers, contract terms, cap) of the version in force at --as-of, in the schedule its rules choose for a BYOK request with ' +
  'no provider or model. The allowance runs out where the counter, actual then expected, first passes the free tier. ' +
  'Projections are exact fractions, rounded only for display.';

export interface ForecastOptions {
  readonly policy: Policy;
  readonly accounts?: Accounts | undefined;
  /** Requests with an instant ≤ this are the month so far. */
  readonly asOf: Instant;
  /** Only this scope (it appears, with zeros, even with no request). */
  readonly scope?: Scope | undefined;
}

export interface ScopeForecast extends ScopeProjection {
  readonly scope: Scope;
  /** The local date (reset zone) the allowance ran or runs out, YYYY-MM-DD; undefined for `not-this-month`. */
  readonly runOutDay: string | undefined;
}

export interface Forecast {
  readonly period: Period;
  readonly asOf: Instant;
  readonly resetTimeZone: string;
  /** The month's first instant and the first instant after it (epoch ms). */
  readonly monthStartMs: number;
  readonly monthEndMs: number;
  readonly scopes: readonly ScopeForecast[];
}

/** A forecast fed one decision record at a time (a replay's, or a store's), then finished. */
export interface ForecastBuilder {
  /** The period the forecast is of: records of other periods are ignored. */
  readonly period: Period;
  /** A stored decision (a meter store's records, a decisions file). */
  add(record: DecisionRecord): void;
  /** A decision as a replay makes it: nothing to parse. */
  addDecision(decision: ForecastDecision): void;
  finish(): Forecast;
}

/**
 * The forecast of the month holding `asOf` (in the policy's reset zone) for every scope
 * with a decision in it up to `asOf`, built from decision records as they come: records
 * after `asOf`, in other months or of other scopes than `options.scope` are ignored, so a
 * whole store can be fed. Only a count per hour and a few sums are kept per scope.
 */
export function createForecast(options: ForecastOptions): ForecastBuilder {
  const { policy, accounts, asOf } = options;
  const version = policy.versionAt(asOf);
  const calendar = version.calendar;
  const zone = calendar.resetTimeZone;
  const period = calendar.periodOf(asOf);
  const { year, month } = parsePeriod(period);
  const monthStartMs = calendar.periodStartMs(period);
  const monthEndMs = calendar.periodStartMs(month === 12 ? formatPeriod(year + 1, 1) : formatPeriod(year, month + 1));
  const asOfNs = instantNs(asOf);
  const slots = hourSlots(monthStartMs, monthEndMs, zone);
  const byScope = new Map<Scope, ScopeMonthCollector>();
  if (options.scope !== undefined) byScope.set(options.scope, new ScopeMonthCollector(slots));
  const wanted = (d: { readonly period: string; readonly scope: string }) => d.period === period && (options.scope === undefined || d.scope === options.scope);
  const addDecision = (d: ForecastDecision) => {
    const ns = instantNs(d.instant);
    if (ns > asOfNs) return;
    let collector = byScope.get(d.scope);
    if (collector === undefined) byScope.set(d.scope, (collector = new ScopeMonthCollector(slots)));
    collector.add(d, ns);
  };
  return {
    period,
    add(record) {
      if (wanted(record)) addDecision({ ...record, instant: parseTimestamp(record.instant) });
    },
    addDecision(decision) {
      if (wanted(decision)) addDecision(decision);
    },
    finish() {
      const scopes = [...byScope.keys()].sort().map((scope): ScopeForecast => {
        const account = accounts?.get(scope);
        const terms = placeTiers(version.feeTerms, account);
        const failover = account?.failoverMode ?? version.parameters.defaultFailoverMode;
        const schedule = version.scheduleChooser.chooseRecorded('', '', failover).schedule;
        const projection = projectScope(byScope.get(scope)!.finish(), slots, asOfNs, { terms, schedule });
        const runOut = projection.runOut;
        const runOutMs = runOut.kind === 'already' ? runOut.instant.epochMs : runOut.kind === 'projected' ? Number(runOut.instantNs / 1_000_000n) : undefined;
        return { scope, ...projection, runOutDay: runOutMs === undefined ? undefined : localDate(runOutMs, zone) };
      });
      return { period, asOf, resetTimeZone: zone, monthStartMs, monthEndMs, scopes };
    },
  };
}

/**
 * The forecast of the month holding `asOf` from decision records (a replay's, or a meter
 * store's: the same records give the same forecast); see `createForecast`.
 *
 * @example
 * forecastMonth(records, { policy, asOf: parseTimestamp('2025-10-10T00:00:00Z') }).scopes[0].projectedRequests.toString()
 * //=> '4123/2' (exact), presented as 2061.50
 */
export function forecastMonth(records: Iterable<DecisionRecord>, options: ForecastOptions): Forecast {
  const builder = createForecast(options);
  for (const record of records) builder.add(record);
  return builder.finish();
}

/** The local calendar date of `epochMs` in `zone`, YYYY-MM-DD. */
export function localDate(epochMs: number, zone: string): string {
  const local = epochMs + (zone === 'UTC' ? 0 : zoneOffsetMs(zone, epochMs));
  const { year, month, day } = civilFromDays(Math.floor(local / MS_PER_DAY));
  return `${formatPeriod(year, month)}-${String(day).padStart(2, '0')}`;
}
