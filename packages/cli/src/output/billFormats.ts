import {
  BILL_AMOUNT_FIELDS,
  type Bill,
  type BillAmounts,
  type BillJson,
  Money,
  ROUNDING_MODES,
  type RoundingModeName,
  billToJson,
  roundMoney,
} from '@byok-billing/core';
import { csvNumber, csvText } from '../io/csvCell.js';

export const BILL_FORMATS = ['table', 'json', 'csv', 'ndjson'] as const;

/**
 * Members a command adds to the JSON bill after `input` (and to the first object of JSON
 * Lines), such as the meter's account of its store; the table says the same in its notes.
 */
export type BillExtra = Readonly<Record<string, unknown>>;
export type BillFormat = (typeof BILL_FORMATS)[number];

/** camelCase field → the snake_case CSV column FORMATS.md names. */
export function snakeCase(field: string): string {
  return field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

export const BILL_CSV_COLUMNS = ['scope', 'period', ...BILL_AMOUNT_FIELDS.map(snakeCase)];

/** FORMATS.md's JSON bill. */
export function billAsJson(bill: Bill): string {
  return [...billJsonChunks(bill)].join('');
}

/**
 * JSON Lines: a first object with the bill's `policy` and `input` (the row accounting), one
 * object per bill line (the JSON bill's `lines`, as they are), and a last with the `totals`.
 * Each object says what it is by its keys; a reader after lines alone keeps those with `scope`.
 */
export function billAsNdjson(bill: Bill): string {
  return [...billNdjsonChunks(bill)].join('');
}

/** The bill lines as CSV with FORMATS.md's snake_case columns; money exact. */
export function billAsCsv(bill: Bill): string {
  return [...billCsvChunks(bill)].join('');
}

/**
 * Bill lines per piece of output: a bill of many lines is written a piece at a time, never
 * as one string (nor as one tree of JSON objects), so its text costs no memory per line.
 */
const LINES_PER_CHUNK = 2048;

/** The JSON lines (FORMATS.md) of `bill`, `LINES_PER_CHUNK` at a time. */
function* jsonLineChunks(bill: Bill): Generator<BillJson['lines']> {
  for (let from = 0; from < bill.lines.length; from += LINES_PER_CHUNK) {
    yield billToJson({ ...bill, lines: bill.lines.slice(from, from + LINES_PER_CHUNK) }).lines;
  }
}

/** A value as `JSON.stringify(…, null, 2)` writes it nested `depth` levels deep. */
function nestedJson(value: unknown, depth: number): string {
  return JSON.stringify(value, null, 2).replaceAll('\n', `\n${'  '.repeat(depth)}`);
}

/** `billAsJson`'s text in pieces: exactly `JSON.stringify(billToJson(bill), null, 2)` and a line end. */
export function* billJsonChunks(bill: Bill, extra: BillExtra = {}): Generator<string> {
  const head = billToJson({ ...bill, lines: [] });
  const more = Object.entries(extra).map(([key, value]) => `\n  ${JSON.stringify(key)}: ${nestedJson(value, 1)},`).join('');
  yield `{\n  "policy": ${nestedJson(head.policy, 1)},\n  "input": ${nestedJson(head.input, 1)},${more}\n  "lines": `;
  if (bill.lines.length === 0) {
    yield '[]';
  } else {
    let first = true;
    for (const lines of jsonLineChunks(bill)) {
      // Each line is an element of an array nested one level deep: indented by two levels.
      const elements = lines.map((line) => `    ${nestedJson(line, 2)}`).join(',\n');
      yield `${first ? '[\n' : ',\n'}${elements}`;
      first = false;
    }
    yield '\n  ]';
  }
  yield `,\n  "totals": ${nestedJson(head.totals, 1)}\n}\n`;
}

export function* billNdjsonChunks(bill: Bill, extra: BillExtra = {}): Generator<string> {
  const head = billToJson({ ...bill, lines: [] });
  yield `${JSON.stringify({ policy: head.policy, input: head.input, ...extra })}\n`;
  for (const lines of jsonLineChunks(bill)) yield lines.map((line) => `${JSON.stringify(line)}\n`).join('');
  yield `${JSON.stringify({ totals: head.totals })}\n`;
}

export function* billCsvChunks(bill: Bill): Generator<string> {
  yield `${BILL_CSV_COLUMNS.join(',')}\n`;
  for (const lines of jsonLineChunks(bill)) {
    const rows = lines.map((line) => [csvText(line.scope), csvText(line.period), ...BILL_AMOUNT_FIELDS.map((f) => csvNumber(line[f]))].join(','));
    yield `${rows.join('\n')}\n`;
  }
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

export function formatBill(bill: Bill, format: BillFormat, presentation: Presentation, notes: readonly string[] = [], extra: BillExtra = {}): string {
  return [...billChunks(bill, format, presentation, notes, extra)].join('');
}

/** `formatBill`'s text in pieces, to write one after another. */
export function billChunks(bill: Bill, format: BillFormat, presentation: Presentation, notes: readonly string[] = [], extra: BillExtra = {}): Iterable<string> {
  switch (format) {
    case 'json':
      return billJsonChunks(bill, extra);
    case 'ndjson':
      return billNdjsonChunks(bill, extra);
    case 'csv':
      return billCsvChunks(bill);
    case 'table':
      // Aligned columns need every row first: one piece.
      return [billAsTable(bill, presentation, notes)];
    default: {
      const unknown: never = format;
      throw new Error(`unknown format ${String(unknown)}`);
    }
  }
}
