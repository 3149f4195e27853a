import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BillAmounts, Money } from '@byok-billing/core';
import { billLog, configArb } from '../arbitraries/billConfig.js';
import { logWithDuplicatesArb } from '../arbitraries/requestLog.js';
import { formatDecimal, readDecimal } from './policyOracle.js';

const COUNT_FIELDS = ['byokRequests', 'freeRequests', 'billableRequests', 'platformRequests', 'failedRequests'] as const;
const MONEY_FIELDS = ['byokCostUsd', 'feeUsd', 'platformCostUsd', 'totalUsd'] as const;

/** Exact sum of money values, by the test's own bigint arithmetic on their canonical text. */
function sumText(values: readonly Money[]): string {
  const parsed = values.map((v) => readDecimal(v.toString()));
  const scale = Math.max(0, ...parsed.map((d) => d.scale));
  return formatDecimal(
    parsed.reduce((acc, d) => acc + d.units * 10n ** BigInt(scale - d.scale), 0n),
    scale,
  );
}

describe('conservation', () => {
  // catches: a request dropped or counted twice where it opens a new line (a scope's
  // first request, a month change), a duplicate counted as accepted, a route tallied in
  // the wrong column, totals that miss a line, a total that is not fees + platform charges.
  it('law: every accepted request is exactly one of byok, platform, failed; lines add up to the totals', () => {
    fc.assert(
      fc.property(logWithDuplicatesArb(), configArb(), (rows, config) => {
        const { bill, decisions } = billLog(rows, config);
        const distinct = new Set(rows.map((r) => r.requestId)).size;
        expect(bill.input).toEqual({ rows: rows.length, accepted: distinct, rejected: 0, duplicates: rows.length - distinct });

        // Each accepted request in exactly one route, in the line of its scope and period.
        const accepted = decisions.filter((d) => !d.duplicate);
        expect(accepted).toHaveLength(distinct);
        const tally = new Map<string, { byok: number; platform: number; failed: number }>();
        for (const d of accepted) {
          const key = `${d.scope} ${d.period}`;
          const t = tally.get(key) ?? { byok: 0, platform: 0, failed: 0 };
          t[d.route]++;
          tally.set(key, t);
        }
        expect(new Map(bill.lines.map((l) => [`${l.scope} ${l.period}`, { byok: l.byokRequests, platform: l.platformRequests, failed: l.failedRequests }]))).toEqual(tally);
        expect(bill.totals.byokRequests + bill.totals.platformRequests + bill.totals.failedRequests).toBe(distinct);

        for (const line of bill.lines) {
          expect(line.byokRequests).toBe(line.freeRequests + line.billableRequests);
          expect(line.totalUsd.toString()).toBe(sumText([line.feeUsd, line.platformCostUsd]));
        }
        // Totals: every field is the exact sum of the lines.
        for (const f of COUNT_FIELDS) {
          expect(bill.totals[f], f).toBe(bill.lines.reduce((acc, l) => acc + l[f], 0));
        }
        for (const f of MONEY_FIELDS) {
          expect(bill.totals[f].toString(), f).toBe(sumText(bill.lines.map((l: BillAmounts) => l[f])));
        }
        // And the charges of the decisions add up to the bill.
        expect(bill.totals.totalUsd.toString()).toBe(sumText(accepted.map((d) => d.charge)));
        expect(bill.totals.feeUsd.toString()).toBe(sumText(accepted.map((d) => d.fee)));
      }),
    );
  });
});
