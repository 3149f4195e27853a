import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Bill, billToJson } from '@byok-billing/core';
import { billLog, configArb } from '../arbitraries/billConfig.js';
import { type LogRow, logWithDuplicatesArb } from '../arbitraries/requestLog.js';
import { formatDecimal, readDecimal, scopeFor, utcMonth, utf8Compare } from './policyOracle.js';

/** The lines of several bills joined and sorted by scope (UTF-8) and period, as one bill's would be. */
function joinLines(bills: readonly Bill[]) {
  return bills
    .flatMap((b) => billToJson(b).lines)
    .sort((a, b) => utf8Compare(a.scope, b.scope) || (a.period < b.period ? -1 : a.period > b.period ? 1 : 0));
}

/** Field-wise exact sum of bills' totals (bigint on the money text). */
function sumTotals(bills: readonly Bill[], template: Readonly<Record<string, string | number>>): Record<string, string | number> {
  const out: Record<string, string | number> = Object.fromEntries(Object.entries(template).map(([k, v]) => [k, typeof v === 'number' ? 0 : '0']));
  for (const b of bills) {
    for (const [k, v] of Object.entries(billToJson(b).totals)) {
      if (typeof v === 'number') out[k] = (out[k] as number) + v;
      else {
        const x = readDecimal(out[k] as string);
        const y = readDecimal(v);
        const scale = Math.max(x.scale, y.scale);
        out[k] = formatDecimal(x.units * 10n ** BigInt(scale - x.scale) + y.units * 10n ** BigInt(scale - y.scale), scale);
      }
    }
  }
  return out;
}

function groupBy(rows: readonly LogRow[], key: (row: LogRow) => string): LogRow[][] {
  const groups = new Map<string, LogRow[]>();
  for (const row of rows) groups.set(key(row), [...(groups.get(key(row)) ?? []), row]);
  return [...groups.values()];
}

describe('partition', () => {
  // catches: one allowance counter shared by all scopes, or carried over from one month to
  // the next (ordinal counted across months); a scope's failover mode or allowance leaking
  // to the next scope through a cache; the line cache returning a stale month.
  it('law: billing each scope, or each month, separately and joining the lines gives the same bill', () => {
    fc.assert(
      fc.property(logWithDuplicatesArb(), configArb(), (rows, config) => {
        const whole = billLog(rows, config).bill;
        const wholeJson = billToJson(whole);
        const partitions = {
          scope: groupBy(rows, (r) => scopeFor(r.userId, r.orgId, config.scopeMode)),
          month: groupBy(rows, (r) => utcMonth(r.instant.epochMs)),
        };
        for (const [by, groups] of Object.entries(partitions)) {
          const bills = groups.map((g) => billLog(g, config).bill);
          expect(joinLines(bills), by).toEqual(wholeJson.lines);
          expect(sumTotals(bills, wholeJson.totals), by).toEqual(wholeJson.totals);
          expect(bills.reduce((n, b) => n + b.input.duplicates, 0), by).toBe(whole.input.duplicates);
          expect(bills.reduce((n, b) => n + b.routeMismatches, 0), by).toBe(whole.routeMismatches);
        }
      }),
    );
  });
});
