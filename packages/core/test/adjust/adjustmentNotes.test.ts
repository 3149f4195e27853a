import { type Bill, type BillLine, MAX_LISTED_REQUESTS, Money, type RequestCharge, adjustmentReport, detectInvoiceRounding, parseInvoiceRow, parseMoney, requestChanges } from '@byok-billing/core';
import { describe, expect, it } from 'vitest';

/* The pure half of `byok adjust`, on bills made by hand (the CLI tests replay real logs). */

const ZERO = Money.ZERO;
function line(scope: string, total: string): BillLine {
  const t = parseMoney(total);
  return { scope, period: '2025-10', byokRequests: 0, freeRequests: 0, billableRequests: 0, byokCostUsd: ZERO, feeUsd: t, platformRequests: 0, platformCostUsd: ZERO, failedRequests: 0, totalUsd: t } as BillLine;
}
function bill(...lines: BillLine[]): Bill {
  return { policy: { id: 'p', version: 'v', sha256: '' }, input: { rows: 0, accepted: 0, rejected: 0, duplicates: 0 }, lines, totals: lines[0] ?? line('org:x', '0'), routeMismatches: 0 };
}
const CENTS = { scale: 2, rounding: 'half-even' as const };
function charge(id: string, scope: string, fee: string, status = 'billable', content = id): RequestCharge {
  return { requestId: id, scope, period: '2025-10', content, status, ordinal: 1, chargeUsd: parseMoney(fee), file: 'log.csv', line: 1 };
}

describe('adjustment notes', () => {
  it('lists at most MAX_LISTED_REQUESTS requests per note, but counts every one per cause', () => {
    // catches: a month of late rows written into one note request by request (millions of entries).
    const late = MAX_LISTED_REQUESTS + 5;
    const now = new Map(Array.from({ length: late }, (_, i) => [`l-${i}`, charge(`l-${i}`, 'org:a', '0.01')] as const));
    const invoice = [parseInvoiceRow({ scope: 'org:a', period: '2025-10', total_usd: '0.00' }, 2)];
    const rounding = detectInvoiceRounding(invoice, CENTS);
    const report = adjustmentReport({ now: bill(line('org:a', String(late / 100))), invoice, rounding, then: bill() }, (scope, period) => requestChanges(scope, period, new Map(), now));
    const [note] = report.notes;
    expect(note!.requests).toHaveLength(MAX_LISTED_REQUESTS);
    expect(note!.omittedRequests).toBe(5);
    expect(note!.causes).toEqual([{ cause: 'added-late', requests: late, differenceUsd: parseMoney('10.05') }]);
    expect(note!.reason).toBe('1,005 requests added late: +$10.05 of fees (debit)');
  });

  it('a request the same and charged the same is no change; one corrected or moved is, even when free', () => {
    const then = new Map([charge('a', 'org:a', '0.01'), charge('b', 'org:a', '0', 'free'), charge('c', 'org:a', '0.02')].map((r) => [r.requestId, r]));
    const now = new Map([charge('a', 'org:a', '0.01'), charge('b', 'org:b', '0', 'free'), charge('c', 'org:a', '0', 'free')].map((r) => [r.requestId, r]));
    expect(requestChanges('org:a', '2025-10', then, now).map((c) => [c.requestId, c.cause, c.differenceUsd.toString()])).toEqual([
      ['c', 'shifted-into-allowance', '-0.02'],
      ['b', 'changed', '0'],
    ]);
  });

  it('an invoice written with more decimals than the policy presents states exact amounts; else the policy\'s rounding', () => {
    const exact = [parseInvoiceRow({ scope: 'org:a', period: '2025-10', total_usd: '0.04000' })];
    expect(detectInvoiceRounding(exact, CENTS)).toEqual({ kind: 'exact' });
    const cents = [parseInvoiceRow({ scope: 'org:a', period: '2025-10', total_usd: '0.03' })];
    expect(detectInvoiceRounding(cents, CENTS)).toEqual({ kind: 'rounded', scale: 2, rounding: 'half-even' });
    // 0.025 is 0.02 half-even, 0.03 half-up: the billed-from bill shows the invoicer rounded half-up.
    expect(detectInvoiceRounding(cents, CENTS, bill(line('org:a', '0.025')))).toEqual({ kind: 'rounded', scale: 2, rounding: 'half-up' });
  });
});
