import fc from 'fast-check';
import type { DecisionRecord } from '@byok-billing/core';

/*
 * Stored decisions with strings as odd as a store must keep exactly: the memory store packs
 * them into a byte pool, SQLite cannot keep lone surrogates as text. Shared by every store's
 * round-trip property, so each is held to the same records.
 */

/** Text with graphemes, any code units, lone surrogates and the code units whose UTF-8 layout is longest. */
export const oddText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.array(fc.constantFrom(0xd800, 0xdfff, 0x7ff, 0x800, 0xffff, 0x7f, 0x00), { maxLength: 6 }).map((u) => String.fromCharCode(...u)),
);

/** A decision record with this request id and odd text wherever a store keeps text. */
export const decisionRecordArb = (requestId: string) =>
  fc.record({
    requestId: fc.constant(requestId),
    instant: oddText,
    scope: oddText,
    period: fc.constantFrom('2025-01', '2025-02'),
    policyVersion: fc.constantFrom('v1', 'v2'),
    failoverMode: fc.constantFrom('failover', 'strict'),
    route: fc.constantFrom('byok', 'platform', 'none'),
    routeRule: fc.constantFrom('r1', 'r\u00e9"2'),
    recordedRoute: fc.constantFrom(null, 'byok', 'platform'),
    routeMismatch: fc.boolean(),
    counted: fc.boolean(),
    ordinal: fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 0x7fffffff })),
    allowance: fc.integer({ min: 0, max: 10_000_000 }),
    status: fc.constantFrom(null, 'within', 'over'),
    chargeKind: fc.constantFrom('fee', 'none', 'platform'),
    chargeRule: fc.constantFrom('c1', 'c2'),
    costUsd: oddText,
    feeUsd: oddText,
    chargeUsd: oddText,
    chargedUsd: fc.oneof(fc.constant(null), oddText),
  }) as unknown as fc.Arbitrary<DecisionRecord>;
