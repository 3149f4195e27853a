import { ROUNDING_MODES, parseMoney, roundMoney } from '@byok-billing/core';
import { csvNumber, csvText } from '../io/csvCell.js';
import type { WhatifReport } from './whatifReport.js';

export const WHATIF_FORMATS = ['table', 'json', 'csv'] as const;
export type WhatifFormat = (typeof WHATIF_FORMATS)[number];

const cents = (text: string) => roundMoney(parseMoney(text, { allowNegative: true }), 2, ROUNDING_MODES['half-even']).rounded.toFixedScale(2);
const signedCents = (text: string) => (text.startsWith('-') ? cents(text) : `+${cents(text)}`);

/** One row per variant (and per variant and period when the log spans several), money exact. */
export function whatifAsCsv(report: WhatifReport): string {
  const header = ['variant', 'period', 'fee_revenue_usd', 'platform_revenue_usd', 'total_usd', 'paying_scopes', 'median_fee_usd', 'p90_fee_usd', 'max_fee_usd', 'strict_failed_requests', 'total_change_usd', 'total_change_pct', 'fees'];
  const rows = [header.join(',')];
  for (const v of report.variants) {
    // The fee terms in words, last: the numbers keep their columns.
    const fees = csvText(v.parameters.fees);
    rows.push(
      [csvText(v.name), 'all', v.feeRevenueUsd, v.platformRevenueUsd, v.totalUsd, v.payingScopes, v.feePerPayingScope.medianUsd, v.feePerPayingScope.p90Usd, v.feePerPayingScope.maxUsd, v.strictFailedRequests, v.vsBaseline.totalUsd, v.vsBaseline.totalPct ?? '']
        .map((c, i) => (i === 0 ? (c as string) : csvNumber(c as string | number)))
        .concat(fees)
        .join(','),
    );
    if (report.periods.length > 1) {
      for (const p of v.byPeriod) rows.push([csvText(v.name), p.period, p.feeRevenueUsd, p.platformRevenueUsd, p.totalUsd, '', '', '', '', '', '', '', fees].join(','));
    }
  }
  return `${rows.join('\n')}\n`;
}

function table(rows: readonly (readonly string[])[], rightFrom = 1): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r, i) => {
    const line = r.map((cell, c) => (c < rightFrom ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
    return i === 0 ? [line, widths.map((w) => '-'.repeat(w)).join('  ')] : [line];
  }).flat();
}

/** For people: the variants side by side (cents), per month when several, and the movers. */
export function whatifAsTable(report: WhatifReport): string {
  const out: string[] = [`Baseline: ${report.baseline}. ${report.input.accepted.toLocaleString('en-US')} requests replayed once under ${report.variants.length} variants; money in cents for display.`, ''];
  out.push(
    ...table([
      ['variant', 'fee $', 'platform $', 'total $', 'vs baseline', '%', 'paying', 'median fee', 'p90 fee', 'max fee', 'strict failed'],
      ...report.variants.map((v) => [
        v.name,
        cents(v.feeRevenueUsd),
        cents(v.platformRevenueUsd),
        cents(v.totalUsd),
        signedCents(v.vsBaseline.totalUsd),
        v.vsBaseline.totalPct === null ? '-' : `${v.vsBaseline.totalPct}%`,
        v.payingScopes.toLocaleString('en-US'),
        cents(v.feePerPayingScope.medianUsd),
        cents(v.feePerPayingScope.p90Usd),
        cents(v.feePerPayingScope.maxUsd),
        v.strictFailedRequests.toLocaleString('en-US'),
      ]),
    ]),
  );
  out.push('', 'Fees (latest policy version):');
  out.push(...table([['variant', 'fees'], ...report.variants.map((v) => [v.name, v.parameters.fees])], 2));
  if (report.periods.length > 1) {
    out.push('', 'Total by month ($):');
    out.push(...table([['variant', ...report.periods], ...report.variants.map((v) => [v.name, ...v.byPeriod.map((p) => cents(p.totalUsd))])]));
  }
  for (const v of report.variants.slice(1)) {
    if (v.movers.length === 0) continue;
    out.push('', `Scopes that move most under ${v.name}:`);
    out.push(...table([['scope', 'baseline $', 'variant $', 'change $'], ...v.movers.map((m) => [m.scope, cents(m.baselineUsd), cents(m.variantUsd), signedCents(m.changeUsd)])]).map((l) => `  ${l}`));
  }
  return `${out.join('\n')}\n`;
}

export function formatWhatif(report: WhatifReport, format: WhatifFormat): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'csv':
      return whatifAsCsv(report);
    case 'table':
      return whatifAsTable(report);
    default: {
      const unknown: never = format;
      throw new Error(`unknown format ${String(unknown)}`);
    }
  }
}

