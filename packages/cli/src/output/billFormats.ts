import {
  BILL_AMOUNT_FIELDS,
  type Bill,
  type BillAmounts,
  Money,
  ROUNDING_MODES,
  type RoundingModeName,
  billToJson,
  roundMoney,
} from '@byok-billing/core';
import { csvNumber, csvText } from '../io/csvCell.js';

export const BILL_FORMATS = ['table', 'json', 'csv', 'ndjson'] as const;
export type BillFormat = (typeof BILL_FORMATS)[number];

/** camelCase field → the snake_case CSV column FORMATS.md names. */
export function snakeCase(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export const BILL_CSV_COLUMNS = ['scope', 'period', ...BILL_AMOUNT_FIELDS.map(snakeCase)];

/** FORMATS.md's JSON bill. */
export function billAsJson(bill: Bill): string {
  return `${JSON.stringify(billToJson(bill), null, 2)}\n`;
}

/** One JSON object per bill line (the same objects as the JSON bill's `lines`). */
export function billAsNdjson(bill: Bill): string {
  return billToJson(bill)
    .lines.map((line) => `${JSON.stringify(line)}\n`)
    .join('');
}

/** The bill lines as CSV with FORMATS.md's snake_case columns; money exact. */
export function billAsCsv(bill: Bill): string {
  const json = billToJson(bill);
  const rows = [BILL_CSV_COLUMNS.join(',')];
  for (const line of json.lines) {
    rows.push(
      [csvText(line.scope), csvText(line.period), ...BILL_AMOUNT_FIELDS.map((f) => csvNumber(line[f]))].join(','),
    );
  }
  return `${rows.join('\n')}\n`;
}

export interface Presentation {
  readonly scale: number;
  readonly rounding: RoundingModeName;
}

const TABLE_HEADINGS: Readonly<Record<(typeof BILL_AMOUNT_FIELDS)[number], string>> = {
  byokRequests: 'BYOK',
  freeRequests: 'free',
  billableRequests: 'billable',
  byokCostUsd: 'BYOK list $',
  feeUsd: 'fee $',
  platformRequests: 'platform',
  platformCostUsd: 'platform $',
  failedRequests: 'failed',
  totalUsd: 'total $',
};

function groupThousands(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * The bill for people: aligned columns, money rounded to the policy's presentation
 * (cents, half-even by default), totals, and how the input rows were accounted for.
 */
export function billAsTable(bill: Bill, presentation: Presentation, notes: readonly string[] = []): string {
  const mode = ROUNDING_MODES[presentation.rounding];
  const money = (m: Money) => roundMoney(m, presentation.scale, mode).rounded.toFixedScale(presentation.scale);
  const cells = (amounts: BillAmounts) =>
    BILL_AMOUNT_FIELDS.map((f) => {
      const v = amounts[f];
      return v instanceof Money ? money(v) : groupThousands(v as number);
    });
  const header = ['scope', 'period', ...BILL_AMOUNT_FIELDS.map((f) => TABLE_HEADINGS[f])];
  const body = bill.lines.map((line) => [line.scope, line.period, ...cells(line)]);
  const totals = ['TOTAL', '', ...cells(bill.totals)];
  const rows = [header, ...body, totals];
  const widths = header.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const render = (row: readonly string[]) =>
    row.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const { input } = bill;
  const out = [
    render(header),
    rule,
    ...body.map(render),
    rule,
    render(totals),
    '',
    `policy ${bill.policy.id} (${bill.policy.version}); rows ${groupThousands(input.rows)}: accepted ${groupThousands(input.accepted)}, duplicates ${groupThousands(input.duplicates)}, rejected ${groupThousands(input.rejected)}`,
    `money rounded to ${presentation.scale} decimals (${presentation.rounding}) for display only; --format json or csv gives exact values`,
    ...notes,
  ];
  if (bill.lines.length === 0) out.splice(2, 0, '(no requests)');
  return `${out.join('\n')}\n`;
}

export function formatBill(bill: Bill, format: BillFormat, presentation: Presentation, notes: readonly string[] = []): string {
  switch (format) {
    case 'json':
      return billAsJson(bill);
    case 'ndjson':
      return billAsNdjson(bill);
    case 'csv':
      return billAsCsv(bill);
    case 'table':
      return billAsTable(bill, presentation, notes);
    default: {
      const unknown: never = format;
      throw new Error(`unknown format ${String(unknown)}`);
    }
  }
}
