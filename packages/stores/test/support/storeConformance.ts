import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CounterStep,
  type DecideStep,
  type DecisionRecord,
  type FeeState,
  NO_FEES,
  type MeterStore,
  type UsageRequest,
  billFromRecords,
  billRequests,
  billToJson,
  compareRequests,
  createMeter,
  defaultPolicyDocument,
  loadPolicy,
  parseMoney,
  parseTimestamp,
} from '@byok-billing/core';
import { logArb, toUsageRequest } from '../../../../test/arbitraries/requestLog.js';

/** A store under test: `open` gives a new handle onto the same data (a restart, for durable stores). */
export interface StoreFixture {
  readonly durable: boolean;
  open(): MeterStore;
  cleanup(): Promise<void>;
}

// A small allowance, so short logs cross it.
const doc = JSON.parse(JSON.stringify(defaultPolicyDocument));
doc.parameters.allowance = 2;
export const smallPolicy = loadPolicy(doc);

const request = (id: string, at: string, org = 'acme', keyResult: UsageRequest['keyResult'] = 'ok'): UsageRequest => ({
  requestId: id,
  instant: parseTimestamp(at),
  userId: 'u',
  orgId: org,
  cost: parseMoney('0.10'),
  keyResult,
});

async function collect(records: AsyncIterable<DecisionRecord>): Promise<DecisionRecord[]> {
  const out: DecisionRecord[] = [];
  for await (const r of records) out.push(r);
  return out;
}

/** A decide step that counts every call: enough to test a store without the policy. */
const countEvery =
  (id: string) =>
  (counted: number): CounterStep => ({ record: { requestId: id, ordinal: counted + 1, feeUsd: '0' } as DecisionRecord, counted: counted + 1 });

let runs = 0;
/** Requests of one property run, renamed so that runs sharing a store never meet (ids, scopes). */
function isolated(requests: readonly UsageRequest[]): UsageRequest[] {
  const tag = `run${++runs}-`;
  return requests.map((r) => ({ ...r, requestId: tag + r.requestId, userId: tag + r.userId, orgId: r.orgId ? tag + r.orgId : r.orgId }));
}

/**
 * What every MeterStore must do (MeterStore's contract), run against each store. Each
 * law's comment names the fault it catches.
 */
export function storeConformance(name: string, makeFixture: () => Promise<StoreFixture> | StoreFixture): void {
  describe(`${name} store conformance`, () => {
    let fixture: StoreFixture;
    let store: MeterStore;
    beforeAll(async () => {
      fixture = await makeFixture();
      store = fixture.open();
    });
    afterAll(async () => {
      await store?.close();
      await fixture?.cleanup();
    });

    it('counts: the n-th counted request of a scope-period gets ordinal n; others get none and leave the count', async () => {
      // catches: one counter for all scopes or periods, a non-counting request counted.
      const meter = createMeter({ policy: smallPolicy, store });
      const sequence = [
        request('c-a', '2025-10-01T10:00:00Z'),
        request('c-b', '2025-10-01T11:00:00Z', 'other'),
        request('c-c', '2025-11-01T10:00:00Z'),
        request('c-d', '2025-10-02T10:00:00Z', 'acme', 'rate_limited'),
        request('c-e', '2025-10-03T10:00:00Z'),
        request('c-f', '2025-10-04T10:00:00Z'),
      ];
      const out = [];
      for (const r of sequence) out.push((await meter.record(r)).record);
      expect(out.map((r) => [r.requestId, r.scope, r.period, r.ordinal, r.status])).toEqual([
        ['c-a', 'org:acme', '2025-10', 1, 'free'],
        ['c-b', 'org:other', '2025-10', 1, 'free'],
        ['c-c', 'org:acme', '2025-11', 1, 'free'],
        ['c-d', 'org:acme', '2025-10', null, null],
        ['c-e', 'org:acme', '2025-10', 2, 'free'],
        ['c-f', 'org:acme', '2025-10', 3, 'billable'],
      ]);
      expect(out[5]!.feeUsd).toBe('0.005');
    });

    it('ordinals are exactly 1..n per scope-period when many calls are in flight at once', async () => {
      // catches: a batch reading a counter once per call instead of carrying it, lost updates.
      const calls = Array.from({ length: 1200 }, (_, i) => store.record(`burst\n${i % 3}`, `burst-${i}`, countEvery(`burst-${i}`)));
      const outcomes = await Promise.all(calls);
      for (let k = 0; k < 3; k++) {
        const ordinals = outcomes.filter((_, i) => i % 3 === k).map((o) => o.record.ordinal);
        expect(ordinals).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
      }
    });

    it('replayed: a recorded request_id gets its stored record back and is not decided again, even within one batch', async () => {
      // catches: a retry counted twice, a retry in the same transaction missing the first.
      let decided = 0;
      const decide = (id: string) => (counted: number) => {
        decided++;
        return countEvery(id)(counted);
      };
      const [first, second] = await Promise.all([store.record('replay', 'r-1', decide('r-1')), store.record('replay', 'r-1', decide('r-1'))]);
      const third = await store.record('replay', 'r-1', decide('r-1'));
      const next = await store.record('replay', 'r-2', decide('r-2'));
      expect([first.replayed, second.replayed, third.replayed]).toEqual([false, true, true]);
      expect(second.record).toEqual(first.record);
      expect(third.record).toEqual(first.record);
      expect(next.record.ordinal).toBe(2);
      expect(decided).toBe(2);
    });

    it('a decide step that throws fails its own call alone', async () => {
      // catches: one bad request rolling back (or failing) the other requests of its batch.
      const boom = () => {
        throw new RangeError('boom');
      };
      const calls = [store.record('fail', 'f-1', countEvery('f-1')), store.record('fail', 'f-2', boom), store.record('fail', 'f-3', countEvery('f-3'))];
      const settled = await Promise.allSettled(calls);
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((settled[1] as PromiseRejectedResult).reason).toBeInstanceOf(RangeError);
      expect((settled[2] as PromiseFulfilledResult<{ record: DecisionRecord }>).value.record.ordinal).toBe(2);
      expect((await store.record('fail', 'f-2', countEvery('f-2'))).record.ordinal).toBe(3);
    });

    it('records() yields every record once, in the order they were recorded', async () => {
      // catches: records in id or key order, a page boundary skipping or repeating rows.
      const ids = Array.from({ length: 2500 }, (_, i) => `order-${(i * 7919) % 2500}`);
      await Promise.all(ids.map((id, i) => store.record(`order\n${i % 5}`, id, countEvery(id))));
      const stored = (await collect(store.records())).map((r) => r.requestId).filter((id) => id.startsWith('order-'));
      expect(stored).toEqual(ids);
    });

    it('law (parity): on requests in allowance order, the bill of the stored decisions is the batch ledger bill', async () => {
      // catches: a store altering a record (money, ordinals) on its way in or out.
      await fc.assert(
        fc.asyncProperty(logArb({ maxLength: 30 }), async (rows) => {
          const unique = isolated([...new Map(rows.map((r) => [r.requestId, toUsageRequest(r)])).values()].sort(compareRequests));
          const meter = createMeter({ policy: smallPolicy, store });
          for (const r of unique) await meter.record(r);
          const ids = new Set(unique.map((r) => r.requestId));
          const mine = (await collect(store.records())).filter((r) => ids.has(r.requestId));
          const batch = billToJson(billRequests(unique, { policy: smallPolicy }).bill);
          const stored = billToJson(await billFromRecords(mine, smallPolicy));
          expect(stored.lines).toEqual(batch.lines);
          expect(stored.totals).toEqual(batch.totals);
        }),
      );
    });

    it('law (idempotency): replaying any subset of recorded requests, in any order, changes neither records nor bill', async () => {
      // catches: a retry counted again, given a new ordinal, or stored a second time.
      await fc.assert(
        fc.asyncProperty(logArb({ maxLength: 30 }), fc.array(fc.nat(), { maxLength: 40 }), async (rows, picks) => {
          const unique = isolated([...new Map(rows.map((r) => [r.requestId, toUsageRequest(r)])).values()]);
          const meter = createMeter({ policy: smallPolicy, store });
          const first = await Promise.all(unique.map((r) => meter.record(r)));
          const ids = new Set(unique.map((r) => r.requestId));
          const mine = async () => (await collect(store.records())).filter((r) => ids.has(r.requestId));
          const before = await mine();
          if (unique.length > 0) {
            const again = await Promise.all(picks.map((i) => meter.record(unique[i % unique.length]!)));
            again.forEach((outcome, k) => {
              expect(outcome.replayed).toBe(true);
              expect(outcome.record).toEqual(first[picks[k]! % unique.length]!.record);
            });
          }
          const after = await mine();
          expect(after).toEqual(before);
          expect(billToJson(await billFromRecords(after, smallPolicy))).toEqual(billToJson(await billFromRecords(before, smallPolicy)));
        }),
      );
    });

    it('a store opened again holds every record and continues each count (durable stores)', async (context) => {
      // catches: a counter or decision kept only in memory, a schema re-created over data.
      if (!fixture.durable) context.skip();
      const before = await collect(store.records());
      const again = fixture.open();
      try {
        expect(await collect(again.records())).toEqual(before);
        const replay = await again.record('org:acme\n2025-10', 'c-a', countEvery('c-a'));
        expect(replay.replayed).toBe(true);
        const meter = createMeter({ policy: smallPolicy, store: again });
        expect((await meter.record(request('c-g', '2025-10-05T10:00:00Z'))).record.ordinal).toBe(4);
      } finally {
        await again.close();
      }
    });

    it('fee states: each counter keeps the one its last step gave, exactly, beside its count; steps giving none and replays leave it', async () => {
      // catches: a fee state not carried within a batch, shared between counters, rounded
      // (amounts past 2^64), reset by a shorthand step, moved by a replay, or lost on reopening.
      const add: FeeState = { listUsdSoFar: 10n ** 30n + 7n, feesSoFar: 3n * 10n ** 40n + 1n };
      const seen: [string, number, FeeState][] = [];
      const step =
        (id: string, moves: boolean): DecideStep =>
        (counted, fees) => {
          seen.push([id, counted, fees]);
          const record = { requestId: id, ordinal: counted + 1, feeUsd: '0' } as DecisionRecord;
          const next = { listUsdSoFar: fees.listUsdSoFar + add.listUsdSoFar, feesSoFar: fees.feesSoFar + add.feesSoFar };
          return moves ? { record, counted: counted + 1, fees: next } : { record, counted: counted + 1 };
        };
      const [k, other] = ['fee\nk', 'fee\nother'];
      await Promise.all([store.record(k, 'fee-a', step('fee-a', true)), store.record(k, 'fee-b', step('fee-b', true)), store.record(other, 'fee-c', step('fee-c', false))]);
      await store.record(k, 'fee-d', step('fee-d', false));
      expect((await store.record(k, 'fee-a', step('fee-a', true))).replayed).toBe(true);
      const again = fixture.durable ? fixture.open() : store;
      try {
        await again.record(k, 'fee-e', step('fee-e', true));
        await again.record(other, 'fee-f', step('fee-f', true));
      } finally {
        if (again !== store) await again.close();
      }
      const times = (n: bigint): FeeState => ({ listUsdSoFar: add.listUsdSoFar * n, feesSoFar: add.feesSoFar * n });
      expect(seen).toEqual([
        ['fee-a', 0, NO_FEES],
        ['fee-b', 1, times(1n)],
        ['fee-c', 0, NO_FEES],
        ['fee-d', 2, times(2n)],
        ['fee-e', 3, times(2n)],
        ['fee-f', 1, NO_FEES],
      ]);
    });

    it('a closed store refuses calls (durable stores)', async (context) => {
      // catches: a write after close silently lost.
      if (!fixture.durable) context.skip();
      const other = fixture.open();
      await other.close();
      await expect(other.record('closed', 'x', countEvery('x'))).rejects.toMatchObject({ code: 'STORE_CLOSED' });
    });
  });
}
