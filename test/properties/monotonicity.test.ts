import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Bill, Money } from '@byok-billing/core';
import { type BillConfig, billLog, configArb } from '../arbitraries/billConfig.js';
import { costText, feeRateText } from '../arbitraries/money.js';
import { type LogRow, logWithDuplicatesArb, repeatOf, requestIdArb } from '../arbitraries/requestLog.js';
import { MONTHS, instantIn, renderedTimestamp } from '../arbitraries/timestamps.js';
import { compareDecimalText } from './policyOracle.js';

/** Compares money values exactly (bigint on their text), independently of Money.compare. */
const cmp = (a: Money, b: Money): number => compareDecimalText(a.toString(), b.toString());

/** Every line of `low` has a fee ≤ its line in `high`, and the total fee too. */
function expectFeesAtMost(low: Bill, high: Bill): void {
  const highFees = new Map(high.lines.map((l) => [`${l.scope} ${l.period}`, l.feeUsd]));
  for (const line of low.lines) {
    const other = highFees.get(`${line.scope} ${line.period}`);
    expect(other, `${line.scope} ${line.period}`).toBeDefined();
    expect(cmp(line.feeUsd, other!), `${line.scope} ${line.period}: ${line.feeUsd} vs ${other}`).toBeLessThanOrEqual(0);
  }
  expect(cmp(low.totals.feeUsd, high.totals.feeUsd)).toBeLessThanOrEqual(0);
}

/** A request that goes through the key under every failover mode (key ok, platform down), or recorded as BYOK. */
function byokRequest(rows: readonly LogRow[]): fc.Arbitrary<LogRow> {
  const ids = new Set(rows.map((r) => r.requestId));
  return fc
    .record({
      requestId: requestIdArb.filter((id) => !ids.has(id)),
      instant: fc.oneof(instantIn(MONTHS), ...(rows.length > 0 ? [fc.constantFrom(...rows).map((r) => r.instant)] : [])),
      who: rows.length > 0 ? fc.constantFrom(...rows) : fc.constant({ userId: 'u1', orgId: undefined }),
      cost: costText,
      recorded: fc.boolean(),
    })
    .chain((x) =>
      renderedTimestamp(x.instant).map(
        (timestamp): LogRow => ({
          requestId: x.requestId,
          instant: x.instant,
          timestamp,
          userId: x.who.userId,
          orgId: x.who.orgId,
          cost: x.cost,
          keyResult: x.recorded ? undefined : 'ok',
          platformResult: x.recorded ? undefined : 'error',
          recordedRoute: x.recorded ? 'byok' : undefined,
          model: undefined,
        }),
      ),
    );
}

describe('monotonicity', () => {
  // catches: billable only at ordinal === allowance + 1 (a later request then stops paying
  // when an earlier one is added); an added request resetting or not advancing the count;
  // a fee on the new request that displaces a larger one wrongly.
  it('law: one more BYOK request never lowers a fee', () => {
    const withExtra = logWithDuplicatesArb({ maxLength: 40 }).chain((rows) =>
      fc.tuple(fc.constant(rows), byokRequest(rows)).chain(([rs, extra]) => fc.tuple(fc.constant(rs), fc.constant(extra), repeatOf(extra), fc.boolean())),
    );
    fc.assert(
      fc.property(withExtra, configArb(), ([rows, extra, repeat, twice], config) => {
        const before = billLog(rows, config).bill;
        const after = billLog(twice ? [...rows, extra, repeat] : [extra, ...rows], config).bill;
        expect(after.totals.byokRequests).toBe(before.totals.byokRequests + 1);
        expectFeesAtMost(before, after);
      }),
    );
  });

  // catches: the allowance compared the wrong way round (free past it, billable within);
  // the policy allowance overriding a larger account free_requests, or vice versa.
  it('law: a larger allowance never raises a fee', () => {
    fc.assert(
      fc.property(logWithDuplicatesArb(), configArb(), fc.integer({ min: 0, max: 5 }), (rows, config, more) => {
        const larger: BillConfig = { ...config, allowance: config.allowance + more };
        expectFeesAtMost(billLog(rows, larger).bill, billLog(rows, config).bill);
      }),
    );
  });

  // catches: the rate's scale misapplied (0.1 charged as less than 0.05), the rate's
  // digits truncated, the fee computed from something other than rate × cost.
  it('law: a higher rate never lowers a fee', () => {
    fc.assert(
      fc.property(logWithDuplicatesArb(), configArb(), feeRateText, feeRateText, (rows, config, r1, r2) => {
        const [low, high] = compareDecimalText(r1, r2) <= 0 ? [r1, r2] : [r2, r1];
        expectFeesAtMost(billLog(rows, { ...config, feeRate: low }).bill, billLog(rows, { ...config, feeRate: high }).bill);
      }),
    );
  });
});

