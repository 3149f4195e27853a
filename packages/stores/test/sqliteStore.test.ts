import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CounterStep, DecisionRecord } from '@byok-billing/core';
import { StoreError, createSqliteStore } from '@byok-billing/stores';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'byok-sqlite-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = () => join(dir, `store-${++files}.db`);

const step =
  (id: string) =>
  (counted: number): CounterStep => ({ record: { requestId: id, ordinal: counted + 1, feeUsd: '0.000000000001' } as DecisionRecord, counted: counted + 1 });

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
});
