import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CounterStep, type DecideStep, type DecisionRecord, type FeeState, type MeterStore, NO_FEES } from '@byok-billing/core';
import { createPostgresStore, createSqliteStore } from '@byok-billing/stores';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { describePostgres, dropTables, queryOnce, uniquePrefix } from './support/postgresTarget.js';
import { createPreviousPostgresTables, createPreviousSqliteStore, previousCompactSql } from './support/previousSchemas.js';

/*
 * A counter's fee state (issue 16) in each durable store: kept exactly (amounts far beyond a
 * float's 2^53, as bigint units), given to the next decision of its counter in the same
 * batch, in the next batch and after a reopen, left alone by steps that give none (the
 * shorthand), and 0 for every counter of a store made before fee states were kept, which
 * opens, migrated, with its decisions and counts as they were.
 */

const dir = mkdtempSync(join(tmpdir(), 'byok-fee-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = () => join(dir, `store-${++files}.db`);

/** Beyond 2^53 and 2^64: a float or a 64-bit integer column would not keep them. */
const BIG: FeeState = { listUsdSoFar: 123_456_789_012_345_678_901_234_567n, feesSoFar: 98_765_432_109_876_543_210_987_654_321_000n };

interface Seen {
  readonly counted: number;
  readonly fees: FeeState;
}

/** A step that notes what it was given, counts one and, when `add` is given, adds it to the fee state. */
function stepper(seen: Seen[], add?: FeeState): (id: string) => DecideStep {
  return (id) =>
    (counted, fees): CounterStep => {
      seen.push({ counted, fees });
      const record = { requestId: id, ordinal: counted + 1, feeUsd: '0' } as DecisionRecord;
      if (add === undefined) return { record, counted: counted + 1 };
      return { record, counted: counted + 1, fees: { listUsdSoFar: fees.listUsdSoFar + add.listUsdSoFar, feesSoFar: fees.feesSoFar + add.feesSoFar } };
    };
}

const times = (fees: FeeState, n: bigint): FeeState => ({ listUsdSoFar: fees.listUsdSoFar * n, feesSoFar: fees.feesSoFar * n });

/** The checks every durable store passes: `open` gives a handle on one store, again after `close`. */
async function expectFeeStateKept(open: () => MeterStore): Promise<void> {
  const seen: Seen[] = [];
  const tiered = stepper(seen, BIG);
  const shorthand = stepper(seen);
  let store = open();
  // One batch: the second call sees the first's state, and another key starts at 0.
  await Promise.all([store.record('k', 'a', tiered('a')), store.record('k', 'b', tiered('b')), store.record('other', 'c', tiered('c'))]);
  // A shorthand step leaves the state; a retry neither decides nor moves it.
  await store.record('k', 'd', shorthand('d'));
  expect((await store.record('k', 'a', tiered('a'))).replayed).toBe(true);
  await store.close();
  store = open();
  await store.record('k', 'e', tiered('e'));
  await store.close();
  expect(seen).toEqual([
    { counted: 0, fees: NO_FEES },
    { counted: 1, fees: BIG },
    { counted: 0, fees: NO_FEES },
    { counted: 2, fees: times(BIG, 2n) },
    { counted: 3, fees: times(BIG, 2n) },
  ]);
}

/** A store of the previous schema holding counts: the next decision of each counter sees its count and a fee state of 0. */
async function expectPreviousCountsGoOn(open: () => MeterStore, existing: ReadonlyMap<string, number>): Promise<void> {
  const seen: Seen[] = [];
  const store = open();
  let n = 0;
  for (const key of existing.keys()) await store.record(key, `new-${++n}`, stepper(seen, BIG)(`new-${n}`));
  await store.close();
  expect(seen).toEqual([...existing.values()].map((counted) => ({ counted, fees: NO_FEES })));
}

describe('SQLite store: fee states', () => {
  it('keeps a counter\'s fee state exactly, in a batch, across batches and reopening, untouched by shorthand steps and retries', async () => {
    // catches: a fee state read as a float or 64-bit integer, not carried within a batch,
    // lost at the fold on close, or reset by a step that gives none.
    const path = freshPath();
    await expectFeeStateKept(() => createSqliteStore(path));
    const db = new Database(path, { readonly: true });
    try {
      // Exact decimal text, folded into the snapshot at close.
      expect(db.prepare("SELECT list_usd, fees FROM counter_snapshot WHERE key = 'k'").get()).toEqual({
        list_usd: times(BIG, 3n).listUsdSoFar.toString(),
        fees: times(BIG, 3n).feesSoFar.toString(),
      });
    } finally {
      db.close();
    }
  });

  it('keeps it in the first layout (JSON records) too', async () => {
    const path = freshPath();
    createPreviousSqliteStore(path, 'json');
    await expectFeeStateKept(() => createSqliteStore(path));
  });

  it('opens a compact store of the previous schema holding decisions: adds the columns, replays, counts go on, fee states start at 0', async () => {
    // catches: an old store refused (missing columns), its NULL fee columns read as an error or
    // a number, its snapshot or logged counts lost in the migration.
    const path = freshPath();
    const old = new Database(path);
    old.exec(previousCompactSql());
    old.prepare("INSERT INTO counter_snapshot (key, counted) VALUES ('folded', 7)").run();
    old.prepare('INSERT INTO decision_rows (request_id, record, counter_key, counted) VALUES (?, ?, ?, ?)').run('old', JSON.stringify({ requestId: 'old', ordinal: 3, feeUsd: '0' }), 'logged', 3);
    old.close();
    await expectPreviousCountsGoOn(() => createSqliteStore(path), new Map([['folded', 7], ['logged', 3], ['fresh', 0]]));
    const store = createSqliteStore(path);
    expect(await store.record('logged', 'old', () => { throw new Error('a replay must not decide'); })).toEqual({ record: { requestId: 'old', ordinal: 3, feeUsd: '0' }, replayed: true, seq: 1, crossed: [] });
    await store.close();
    const db = new Database(path, { readonly: true });
    try {
      const columns = (table: string) => db.prepare<[], string>(`SELECT name FROM pragma_table_info('${table}')`).pluck().all();
      expect(columns('decision_rows').slice(-2)).toEqual(['list_usd', 'fees']);
      expect(columns('counter_snapshot')).toEqual(['key', 'counted', 'list_usd', 'fees']);
    } finally {
      db.close();
    }
  });

  it('opens a first-layout store of the previous schema holding counters: counts go on, fee states start at 0', async () => {
    const path = freshPath();
    const old = new Database(path);
    old.exec(`CREATE TABLE counters (key TEXT PRIMARY KEY, counted INTEGER NOT NULL);
      CREATE TABLE decisions (seq INTEGER PRIMARY KEY AUTOINCREMENT, request_id TEXT NOT NULL UNIQUE, record TEXT NOT NULL);
      INSERT INTO counters (key, counted) VALUES ('k', 5);`);
    old.close();
    await expectPreviousCountsGoOn(() => createSqliteStore(path), new Map([['k', 5], ['fresh', 0]]));
  });

  it('refuses a fee state that is not a whole number of units (a corrupted file) with STORE_FORMAT', async () => {
    const path = freshPath();
    await createSqliteStore(path).close();
    const db = new Database(path);
    db.prepare("INSERT INTO counter_snapshot (key, counted, list_usd, fees) VALUES ('k', 1, '1.5', '0')").run();
    db.close();
    const store = createSqliteStore(path);
    await expect(store.record('k', 'a', stepper([], BIG)('a'))).rejects.toMatchObject({ code: 'STORE_FORMAT' });
    await store.close();
  });
});

describePostgres('PostgreSQL store: fee states', (url) => {
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const prefix of prefixes) await dropTables(url, prefix);
  });
  const fresh = () => {
    const prefix = uniquePrefix('fees');
    prefixes.push(prefix);
    return prefix;
  };

  it('keeps a counter\'s fee state exactly (NUMERIC), in a batch, across batches and reopening, untouched by shorthand steps and retries', async () => {
    const tablePrefix = fresh();
    await expectFeeStateKept(() => createPostgresStore(url, { tablePrefix }));
    const [row] = await queryOnce<{ list_usd: string; fees: string }>(url, `SELECT list_usd::text AS list_usd, fees::text AS fees FROM ${tablePrefix}counters WHERE key = 'k'`);
    expect(row).toEqual({ list_usd: times(BIG, 3n).listUsdSoFar.toString(), fees: times(BIG, 3n).feesSoFar.toString() });
  });

  it('opens tables of the previous schema holding counters: adds the columns, counts go on, fee states start at 0', async () => {
    const tablePrefix = fresh();
    await createPreviousPostgresTables(url, tablePrefix);
    await queryOnce(url, `INSERT INTO ${tablePrefix}counters (key, counted) VALUES ('k', 4)`);
    await expectPreviousCountsGoOn(() => createPostgresStore(url, { tablePrefix }), new Map([['k', 4], ['fresh', 0]]));
  });
});
