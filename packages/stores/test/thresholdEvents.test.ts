import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CounterStep, type DecisionRecord, type MeterStore, type ThresholdCrossing, type ThresholdEvent, createMemoryStore } from '@byok-billing/core';
import { createPostgresStore, createSqliteStore } from '@byok-billing/stores';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { describePostgres, dropTables, queryOnce, uniquePrefix } from './support/postgresTarget.js';
import { createPreviousSqliteStore } from './support/previousSchemas.js';

/*
 * The threshold outbox of every store (issue 17): a crossing is kept at most once per
 * (scope, period, threshold), whoever offers it again (a later request, another store
 * instance on the same data: another process); only the call that kept it reports it; the
 * outbox gives every kept event once, in seq order, after any cursor. Catches: a unique key
 * missing or over the wrong columns, a crossing reported although the store refused it,
 * events kept by a replay, an outbox that repeats or skips across pages.
 */
const crossing = (threshold: string, requestId: string, count: number, scope = 'org:a'): ThresholdCrossing => ({
  scope,
  period: '2025-10',
  threshold,
  requestId,
  instant: '2025-10-01T00:00:00Z',
  count,
  listUsd: null,
});

const step =
  (id: string, crossings: readonly ThresholdCrossing[] = []) =>
  (counted: number): CounterStep => ({ record: { requestId: id, ordinal: counted + 1, feeUsd: '0' } as DecisionRecord, counted: counted + 1, crossings });

const noDecision = (): CounterStep => {
  throw new Error('a replay must not decide');
};

async function collect(events: AsyncIterable<ThresholdEvent>): Promise<ThresholdEvent[]> {
  const out: ThresholdEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

/** The laws, for a store and a second handle on the same data (another process), when the store has one. */
function outboxLaws(open: () => { readonly store: MeterStore; readonly twin?: () => MeterStore }): void {
  it('keeps each (scope, period, threshold) once, reports it only to the call that kept it, and never on a replay', async () => {
    const { store, twin } = open();
    const first = await store.record('k', 'r1', step('r1', [crossing('50%', 'r1', 1), crossing('first-billable', 'r1', 1)]));
    expect(first.crossed!.map((e) => [e.threshold, e.requestId])).toEqual([['50%', 'r1'], ['first-billable', 'r1']]);
    expect(first.crossed!.map((e) => e.seq)).toEqual([first.crossed![0]!.seq, first.crossed![0]!.seq + 1]);
    // Offered again by another request: refused (not reported), the other threshold kept.
    const second = await store.record('k', 'r2', step('r2', [crossing('first-billable', 'r2', 2), crossing('80%', 'r2', 2)]));
    expect(second.crossed!.map((e) => [e.threshold, e.requestId])).toEqual([['80%', 'r2']]);
    // The same threshold of another scope or another month is its own.
    const other = await store.record('k2', 'r3', step('r3', [crossing('first-billable', 'r3', 1, 'org:b')]));
    expect(other.crossed!.map((e) => e.scope)).toEqual(['org:b']);
    // A replay reports nothing.
    expect((await store.record('k', 'r1', noDecision)).crossed).toEqual([]);
    let outbox = await collect(store.events!(0));
    if (twin !== undefined) {
      await store.close();
      const again = twin();
      // Another process offering a stored crossing: refused there too.
      expect((await again.record('k', 'r4', step('r4', [crossing('50%', 'r4', 3), crossing('100%', 'r4', 3)]))).crossed!.map((e) => e.threshold)).toEqual(['100%']);
      outbox = await collect(again.events!(0));
      await again.close();
    } else {
      expect((await store.record('k', 'r4', step('r4', [crossing('50%', 'r4', 3), crossing('100%', 'r4', 3)]))).crossed!.map((e) => e.threshold)).toEqual(['100%']);
      outbox = await collect(store.events!(0));
      await store.close();
    }
    expect(outbox.map((e) => `${e.scope} ${e.threshold} ${e.requestId} ${e.count}`)).toEqual([
      'org:a 50% r1 1',
      'org:a first-billable r1 1',
      'org:a 80% r2 2',
      'org:b first-billable r3 1',
      'org:a 100% r4 3',
    ]);
    const seqs = outbox.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(outbox[0]).toEqual({ seq: seqs[0], ...crossing('50%', 'r1', 1) });
  });

  it('the outbox after a cursor: every later event once, in seq order, across pages', async () => {
    const { store } = open();
    const n = 4100; // more than a page of every store
    // At once: the calls share transactions (group commit), in call order.
    await Promise.all(Array.from({ length: n }, (_, i) => store.record(`k${i}`, `p${i}`, step(`p${i}`, [crossing('50%', `p${i}`, 1, `org:s${i}`)]))));
    const all = await collect(store.events!(0));
    expect(all.map((e) => e.requestId)).toEqual(Array.from({ length: n }, (_, i) => `p${i}`));
    const cursor = all[2500]!.seq;
    expect((await collect(store.events!(cursor))).map((e) => e.requestId)).toEqual(all.slice(2501).map((e) => e.requestId));
    expect(await collect(store.events!(all[n - 1]!.seq))).toEqual([]);
    await store.close();
  }, 60_000);
}

describe('memory store: threshold outbox', () => outboxLaws(() => ({ store: createMemoryStore() })));

const dir = mkdtempSync(join(tmpdir(), 'byok-events-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

describe.each(['compact', 'json'] as const)('SQLite store (%s layout): threshold outbox', (layout) => {
  const path = () => {
    const p = join(dir, `s${files++}.db`);
    if (layout === 'json') createPreviousSqliteStore(p, 'json');
    return p;
  };
  outboxLaws(() => {
    const p = path();
    return { store: createSqliteStore(p), twin: () => createSqliteStore(p) };
  });

  it('the unique key is the table\'s own: a second row for (scope, period, threshold) is refused by SQLite', async () => {
    const p = path();
    const store = createSqliteStore(p);
    await store.record('k', 'r1', step('r1', [crossing('50%', 'r1', 1)]));
    await store.close();
    const db = new Database(p);
    try {
      expect(() =>
        db.prepare("INSERT INTO threshold_events (scope, period, threshold, request_id, instant, count) VALUES ('org:a', '2025-10', '50%', 'x', 'i', 9)").run(),
      ).toThrow(/UNIQUE/);
    } finally {
      db.close();
    }
  });

  it('one batch with two calls offering one crossing: the earlier keeps it', async () => {
    const store = createSqliteStore(path());
    const [a, b] = await Promise.all([
      store.record('k', 'b1', step('b1', [crossing('first-billable', 'b1', 1)])),
      store.record('k', 'b2', step('b2', [crossing('first-billable', 'b2', 2)])),
    ]);
    expect(a.crossed!.map((e) => e.requestId)).toEqual(['b1']);
    expect(b.crossed).toEqual([]);
    await store.close();
  });
});

describePostgres('PostgreSQL store: threshold outbox', (url) => {
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const p of prefixes) await dropTables(url, p);
  });
  const prefix = () => {
    const p = uniquePrefix('events');
    prefixes.push(p);
    return p;
  };
  outboxLaws(() => {
    const p = prefix();
    return { store: createPostgresStore(url, { tablePrefix: p }), twin: () => createPostgresStore(url, { tablePrefix: p }) };
  });

  it('the unique key is the table\'s own, and one batch offering one crossing twice keeps the earlier', async () => {
    const p = prefix();
    const store = createPostgresStore(url, { tablePrefix: p });
    const [a, b] = await Promise.all([
      store.record('k', 'b1', step('b1', [crossing('first-billable', 'b1', 1)])),
      store.record('k', 'b2', step('b2', [crossing('first-billable', 'b2', 2)])),
    ]);
    expect(a.crossed!.map((e) => e.requestId)).toEqual(['b1']);
    expect(b.crossed).toEqual([]);
    await store.close();
    await expect(
      queryOnce(url, `INSERT INTO ${p}threshold_events (scope, period, threshold, request_id, instant, count) VALUES ('org:a', '2025-10', 'first-billable', 'x', 'i', 9)`),
    ).rejects.toThrow(/unique|duplicate/i);
  });
});
