import { type Money, ROUNDING_MODES, type ScopeMonthUsage, roundMoney } from '@byok-billing/core';
import { csvNumber, csvText } from '../io/csvCell.js';
import type { Presentation } from './billFormats.js';

export const USAGE_FORMATS = ['table', 'json', 'csv'] as const;
export type UsageFormat = (typeof USAGE_FORMATS)[number];

export const USAGE_CSV_COLUMNS = [
  'scope',
  'period',
  'requests_counted',
  'allowance_unit',
  'allowance',
  'allowance_left',
  'fees_usd',
  'byok_cost_usd',
  'crossing_request_id',
  'crossing_instant',
] as const;

/** A scope-month's usage as JSON: money and allowances as exact decimal strings (an allowance may be dollars). */
function usageJson(u: ScopeMonthUsage) {
  return {
    scope: u.scope,
    period: u.period,
    requestsCounted: u.requestsCounted,
    allowanceUnit: u.allowanceUnit,
    allowance: u.allowance,
    allowanceLeft: u.allowanceLeft,
    feesUsd: u.feesUsd.toString(),
    byokCostUsd: u.byokCostUsd.toString(),
    crossing: u.crossing === null ? null : { requestId: u.crossing.requestId, instant: u.crossing.instant },
  };
}

export function usageAsJson(usage: readonly ScopeMonthUsage[]): string {
  return `${JSON.stringify({ usage: usage.map(usageJson) }, null, 2)}\n`;
}

/** CSV for spreadsheets: text cells formula-guarded (a request_id is the log's text), amounts exact. */
export function usageAsCsv(usage: readonly ScopeMonthUsage[]): string {
  const optional = (value: string | null) => (value === null ? '' : csvNumber(value));
  const rows = usage.map((u) =>
    [
      csvText(u.scope),
      csvText(u.period),
      csvNumber(u.requestsCounted),
      csvText(u.allowanceUnit),
      optional(u.allowance),
      optional(u.allowanceLeft),
      csvNumber(u.feesUsd.toString()),
      csvNumber(u.byokCostUsd.toString()),
      u.crossing === null ? '' : csvText(u.crossing.requestId),
      u.crossing === null ? '' : csvText(u.crossing.instant),
    ].join(','),
  );
  return `${[USAGE_CSV_COLUMNS.join(','), ...rows].join('\n')}\n`;
}

/** Aligned columns for people; money rounded to the policy's presentation for display. */
export function usageAsTable(usage: readonly ScopeMonthUsage[], presentation: Presentation, notes: readonly string[] = []): string {
  const mode = ROUNDING_MODES[presentation.rounding];
  const money = (m: Money) => roundMoney(m, presentation.scale, mode).rounded.toFixedScale(presentation.scale);
  const count = (text: string | null, unit: string) => {
    if (text === null) return '-';
    return unit === 'requests' ? BigInt(text).toLocaleString('en-US') : `$${text}`;
  };
  const header = ['scope', 'period', 'counted', 'allowance', 'left', 'fees $', 'BYOK list $', 'crossed by', 'crossed at'];
  const body = usage.map((u) => [
    u.scope,
    u.period,
    u.requestsCounted.toLocaleString('en-US'),
    count(u.allowance, u.allowanceUnit),
    count(u.allowanceLeft, u.allowanceUnit),
    money(u.feesUsd),
    money(u.byokCostUsd),
    u.crossing?.requestId ?? '-',
    u.crossing?.instant ?? '-',
  ]);
  const rows = [header, ...body];
  const left = new Set([0, 1, 7, 8]);
  const widths = header.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const render = (row: readonly string[]) => row.map((cell, c) => (left.has(c) ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
  const out = [
    render(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...(body.length === 0 ? ['(no decisions)'] : body.map(render)),
    '',
    `money rounded to ${presentation.scale} decimals (${presentation.rounding}) for display only; --format json or csv gives exact values`,
    ...notes,
  ];
  return `${out.join('\n')}\n`;
}
