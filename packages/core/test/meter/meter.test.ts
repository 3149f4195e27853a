import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConflictingDuplicateError,
  billRequests,
  billToJson,
  compareRequests,
  createMeter,
  createMemoryStore,
  defaultPolicyDocument,
  loadPolicy,
  parseMoney,
  parseTimestamp,
  type UsageRequest,
} from '@byok-billing/core';
import { logArb, toUsageRequest } from '../../../../test/arbitraries/requestLog.js';

// A small allowance, so generated logs cross it.
const doc = JSON.parse(JSON.stringify(defaultPolicyDocument));
doc.parameters.allowance = 2;
const policy = loadPolicy(doc);

const req = (id: string, at: string, cost = '0.10', org = 'acme'): UsageRequest => ({
  requestId: id,
  instant: parseTimestamp(at),
  userId: 'u',
  orgId: org,
  cost: parseMoney(cost),
  keyResult: 'ok',
});

async function meterBill(requests: readonly UsageRequest[]) {
  const meter = createMeter({ policy, store: createMemoryStore() });
  for (const r of requests) await meter.record(r);
  return billToJson(await meter.bill());
}

describe('online meter', () => {
  it('law (parity): on requests in allowance order, the meter bills exactly what the batch ledger bills', async () => {
    // catches: the meter deciding with other rules than the ledger, counters keyed wrongly,
    // a bill from stored records summing differently from the ledger's lines.
    await fc.assert(
      fc.asyncProperty(logArb(), async (rows) => {
        const unique = [...new Map(rows.map((r) => [r.requestId, toUsageRequest(r)])).values()].sort(compareRequests);
        const batch = billToJson(billRequests(unique, { policy }).bill);
        const online = await meterBill(unique);
        expect(online.lines).toEqual(batch.lines);
        expect(online.totals).toEqual(batch.totals);
      }),
    );
  });

  it('law (idempotency): replaying any subset of recorded requests changes nothing', async () => {
    // catches: a retried request counted again, or given a new ordinal.
    await fc.assert(
      fc.asyncProperty(logArb(), fc.array(fc.nat()), async (rows, picks) => {
        const unique = [...new Map(rows.map((r) => [r.requestId, toUsageRequest(r)])).values()].sort(compareRequests);
        const meter = createMeter({ policy });
        const first = [];
        for (const r of unique) first.push((await meter.record(r)).record);
        const before = billToJson(await meter.bill());
        for (const i of picks) {
          if (unique.length === 0) break;
          const again = await meter.record(unique[i % unique.length]!);
          expect(again.replayed).toBe(true);
          expect(again.record).toEqual(first[i % unique.length]);
        }
        expect(billToJson(await meter.bill())).toEqual(before);
      }),
    );
  });

  it('decides late requests in arrival order: the late one takes the next ordinal of its period', async () => {
    const meter = createMeter({ policy });
    await meter.record(req('a', '2025-10-01T10:00:00Z'));
    await meter.record(req('c', '2025-10-03T10:00:00Z'));
    const late = await meter.record(req('b', '2025-10-02T10:00:00Z'));
    expect(late.record).toMatchObject({ ordinal: 3, status: 'billable', feeUsd: '0.005', period: '2025-10' });
    // The batch bill puts b second (free) and c third (billable): same total, other request.
    const batch = billRequests([req('a', '2025-10-01T10:00:00Z'), req('b', '2025-10-02T10:00:00Z'), req('c', '2025-10-03T10:00:00Z')], { policy });
    expect(batch.decisions.map((d) => [d.request.requestId, d.status])).toEqual([
      ['a', 'free'],
      ['b', 'free'],
      ['c', 'billable'],
    ]);
  });

  it('a retried request with other content is a conflict, not a new request', async () => {
    const meter = createMeter({ policy });
    await meter.record(req('a', '2025-10-01T10:00:00Z'));
    await expect(meter.record(req('a', '2025-10-01T10:00:00Z', '0.20'))).rejects.toBeInstanceOf(ConflictingDuplicateError);
    await expect(meter.record(req('a', '2025-10-01T11:00:00Z'))).rejects.toBeInstanceOf(ConflictingDuplicateError);
    expect((await meter.record(req('a', '2025-10-01T10:00:00Z', '0.1'))).replayed).toBe(true);
  });

  it('keeps one counter per scope and period', async () => {
    const meter = createMeter({ policy });
    const out = [];
    for (const r of [req('a', '2025-10-01T10:00:00Z'), req('b', '2025-10-01T11:00:00Z', '0.1', 'other'), req('c', '2025-11-01T10:00:00Z'), req('d', '2025-10-02T10:00:00Z')]) {
      out.push((await meter.record(r)).record);
    }
    expect(out.map((r) => [r.scope, r.period, r.ordinal])).toEqual([
      ['org:acme', '2025-10', 1],
      ['org:other', '2025-10', 1],
      ['org:acme', '2025-11', 1],
      ['org:acme', '2025-10', 2],
    ]);
    const records = [];
    for await (const r of meter.records()) records.push(r.requestId);
    expect(records).toEqual(['a', 'b', 'c', 'd']);
  });
});
