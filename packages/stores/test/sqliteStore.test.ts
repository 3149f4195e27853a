import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CounterStep,
  type DecisionRecord,
  type UsageRequest,
  billFromRecords,
  billToJson,
  createMeter,
  defaultPolicy,
  parseMoney,
  parseTimestamp,
} from '@byok-billing/core';
import { StoreError, createSqliteStore } from '@byok-billing/stores';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { logArb, toUsageRequest } from '../../../test/arbitraries/requestLog.js';
import { smallPolicy } from './support/storeConformance.js';
import { decisionRecordArb as recordArb, oddText as text } from '../../../test/arbitraries/decisionRecord.js';

const dir = mkdtempSync(join(tmpdir(), 'byok-sqlite-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = () => join(dir, `store-${++files}.db`);

const step =
  (id: string) =>
  (counted: number): CounterStep => ({ record: { requestId: id, ordinal: counted + 1, feeUsd: '0.000000000001' } as DecisionRecord, counted: counted + 1 });

const storing = (record: DecisionRecord) => (counted: number): CounterStep => ({ record, counted: counted + 1 });
const noDecision = () => {
  throw new Error('a replay must not decide');
};

async function collect(records: AsyncIterable<DecisionRecord>): Promise<DecisionRecord[]> {
  const out: DecisionRecord[] = [];
  for await (const r of records) out.push(r);
  return out;
}

const usage = (requestId: string, keyResult: UsageRequest['keyResult'] = 'ok'): UsageRequest => ({
  requestId,
  instant: parseTimestamp('2025-10-02T10:00:00.123Z'),
  userId: 'ann',
  orgId: 'acme',
  cost: parseMoney('0.0125'),
  keyResult,
});

describe('SQLite store', () => {
  it('keeps its data in WAL mode, in the counters and decisions tables, money as the record\'s own JSON text', async () => {
    const path = freshPath();
    const store = createSqliteStore(path);
    await store.record('k', 'a', step('a'));
    await store.close();
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const columns = (table: string) => db.prepare<[], { name: string; type: string }>(`PRAGMA table_info(${table})`).all().map((c) => `${c.name} ${c.type}`);
      expect(columns('counters')).toEqual(['key TEXT', 'counted INTEGER']);
      expect(columns('decisions')).toEqual(['seq INTEGER', 'request_id TEXT', 'record TEXT']);
      expect(db.prepare('SELECT record FROM decisions').pluck().get()).toBe('{"requestId":"a","ordinal":1,"feeUsd":"0.000000000001"}');
      expect(db.prepare('SELECT counted FROM counters WHERE key = ?').pluck().get('k')).toBe(1);
    } finally {
      db.close();
    }
  });

  it('a table prefix keeps two stores apart in one file', async () => {
    const path = freshPath();
    const a = createSqliteStore(path, { tablePrefix: 'a_' });
    const b = createSqliteStore(path, { tablePrefix: 'b_' });
    expect((await a.record('k', 'x', step('x'))).replayed).toBe(false);
    expect((await b.record('k', 'x', step('x'))).replayed).toBe(false);
    expect((await b.record('k', 'y', step('y'))).record.ordinal).toBe(2);
    await Promise.all([a.close(), b.close()]);
  });

  it('a transaction that cannot take the write lock fails every call of its batch and records none of them', async () => {
    // catches: part of a batch answered although its transaction never committed.
    const path = freshPath();
    const store = createSqliteStore(path, { busyTimeoutMs: 0 });
    await store.record('k', 'first', step('first'));
    const blocker = new Database(path);
    blocker.exec('BEGIN IMMEDIATE');
    const settled = await Promise.allSettled([store.record('k', 'b1', step('b1')), store.record('k', 'b2', step('b2'))]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect((settled[0] as PromiseRejectedResult).reason).toMatchObject({ name: 'StoreError', code: 'STORE_BUSY' });
    blocker.exec('ROLLBACK');
    blocker.close();
    expect((await store.record('k', 'b2', step('b2'))).record.ordinal).toBe(2);
    const ids = [];
    for await (const r of store.records()) ids.push(r.requestId);
    expect(ids).toEqual(['first', 'b2']);
    await store.close();
  });

  it('refuses what it cannot use: a path it cannot open, foreign tables, bad options', () => {
    expect(() => createSqliteStore(join(dir, 'no-such-dir', 'x.db'))).toThrow(expect.objectContaining({ code: 'STORE_UNAVAILABLE' }));
    const foreign = freshPath();
    const db = new Database(foreign);
    db.exec('CREATE TABLE decisions (id INTEGER PRIMARY KEY, payload BLOB)');
    db.close();
    expect(() => createSqliteStore(foreign)).toThrow(expect.objectContaining({ code: 'STORE_FORMAT' }));
    expect(() => createSqliteStore(freshPath(), { maxBatch: 0 })).toThrow(StoreError);
    expect(() => createSqliteStore(freshPath(), { tablePrefix: 'x; DROP TABLE counters; --' })).toThrow(expect.objectContaining({ code: 'STORE_OPTION' }));
    expect(() => createSqliteStore(freshPath(), { synchronous: 'off' as 'full' })).toThrow(expect.objectContaining({ code: 'STORE_OPTION' }));
  });

  it('a new store keeps a decision in columns and its shape once; the decisions view shows each as its JSON record', async () => {
    // catches: a column dropped or swapped on the way in, a shape stored per decision, a view that drifts from the record.
    const path = freshPath();
    const meter = createMeter({ policy: defaultPolicy(), store: createSqliteStore(path) });
    const records = [];
    for (const [id, key] of [['a', 'ok'], ['b', 'ok'], ['c', 'rate_limited']] as const) records.push((await meter.record(usage(id, key))).record);
    await meter.close();
    const db = new Database(path, { readonly: true });
    try {
      const columns = db.prepare<[], { name: string }>('PRAGMA table_info(decision_rows)').all().map((c) => c.name);
      expect(columns).toEqual(['seq', 'request_id', 'instant', 'scope', 'period', 'shape', 'ordinal', 'cost', 'fee', 'charge', 'charged', 'record', 'counter_key', 'counted', 'list_usd', 'fees']);
      const rows = db.prepare<[], { request_id: string; instant: string; scope: string; ordinal: number | null; cost: string; record: string | null }>(
        'SELECT request_id, instant, scope, ordinal, cost, record FROM decision_rows ORDER BY seq',
      ).all();
      expect(rows).toEqual([
        { request_id: 'a', instant: '2025-10-02T10:00:00.123Z', scope: 'org:acme', ordinal: 1, cost: '0.0125', record: null },
        { request_id: 'b', instant: '2025-10-02T10:00:00.123Z', scope: 'org:acme', ordinal: 2, cost: '0.0125', record: null },
        { request_id: 'c', instant: '2025-10-02T10:00:00.123Z', scope: 'org:acme', ordinal: null, cost: '0.0125', record: null },
      ]);
      // Two shapes: served with the key, and failed over to platform credits.
      expect(db.prepare('SELECT count(*) FROM decision_shapes').pluck().get()).toBe(2);
      expect(db.prepare('SELECT record FROM decisions ORDER BY seq').pluck().all()).toEqual(records.map((r) => JSON.stringify(r)));
    } finally {
      db.close();
    }
  });

  it('law (round trip): records read back deep-equal, key order included, replays give the stored one, seqs in call order', async () => {
    // catches: a string SQLite cannot keep as text (a lone surrogate) altered, a field lost
    // between columns and shape, seqs of a multi-row insert given out of order.
    const path = freshPath();
    const store = createSqliteStore(path);
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(text, { minLength: 1, maxLength: 40 }).chain((ids) => fc.tuple(...ids.map(recordArb))),
          async (generated) => {
            // Ids of one run never meet another run's in the shared file.
            const tag = `run${++run}-`;
            const records = generated.map((r) => ({ ...r, requestId: tag + r.requestId }));
            const outcomes = await Promise.all(records.map((r) => store.record('k', r.requestId, storing(r))));
            expect(outcomes.map((o) => o.replayed)).toEqual(records.map(() => false));
            const seqs = outcomes.map((o) => o.seq!);
            expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
            const back = (await collect(store.records())).filter((r) => r.requestId.startsWith(tag));
            expect(back).toEqual(records);
            expect(back.map((r) => Object.keys(r))).toEqual(records.map((r) => Object.keys(r)));
            for (const [i, r] of records.entries()) {
              expect(await store.record('k', r.requestId, noDecision)).toEqual({ record: r, replayed: true, seq: seqs[i], crossed: [] });
            }
          },
        ),
        { numRuns: 100 },
      );
    } finally {
      await store.close();
    }
  });

  it('records differing in one field of their shape each keep their own, in one batch and across batches', async () => {
    // catches: a field left out of the comparison, the text or the reading of a shape.
    const base: DecisionRecord = {
      requestId: 't0', instant: '2025-10-01T00:00:00Z', scope: 'org:acme', period: '2025-10', policyVersion: 'v1',
      failoverMode: 'fallback', route: 'byok', routeRule: 'r1', recordedRoute: null, routeMismatch: false, counted: true,
      ordinal: 1, allowance: 2, status: 'free', chargeKind: 'none', chargeRule: 'c1', costUsd: '0.1', feeUsd: '0', chargeUsd: '0', chargedUsd: null,
    };
    const changes: Partial<DecisionRecord>[] = [
      { policyVersion: 'v2' }, { failoverMode: 'strict' }, { route: 'platform' }, { routeRule: 'r2' }, { recordedRoute: 'byok' },
      { routeMismatch: true }, { counted: false }, { allowance: 3 }, { status: 'billable' }, { status: null }, { chargeKind: 'fee' }, { chargeRule: 'c2' },
    ];
    const records = [base, ...changes.map((c, i) => ({ ...base, ...c, requestId: `t${i + 1}` }) as DecisionRecord)];
    const path = freshPath();
    const store = createSqliteStore(path);
    await Promise.all(records.map((r) => store.record('k', r.requestId, storing(r))));
    const again = records.map((r) => ({ ...r, requestId: `again-${r.requestId}` }));
    for (const r of again) await store.record('k', r.requestId, storing(r));
    expect(await collect(store.records())).toEqual([...records, ...again]);
    await store.close();
    const reopened = createSqliteStore(path);
    expect(await collect(reopened.records())).toEqual([...records, ...again]);
    await reopened.close();
  });

  it('counters: the counters view is exact after every commit, before any fold', async () => {
    // catches: a counter kept only in a process's memory, a view that misses decisions after the fold.
    const path = freshPath();
    const store = createSqliteStore(path);
    for (let i = 0; i < 5; i++) await store.record(i % 2 === 0 ? 'even' : 'odd', `c${i}`, step(`c${i}`));
    await store.record('odd', 'same', (counted) => ({ record: { requestId: 'same', ordinal: null, feeUsd: '0' } as unknown as DecisionRecord, counted }));
    const reader = new Database(path, { readonly: true });
    try {
      expect(reader.prepare('SELECT key, counted FROM counters ORDER BY key').all()).toEqual([
        { key: 'even', counted: 3 },
        { key: 'odd', counted: 2 },
      ]);
      expect(reader.prepare('SELECT count(*) FROM counter_snapshot').pluck().get()).toBe(0);
    } finally {
      reader.close();
    }
    await store.close();
    const folded = new Database(path, { readonly: true });
    try {
      expect(folded.prepare('SELECT key, counted FROM counter_snapshot ORDER BY key').all()).toEqual([
        { key: 'even', counted: 3 },
        { key: 'odd', counted: 2 },
      ]);
      expect(folded.prepare('SELECT seq FROM counter_fold').pluck().get()).toBe(6);
      expect(folded.prepare('SELECT key, counted FROM counters ORDER BY key').all()).toEqual([
        { key: 'even', counted: 3 },
        { key: 'odd', counted: 2 },
      ]);
    } finally {
      folded.close();
    }
  });

  it('counters: two handles on one file take in each other\'s decisions and folds', async () => {
    // catches: a handle counting from its own memory after another wrote or folded.
    const path = freshPath();
    const a = createSqliteStore(path);
    const b = createSqliteStore(path);
    const ordinals = [];
    for (const [store, id] of [[a, 'x1'], [a, 'x2'], [b, 'x3'], [a, 'x4'], [b, 'x5']] as const) ordinals.push((await store.record('k', id, step(id))).record.ordinal);
    await a.close(); // folds, after reading b's decisions
    ordinals.push((await b.record('k', 'x6', step('x6'))).record.ordinal);
    await b.close();
    const c = createSqliteStore(path);
    ordinals.push((await c.record('k', 'x7', step('x7'))).record.ordinal);
    await c.close();
    expect(ordinals).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('counters: a key SQLite cannot return as given (a lone surrogate) counts on across handles', async () => {
    // catches: a counter found again by the text SQLite returns, which is not its key.
    const path = freshPath();
    const key = 'user:\ud800x\n2025-10';
    const a = createSqliteStore(path);
    const b = createSqliteStore(path);
    const ordinals = [];
    for (const [store, id] of [[a, 'y1'], [b, 'y2'], [a, 'y3'], [b, 'y4']] as const) ordinals.push((await store.record(key, id, step(id))).record.ordinal);
    await a.close();
    await b.close();
    const c = createSqliteStore(path);
    ordinals.push((await c.record(key, 'y5', step('y5'))).record.ordinal);
    await c.close();
    expect(ordinals).toEqual([1, 2, 3, 4, 5]);
  });

  it('counters: a batch that changes many counters folds them, and counting goes on from the snapshot; reading spans many pages', async () => {
    // catches: a fold that loses or misplaces a counter, a fold point past decisions not folded.
    const path = freshPath();
    const store = createSqliteStore(path);
    const keys = 70_000;
    for (let from = 0; from < keys; from += 10_000) {
      await Promise.all(Array.from({ length: 10_000 }, (_, i) => store.record(`k${from + i}`, `f${from + i}`, step(`f${from + i}`))));
    }
    const reader = new Database(path, { readonly: true });
    try {
      // Folded without a close: the snapshot holds most counters, the view all of them.
      expect(reader.prepare('SELECT count(*) FROM counter_snapshot').pluck().get()).toBeGreaterThanOrEqual(65_536);
      expect(reader.prepare('SELECT count(*), min(counted), max(counted) FROM counters').raw().get()).toEqual([keys, 1, 1]);
    } finally {
      reader.close();
    }
    expect((await store.record('k0', 'again0', step('again0'))).record.ordinal).toBe(2);
    expect((await store.record(`k${keys - 1}`, 'again1', step('again1'))).record.ordinal).toBe(2);
    // Read back across many pages: every decision once, in order.
    const ids = [...Array.from({ length: keys }, (_, i) => `f${i}`), 'again0', 'again1'];
    expect((await collect(store.records())).map((r) => r.requestId)).toEqual(ids);
    const billed = [];
    for await (const page of store.billedPages!()) billed.push(...page);
    expect(billed.length).toBe(ids.length);
    await store.close();
    const reopened = createSqliteStore(path);
    expect((await reopened.record('k0', 'again2', step('again2'))).record.ordinal).toBe(3);
    await reopened.close();
  });

  it('law (bill): each meter\'s bill, read a page at a time, is the bill of every stored decision, whoever made it', async () => {
    // catches: decisions of another writer or of an earlier run left out or counted twice,
    // a second bill differing from the first.
    await fc.assert(
      fc.asyncProperty(logArb({ maxLength: 40 }), fc.array(fc.nat(2), { maxLength: 40 }), async (rows, writers) => {
        const path = freshPath();
        const requests = [...new Map(rows.map((r) => [r.requestId, toUsageRequest(r)])).values()];
        // Writer 0 is an earlier run, closed before the others start; 1 and 2 write at once.
        const earlier = createMeter({ policy: smallPolicy, store: createSqliteStore(path) });
        const later = [1, 2].map(() => createMeter({ policy: smallPolicy, store: createSqliteStore(path, { maxBatch: 3 }) }));
        const writerOf = (i: number) => writers[i] ?? i % 3;
        for (const [i, r] of requests.entries()) if (writerOf(i) === 0) await earlier.record(r);
        await earlier.close();
        await Promise.all(requests.map((r, i) => (writerOf(i) === 0 ? undefined : later[writerOf(i) - 1]!.record(r))));
        // A retry through the other writer: replayed, not its own.
        if (requests.length > 0) await later[0]!.record(requests[requests.length - 1]!);
        const reader = createSqliteStore(path);
        const expected = billToJson(await billFromRecords(await collect(reader.records()), smallPolicy));
        await reader.close();
        for (const meter of later) {
          expect(billToJson(await meter.bill())).toEqual(expected);
          expect(billToJson(await meter.bill())).toEqual(expected);
          await meter.close();
        }
      }),
      { numRuns: 60 },
    );
  });

  it('seqs are those of the rows, in call order, across the chunks of a batch of many calls', async () => {
    // catches: seqs computed from the wrong end of a multi-row insert, a chunk boundary off by one.
    const path = freshPath();
    const store = createSqliteStore(path);
    const ids = Array.from({ length: 1000 }, (_, i) => `s${i}`);
    const outcomes = await Promise.all(ids.map((id) => store.record(`k${Number(id.slice(1)) % 3}`, id, step(id))));
    await store.close();
    const db = new Database(path, { readonly: true });
    try {
      const seqOf = db.prepare<[string], number>('SELECT seq FROM decisions WHERE request_id = ?').pluck();
      expect(outcomes.map((o) => o.seq)).toEqual(ids.map((id) => seqOf.get(id)));
      expect(outcomes.map((o) => o.record.ordinal)).toEqual(ids.map((_, i) => Math.floor(i / 3) + 1));
    } finally {
      db.close();
    }
  });

  it('opens a store of the first layout (JSON records) and goes on in it: replays, counts, records in order', async () => {
    // catches: an existing store refused, read in the wrong layout, or written in two layouts.
    const path = freshPath();
    const old = new Database(path);
    old.exec(`CREATE TABLE counters (key TEXT PRIMARY KEY, counted INTEGER NOT NULL);
      CREATE TABLE decisions (seq INTEGER PRIMARY KEY AUTOINCREMENT, request_id TEXT NOT NULL UNIQUE, record TEXT NOT NULL);`);
    const first = { requestId: 'old', ordinal: 1, feeUsd: '0' } as DecisionRecord;
    old.prepare('INSERT INTO decisions (request_id, record) VALUES (?, ?)').run('old', JSON.stringify(first));
    old.prepare('INSERT INTO counters (key, counted) VALUES (?, ?)').run('k', 1);
    old.close();
    const store = createSqliteStore(path);
    expect(await store.record('k', 'old', noDecision)).toEqual({ record: first, replayed: true, seq: 1, crossed: [] });
    expect((await store.record('k', 'new', step('new'))).record.ordinal).toBe(2);
    expect((await collect(store.records())).map((r) => r.requestId)).toEqual(['old', 'new']);
    await store.close();
    const db = new Database(path, { readonly: true });
    try {
      // Its own tables, plus the threshold outbox (issue 17) that files of every layout get on opening.
      expect(db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name").pluck().all()).toEqual(['counters', 'decisions', 'sqlite_sequence', 'threshold_events']);
      expect(db.prepare("SELECT record FROM decisions WHERE request_id = 'new'").pluck().get()).toBe('{"requestId":"new","ordinal":2,"feeUsd":"0.000000000001"}');
    } finally {
      db.close();
    }
  });

  it('a store in the compact layout cannot be written by the first layout\'s code: its insert is refused', async () => {
    // What a byok of before the compact layout prepares; failing to prepare it, that byok
    // stops with STORE_FORMAT instead of writing a second layout into the file.
    const path = freshPath();
    await createSqliteStore(path).close();
    const db = new Database(path);
    try {
      expect(() => db.prepare('INSERT INTO decisions (request_id, record) VALUES (?, ?)')).toThrow(/view/);
    } finally {
      db.close();
    }
  });
});
