import type { AuditReport, Finding } from '@byok-billing/core';
import { csvText } from '../io/csvCell.js';

export const AUDIT_FORMATS = ['table', 'json', 'csv'] as const;
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

const FINDING_COLUMNS = ['kind', 'scope', 'period', 'field', 'invoiced', 'recomputed', 'recomputed_rounded', 'difference', 'request_id', 'ordinal', 'wrong_charge', 'cause', 'source'] as const;

function cells(f: Finding): string[] {
  return [f.kind, f.scope, f.period, f.field ?? '', f.invoiced ?? '', f.recomputed ?? '', f.recomputedRounded ?? '', f.difference ?? '', f.requestId ?? '', f.ordinal == null ? '' : String(f.ordinal), f.wrongCharge ?? '', f.cause ?? '', f.source ?? ''];
}

/** The machine-readable report: verdict, summary, findings (money exact). */
export function auditAsJson(report: AuditReport): string {
  return `${JSON.stringify({ matches: report.matches, verdict: report.verdict, summary: report.summary, findings: report.findings, omittedFindings: report.omittedFindings }, null, 2)}\n`;
}

export function auditAsCsv(report: AuditReport): string {
  const numeric = new Set([4, 5, 6, 7, 9]);
  const rows = [FINDING_COLUMNS.join(',')];
  for (const f of report.findings) rows.push(cells(f).map((c, i) => (numeric.has(i) && /^-?\d+(\.\d+)?$/.test(c) ? c : csvText(c))).join(','));
  return `${rows.join('\n')}\n`;
}

function wrap(text: string, width = 96): string {
  const words = text.split(' ');
  const lines: string[] = [];
  let current = '';
  for (const word of words) {
    if (current.length > 0 && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else current = current.length > 0 ? `${current} ${word}` : word;
  }
  if (current) lines.push(current);
  return lines.join('\n');
}

/** For people: the verdict as a paragraph, then the findings as an aligned table. */
export function auditAsTable(report: AuditReport): string {
  const out = [wrap(report.verdict), ''];
  if (report.findings.length > 0) {
    const header = ['kind', 'scope', 'period', 'field', 'invoiced', 'recomputed (exact)', 'rounded', 'difference', 'request', 'ordinal'];
    const rows = report.findings.map((f) => cells(f).slice(0, 10));
    const widths = header.map((_, c) => Math.max(header[c]!.length, ...rows.map((r) => r[c]!.length)));
    const render = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
    out.push(render(header), widths.map((w) => '-'.repeat(w)).join('  '));
    report.findings.forEach((f, i) => {
      out.push(render(rows[i]!));
      // A line's findings share one cause: say it once, after the line's last finding.
      const next = report.findings[i + 1];
      const sameGroup = next !== undefined && next.scope === f.scope && next.period === f.period && next.cause === f.cause && next.kind === f.kind && !f.requestId;
      const note = [f.wrongCharge, f.cause ? `likely cause: ${f.cause}` : undefined].filter(Boolean).join('; ');
      if (note && !sameGroup) out.push(`    ${note}`);
    });
    if (report.omittedFindings > 0) out.push(`... and ${report.omittedFindings.toLocaleString('en-US')} more request findings (not listed)`);
  }
  return `${out.join('\n')}\n`;
}

export function formatAudit(report: AuditReport, format: AuditFormat): string {
  switch (format) {
    case 'json':
      return auditAsJson(report);
    case 'csv':
      return auditAsCsv(report);
    case 'table':
      return auditAsTable(report);
    default: {
      const unknown: never = format;
      throw new Error(`unknown format ${String(unknown)}`);
    }
  }
}
