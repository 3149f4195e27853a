import { lineKey } from '../audit/auditCollector.js';
import { compareUtf8 } from '../ledger/compareUtf8.js';
import { INVOICE_COLUMNS, type BillField, type InvoiceLine } from '../audit/invoice.js';
import type { Bill, BillLine } from '../ledger/billLine.js';
import { Money } from '../money/money.js';
import { type InvoiceRounding, describeRounding, invoiceText, roundAsInvoiced } from './invoiceRounding.js';
import { CHANGE_CAUSES, type ChangeCause, type RequestChange, absolute } from './requestChanges.js';

/**
 * A scope-month whose amount is not what the closed invoice says any more: an invoiced line
 * the log now bills differently, or a line of an invoiced month the invoice has none for.
 */
export interface LineToAdjust {
  readonly scope: string;
  readonly period: string;
  /** The invoice's line; undefined for a scope-month not invoiced. */
  readonly invoiced: InvoiceLine | undefined;
  /** What the log bills now (undefined when nothing of the scope-month is left). */
  readonly now: BillLine | undefined;
  /** What the log the invoice was billed from bills (with --billed-from). */
  readonly then: BillLine | undefined;
  /** The note: the amount now, rounded as invoiced, minus the amount invoiced; > 0 is a debit. */
  readonly amount: Money;
}

export interface ColumnChange {
  readonly column: string;
  readonly invoiced: string;
  readonly now: string;
}

export interface AdjustmentNote {
  /** `credit`: the customer was over-billed; `debit`: under-billed. */
  readonly kind: 'credit' | 'debit';
  readonly scope: string;
  readonly period: string;
  /** False for a scope-month of an invoiced month that the invoice has no line for. */
  readonly invoicedLine: boolean;
  /** total_usd as invoiced ('0' when not invoiced). */
  readonly invoicedUsd: string;
  /** The total the log bills now, exact. */
  readonly nowUsd: Money;
  /** The total now as the invoice would state it. */
  readonly nowAsInvoicedUsd: string;
  /** The note's signed amount, rounded as the invoice was: now as invoiced − invoiced. */
  readonly amountUsd: string;
  /** now (exact) − invoiced: what rounding leaves out of `amountUsd`. */
  readonly exactDifferenceUsd: Money;
  /** The total of the log the invoice was billed from, exact (with --billed-from). */
  readonly billedFromUsd?: Money | undefined;
  /** Other invoiced columns that differ now. */
  readonly columns: readonly ColumnChange[];
  readonly reason: string;
  /** Per cause, every request counted (with --billed-from): their differences sum to now − then. */
  readonly causes?: readonly CauseTotal[] | undefined;
  /**
   * The requests that cause the difference, largest effect first (with --billed-from;
   * undefined without): at most MAX_LISTED_REQUESTS, the rest counted in `omittedRequests`.
   */
  readonly requests?: readonly RequestChange[] | undefined;
  readonly omittedRequests?: number | undefined;
  /** The invoice line it adjusts. */
  readonly source?: string | undefined;
}

export interface CauseTotal {
  readonly cause: ChangeCause;
  readonly requests: number;
  /** Σ of their differences on the line, exact. */
  readonly differenceUsd: Money;
}

/**
 * Requests listed per note: a month of late rows can hold millions, and a note is read by
 * people; the per-cause totals (`causes`) always count every one.
 */
export const MAX_LISTED_REQUESTS = 1000;

export interface AdjustmentSummary {
  readonly invoicedLines: number;
  readonly agreeingLines: number;
  readonly credits: number;
  readonly debits: number;
  /** Notes for scope-months of invoiced months that the invoice has no line for. */
  readonly notInvoiced: number;
  readonly creditUsd: string;
  readonly debitUsd: string;
  /** Σ of the notes' amounts: > 0 the customer owes more. */
  readonly netUsd: string;
  /** Months the log bills that the invoice does not cover at all: out of its scope, no notes. */
  readonly periodsNotInvoiced: readonly string[];
}

export interface AdjustmentReport {
  /** True when at least one note was written: exit code 1. */
  readonly adjusts: boolean;
  /** `requests` with --billed-from; `line-totals` without (notes name no requests). */
  readonly attribution: 'requests' | 'line-totals';
  readonly rounding: string;
  readonly notes: readonly AdjustmentNote[];
  readonly summary: AdjustmentSummary;
}

export interface AdjustmentInput {
  readonly now: Bill;
  readonly invoice: readonly InvoiceLine[];
  readonly rounding: InvoiceRounding;
  /** The bill of the log the invoice was billed from (--billed-from). */
  readonly then?: Bill | undefined;
}

const invoicedTotal = (inv: InvoiceLine) => inv.values.get('totalUsd')!.value as Money;

/**
 * The scope-months to write a note for: every invoiced line whose total now, rounded as the
 * invoice was, is not the invoiced total; and every scope-month of a month the invoice covers
 * that it has no line for, when the log now bills it something. Sorted by scope, then period.
 */
export function linesToAdjust(input: AdjustmentInput): LineToAdjust[] {
  const now = new Map(input.now.lines.map((l) => [lineKey(l.scope, l.period), l]));
  const then = new Map((input.then?.lines ?? []).map((l) => [lineKey(l.scope, l.period), l]));
  const invoicedKeys = new Set(input.invoice.map((inv) => lineKey(inv.scope, inv.period)));
  const invoicedPeriods = new Set(input.invoice.map((inv) => inv.period));
  const out: LineToAdjust[] = [];
  for (const inv of input.invoice) {
    const key = lineKey(inv.scope, inv.period);
    const line = now.get(key);
    const amount = roundAsInvoiced(line?.totalUsd ?? Money.ZERO, input.rounding).subtract(invoicedTotal(inv));
    if (!amount.isZero()) out.push({ scope: inv.scope, period: inv.period, invoiced: inv, now: line, then: then.get(key), amount });
  }
  for (const line of input.now.lines) {
    const key = lineKey(line.scope, line.period);
    if (invoicedKeys.has(key) || !invoicedPeriods.has(line.period)) continue;
    const amount = roundAsInvoiced(line.totalUsd, input.rounding);
    if (!amount.isZero()) out.push({ scope: line.scope, period: line.period, invoiced: undefined, now: line, then: then.get(key), amount });
  }
  return out.sort((a, b) => compareUtf8(a.scope, b.scope) || compareText(a.period, b.period));
}

/**
 * The credit and debit notes: one per line to adjust, with its exact difference, the other
 * invoiced columns that differ, the requests that caused it (`changesOf`, with the billed-
 * from log) and a one-line reason naming the main cause.
 */
export function adjustmentReport(input: AdjustmentInput, changesOf?: (scope: string, period: string) => readonly RequestChange[]): AdjustmentReport {
  const lines = linesToAdjust(input);
  const notes = lines.map((l) => noteOf(l, input.rounding, changesOf?.(l.scope, l.period)));
  let credit = Money.ZERO;
  let debit = Money.ZERO;
  for (const l of lines) {
    if (l.amount.isNegative()) credit = credit.add(l.amount.negate());
    else debit = debit.add(l.amount);
  }
  const invoicedPeriods = new Set(input.invoice.map((inv) => inv.period));
  const periodsNotInvoiced = [...new Set(input.now.lines.filter((l) => !invoicedPeriods.has(l.period) && !roundAsInvoiced(l.totalUsd, input.rounding).isZero()).map((l) => l.period as string))].sort();
  const summary: AdjustmentSummary = {
    invoicedLines: input.invoice.length,
    agreeingLines: input.invoice.length - lines.filter((l) => l.invoiced !== undefined).length,
    credits: notes.filter((n) => n.kind === 'credit').length,
    debits: notes.filter((n) => n.kind === 'debit').length,
    notInvoiced: notes.filter((n) => !n.invoicedLine).length,
    creditUsd: invoiceText(credit, input.rounding),
    debitUsd: invoiceText(debit, input.rounding),
    netUsd: invoiceText(debit.subtract(credit), input.rounding),
    periodsNotInvoiced,
  };
  return {
    adjusts: notes.length > 0,
    attribution: changesOf === undefined ? 'line-totals' : 'requests',
    rounding: describeRounding(input.rounding),
    notes,
    summary,
  };
}

const SNAKE: ReadonlyMap<BillField, string> = new Map([...INVOICE_COLUMNS].map(([snake, field]) => [field, snake]));

function columnChanges(l: LineToAdjust, rounding: InvoiceRounding): ColumnChange[] {
  if (l.invoiced === undefined) return [];
  const changes: ColumnChange[] = [];
  for (const [field, value] of l.invoiced.values) {
    if (field === 'totalUsd') continue;
    if (value.kind === 'money') {
      const mine = roundAsInvoiced((l.now?.[field] as Money | undefined) ?? Money.ZERO, rounding);
      if (!mine.equals(value.value)) changes.push({ column: SNAKE.get(field)!, invoiced: value.text, now: invoiceText(mine, rounding) });
    } else {
      const mine = (l.now?.[field] as number | undefined) ?? 0;
      if (mine !== value.value) changes.push({ column: SNAKE.get(field)!, invoiced: value.text, now: String(mine) });
    }
  }
  return changes;
}

function noteOf(l: LineToAdjust, rounding: InvoiceRounding, changes: readonly RequestChange[] | undefined): AdjustmentNote {
  const nowExact = l.now?.totalUsd ?? Money.ZERO;
  const invoiced = l.invoiced === undefined ? Money.ZERO : invoicedTotal(l.invoiced);
  const columns = columnChanges(l, rounding);
  return {
    kind: l.amount.isNegative() ? 'credit' : 'debit',
    scope: l.scope,
    period: l.period,
    invoicedLine: l.invoiced !== undefined,
    invoicedUsd: l.invoiced === undefined ? invoiceText(Money.ZERO, rounding) : l.invoiced.values.get('totalUsd')!.text,
    nowUsd: nowExact,
    nowAsInvoicedUsd: invoiceText(roundAsInvoiced(nowExact, rounding), rounding),
    amountUsd: invoiceText(l.amount, rounding),
    exactDifferenceUsd: nowExact.subtract(invoiced),
    billedFromUsd: l.then === undefined ? (changes === undefined ? undefined : Money.ZERO) : l.then.totalUsd,
    columns,
    reason: reasonOf(l, rounding, columns, changes),
    causes: changes === undefined ? undefined : causeTotals(changes),
    requests: changes?.slice(0, MAX_LISTED_REQUESTS),
    omittedRequests: changes === undefined ? undefined : Math.max(0, changes.length - MAX_LISTED_REQUESTS),
    source: l.invoiced?.source === undefined ? undefined : `invoice line ${l.invoiced.source}`,
  };
}

const CAUSE_PHRASES: Readonly<Record<ChangeCause, readonly [string, string]>> = {
  'added-late': ['request added late', 'requests added late'],
  changed: ['request corrected', 'requests corrected'],
  removed: ['request removed', 'requests removed'],
  'shifted-past-allowance': ['shifted past the allowance', 'shifted past the allowance'],
  'shifted-into-allowance': ['shifted into the allowance', 'shifted into the allowance'],
  'fee-shifted': ['with another fee', 'with another fee'],
};

/** Every request's difference, by cause, in CHANGE_CAUSES order. */
function causeTotals(changes: readonly RequestChange[]): CauseTotal[] {
  const totals = new Map<ChangeCause, { requests: number; differenceUsd: Money }>();
  for (const c of changes) {
    const t = totals.get(c.cause) ?? { requests: 0, differenceUsd: Money.ZERO };
    totals.set(c.cause, { requests: t.requests + 1, differenceUsd: t.differenceUsd.add(c.differenceUsd) });
  }
  return CHANGE_CAUSES.filter((cause) => totals.has(cause)).map((cause) => ({ cause, ...totals.get(cause)! }));
}

function signed(amount: Money, rounding: InvoiceRounding): string {
  return `${amount.isNegative() ? '-' : '+'}$${invoiceText(absolute(amount), rounding)}`;
}

/**
 * One line a finance reader can act on: the causes, what arrived late, was corrected or went
 * first (the main cause), then the shifts they made, then the note's signed amount; without the billed-from log, the columns that
 * differ instead of the requests.
 */
function reasonOf(l: LineToAdjust, rounding: InvoiceRounding, columns: readonly ColumnChange[], changes: readonly RequestChange[] | undefined): string {
  const head = l.invoiced === undefined ? 'not invoiced: ' : '';
  const tail = `: ${signed(l.amount, rounding)} (${l.amount.isNegative() ? 'credit' : 'debit'})`;
  if (changes === undefined) {
    const invoicedTotalText = l.invoiced === undefined ? invoiceText(Money.ZERO, rounding) : l.invoiced.values.get('totalUsd')!.text;
    const what = [...columns.map((c) => `${c.column} ${c.invoiced} → ${c.now}`), `total_usd ${invoicedTotalText} → ${invoiceText(roundAsInvoiced(l.now?.totalUsd ?? Money.ZERO, rounding), rounding)}`];
    return `${head}the log now bills this scope-month differently (${what.join(', ')}); requests not attributed without --billed-from${tail}`;
  }
  // Root causes (what arrived, changed or went) before their consequences (the shifts): CHANGE_CAUSES order.
  const parts = causeTotals(changes).map(({ cause, requests: count }) => `${count.toLocaleString('en-US')} ${CAUSE_PHRASES[cause][count === 1 ? 0 : 1]}`);
  // The invoice did not state the billed-from log's bill: part of the note is not a change of the log.
  const thenAsInvoiced = roundAsInvoiced(l.then?.totalUsd ?? Money.ZERO, rounding);
  const invoiced = l.invoiced === undefined ? Money.ZERO : invoicedTotal(l.invoiced);
  const priorGap = l.invoiced === undefined ? Money.ZERO : thenAsInvoiced.subtract(invoiced);
  const gap = priorGap.isZero() ? '' : `; the invoice already differed from the billed-from log by ${signed(priorGap, rounding)} (see byok audit)`;
  const causes = parts.length > 0 ? parts.join(', ') : 'no request bills differently since the invoice';
  const money = `: ${signed(l.amount, rounding)}${moneyKind(l)} (${l.amount.isNegative() ? 'credit' : 'debit'})`;
  return `${head}${causes}${money}${gap}`;
}

/** What moved since the billed-from bill: only fees, only platform charges, or both (said as nothing). */
function moneyKind(l: LineToAdjust): string {
  const fees = (l.now?.feeUsd ?? Money.ZERO).subtract(l.then?.feeUsd ?? Money.ZERO);
  const platform = (l.now?.platformCostUsd ?? Money.ZERO).subtract(l.then?.platformCostUsd ?? Money.ZERO);
  if (!fees.isZero() && platform.isZero()) return ' of fees';
  if (fees.isZero() && !platform.isZero()) return ' of platform charges';
  return '';
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
