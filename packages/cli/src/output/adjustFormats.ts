import type { AdjustmentNote, AdjustmentReport, RequestChange } from '@byok-billing/core';
import { csvText } from '../io/csvCell.js';

export const ADJUST_FORMATS = ['table', 'json', 'csv'] as const;
export type AdjustFormat = (typeof ADJUST_FORMATS)[number];

const NOTE_COLUMNS = ['kind', 'scope', 'period', 'invoiced_usd', 'now_usd', 'now_as_invoiced_usd', 'amount_usd', 'exact_difference_usd', 'billed_from_usd', 'reason', 'requests', 'source'] as const;
const NUMERIC = new Set([3, 4, 5, 6, 7, 8]);

/** A request change in one cell: `id cause +difference`. */
function changeText(c: RequestChange): string {
  const d = c.differenceUsd.toString();
  return `${c.requestId} ${c.cause} ${d.startsWith('-') ? d : `+${d}`}`;
}

function cells(n: AdjustmentNote): string[] {
  return [
    n.kind,
    n.scope,
    n.period,
    n.invoicedUsd,
    n.nowUsd.toString(),
    n.nowAsInvoicedUsd,
    n.amountUsd,
    n.exactDifferenceUsd.toString(),
    n.billedFromUsd?.toString() ?? '',
    n.reason,
    (n.requests ?? []).map(changeText).join('; '),
    n.source ?? '',
  ];
}

/** The machine-readable report (money exact, as decimal strings). */
export function adjustAsJson(report: AdjustmentReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** One row per note, for a spreadsheet: numbers as numbers, text protected against formulas. */
export function adjustAsCsv(report: AdjustmentReport): string {
  const rows = [NOTE_COLUMNS.join(',')];
  for (const n of report.notes) rows.push(cells(n).map((c, i) => (NUMERIC.has(i) && /^-?\d+(\.\d+)?$/.test(c) ? c : csvText(c))).join(','));
  return `${rows.join('\n')}\n`;
}

/** For people: a summary sentence, the notes as an aligned table, each note's reason and requests under it. */
export function adjustAsTable(report: AdjustmentReport): string {
  const s = report.summary;
  const out: string[] = [];
  if (!report.adjusts) {
    out.push(`Nothing to adjust: all ${s.invoicedLines.toLocaleString('en-US')} invoiced lines still agree with the log (${report.rounding.split(':')[0]}).`);
  } else {
    out.push(`${s.credits} credit note(s) for $${s.creditUsd}, ${s.debits} debit note(s) for $${s.debitUsd}; net $${s.netUsd} (${report.rounding.split(':')[0]}).`);
    out.push('');
    const header = ['kind', 'scope', 'period', 'invoiced', 'now (exact)', 'now as invoiced', 'note'];
    const rows = report.notes.map((n) => cells(n).slice(0, 7).map((c, i) => (i === 6 && !c.startsWith('-') ? `+${c}` : c)));
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
    const render = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
    out.push(render(header), widths.map((w) => '-'.repeat(w)).join('  '));
    report.notes.forEach((n, i) => {
      out.push(render(rows[i]!), `    ${n.reason}`);
      for (const c of n.requests ?? []) out.push(`      ${changeText(c)}${c.after?.source ? ` (${c.after.source})` : c.before?.source ? ` (${c.before.source})` : ''}`);
      if ((n.omittedRequests ?? 0) > 0) out.push(`      ... and ${n.omittedRequests!.toLocaleString('en-US')} more requests (counted in the reason, not listed)`);
    });
  }
  if (s.periodsNotInvoiced.length > 0) out.push('', `Not covered by the invoice (no notes): ${s.periodsNotInvoiced.join(', ')}.`);
  if (report.attribution === 'line-totals') out.push('', 'Requests are not attributed: give --billed-from LOG (the log the invoice was billed from) to name them.');
  return `${out.join('\n')}\n`;
}

export function formatAdjust(report: AdjustmentReport, format: AdjustFormat): string {
  switch (format) {
    case 'json':
      return adjustAsJson(report);
    case 'csv':
      return adjustAsCsv(report);
    case 'table':
      return adjustAsTable(report);
    default: {
      const unknown: never = format;
      throw new Error(`unknown format ${String(unknown)}`);
    }
  }
}
