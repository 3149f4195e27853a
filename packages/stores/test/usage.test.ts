import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type Accounts,
  type MeterStore,
  type Policy,
  type UsageFilter,
  type UsageRequest,
  compareRequests,
  createMemoryStore,
  createMeter,
  loadPolicy,
  parseMoney,
  parseTimestamp,
  storeUsage,
  usageOfTotals,
  usageTotalsOfRecords,
} from '@byok-billing/core';
import { createPostgresStore, createSqliteStore } from '@byok-billing/stores';
import { feeConfigArb, feeLogArb } from '../../../test/arbitraries/feeConfig.js';
import { feePolicyDocument } from '../../../test/properties/feePolicyDocument.js';
import { accountsOf, requestOf } from '../../../test/support/feeAccounts.js';
import { createPreviousSqliteStore } from './support/previousSchemas.js';
import { describePostgres, dropTables, uniquePrefix } from './support/postgresTarget.js';
import { smallPolicy } from './support/storeConformance.js';

/*
 * The library's usage query on every store: a store that sums with SQL (SQLite in both
 * layouts, PostgreSQL) reports exactly what the generic sum over its own `records()` gives,
 * and what the memory store (which has no query of its own) reports for the same requests,
 * on generated pricing-language policies, accounts and logs, filtered or not.
 */
const dir = mkdtempSync(join(tmpdir(), 'byok-usage-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const fresh = (name: string) => join(dir, `${++files}-${name}`);

async function meterInto(store: MeterStore, policy: Policy, accounts: Accounts | undefined, requests: readonly UsageRequest[]): Promise<void> {
  const meter = createMeter({ policy, accounts, store });
  for (const request of requests) await meter.record(request);
}

/** The filters of a run: none, each scope, each period, and one pair. */
function filtersOf(usage: readonly { scope: string; period: string }[]): UsageFilter[] {
  const scopes = [...new Set(usage.map((u) => u.scope))];
  const periods = [...new Set(usage.map((u) => u.period))];
  const pair = usage[0] === undefined ? [] : [{ scope: usage[0].scope, period: usage[0].period }];
  return [{}, ...scopes.map((scope) => ({ scope })), ...periods.map((period) => ({ period })), ...pair, { scope: 'org:nobody' }];
}

type OpenStore = () => Promise<{ store: MeterStore; done: () => Promise<void> }> | { store: MeterStore; done: () => Promise<void> };

function sqlParity(name: string, open: OpenStore, numRuns: number) {
  it(`law (parity): ${name} reports the usage the sum over its records and the memory store report`, async () => {
    // catches: SQL that sums amounts as REAL, reads a field from the wrong place of a layout,
    // counts uncounted decisions, takes the crossing by instant instead of store order, or
    // filters on the wrong column.
    await fc.assert(
      fc.asyncProperty(feeConfigArb(), feeLogArb(), async (config, rows) => {
        const policy = loadPolicy(feePolicyDocument(config));
        const accounts = accountsOf(config, policy);
        const requests = rows.map(requestOf).sort(compareRequests);
        const { store, done } = await open();
        const memory = createMemoryStore();
        try {
          await meterInto(store, policy, accounts, requests);
          await meterInto(memory, policy, accounts, requests);
          const all = await storeUsage(store, policy, accounts);
          for (const filter of filtersOf(all)) {
            const fromSql = await storeUsage(store, policy, accounts, filter);
            expect(fromSql).toEqual(usageOfTotals(await usageTotalsOfRecords(store.records(), filter), policy, accounts));
            expect(fromSql).toEqual(await storeUsage(memory, policy, accounts, filter));
          }
        } finally {
          await store.close();
          await done();
        }
      }),
      { numRuns },
    );
  });
}

describe('storeUsage on SQLite', () => {
  sqlParity('a SQLite store (compact layout)', () => ({ store: createSqliteStore(fresh('c.db')), done: async () => {} }), 20);
  sqlParity(
    'a SQLite store of the first (JSON) layout',
    () => {
      const path = fresh('j.db');
      createPreviousSqliteStore(path, 'json');
      return { store: createSqliteStore(path), done: async () => {} };
    },
    10,
  );

  it('reads a decision kept whole in the compact layout (a request_id SQLite cannot hold as text)', async () => {
    // catches: a compact-layout query reading only the columns, which are NULL for such a row.
    const store = createSqliteStore(fresh('kept.db'));
    const at = (id: string, instant: string, cost: string): UsageRequest => ({
      requestId: id,
      instant: parseTimestamp(instant),
      userId: 'u',
      orgId: 'acme',
      cost: parseMoney(cost),
      keyResult: 'ok',
    });
    try {
      await meterInto(store, smallPolicy, undefined, [
        at('a', '2025-11-01T00:00:00Z', '1'),
        at('b\ud800', '2025-11-01T00:00:01Z', '2'),
        at('c\udc00', '2025-11-01T00:00:02Z', '0.000000000001'),
        at('d', '2025-11-01T00:00:03Z', '3'),
      ]);
      const usage = await storeUsage(store, smallPolicy, undefined);
      expect(usage).toEqual(usageOfTotals(await usageTotalsOfRecords(store.records()), smallPolicy, undefined));
      expect(usage.map((u) => [u.requestsCounted, u.allowanceLeft, u.feesUsd.toString(), u.byokCostUsd.toString(), u.crossing])).toEqual([
        [4, '0', '0.15000000000005', '6.000000000001', { requestId: 'c\udc00', instant: '2025-11-01T00:00:02Z' }],
      ]);
    } finally {
      await store.close();
    }
  });
});

/**
 * Requests whose names (and, unless `plainIds`, ids) are not well-formed UTF-16 (lone
 * surrogates), which neither SQLite nor PostgreSQL keep as text.
 */
function hostileRequests(plainIds: boolean): UsageRequest[] {
  const at = (id: string, user: string, org: string, instant: string, cost: string): UsageRequest => ({
    requestId: plainIds ? id.replace(/[\ud800-\udfff]/gu, '') : id,
    instant: parseTimestamp(instant),
    userId: user,
    orgId: org,
    cost: parseMoney(cost),
    keyResult: 'ok',
  });
  return [
    at('a', 'x\ud800', '', '2025-11-01T00:00:00Z', '1'),
    at('b\udc00', 'x\ud800', '', '2025-11-01T00:00:01Z', '2'),
    at('c', 'x\ud801', '', '2025-11-01T00:00:02Z', '4'),
    at('d\ud800', 'x\ud800', '', '2025-11-01T00:00:03Z', '0.000000000001'),
    at('e', 'x\ud800', '', '2025-11-01T00:00:04Z', '8'),
    at('f', 'plain', 'acme', '2025-11-01T00:00:05Z', '1'),
    at('g\ud800', 'plain', 'acme', '2025-11-01T00:00:06Z', '1'),
    at('h', 'plain', 'acme', '2025-11-01T00:00:07Z', '1'),
    at('i', 'plain', 'acme', '2025-11-01T00:00:08Z', '0.5'),
  ];
}

/**
 * The usage of the hostile requests on `store`, and filtered by each of its scopes, equal the
 * sum over its own records and (`decidesAsMemory`: a store that keeps such names apart) the
 * memory store's.
 */
async function expectHostileParity(store: MeterStore, decidesAsMemory: boolean, plainIds = false): Promise<void> {
  const memory = createMemoryStore();
  try {
    await meterInto(store, smallPolicy, undefined, hostileRequests(plainIds));
    await meterInto(memory, smallPolicy, undefined, hostileRequests(plainIds));
    const all = await storeUsage(memory, smallPolicy, undefined);
    expect(all.map((u) => [u.scope, u.requestsCounted, u.crossing?.requestId ?? null])).toEqual([
      ['org:acme', 4, 'h'],
      ['user:x\ud800', 4, plainIds ? 'd' : 'd\ud800'],
      ['user:x\ud801', 1, null],
    ]);
    for (const filter of [{}, ...all.map((u) => ({ scope: u.scope }))]) {
      const usage = await storeUsage(store, smallPolicy, undefined, filter);
      expect(usage).toEqual(usageOfTotals(await usageTotalsOfRecords(store.records(), filter), smallPolicy, undefined));
      if (decidesAsMemory) expect(usage).toEqual(await storeUsage(memory, smallPolicy, undefined, filter));
    }
  } finally {
    await store.close();
  }
}

describe('storeUsage of ids and names that are not well-formed UTF-16', () => {
  it('SQLite (compact layout) names every scope and crossing request exactly', async () => {
    // catches: a scope read back from SQLite's text (U+FFFD for each lone surrogate) instead of from the decision.
    await expectHostileParity(createSqliteStore(fresh('hostile.db')), true);
  });
  it('SQLite (first layout) names every scope and crossing request exactly', async () => {
    const path = fresh('hostile-json.db');
    createPreviousSqliteStore(path, 'json');
    await expectHostileParity(createSqliteStore(path), true);
  });
});

describe('storeUsage on the memory store (the sum over records)', () => {
  it('is the hand-worked usage of a month with an allowance of 2', async () => {
    // catches: the fallback counting uncounted requests, or taking the last billable request as the crossing.
    const store = createMemoryStore();
    const request = (id: string, instant: string, keyResult: UsageRequest['keyResult'], cost: string): UsageRequest => ({
      requestId: id,
      instant: parseTimestamp(instant),
      userId: 'u',
      orgId: 'acme',
      cost: parseMoney(cost),
      keyResult,
      platformResult: 'ok',
    });
    await meterInto(store, smallPolicy, undefined, [
      request('r1', '2025-11-01T00:00:00Z', 'ok', '10'),
      request('r2', '2025-11-01T00:00:01Z', 'error', '99'),
      request('r3', '2025-11-01T00:00:02Z', 'ok', '1'),
      request('r4', '2025-11-01T00:00:03Z', 'ok', '2'),
      request('r5', '2025-11-01T00:00:04Z', 'ok', '4'),
    ]);
    const [u] = await storeUsage(store, smallPolicy, undefined);
    expect([u!.requestsCounted, u!.allowance, u!.allowanceLeft, u!.feesUsd.toString(), u!.byokCostUsd.toString(), u!.crossing?.requestId]).toEqual([
      4,
      '2',
      '0',
      '0.3',
      '17',
      'r4',
    ]);
  });
});

describePostgres('storeUsage on PostgreSQL', (url) => {
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const p of prefixes) await dropTables(url, p);
  });
  sqlParity(
    'a PostgreSQL store',
    () => {
      const prefix = uniquePrefix('usage');
      prefixes.push(prefix);
      return { store: createPostgresStore(url, { tablePrefix: prefix }), done: async () => {} };
    },
    6,
  );

  it('sums the records PostgreSQL cannot read as JSON (lone surrogates) exactly, with the rest', async () => {
    // catches: a query that casts every record to jsonb, which fails on the first such record.
    // (The PostgreSQL store keeps such a scope's counter under its name as PostgreSQL can hold
    // it, so its decisions are not the memory store's: the usage is held to its own records;
    // and its records() refuses an id it could not keep, so the ids here are well-formed.)
    const prefix = uniquePrefix('hostile');
    prefixes.push(prefix);
    await expectHostileParity(createPostgresStore(url, { tablePrefix: prefix }), false, true);
  });
});
