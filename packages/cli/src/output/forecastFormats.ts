import { FORECAST_METHOD, type Forecast, ROUNDING_MODES, type Ratio, type RoundingModeName, type ScopeForecast, formatInstant, halfEven, instantFromEpochMs } from '@byok-billing/core';
import { csvNumber, csvText } from '../io/csvCell.js';

export const FORECAST_FORMATS = ['table', 'json', 'csv'] as const;
export type ForecastFormat = (typeof FORECAST_FORMATS)[number];

/** A short name of the method, for the CSV's `method` column; JSON and the table give it in full. */
export const FORECAST_METHOD_NAME = 'weekday-hour-profile';

/** Projected requests are shown to two decimals (half-even); the exact fraction is in `*_exact`. */
const REQUEST_DIGITS = 2;

export interface ForecastPresentation {
  readonly scale: number;
  readonly rounding: RoundingModeName;
}

/** One scope's forecast as text fields: shared by every format, so they cannot disagree. */
export interface ForecastRow {
  readonly scope: string;
  readonly requestsSoFar: string;
  readonly projectedRequests: string;
  readonly projectedRequestsExact: string;
  readonly averageCostUsd: string;
  readonly feeSoFarUsd: string;
  readonly projectedFeeUsd: string;
  readonly projectedFeeExactUsd: string;
  readonly freeTier: string;
  readonly runOut: 'already' | 'projected' | 'not-this-month';
  readonly runOutDay: string;
  readonly crossingRequestId: string;
  readonly crossingInstant: string;
  readonly fallbackHours: number;
  readonly fallback: string;
}

function exact(r: Ratio): string {
  return r.toExactDecimal() ?? r.toString();
}

export function forecastRow(s: ScopeForecast, presentation: ForecastPresentation): ForecastRow {
  const money = ROUNDING_MODES[presentation.rounding];
  const runOut = s.runOut;
  return {
    scope: s.scope,
    requestsSoFar: s.requestsSoFar.toString(),
    projectedRequests: s.projectedRequests.toFixed(REQUEST_DIGITS, halfEven),
    projectedRequestsExact: s.projectedRequests.toString(),
    averageCostUsd: s.averageCost.toFixed(12, halfEven),
    feeSoFarUsd: exact(s.feeSoFar),
    projectedFeeUsd: s.projectedFee.toFixed(presentation.scale, money),
    projectedFeeExactUsd: exact(s.projectedFee),
    freeTier: exact(s.freeBound),
    runOut: runOut.kind,
    runOutDay: s.runOutDay ?? '',
    crossingRequestId: runOut.kind === 'already' ? runOut.requestId : '',
    crossingInstant:
      runOut.kind === 'already' ? formatInstant(runOut.instant) : runOut.kind === 'projected' ? formatInstant(instantFromEpochMs(Number(runOut.instantNs / 1_000_000n), Number(runOut.instantNs % 1_000_000n))) : '',
    fallbackHours: s.fallbackHours,
    fallback: s.fallbackSource,
  };
}

export function formatForecast(forecast: Forecast, format: ForecastFormat, presentation: ForecastPresentation): string {
  const rows = forecast.scopes.map((s) => forecastRow(s, presentation));
  const asOf = formatInstant(forecast.asOf);
  switch (format) {
    case 'json':
      return `${JSON.stringify(
        {
          period: forecast.period,
          asOf,
          resetTimeZone: forecast.resetTimeZone,
          monthStart: formatInstant(instantFromEpochMs(forecast.monthStartMs)),
          monthEnd: formatInstant(instantFromEpochMs(forecast.monthEndMs)),
          method: FORECAST_METHOD,
          scopes: rows.map((r) => ({
            scope: r.scope,
            requestsSoFar: Number(r.requestsSoFar),
            projectedRequests: r.projectedRequests,
            projectedRequestsExact: r.projectedRequestsExact,
            averageCostUsd: r.averageCostUsd,
            feeSoFarUsd: r.feeSoFarUsd,
            projectedFeeUsd: r.projectedFeeUsd,
            projectedFeeExactUsd: r.projectedFeeExactUsd,
            freeTier: r.freeTier,
            runOut: {
              status: r.runOut,
              ...(r.runOutDay === '' ? {} : { day: r.runOutDay }),
              ...(r.runOut === 'already' ? { requestId: r.crossingRequestId, instant: r.crossingInstant } : {}),
              ...(r.runOut === 'projected' ? { instant: r.crossingInstant } : {}),
            },
            fallbackHours: r.fallbackHours,
            fallback: r.fallback,
          })),
        },
        null,
        2,
      )}\n`;
    case 'csv': {
      const header =
        'period,as_of,scope,requests_so_far,projected_requests,projected_requests_exact,average_cost_usd,fee_so_far_usd,projected_fee_usd,projected_fee_exact_usd,free_tier,run_out,run_out_day,crossing_request_id,crossing_instant,fallback_hours,fallback,method';
      const lines = rows.map((r) =>
        [
          csvText(forecast.period),
          csvText(asOf),
          csvText(r.scope),
          csvNumber(r.requestsSoFar),
          csvNumber(r.projectedRequests),
          csvText(r.projectedRequestsExact),
          csvNumber(r.averageCostUsd),
          csvNumber(r.feeSoFarUsd),
          csvNumber(r.projectedFeeUsd),
          csvText(r.projectedFeeExactUsd),
          csvNumber(r.freeTier),
          csvText(r.runOut),
          csvText(r.runOutDay),
          csvText(r.crossingRequestId),
          csvText(r.crossingInstant),
          csvNumber(r.fallbackHours),
          csvText(r.fallback),
          csvText(FORECAST_METHOD_NAME),
        ].join(','),
      );
      return `${[header, ...lines].join('\n')}\n`;
    }
    case 'table':
      return table(forecast, rows, asOf);
  }
}

function table(forecast: Forecast, rows: readonly ForecastRow[], asOf: string): string {
  const head = ['scope', 'so far', 'projected', 'fee so far', 'projected fee', 'free tier', 'allowance runs out'];
  const body = rows.map((r) => [
    r.scope,
    Number(r.requestsSoFar).toLocaleString('en-US'),
    r.projectedRequests,
    r.feeSoFarUsd,
    r.projectedFeeUsd,
    r.freeTier,
    r.runOut === 'already' ? `already ${r.runOutDay} (${r.crossingRequestId})` : r.runOut === 'projected' ? r.runOutDay : 'not this month',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [
    `Forecast of ${forecast.period} (${forecast.resetTimeZone}) as of ${asOf}`,
    '',
    line(head),
    ...body.map(line),
    '',
    `Method: ${FORECAST_METHOD}`,
    '',
  ].join('\n');
}
