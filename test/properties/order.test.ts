import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { billToJson } from '@byok-billing/core';
import { billLog, configArb } from '../arbitraries/billConfig.js';
import { logWithDuplicatesArb } from '../arbitraries/requestLog.js';

describe('order', () => {
  // catches: the allowance consumed in file order instead of time order (POLICY.md D1);
  // duplicates found only when adjacent in the input; an unstable tie-break between
  // requests at the same instant; lines listed in first-seen order.
  it('law: any permutation of the input gives the same bill', () => {
    const logAndPermutation = logWithDuplicatesArb().chain((rows) =>
      fc.tuple(fc.constant(rows), fc.shuffledSubarray(rows, { minLength: rows.length, maxLength: rows.length })),
    );
    fc.assert(
      fc.property(logAndPermutation, configArb(), ([rows, permuted], config) => {
        const a = billLog(rows, config);
        const b = billLog(permuted, config);
        expect(billToJson(b.bill)).toEqual(billToJson(a.bill));
        expect(b.bill.routeMismatches).toBe(a.bill.routeMismatches);
        const byId = (r: typeof a) => new Map(r.decisions.filter((d) => !d.duplicate).map((d) => [d.request.requestId, [d.ordinal, d.status, d.fee.toString()]]));
        expect(byId(b)).toEqual(byId(a));
      }),
    );
  });
});
