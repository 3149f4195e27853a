import type { InvoiceLine } from '../audit/invoice.js';
import type { Bill } from '../ledger/billLine.js';
import { lineKey } from '../audit/auditCollector.js';
import type { Money } from '../money/money.js';
import { ROUNDING_MODES, roundMoney } from '../money/rounding/roundMoney.js';
import type { RoundingModeName } from '../money/rounding/roundingMode.js';

/**
 * How an invoice presents money, as the audit accepts it (audit/moneyMatch.ts): the exact
 * amounts, or the amounts rounded to the policy's presentation. An adjustment note is
 * rounded the same way, so that invoice + note is what the invoice would say now.
 */
export type InvoiceRounding =
  | { readonly kind: 'exact' }
  | { readonly kind: 'rounded'; readonly scale: number; readonly rounding: RoundingModeName };

const OTHER_MODE: Readonly<Record<RoundingModeName, RoundingModeName>> = { 'half-even': 'half-up', 'half-up': 'half-even' };

/**
 * An invoice that writes any amount with more decimals than the policy presents (as written:
 * `0.04000` is written to 5) states exact amounts; otherwise it is rounded to the policy's scale. The mode is the policy's,
 * unless the bill the invoice was made from (`billedFrom`) shows the other mode reproduces
 * more invoiced totals than the policy's does (an invoicing system with its own rounding).
 */
export function detectInvoiceRounding(invoice: readonly InvoiceLine[], presentation: { readonly scale: number; readonly rounding: RoundingModeName }, billedFrom?: Bill): InvoiceRounding {
  for (const line of invoice) {
    for (const value of line.values.values()) {
      if (value.kind === 'money' && writtenDecimals(value.text) > presentation.scale) return { kind: 'exact' };
    }
  }
  const policyMode: InvoiceRounding = { kind: 'rounded', scale: presentation.scale, rounding: presentation.rounding };
  if (billedFrom === undefined) return policyMode;
  const other: InvoiceRounding = { kind: 'rounded', scale: presentation.scale, rounding: OTHER_MODE[presentation.rounding] };
  const lines = new Map(billedFrom.lines.map((l) => [lineKey(l.scope, l.period), l]));
  const agreeing = (rounding: InvoiceRounding) =>
    invoice.filter((inv) => {
      const line = lines.get(lineKey(inv.scope, inv.period));
      return line !== undefined && roundAsInvoiced(line.totalUsd, rounding).equals(inv.values.get('totalUsd')!.value as Money);
    }).length;
  return agreeing(other) > agreeing(policyMode) ? other : policyMode;
}

/** An exact amount as the invoice would state it. */
export function roundAsInvoiced(exact: Money, rounding: InvoiceRounding): Money {
  return rounding.kind === 'exact' ? exact : roundMoney(exact, rounding.scale, ROUNDING_MODES[rounding.rounding]).rounded;
}

/** The amount as text the way the invoice writes it (fixed decimals when rounded). */
export function invoiceText(amount: Money, rounding: InvoiceRounding): string {
  return rounding.kind === 'exact' ? amount.toString() : amount.toFixedScale(rounding.scale);
}

export function describeRounding(rounding: InvoiceRounding): string {
  return rounding.kind === 'exact'
    ? 'exact: the invoice states amounts with more decimals than the policy presents, so notes state exact differences'
    : `rounded to ${rounding.scale} decimals, ${rounding.rounding}: a note is the amount now, rounded so, minus the amount invoiced`;
}

/** Digits written after the decimal point (`0.0400` → 4, `12` → 0). */
function writtenDecimals(text: string): number {
  const point = text.indexOf('.');
  return point < 0 ? 0 : text.length - point - 1;
}
