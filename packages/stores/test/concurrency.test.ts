import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DecisionRecord, type UsageRequest, createMeter, loadPolicy, parseMoney, parseTimestamp } from '@byok-billing/core';
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

/*
 * The same writers under a policy in the pricing language (issue 16): tiers in list-usd and a
 * fee cap, so every decision depends on the fees and list cost its scope-month has counted
 * before it. Whatever the interleaving, the stored decisions must be exactly those a single
 * meter makes deciding the requests one by one in the store's order: a fee state read
 * outside the write lock, lost between two writers' transactions, or moved by a retry
 * decided elsewhere would give some request another tier, fee or cap remainder.
 */
const feePolicy = join(dir, 'fee-policy.json');
{
  const root = join(import.meta.dirname, '../../../scenarios');
  const document = JSON.parse(readFileSync(join(root, readdirSync(root).find((d) => d.startsWith('21-'))!, 'policy.json'), 'utf8'));
  document.parameters.fees = { unit: 'list-usd', schedules: { standard: [{ upTo: '5', rate: '0' }, { upTo: '15', rate: '0.05' }, { rate: '0.03' }] }, capUsd: '0.6' };
  writeFileSync(feePolicy, JSON.stringify(document));
}

/** Every request of the writers' logs by id. */
function requestsById(): Map<string, UsageRequest> {
  const byId = new Map<string, UsageRequest>();
  for (const file of logs.files) {
    for (const line of readFileSync(file, 'utf8').trim().split('\n').slice(1)) {
      const [requestId, timestamp, userId, orgId, cost, keyResult] = line.split(',') as [string, string, string, string, string, UsageRequest['keyResult']];
      byId.set(requestId, { requestId, instant: parseTimestamp(timestamp), userId, orgId: orgId === '' ? undefined : orgId, cost: parseMoney(cost), keyResult });
    }
  }
  return byId;
}

async function expectSerialInStoreOrder(data: StoredData): Promise<void> {
  checkStore(data);
  const requests = requestsById();
  const meter = createMeter({ policy: loadPolicy(JSON.parse(readFileSync(feePolicy, 'utf8'))) });
  let capped = 0;
  for (const row of data.rows) {
    const stored = JSON.parse(row.record) as DecisionRecord;
    const { record } = await meter.record(requests.get(row.request_id)!);
    expect(stored, row.request_id).toEqual(record);
    if (record.status === 'billable' && record.chargeKind === 'fee' && record.feeUsd === '0') capped++;
  }
  // The log reaches the tiers and the cap (or this test would not show the fee state kept).
  expect(capped).toBeGreaterThan(0);
}

describe('concurrent writers', () => {
  it('four processes on one SQLite file: each request once, counts exact, ordinals 1..n per scope-period', async () => {
    const path = join(dir, 'meter.db');
    await runWriters(`sqlite:${path}`);
    checkStore(readSqlite(path));
  }, 180_000);

  it('four processes on one SQLite file, pricing-language policy: the decisions of one meter in store order (tiers, fees, cap)', async () => {
    const path = join(dir, 'fee-meter.db');
    await runWriters(`sqlite:${path}`, ['--policy', feePolicy]);
    await expectSerialInStoreOrder(readSqlite(path));
  }, 180_000);
});

describePostgres('concurrent writers, PostgreSQL', (url) => {
  const prefix = uniquePrefix('conc');
  afterAll(() => dropTables(url, prefix));

  it('four processes on one database: each request once, counts exact, ordinals 1..n per scope-period', async () => {
    await runWriters(`postgres:${url}`, ['--table-prefix', prefix]);
    checkStore(await readPostgres(url, prefix));
  }, 180_000);

  it('four processes on one database, pricing-language policy: the decisions of one meter in store order (tiers, fees, cap)', async () => {
    const feePrefix = uniquePrefix('concfee');
    try {
      await runWriters(`postgres:${url}`, ['--table-prefix', feePrefix, '--policy', feePolicy]);
      await expectSerialInStoreOrder(await readPostgres(url, feePrefix));
    } finally {
      await dropTables(url, feePrefix);
    }
  }, 180_000);
});
