import type { CounterStep, DecisionRecord } from '@byok-billing/core';
import { createPostgresStore } from '@byok-billing/stores';
import { afterAll, expect, it } from 'vitest';
import { describePostgres, dropTables, queryOnce, uniquePrefix } from './support/postgresTarget.js';

const step =
  (id: string) =>
  (counted: number): CounterStep => ({ record: { requestId: id, ordinal: counted + 1, feeUsd: '0.000000000001' } as DecisionRecord, counted: counted + 1 });

it('an unreachable PostgreSQL server is STORE_UNAVAILABLE, with the password left out of the message', async () => {
  const store = createPostgresStore('postgres://byok:hunter2@127.0.0.1:1/none', { pool: { connectionTimeoutMillis: 2000 } });
  const failure = await store.record('k', 'a', step('a')).catch((error: unknown) => error);
  expect(failure).toMatchObject({ name: 'StoreError', code: 'STORE_UNAVAILABLE' });
  expect(String((failure as Error).message)).not.toContain('hunter2');
  await store.close();
});

describePostgres('PostgreSQL store', (url) => {
  const prefixes: string[] = [];
  const prefix = (label: string) => {
    const p = uniquePrefix(label);
    prefixes.push(p);
    return p;
  };
  afterAll(async () => {
    for (const p of prefixes) await dropTables(url, p);
  });

  it('keeps the record as its own JSON text (money strings exact) and the counter as a BIGINT', async () => {
    const p = prefix('text');
    const store = createPostgresStore(url, { tablePrefix: p });
    await store.record('k', 'a', step('a'));
    await store.close();
    const rows = await queryOnce<{ record: string; type: string }>(url, `SELECT record, pg_typeof(record)::text AS type FROM ${p}decisions`);
    expect(rows).toEqual([{ record: '{"requestId":"a","ordinal":1,"feeUsd":"0.000000000001"}', type: 'text' }]);
    const counters = await queryOnce<{ type: string }>(url, `SELECT pg_typeof(counted)::text AS type FROM ${p}counters`);
    expect(counters).toEqual([{ type: 'bigint' }]);
  });

  it('the same request_id racing from two stores under two scopes: one decision, the other call gets it back', async () => {
    // catches: a racing retry inserted twice, or counted in both scopes (ON CONFLICT + start over).
    const p = prefix('race');
    const a = createPostgresStore(url, { tablePrefix: p });
    const b = createPostgresStore(url, { tablePrefix: p });
    // Both stores connected and their tables made, so the rounds below really overlap.
    await Promise.all([a.record('ka', 'warm-a', step('warm-a')), b.record('kb', 'warm-b', step('warm-b'))]);
    for (let round = 0; round < 40; round++) {
      const ids = Array.from({ length: 5 }, (_, i) => `race-${round}-${i}`);
      const outcomes = await Promise.all(ids.flatMap((id) => [a.record('ka', id, step(id)), b.record('kb', id, step(id))]));
      for (let i = 0; i < ids.length; i++) {
        const pair = [outcomes[2 * i]!, outcomes[2 * i + 1]!];
        expect(pair.filter((o) => !o.replayed)).toHaveLength(1);
        expect(pair[0]!.record).toEqual(pair[1]!.record);
      }
    }
    const counters = await queryOnce<{ total: string }>(url, `SELECT sum(counted)::text AS total FROM ${p}counters`);
    expect(counters[0]!.total).toBe('202');
    await Promise.all([a.close(), b.close()]);
  });

  it('a table prefix keeps two stores apart in one database', async () => {
    const a = createPostgresStore(url, { tablePrefix: prefix('a') });
    const b = createPostgresStore(url, { tablePrefix: prefix('b') });
    expect((await a.record('k', 'x', step('x'))).replayed).toBe(false);
    expect((await b.record('k', 'x', step('x'))).replayed).toBe(false);
    await Promise.all([a.close(), b.close()]);
  });

  it('stopping early in records() leaves the connection clean for the next call', async () => {
    const store = createPostgresStore(url, { tablePrefix: prefix('early'), pool: { max: 1 } });
    await Promise.all(['a', 'b', 'c'].map((id) => store.record('k', id, step(id))));
    for await (const r of store.records()) {
      expect(r.requestId).toBe('a');
      break;
    }
    expect((await store.record('k', 'd', step('d'))).record.ordinal).toBe(4);
    await store.close();
  });
});
