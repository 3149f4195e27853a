import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runByok } from './support/byokBin.js';
import { type ConcurrentLogs, writeConcurrentLogs } from './support/concurrentLogs.js';
import { describePostgres, dropTables, uniquePrefix } from './support/postgresTarget.js';
import { type StoredData, expectConsistent, readPostgres, readSqlite } from './support/storedRows.js';

/*
 * Four `byok meter` processes write into one store at once, each with another batch
 * size (1 = a transaction per request), over the same scopes, with requests retried
 * across processes. Whatever the interleaving: every distinct request is stored once,
 * each scope-period's counter equals its counted requests, and their ordinals are
 * exactly 1..n. Catches: a counter read outside the write lock (two requests, one
 * ordinal), a retry counted in two processes, a lost counter update.
 */
const WRITERS = 4;
const BATCH_SIZES = ['1', '16', '128', '512'];
const dir = mkdtempSync(join(tmpdir(), 'byok-concurrency-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const logs: ConcurrentLogs = writeConcurrentLogs(dir, WRITERS, 1500);

async function runWriters(store: string, extra: readonly string[] = []): Promise<void> {
  const results = await Promise.all(
    logs.files.map((file, w) => runByok(['meter', '--store', store, '--batch-size', BATCH_SIZES[w]!, '-q', '--format', 'json', ...extra, file])),
  );
  for (const r of results) expect(r.code, r.stderr).toBe(0);
}

function checkStore(data: StoredData): void {
  expect(data.rows.length).toBe(logs.distinct);
  expect(expectConsistent(data)).toEqual(logs.countedPerKey);
}

describe('concurrent writers', () => {
  it('four processes on one SQLite file: each request once, counts exact, ordinals 1..n per scope-period', async () => {
    const path = join(dir, 'meter.db');
    await runWriters(`sqlite:${path}`);
    checkStore(readSqlite(path));
  }, 180_000);
});

describePostgres('concurrent writers, PostgreSQL', (url) => {
  const prefix = uniquePrefix('conc');
  afterAll(() => dropTables(url, prefix));

  it('four processes on one database: each request once, counts exact, ordinals 1..n per scope-period', async () => {
    await runWriters(`postgres:${url}`, ['--table-prefix', prefix]);
    checkStore(await readPostgres(url, prefix));
  }, 180_000);
});
