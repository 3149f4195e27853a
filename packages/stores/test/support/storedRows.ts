import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { queryOnce } from './postgresTarget.js';

/** What a store holds, read from outside it (as an auditor would). */
export interface StoredData {
  readonly rows: readonly { readonly request_id: string; readonly record: string }[];
  /** Counter per `scope\nperiod`; zero counters (only uncounted requests) left out. */
  readonly counters: ReadonlyMap<string, number>;
}

export function readSqlite(path: string, prefix = ''): StoredData {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare<[], { request_id: string; record: string }>(`SELECT request_id, record FROM ${prefix}decisions ORDER BY seq`).all();
    const counters = db.prepare<[], { key: string; counted: number }>(`SELECT key, counted FROM ${prefix}counters WHERE counted <> 0`).all();
    return { rows, counters: new Map(counters.map((c) => [c.key, c.counted])) };
  } finally {
    db.close();
  }
}

export async function readPostgres(url: string, prefix: string): Promise<StoredData> {
  const rows = await queryOnce<{ request_id: string; record: string }>(url, `SELECT request_id, record FROM ${prefix}decisions ORDER BY seq`);
  const counters = await queryOnce<{ key: string; counted: string }>(url, `SELECT key, counted::text AS counted FROM ${prefix}counters WHERE counted <> 0`);
  return { rows, counters: new Map(counters.map((c) => [c.key, Number(c.counted)])) };
}

/**
 * The store's own consistency: each request_id once, and in every scope-period the
 * ordinals of the counted requests are exactly 1..n with the counter at n. Returns the
 * counted requests per scope-period.
 */
export function expectConsistent(data: StoredData): Map<string, number> {
  expect(new Set(data.rows.map((r) => r.request_id)).size).toBe(data.rows.length);
  const ordinals = new Map<string, number[]>();
  for (const row of data.rows) {
    const record = JSON.parse(row.record) as { scope: string; period: string; ordinal: number | null };
    if (record.ordinal === null) continue;
    const key = `${record.scope}\n${record.period}`;
    let list = ordinals.get(key);
    if (list === undefined) ordinals.set(key, (list = []));
    list.push(record.ordinal);
  }
  const counted = new Map<string, number>();
  for (const [key, list] of ordinals) {
    list.sort((a, b) => a - b);
    expect(list, key).toEqual(Array.from({ length: list.length }, (_, i) => i + 1));
    counted.set(key, list.length);
  }
  expect(data.counters).toEqual(counted);
  return counted;
}
