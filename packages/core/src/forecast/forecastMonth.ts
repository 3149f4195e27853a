import type { Accounts } from '../accounts/accounts.js';
import { InvalidMoneyError } from '../errors.js';
import type { DecisionRecord } from '../meter/decisionRecord.js';
import { parseDecimal } from '../money/parseDecimal.js';
import { placeTiers } from '../policy/placeTiers.js';
import type { Policy } from '../policy/policyTypes.js';
import type { Scope } from '../scope/scope.js';
import { type Instant, MS_PER_DAY, civilFromDays } from '../time/instant.js';
import { parseTimestamp } from '../time/parseTimestamp.js';
import { type Period, formatPeriod, parsePeriod } from '../time/periodCalendar.js';
import { zoneOffsetMs } from '../time/timeZone.js';
import { hourSlots, instantNs } from './hourProfile.js';
import { type ForecastRequest, type ScopeProjection, projectScope } from './projectScope.js';
import { Ratio } from './ratio.js';

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

/**
 * The forecast of the month holding `asOf` (in the policy's reset zone) for every scope
 * with a decision in it up to `asOf`, from decision records (a replay's, or a meter
 * store's: the same records give the same forecast). Records after `asOf` or in other
 * months are ignored, so a whole month's records can be forecast at any instant of it.
 *
 * @example
 * forecastMonth(records, { policy, asOf: parseTimestamp('2025-10-10T00:00:00Z') }).scopes[0].projectedRequests.toString()
 * //=> '4123/2' (exact), presented as 2061.50
 */
export function forecastMonth(records: Iterable<DecisionRecord>, options: ForecastOptions): Forecast {
  const { policy, accounts, asOf } = options;
  const version = policy.versionAt(asOf);
  const calendar = version.calendar;
  const zone = calendar.resetTimeZone;
  const period = calendar.periodOf(asOf);
  const { year, month } = parsePeriod(period);
  const monthStartMs = calendar.periodStartMs(period);
  const monthEndMs = calendar.periodStartMs(month === 12 ? formatPeriod(year + 1, 1) : formatPeriod(year, month + 1));
  const asOfNs = instantNs(asOf);
  const byScope = new Map<Scope, ForecastRequest[]>();
  if (options.scope !== undefined) byScope.set(options.scope, []);
  for (const record of records) {
    if (record.period !== period || (options.scope !== undefined && record.scope !== options.scope)) continue;
    const instant = parseTimestamp(record.instant);
    const ns = instantNs(instant);
    if (ns > asOfNs) continue;
    let list = byScope.get(record.scope);
    if (list === undefined) byScope.set(record.scope, (list = []));
    list.push({
      requestId: record.requestId,
      instant,
      instantNs: ns,
      counted: record.counted,
      billable: record.counted && record.status === 'billable',
      costUsd: dollars(record.costUsd),
      feeUsd: dollars(record.feeUsd),
    });
  }
  const slots = hourSlots(monthStartMs, monthEndMs, zone);
  const scopes = [...byScope.keys()].sort().map((scope): ScopeForecast => {
    const account = accounts?.get(scope);
    const terms = placeTiers(version.feeTerms, account);
    const failover = account?.failoverMode ?? version.parameters.defaultFailoverMode;
    const schedule = version.scheduleChooser.chooseRecorded('', '', failover).schedule;
    const projection = projectScope(byScope.get(scope)!, slots, asOfNs, { terms, schedule });
    const runOut = projection.runOut;
    const runOutMs = runOut.kind === 'already' ? runOut.instant.epochMs : runOut.kind === 'projected' ? Number(runOut.instantNs / 1_000_000n) : undefined;
    return { scope, ...projection, runOutDay: runOutMs === undefined ? undefined : localDate(runOutMs, zone) };
  });
  return { period, asOf, resetTimeZone: zone, monthStartMs, monthEndMs, scopes };
}

/** A stored decimal amount (≤ 24 fractional digits: fees are kept that fine) as an exact ratio. */
function dollars(text: string): Ratio {
  if (text === '0') return Ratio.ZERO;
  const parsed = parseDecimal(text, { maxFractionDigits: 24, allowNegative: false });
  if (typeof parsed === 'string') throw new InvalidMoneyError(`byok-billing: stored amount ${JSON.stringify(text)}: ${parsed}`);
  return new Ratio(parsed.units, 10n ** BigInt(parsed.scale));
}

/** The local calendar date of `epochMs` in `zone`, YYYY-MM-DD. */
export function localDate(epochMs: number, zone: string): string {
  const local = epochMs + (zone === 'UTC' ? 0 : zoneOffsetMs(zone, epochMs));
  const { year, month, day } = civilFromDays(Math.floor(local / MS_PER_DAY));
  return `${formatPeriod(year, month)}-${String(day).padStart(2, '0')}`;
}
