import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CounterStep, type DecisionRecord, createMemoryStore } from '@byok-billing/core';
import { decisionRecordArb as recordArb, oddText as text } from '../../../../test/arbitraries/decisionRecord.js';

// The memory store packs decisions into a byte pool and typed arrays; these hold it to
// giving back exactly what it was given, whatever the strings hold.

const storing = (record: DecisionRecord) => (counted: number): CounterStep => ({ record, counted: counted + 1 });

describe('memory store', () => {
  it('law (round trip): records read back deep-equal, key order included, and replays give the stored one', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(text, { minLength: 1, maxLength: 40 }).chain((ids) => fc.tuple(...ids.map(recordArb))),
        async (records) => {
          const store = createMemoryStore();
          const seqs: number[] = [];
          for (const r of records) {
            const outcome = await store.record('k', r.requestId, storing(r));
            expect(outcome.replayed).toBe(false);
            seqs.push(outcome.seq!);
          }
          expect(seqs).toEqual(records.map((_, i) => i + 1));
          const back: DecisionRecord[] = [];
          for await (const r of store.records()) back.push(r);
          expect(back).toEqual(records);
          expect(back.map((r) => Object.keys(r))).toEqual(records.map((r) => Object.keys(r)));
          for (const [i, r] of records.entries()) {
            const again = await store.record('k', r.requestId, () => {
              throw new Error('a replay must not decide');
            });
            expect(again).toEqual({ record: r, replayed: true, seq: i + 1, crossed: [] });
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps records that are not whole decision records as given', async () => {
    const store = createMemoryStore();
    const partial = { requestId: 'p', ordinal: 1, feeUsd: '0' } as DecisionRecord;
    const renamed = { requestId: 'other', ordinal: 2 } as unknown as DecisionRecord;
    await store.record('k', 'p', storing(partial));
    await store.record('k', 'q', storing(renamed));
    expect((await store.record('k', 'p', storing(renamed))).record).toBe(partial);
    expect((await store.record('k', 'q', storing(partial))).record).toBe(renamed);
  });

  it('finds ids among many (the index grows) and ids of 100,000 characters', async () => {
    const store = createMemoryStore();
    const long = 'x'.repeat(50_000) + '\u00e9'.repeat(50_000);
    for (let i = 0; i < 20_000; i++) await store.record(`k${i % 7}`, `r${i}`, (c) => ({ record: { requestId: `r${i}` } as DecisionRecord, counted: c + 1 }));
    await store.record('k', long, (c) => ({ record: { requestId: long } as DecisionRecord, counted: c + 1 }));
    expect((await store.record('k', 'r12345', () => { throw new Error('decided twice'); })).seq).toBe(12346);
    expect((await store.record('k', long, () => { throw new Error('decided twice'); })).record.requestId).toBe(long);
    // Counters are per key: k3 counted every seventh request.
    const step = await store.record('k3', 'new', (c) => ({ record: { requestId: 'new', ordinal: c + 1 } as DecisionRecord, counted: c + 1 }));
    expect(step.record.ordinal).toBe(Math.ceil((20_000 - 3) / 7) + 1);
  });
});
