import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConflictingDuplicateError, billToJson } from '@byok-billing/core';
import { billLog, configArb } from '../arbitraries/billConfig.js';
import { type LogRow, logArb, repeatOf } from '../arbitraries/requestLog.js';
import { formatDecimal, readDecimal, unitsAt } from './policyOracle.js';

/** The row with one field changed (a conflict under POLICY.md D6). */
const changed = (row: LogRow): fc.Arbitrary<LogRow> =>
  fc.oneof(
    fc.constant({ ...row, userId: `${row.userId}x` }),
    fc.constant({ ...row, orgId: row.orgId ? undefined : 'other' }),
    fc.constant({ ...row, model: row.model === 'm1' ? 'm2' : 'm1' }),
    fc.constant({ ...row, cost: formatDecimal(unitsAt(readDecimal(row.cost), 12) + 1n, 12) }),
    fc.constant({ ...row, keyResult: row.keyResult === 'ok' ? ('error' as const) : ('ok' as const) }),
    fc.constant({ ...row, platformResult: row.platformResult === 'error' ? ('ok' as const) : ('error' as const) }),
    fc.constant({ ...row, recordedRoute: row.recordedRoute === 'failed' ? ('byok' as const) : ('failed' as const) }),
    fc.integer({ min: 1, max: 5 }).map((ms) => ({ ...row, instant: { ...row.instant, epochMs: row.instant.epochMs + ms }, timestamp: String(row.instant.epochMs + ms) })),
  );

describe('duplicates', () => {
  // catches: a repeated row billed twice, or found only when adjacent; a repeat whose cost
  // is written '0.10' for '0.1' or whose timestamp has another offset taken as a conflict;
  // a changed repeat silently kept or dropped instead of refused.
  it('law: repeating rows never changes the lines; a repeat with other content is a conflict', () => {
    const arb = logArb({ minLength: 1, maxLength: 40 }).chain((rows) =>
      fc.tuple(
        fc.constant(rows),
        fc.array(fc.constantFrom(...rows).chain(repeatOf), { minLength: 1, maxLength: 15 }),
        fc.constantFrom(...rows).chain(changed),
        fc.nat(rows.length),
      ),
    );
    fc.assert(
      fc.property(arb, configArb(), ([rows, repeats, conflict, at], config) => {
        const once = billToJson(billLog(rows, config).bill);
        const repeated = billToJson(billLog([...repeats, ...rows], config).bill);
        expect(repeated.lines).toEqual(once.lines);
        expect(repeated.totals).toEqual(once.totals);
        expect(repeated.input).toEqual({ ...once.input, rows: once.input.rows + repeats.length, duplicates: repeats.length });
        const withConflict = [...rows.slice(0, at), conflict, ...rows.slice(at)];
        expect(() => billLog(withConflict, config)).toThrow(ConflictingDuplicateError);
      }),
    );
  });
});
