import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { billToJson } from '@byok-billing/core';
import { billLog, configArb } from '../arbitraries/billConfig.js';
import { logWithDuplicatesArb } from '../arbitraries/requestLog.js';
import { referenceBill } from './referenceBill.js';

describe('the engine against the reference implementation', () => {
  // catches: any deviation of the ledger from POLICY.md that the reference reads differently —
  // a wrong routing cell, an ordinal shared across scopes or months, the allowance of the
  // wrong version, the UTF-16 tie-break, fees rounded per request, a mis-sorted line.
  it('law: the bill equals the reference bill, line for line and decision for decision', () => {
    fc.assert(
      fc.property(logWithDuplicatesArb(), configArb(), (rows, config) => {
        const { bill, decisions } = billLog(rows, config);
        const ref = referenceBill(rows, config);
        const { policy: _policy, ...json } = billToJson(bill);
        expect(json).toEqual({ input: ref.input, lines: ref.lines, totals: ref.totals });
        expect(bill.routeMismatches).toBe(ref.routeMismatches);
        expect(decisions).toHaveLength(rows.length);
        for (const d of decisions) {
          const expected = ref.decisions.get(d.request.requestId)!;
          expect({
            scope: d.scope,
            period: d.period,
            route: d.route,
            ordinal: d.ordinal,
            status: d.status,
            fee: d.fee.toString(),
            charge: d.charge.toString(),
            routeMismatch: d.routeMismatch,
          }).toEqual(expected);
        }
      }),
    );
  });
});
