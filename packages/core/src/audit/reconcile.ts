import type { Bill, BillLine } from '../ledger/billLine.js';
import { compareUtf8 } from '../ledger/compareUtf8.js';
import { Money } from '../money/money.js';
import { parseMoney } from '../money/parseMoney.js';
import { type AuditEvidence, type LineAlternatives, lineKey } from './auditCollector.js';
import type { Finding } from './findings.js';
import type { TierEvidence } from './tierAlternatives.js';
import { type BillField, INVOICE_COLUMNS, type InvoiceLine } from './invoice.js';
import { type MoneyMatchOptions, moneyMatches, presented } from './moneyMatch.js';

export interface AuditSummary {
  readonly invoicedLines: number;
  readonly billLines: number;
  readonly matchedLines: number;
  readonly mismatchedLines: number;
  readonly notInLog: number;
  readonly notInvoiced: number;
  readonly routeMismatches: number;
  readonly wrongCharges: number;
  readonly invoicedTotalUsd: string;
  readonly recomputedTotalUsd: string;
  readonly recomputedTotalRoundedUsd: string;
  /** Requests that carried a recorded charge (`charged_usd`). */
  readonly chargedRequests: number;
  /** Per scope and period with recorded charges: Σ(charged − policy charge); > 0 is an over-charge. */
  readonly chargeDifferences: readonly { readonly scope: string; readonly period: string; readonly requests: number; readonly differenceUsd: string }[];
}

export interface AuditReport {
  /** True when nothing differs: exit code 0. */
  readonly matches: boolean;
  readonly findings: readonly Finding[];
  /** Request findings beyond those kept in `findings`. */
  readonly omittedFindings: number;
  readonly summary: AuditSummary;
  /** One paragraph a finance reader can act on. */
  readonly verdict: string;
}

const SNAKE: ReadonlyMap<BillField, string> = new Map([...INVOICE_COLUMNS].map(([snake, field]) => [field, snake]));

function usd(m: Money, match: MoneyMatchOptions): string {
  return `$${presented(m, match).toFixedScale(match.scale)}`;
}

/** Names the usual invoicing mistake that explains an invoiced line, if one does. */
function likelyCause(line: BillLine, invoiced: InvoiceLine, alt: LineAlternatives | undefined, evidence: AuditEvidence, match: MoneyMatchOptions): string | undefined {
  const invTotal = (invoiced.values.get('totalUsd')?.value as Money | undefined) ?? Money.ZERO;
  const invFee = invoiced.values.get('feeUsd')?.value as Money | undefined;
  const listCharges = line.totalUsd.subtract(line.feeUsd);
  const explains = (fee: Money, total: Money = fee.add(listCharges)) =>
    !fee.equals(line.feeUsd) || !total.equals(line.totalUsd)
      ? moneyMatches(invTotal, total, match) && (invFee === undefined || moneyMatches(invFee, fee, match))
      : false;
  // A month shift moves whole requests between lines: when another reset zone's bill
  // agrees with every invoiced column, that is the strongest explanation.
  const zone = shiftedZone(invoiced, evidence, match);
  if (zone !== undefined) return zone;
  if (alt?.tiers !== undefined) {
    const cause = tierCause(line, alt.tiers, explains, match);
    if (cause !== undefined) return cause;
  }
  if (alt !== undefined) {
    // The shorthand's allowance mistakes are rate × cost: a line priced by tiers has its own (tierCause).
    if (alt.tiers === undefined && alt.allowance > 0 && explains(line.byokCostUsd.multiply(alt.rate))) {
      return `allowance not applied: the invoice charges the fee on all ${line.byokRequests.toLocaleString('en-US')} BYOK requests, ignoring the ${alt.allowance.toLocaleString('en-US')} free ones`;
    }
    if (alt.tiers === undefined && alt.allowance > 0 && explains(alt.costPastDoubleAllowance.multiply(alt.rate))) {
      return `allowance applied twice: the invoice frees ${(2 * alt.allowance).toLocaleString('en-US')} requests instead of ${alt.allowance.toLocaleString('en-US')}`;
    }
    if (line.scope.startsWith('org:') && explains(alt.feePerUser)) {
      return 'allowance counted per user instead of per org: each member got their own free requests, but an org shares one allowance';
    }
    for (const mode of ['half-even', 'half-up'] as const) {
      if (explains(alt.feeRoundedPerRequest[mode])) {
        return `rounding per request instead of per line: each request's fee was rounded to ${match.scale} decimals (${mode}) before summing`;
      }
    }
  }
  if (!listCharges.isZero() && explains(line.feeUsd, line.feeUsd)) {
    return `platform charges left out: the invoice omits ${usd(listCharges, match)} of requests served on platform credits`;
  }
  const invBillable = invoiced.values.get('billableRequests')?.value;
  if (invBillable === line.billableRequests && invFee !== undefined && !moneyMatches(invFee, line.feeUsd, match)) {
    return alt?.tiers !== undefined
      ? 'fee on the wrong requests: the number of billable requests is right but the fee is not what the tiers give them'
      : 'fee on the wrong requests: the number of billable requests is right but the fee is not rate × the cost of the requests ranked past the allowance';
  }
  return undefined;
}

/**
 * The pricing language's mistakes (docs/pricing-language.md) that explain an invoiced line, if
 * one does: the fee before the cap (the cap not applied), else the first of the tier mistakes
 * of tierAlternatives.ts whose fee the invoice states. Each is the line's exact fee under that
 * mistake, compared as every cause is (`explains`), so a cause named is one that gives the
 * invoice's numbers; a mistake not in that family is left unnamed.
 */
function tierCause(line: BillLine, tiers: TierEvidence, explains: (fee: Money) => boolean, match: MoneyMatchOptions): string | undefined {
  if (!tiers.capCut.isZero() && explains(line.feeUsd.add(tiers.capCut))) {
    return `cap not applied: the invoice charges the fee before the cap, ${usd(line.feeUsd.add(tiers.capCut), match)}, but the cap of $${tiers.capUsd!.toString()} per month cut it to ${usd(line.feeUsd, match)}`;
  }
  for (const mistake of tiers.mistakes) {
    if (!mistake.delta.isZero() && explains(line.feeUsd.add(mistake.delta))) return mistake.cause;
  }
  return undefined;
}

/** A reset zone whose months make the invoiced line come out right, if any. */
function shiftedZone(invoiced: InvoiceLine, evidence: AuditEvidence, match: MoneyMatchOptions): string | undefined {
  for (const [zone, bill] of evidence.zoneBills) {
    const line = bill.lines.find((l) => l.scope === invoiced.scope && l.period === invoiced.period);
    if (line !== undefined && lineAgrees(line, invoiced, match)) {
      return `wrong month from a time-zone shift: the invoice counts months from midnight ${zone} instead of midnight UTC`;
    }
  }
  return undefined;
}

function lineAgrees(line: BillLine, invoiced: InvoiceLine, match: MoneyMatchOptions): boolean {
  for (const [field, value] of invoiced.values) {
    const mine = line[field];
    if (value.kind === 'money' ? !moneyMatches(value.value, mine as Money, match) : value.value !== mine) return false;
  }
  return true;
}

/**
 * Compares an invoice with the bill recomputed from the log: every column the invoice
 * has, for every line; lines invoiced that the log does not support; billable lines that
 * were not invoiced; plus the request findings gathered during the replay.
 */
export function reconcileInvoice(bill: Bill, invoice: readonly InvoiceLine[] | undefined, evidence: AuditEvidence, match: MoneyMatchOptions): AuditReport {
  const findings: Finding[] = [];
  const billLines = new Map(bill.lines.map((l) => [lineKey(l.scope, l.period), l]));
  const invoicedKeys = new Set<string>();
  let matchedLines = 0;
  let mismatchedLines = 0;
  let notInLog = 0;
  let notInvoiced = 0;
  let invoicedTotal = Money.ZERO;

  for (const inv of invoice ?? []) {
    const key = lineKey(inv.scope, inv.period);
    invoicedKeys.add(key);
    const total = inv.values.get('totalUsd')!.value as Money;
    invoicedTotal = invoicedTotal.add(total);
    const line = billLines.get(key);
    const source = inv.source === undefined ? undefined : `invoice line ${inv.source}`;
    if (line === undefined) {
      notInLog++;
      findings.push({
        kind: 'not-in-log',
        scope: inv.scope,
        period: inv.period,
        field: 'total_usd',
        invoiced: total.toString(),
        recomputed: '0',
        recomputedRounded: presented(Money.ZERO, match).toFixedScale(match.scale),
        difference: total.toString(),
        cause: shiftedZone(inv, evidence, match) ?? 'the log has no requests for this scope in this period',
        source,
      });
      continue;
    }
    const lineFindings: Finding[] = [];
    for (const [field, value] of inv.values) {
      const mine = line[field];
      if (value.kind === 'money') {
        const exact = mine as Money;
        if (moneyMatches(value.value, exact, match)) continue;
        lineFindings.push({
          kind: 'mismatch',
          scope: inv.scope,
          period: inv.period,
          field: SNAKE.get(field),
          invoiced: value.text,
          recomputed: exact.toString(),
          recomputedRounded: presented(exact, match).toFixedScale(match.scale),
          difference: value.value.subtract(exact).toString(),
          source,
        });
      } else if (value.value !== mine) {
        lineFindings.push({
          kind: 'mismatch',
          scope: inv.scope,
          period: inv.period,
          field: SNAKE.get(field),
          invoiced: value.text,
          recomputed: String(mine),
          difference: String(value.value - (mine as number)),
          source,
        });
      }
    }
    if (lineFindings.length === 0) {
      matchedLines++;
      continue;
    }
    mismatchedLines++;
    const cause = likelyCause(line, inv, evidence.alternatives.get(key), evidence, match);
    for (const f of lineFindings) findings.push(cause === undefined ? f : { ...f, cause });
  }

  for (const line of invoice === undefined ? [] : bill.lines) {
    const key = lineKey(line.scope, line.period);
    if (invoicedKeys.has(key) || presented(line.totalUsd, match).isZero()) continue;
    notInvoiced++;
    findings.push({
      kind: 'not-invoiced',
      scope: line.scope,
      period: line.period,
      field: 'total_usd',
      invoiced: '0',
      recomputed: line.totalUsd.toString(),
      recomputedRounded: presented(line.totalUsd, match).toFixedScale(match.scale),
      difference: line.totalUsd.negate().toString(),
      cause: 'the log supports a charge for this scope and period, but the invoice has no line for it',
    });
  }

  findings.sort((a, b) => compareUtf8(a.scope, b.scope) || (a.period < b.period ? -1 : a.period > b.period ? 1 : 0));
  findings.push(...evidence.requestFindings);
  const omitted = evidence.requestFindingCount - evidence.requestFindings.length;

  const chargeDifferences = [...evidence.alternatives]
    .filter(([, alt]) => alt.chargedRequests > 0)
    .map(([key, alt]) => {
      const [scope, period] = key.split('\n') as [string, string];
      return { scope, period, requests: alt.chargedRequests, differenceUsd: alt.chargedDifference.toString() };
    })
    .sort((a, b) => compareUtf8(a.scope, b.scope) || (a.period < b.period ? -1 : a.period > b.period ? 1 : 0));
  const summary: AuditSummary = {
    invoicedLines: invoice?.length ?? 0,
    billLines: bill.lines.length,
    matchedLines,
    mismatchedLines,
    notInLog,
    notInvoiced,
    routeMismatches: evidence.routeMismatchCount,
    wrongCharges: evidence.requestFindingCount - evidence.routeMismatchCount,
    invoicedTotalUsd: invoicedTotal.toString(),
    recomputedTotalUsd: bill.totals.totalUsd.toString(),
    recomputedTotalRoundedUsd: presented(bill.totals.totalUsd, match).toFixedScale(match.scale),
    chargedRequests: evidence.chargedRequests,
    chargeDifferences,
  };
  const matches = findings.length === 0 && omitted === 0;
  return { matches, findings, omittedFindings: omitted, summary, verdict: verdictOf(summary, findings, match, matches, invoice !== undefined) };
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** The per-request part of a verdict: how many requests were charged wrongly, and by how much per month. */
function chargeVerdict(s: AuditSummary): string {
  if (s.chargedRequests === 0) return '';
  const months = s.chargeDifferences
    .filter((d) => d.differenceUsd !== '0')
    .map((d) => `${d.scope} ${d.period} ${d.differenceUsd.startsWith('-') ? `under-charged $${d.differenceUsd.slice(1)}` : `over-charged $${d.differenceUsd}`}`);
  const wrong = s.wrongCharges;
  return wrong === 0
    ? ` All ${plural(s.chargedRequests, 'recorded request charge')} agree with the policy.`
    : ` Of ${plural(s.chargedRequests, 'request')} with a recorded charge, ${plural(wrong, 'was', 'were')} charged other than the policy says${months.length > 0 ? `: ${months.join('; ')}` : ''}.`;
}

function verdictOf(s: AuditSummary, findings: readonly Finding[], match: MoneyMatchOptions, matches: boolean, withInvoice: boolean): string {
  if (!withInvoice) {
    const head = matches ? 'The recorded charges match the policy.' : 'The recorded charges do not match the policy.';
    const routes = s.routeMismatches > 0 ? ` ${plural(s.routeMismatches, 'request')} recorded a route other than the failover mode gives.` : '';
    return `${head}${chargeVerdict(s)}${routes} The log supports $${s.recomputedTotalRoundedUsd} (exactly $${s.recomputedTotalUsd}) in all.`;
  }
  const how = match.tolerance !== undefined ? `within $${match.tolerance.toString()}` : `after rounding to ${match.scale} decimals, ${match.rounding}`;
  const invoiced = parseMoney(s.invoicedTotalUsd, { allowNegative: true });
  const invoicedText = invoiced.normalize().scale <= match.scale ? invoiced.toFixedScale(match.scale) : invoiced.toString();
  const totals = `The log supports $${s.recomputedTotalRoundedUsd} (exactly $${s.recomputedTotalUsd}); the invoice asks $${invoicedText}.`;
  if (matches) {
    return `The invoice matches the log: all ${plural(s.invoicedLines, 'invoiced line')} agree in every column invoiced (${how}), and every billable line of the log is invoiced. ${totals}`;
  }
  const parts: string[] = [];
  if (s.mismatchedLines > 0) {
    parts.push(`${plural(s.mismatchedLines, 'invoiced line')} of ${s.invoicedLines.toLocaleString('en-US')} ${s.mismatchedLines === 1 ? 'differs' : 'differ'} from the recomputed bill`);
  }
  if (s.notInLog > 0) parts.push(`${plural(s.notInLog, 'line is', 'lines are')} invoiced without support in the log`);
  if (s.notInvoiced > 0) parts.push(`${plural(s.notInvoiced, 'billable line')} of the log ${s.notInvoiced === 1 ? 'is' : 'are'} not invoiced`);
  if (s.routeMismatches > 0) parts.push(`${plural(s.routeMismatches, 'request')} recorded a route other than the failover mode gives`);
  if (s.wrongCharges > 0) parts.push(`${plural(s.wrongCharges, 'request was', 'requests were')} charged other than the policy says`);
  const causes = [...new Set(findings.map((f) => f.cause?.split(':')[0]).filter((c): c is string => c !== undefined && !c.startsWith('the ')))];
  const causeText = causes.length > 0 ? ` Likely cause${causes.length > 1 ? 's' : ''}: ${causes.join('; ')}.` : '';
  return `The invoice does not match the log: ${parts.join('; ')} (compared ${how}). ${totals}${causeText}`;
}

