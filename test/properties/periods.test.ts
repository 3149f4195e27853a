import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { billLog, configArb } from '../arbitraries/billConfig.js';
import { logWithDuplicatesArb } from '../arbitraries/requestLog.js';
import { utcMonth } from './policyOracle.js';

describe('periods', () => {
  // catches: the local wall-clock month of the written timestamp used instead of the UTC
  // month (offset ignored); a month cache that misses the reset at midnight UTC; epoch
  // milliseconds read as seconds; sub-millisecond digits dropped or misread.
  it('law: an instant written with any offset, or as epoch ms, falls in the UTC month computed independently', () => {
    fc.assert(
      fc.property(logWithDuplicatesArb(), configArb(), (rows, config) => {
        const { bill, decisions } = billLog(rows, config);
        const truth = new Map(rows.map((r) => [r.requestId, r.instant]));
        for (const d of decisions) {
          const instant = truth.get(d.request.requestId)!;
          expect({ epochMs: d.request.instant.epochMs, nanos: d.request.instant.nanos }).toEqual(instant);
          expect(d.period, d.request.requestId).toBe(utcMonth(instant.epochMs));
          expect(d.policyVersion).toBe(instant.epochMs >= Date.UTC(2025, 9, 1) ? '2025-10-free-million' : '2024-byok-fee');
        }
        const months = new Set(rows.map((r) => utcMonth(r.instant.epochMs)));
        expect(new Set(bill.lines.map((l) => l.period))).toEqual(months);
      }),
    );
  });
});
