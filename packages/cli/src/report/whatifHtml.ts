import { createHash } from 'node:crypto';
import type { RoundingModeName } from '@byok-billing/core';
import type { VariantResult, WhatifReport } from '../whatif/whatifReport.js';
import { chartJsSource } from './chartLibrary.js';
import { formatCount, formatPctChange, formatUsd, formatUsdBound, formatUsdChange, reportAmount } from './displayMoney.js';
import { escapeHtml, jsonForScript } from './htmlEscape.js';
import { WHATIF_CLIENT_SCRIPT } from './whatifClient.js';

export interface WhatifHtmlOptions {
  /** How amounts are rounded to cents for display. Default: half-even (the policies' default). */
  readonly rounding?: RoundingModeName;
}

/** The data the page's script draws from (`#whatif-view`). Amounts are exact strings. */
export interface WhatifView {
  readonly variants: readonly { readonly name: string; readonly label: string | readonly string[]; readonly color: string; readonly baseline: boolean }[];
  readonly revenue: {
    readonly datasets: readonly { readonly label: string; readonly color: string; readonly values: readonly string[]; readonly display: readonly string[] }[];
    readonly totalDisplay: readonly string[];
  };
  readonly byPeriod: {
    readonly periods: readonly string[];
    readonly datasets: readonly {
      readonly label: string;
      readonly color: string;
      readonly values: readonly (string | null)[];
      readonly display: readonly (string | null)[];
    }[];
  };
  readonly histogram: {
    readonly ranges: readonly string[];
    readonly datasets: readonly { readonly label: string; readonly color: string; readonly counts: readonly number[] }[];
  };
}

/** Opaque colours (the browser test samples bar pixels against them). */
const BASELINE_COLOR = '#334155';
const PALETTE = ['#2f6fdf', '#e8832a', '#2a9d8f', '#d64550', '#7b5ea7', '#8ab833', '#c9a227', '#e377c2', '#17a2b8', '#8c564b'];
const FEE_COLOR = '#2f6fdf';
const PLATFORM_COLOR = '#a3b3c7';

function variantColor(index: number, isBaseline: boolean): string {
  if (isBaseline) return BASELINE_COLOR;
  const n = index - 1;
  if (n < PALETTE.length) return PALETTE[n]!;
  const hue = Math.round((n * 137.508) % 360);
  return hslToHex(hue, 55, 48);
}

function hslToHex(h: number, s: number, l: number): string {
  const a = (s / 100) * Math.min(l / 100, 1 - l / 100);
  const f = (k: number) => {
    const m = (k + h / 30) % 12;
    const c = l / 100 - a * Math.max(-1, Math.min(m - 3, 9 - m, 1));
    return Math.round(c * 255)
      .toString(16)
      .padStart(2, '0');
  };
  return `#${f(0)}${f(8)}${f(4)}`;
}

/** A variant name longer than this is shown on several lines on the chart's axis. */
const AXIS_LINE_CHARS = 32;

/**
 * The category label of a variant on the revenue chart's axis (a second line marks the
 * baseline). A long name (a tier schedule in words, several settings) is broken into lines
 * after each tier (` · `) and before each further setting (` cap=`), so the axis stays narrow.
 */
export function axisLabel(name: string, isBaseline: boolean): string | string[] {
  const lines = name.length > AXIS_LINE_CHARS ? name.split(/(?<= · )| (?=[a-z]+=)/) : [name];
  const shown = lines.length > 1 ? lines : name;
  return isBaseline ? [...lines, '(baseline)'] : shown;
}

function histogramRanges(report: WhatifReport): { key: string; fromUsd: string; toUsd: string | null }[] {
  const ranges = new Map<string, { key: string; fromUsd: string; toUsd: string | null }>();
  for (const v of report.variants) {
    for (const h of v.feeHistogram) {
      const key = `${h.fromUsd}|${h.toUsd ?? ''}`;
      if (!ranges.has(key)) ranges.set(key, { key, fromUsd: h.fromUsd, toUsd: h.toUsd });
    }
  }
  return [...ranges.values()].sort((a, b) => {
    const byFrom = reportAmount(a.fromUsd).compare(reportAmount(b.fromUsd));
    if (byFrom !== 0) return byFrom;
    if (a.toUsd === null) return b.toUsd === null ? 0 : 1;
    if (b.toUsd === null) return -1;
    return reportAmount(a.toUsd).compare(reportAmount(b.toUsd));
  });
}

function rangeLabel(fromUsd: string, toUsd: string | null, rounding: RoundingModeName): string {
  const from = formatUsdBound(fromUsd, rounding);
  return toUsd === null ? `${from} or more` : `${from} – ${formatUsdBound(toUsd, rounding)}`;
}

/** The view model the page's script draws. */
export function whatifView(report: WhatifReport, rounding: RoundingModeName = 'half-even'): WhatifView {
  const usd = (s: string) => formatUsd(s, rounding);
  const variants = report.variants.map((v, i) => ({
    name: v.name,
    label: axisLabel(v.name, i === 0),
    color: variantColor(i, i === 0),
    baseline: i === 0,
  }));
  const legend = (i: number) => `${variants[i]!.name}${i === 0 ? ' (baseline)' : ''}`;
  const ranges = histogramRanges(report);
  return {
    variants,
    revenue: {
      datasets: [
        {
          label: 'Fee revenue',
          color: FEE_COLOR,
          values: report.variants.map((v) => v.feeRevenueUsd),
          display: report.variants.map((v) => usd(v.feeRevenueUsd)),
        },
        {
          label: 'Platform revenue',
          color: PLATFORM_COLOR,
          values: report.variants.map((v) => v.platformRevenueUsd),
          display: report.variants.map((v) => usd(v.platformRevenueUsd)),
        },
      ],
      totalDisplay: report.variants.map((v) => usd(v.totalUsd)),
    },
    byPeriod: {
      periods: [...report.periods],
      datasets: report.variants.map((v, i) => {
        const byPeriod = new Map(v.byPeriod.map((p) => [p.period, p.totalUsd]));
        const values = report.periods.map((p) => byPeriod.get(p) ?? null);
        return { label: legend(i), color: variants[i]!.color, values, display: values.map((s) => (s === null ? null : usd(s))) };
      }),
    },
    histogram: {
      ranges: ranges.map((r) => rangeLabel(r.fromUsd, r.toUsd, rounding)),
      datasets: report.variants.map((v, i) => {
        const counts = new Map(v.feeHistogram.map((h) => [`${h.fromUsd}|${h.toUsd ?? ''}`, h.scopes]));
        return { label: legend(i), color: variants[i]!.color, counts: ranges.map((r) => counts.get(r.key) ?? 0) };
      }),
    },
  };
}

// ---------------------------------------------------------------------------------------
// HTML

/** A `<td>` holding an amount: rounded text, exact value in `data-exact` and the tooltip. */
function moneyCell(variant: string, field: string, exact: string, text: string, extraClass = ''): string {
  const cls = `num${extraClass ? ` ${extraClass}` : ''}`;
  return `<td class="${cls}" data-variant="${escapeHtml(variant)}" data-field="${field}" data-exact="${escapeHtml(exact)}" title="${escapeHtml(exact)} USD (exact)">${escapeHtml(text)}</td>`;
}

function signClass(exact: string): string {
  const m = reportAmount(exact);
  return m.isZero() ? 'zero' : m.isNegative() ? 'down' : 'up';
}

/** `<wbr>` after commas so long variant names wrap at parameter boundaries. */
function variantNameHtml(name: string): string {
  return escapeHtml(name).replace(/,/g, ',<wbr>');
}

/** Fee terms in words, breakable between tiers (` · `) and schedules (`; `) only. */
function feesHtml(fees: string): string {
  return fees
    .split(/(?<= · |; )/)
    .map((part) => `<span class="tier">${escapeHtml(part)}</span>`)
    .join('');
}

function summaryRow(v: VariantResult, index: number, rounding: RoundingModeName): string {
  const usd = (s: string) => formatUsd(s, rounding);
  const change = (s: string) => formatUsdChange(s, rounding);
  const isBaseline = index === 0;
  const name = v.name;
  const pctCell = (field: string, exact: string | null, signOf: string) =>
    exact === null
      ? `<td class="num zero" data-variant="${escapeHtml(name)}" data-field="${field}" data-null="true" title="the baseline amount is 0">n/a</td>`
      : `<td class="num ${signClass(signOf)}" data-variant="${escapeHtml(name)}" data-field="${field}" data-exact="${escapeHtml(exact)}" title="${escapeHtml(exact)}%">${escapeHtml(formatPctChange(exact, rounding))}</td>`;
  const countCell = (field: string, n: number) =>
    `<td class="num" data-variant="${escapeHtml(name)}" data-field="${field}" data-exact="${escapeHtml(String(n))}">${escapeHtml(formatCount(n))}</td>`;
  return [
    `<tr data-variant="${escapeHtml(name)}"${isBaseline ? ' class="baseline"' : ''}>`,
    `<th scope="row" class="variant" data-variant="${escapeHtml(name)}" data-field="name">`,
    `<span class="swatch" style="background:${variantColor(index, isBaseline)}"></span>`,
    `<code>${variantNameHtml(name)}</code>${isBaseline ? ' <span class="badge">baseline</span>' : ''}`,
    // The fee schedule in words under the name (a report written before issue 16 has none).
    v.parameters.fees === undefined ? '' : `<div class="fees" data-variant="${escapeHtml(name)}" data-field="parameters.fees">${feesHtml(v.parameters.fees)}</div>`,
    '</th>',
    moneyCell(name, 'feeRevenueUsd', v.feeRevenueUsd, usd(v.feeRevenueUsd)),
    moneyCell(name, 'platformRevenueUsd', v.platformRevenueUsd, usd(v.platformRevenueUsd)),
    moneyCell(name, 'totalUsd', v.totalUsd, usd(v.totalUsd), 'strong'),
    countCell('payingScopes', v.payingScopes),
    moneyCell(name, 'feePerPayingScope.medianUsd', v.feePerPayingScope.medianUsd, usd(v.feePerPayingScope.medianUsd)),
    moneyCell(name, 'feePerPayingScope.p90Usd', v.feePerPayingScope.p90Usd, usd(v.feePerPayingScope.p90Usd)),
    moneyCell(name, 'feePerPayingScope.maxUsd', v.feePerPayingScope.maxUsd, usd(v.feePerPayingScope.maxUsd)),
    countCell('strictFailedRequests', v.strictFailedRequests),
    moneyCell(name, 'vsBaseline.feeRevenueUsd', v.vsBaseline.feeRevenueUsd, change(v.vsBaseline.feeRevenueUsd), signClass(v.vsBaseline.feeRevenueUsd)),
    pctCell('vsBaseline.feeRevenuePct', v.vsBaseline.feeRevenuePct, v.vsBaseline.feeRevenueUsd),
    moneyCell(name, 'vsBaseline.totalUsd', v.vsBaseline.totalUsd, change(v.vsBaseline.totalUsd), signClass(v.vsBaseline.totalUsd)),
    pctCell('vsBaseline.totalPct', v.vsBaseline.totalPct, v.vsBaseline.totalUsd),
    '</tr>',
  ].join('');
}

function summaryTable(report: WhatifReport, rounding: RoundingModeName): string {
  return `<div class="table-wrap"><table id="summary" class="summary">
<thead>
<tr><th rowspan="2" scope="col">Variant</th><th colspan="3" scope="colgroup">Revenue over the whole log</th><th rowspan="2" scope="col">Paying scopes</th><th colspan="3" scope="colgroup">Fee per paying scope</th><th rowspan="2" scope="col">Strict-failed requests</th><th colspan="2" scope="colgroup">Fee revenue vs baseline</th><th colspan="2" scope="colgroup">Total vs baseline</th></tr>
<tr><th scope="col">Fees</th><th scope="col">Platform</th><th scope="col">Total</th><th scope="col">Median</th><th scope="col">p90</th><th scope="col">Max</th><th scope="col">Change</th><th scope="col">%</th><th scope="col">Change</th><th scope="col">%</th></tr>
</thead>
<tbody>
${report.variants.map((v, i) => summaryRow(v, i, rounding)).join('\n')}
</tbody>
</table></div>`;
}

function moversTable(v: VariantResult, index: number, baselineName: string, rounding: RoundingModeName): string {
  const name = escapeHtml(v.name);
  const caption = `<caption>Scopes whose total bill moves most under <code>${variantNameHtml(v.name)}</code> against the baseline <code>${variantNameHtml(baselineName)}</code> (largest change first).</caption>`;
  if (v.movers.length === 0) {
    const why = index === 0 ? 'This is the baseline: nothing moves against itself.' : 'No scope’s bill changes under this variant.';
    return `<div class="movers" data-movers-index="${index}" data-variant="${name}"><p class="empty">${why}</p></div>`;
  }
  const rows = v.movers
    .map(
      (m, i) =>
        `<tr data-variant="${name}" data-scope="${escapeHtml(m.scope)}"><td class="rank">${i + 1}</td>` +
        `<td class="scope" data-field="scope">${escapeHtml(m.scope)}</td>` +
        moneyCell(v.name, 'baselineUsd', m.baselineUsd, formatUsd(m.baselineUsd, rounding)) +
        moneyCell(v.name, 'variantUsd', m.variantUsd, formatUsd(m.variantUsd, rounding)) +
        moneyCell(v.name, 'changeUsd', m.changeUsd, formatUsdChange(m.changeUsd, rounding), signClass(m.changeUsd)) +
        '</tr>',
    )
    .join('\n');
  return `<div class="movers table-wrap" data-movers-index="${index}" data-variant="${name}"><table class="movers-table">
${caption}
<thead><tr><th scope="col">#</th><th scope="col">Scope</th><th scope="col">Baseline bill</th><th scope="col">Variant bill</th><th scope="col">Change</th></tr></thead>
<tbody>
${rows}
</tbody>
</table></div>`;
}

function moversSection(report: WhatifReport, rounding: RoundingModeName): string {
  const baselineName = report.variants[0]?.name ?? report.baseline;
  const firstShown = report.variants.length > 1 ? 1 : 0;
  const options = report.variants
    .map(
      (v, i) =>
        `<option value="${i}"${i === firstShown ? ' selected' : ''}>${escapeHtml(v.name)}${i === 0 ? ' (baseline)' : ''}</option>`,
    )
    .join('');
  return `<section id="movers" aria-labelledby="movers-h">
<h2 id="movers-h">Movers</h2>
<p class="caption">The scopes whose total bill (fees and platform charges over the whole log) changes most when the baseline is replaced by a variant. Pick a variant:</p>
<label class="picker">Variant <select id="movers-select">${options}</select></label>
${report.variants.map((v, i) => moversTable(v, i, baselineName, rounding)).join('\n')}
</section>`;
}

/**
 * A chart's figure. `sizing` makes the box grow with the number of variants: `bars` when
 * each variant is a bar of its own (the revenue chart), `legend` when each variant is a
 * legend entry (which takes a line of its own on narrow screens).
 */
function chartFigure(id: string, title: string, caption: string, ariaLabel: string, sizing: 'bars' | 'legend', variants: number, wide = false): string {
  const box = `<div class="chart-box ${sizing}" style="--rows:${variants}">`;
  return `<figure class="chart${wide ? ' wide' : ''}">
<h3>${escapeHtml(title)}</h3>
${box}<canvas id="${id}" role="img" aria-label="${escapeHtml(ariaLabel)}"></canvas></div>
<figcaption>${caption}</figcaption>
</figure>`;
}

const STYLE = `
:root { color-scheme: light; --fg: #0f172a; --muted: #64748b; --line: #e2e8f0; --bg: #f8fafc; --card: #ffffff; --up: #15803d; --down: #b91c1c; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: var(--bg); }
main { max-width: 1320px; margin: 0 auto; padding: 24px clamp(12px, 3vw, 32px) 48px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header .lead { margin: 0; color: var(--muted); }
header dl { display: flex; flex-wrap: wrap; gap: 6px 24px; margin: 14px 0 0; }
header dl div { display: flex; gap: 6px; }
header dt { color: var(--muted); }
header dd { margin: 0; font-weight: 600; }
h2 { font-size: 18px; margin: 32px 0 6px; }
h3 { font-size: 15px; margin: 0 0 8px; }
code { font: 12.5px/1.3 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.caption, figcaption { color: var(--muted); margin: 4px 0 10px; max-width: 90ch; }
figcaption { margin: 8px 0 0; font-size: 13px; }
.card, figure.chart { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 16px; }
.table-wrap { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 10px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; font-size: 13px; }
th, td { padding: 6px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: #f1f5f9; font-weight: 600; font-size: 12.5px; color: #334155; vertical-align: bottom; }
thead tr:last-child th { white-space: nowrap; }
thead th[colspan] { text-align: center; border-left: 1px solid var(--line); }
tbody tr:last-child > * { border-bottom: 0; }
tbody tr:hover { background: #f8fafc; }
td.num { text-align: right; white-space: nowrap; }
td.strong { font-weight: 600; }
td.up { color: var(--up); } td.down { color: var(--down); } td.zero { color: var(--muted); }
th.variant { font-weight: 500; white-space: nowrap; }
th.variant .fees { font-weight: 400; font-size: 12px; color: #475569; white-space: normal; max-width: 28em; }
th.variant .fees .tier { white-space: nowrap; }
tr.baseline { background: #f8fafc; }
.badge { display: inline-block; margin-left: 4px; padding: 0 6px; border-radius: 999px; background: #e2e8f0; color: #334155; font-size: 11px; font-weight: 600; vertical-align: 1px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 520px), 1fr)); gap: 16px; }
figure.chart { margin: 0; min-width: 0; }
figure.chart.wide { grid-column: 1 / -1; }
.chart-box { position: relative; width: 100%; height: 340px; }
.chart-box.bars { height: max(340px, calc(90px + var(--rows) * 28px)); }
.chart-error { color: var(--down); }
.picker { display: inline-flex; flex-wrap: wrap; gap: 8px; align-items: center; max-width: 100%; margin: 0 0 10px; font-weight: 600; }
select { font: inherit; max-width: 100%; min-width: 0; padding: 4px 8px; border: 1px solid #cbd5e1; border-radius: 6px; background: #fff; }
.movers caption { caption-side: top; text-align: left; padding: 10px 10px 6px; color: var(--muted); }
td.rank { color: var(--muted); width: 3ch; }
td.scope { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; word-break: break-all; }
.movers .empty { color: var(--muted); margin: 0; padding: 14px; background: var(--card); border: 1px solid var(--line); border-radius: 10px; }
footer { margin-top: 32px; color: var(--muted); font-size: 12.5px; }
@media (max-width: 640px) { .chart-box { height: 300px; } .chart-box.bars { height: calc(110px + var(--rows) * 44px); } .chart-box.legend { height: calc(280px + var(--rows) * 24px); } header h1 { font-size: 20px; } }
@media print { body { background: #fff; } .picker { display: none; } .movers[hidden] { display: block !important; } }
`;

function sha256Source(code: string): string {
  return `'sha256-${createHash('sha256').update(code, 'utf8').digest('base64')}'`;
}

/**
 * The what-if report as one self-contained HTML page: styles, data, Chart.js and the
 * page's script are all inline, and a Content-Security-Policy forbids every fetch, so
 * the page opens without network access. Texts from the report are HTML-escaped; money
 * is shown rounded to cents with the exact value in `data-exact` (and the tooltip).
 */
export function renderWhatifHtml(report: WhatifReport, options: WhatifHtmlOptions = {}): string {
  const rounding = options.rounding ?? 'half-even';
  const view = whatifView(report, rounding);
  const chartJs = chartJsSource();
  const baselineName = report.variants[0]?.name ?? report.baseline;
  const periods =
    report.periods.length === 0
      ? 'none'
      : report.periods.length === 1
        ? report.periods[0]!
        : `${report.periods[0]} – ${report.periods[report.periods.length - 1]} (${report.periods.length})`;
  // Only the two inline scripts may run (by hash); nothing may be fetched.
  const csp = [
    "default-src 'none'",
    `script-src ${sha256Source(chartJs)} ${sha256Source(WHATIF_CLIENT_SCRIPT)}`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const roundingNote = rounding === 'half-even' ? 'half-even (a tie goes to the even cent)' : 'half-up (a tie goes away from zero)';

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="generator" content="byok whatif">
<link rel="icon" href="data:,">
<title>What-if pricing report · baseline ${escapeHtml(baselineName)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header>
<h1>What-if pricing report</h1>
<p class="lead">The same request log billed under ${formatCount(report.variants.length)} pricing-policy variants, compared with the baseline <code id="baseline-name" data-field="baseline">${variantNameHtml(baselineName)}</code>.</p>
<dl>
<div><dt>Periods</dt><dd>${escapeHtml(periods)}</dd></div>
<div><dt>Rows read</dt><dd>${formatCount(report.input.rows)}</dd></div>
<div><dt>Accepted</dt><dd>${formatCount(report.input.accepted)}</dd></div>
<div><dt>Rejected</dt><dd>${formatCount(report.input.rejected)}</dd></div>
<div><dt>Duplicates</dt><dd>${formatCount(report.input.duplicates)}</dd></div>
</dl>
</header>

<section id="variants" aria-labelledby="variants-h">
<h2 id="variants-h">Variants</h2>
<p class="caption">Revenue of each variant over the whole log. Amounts are rounded to cents for display, ${roundingNote}; hover a value for the exact amount. Fees per paying scope count only scopes that pay any fee; changes are against the baseline (first row).</p>
${summaryTable(report, rounding)}
</section>

<section id="charts" aria-labelledby="charts-h">
<h2 id="charts-h">Charts</h2>
<div class="charts">
${chartFigure('chart-revenue', 'Revenue by variant', 'BYOK fee revenue and platform revenue (list-price charges on platform credits), stacked; the length of a bar is the variant’s total revenue over the whole log.', 'Stacked bars of fee and platform revenue per variant', 'bars', report.variants.length)}
${chartFigure('chart-periods', 'Revenue by month', 'Total revenue (fees and platform charges) in each billing period, one bar per variant.', 'Grouped bars of total revenue per period and variant', 'legend', report.variants.length)}
${chartFigure('chart-histogram', 'How fees spread across paying scopes', 'Number of paying scopes whose fee over the whole log falls in each range (a range includes its lower bound, not its upper one), one bar per variant. A variant that shifts bars to the right charges its paying scopes more.', 'Grouped bars of paying scopes per fee range and variant', 'legend', report.variants.length, true)}
</div>
</section>

${moversSection(report, rounding)}

<footer>Generated by <code>byok whatif --html</code> (${escapeHtml(report.format)}). Charts drawn with Chart.js (MIT License), embedded in this file. The report’s exact data is embedded in <code>#whatif-report</code>.</footer>
</main>
<script type="application/json" id="whatif-report">${jsonForScript(report)}</script>
<script type="application/json" id="whatif-view">${jsonForScript(view)}</script>
<script>${chartJs}</script>
<script>${WHATIF_CLIENT_SCRIPT}</script>
</body>
</html>
`;
}
