import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type AccountRow,
  type Accounts,
  type OptionalRequestColumn,
  type Policy,
  InvalidAccountsError,
  type UsageRequest,
  billRequests,
  compileBillQuery,
  compileBillSql,
  defaultPolicy,
  defaultPolicyDocument,
  loadPolicy,
  parseAccounts,
  parseMoney,
  parseTimestamp,
} from '@byok-billing/core';
import { byok } from './support/runByok.js';
import { CLICKHOUSE_URLS, billShardedByScope, clickhouseColumns, epochNanos, scopeUnder } from './support/clickhouseShards.js';
import { STRICT_RATE_LIMIT_FAILS_OVER } from './arbitraries/sqlBillCase.js';
import {
  NANOSECOND_COLUMN,
  POSTGRES_URL,
  PostgresEngine,
  RELATION_COLUMNS,
  type RelationRow,
  billLinesAsSql,
  describePostgres,
  normaliseSqlRows,
  useSqlEngines,
} from './support/sqlEngines.js';

/*
 * The SQL compiler, case by case: rules compiled from the documents, literals that no
 * policy or accounts file can break out of, the rows the query refuses, and the options.
 * Every bill is checked against the JavaScript engine's bill of the same log; with
 * BYOK_TEST_CLICKHOUSE_URLS also on the ClickHouse cluster, rows sharded by scope.
 */

/** A log row, as the relation holds it and as the JS engine reads it. */
function row(requestId: string, timestamp: string, cost: string, keyResult: string | undefined, orgId = 'acme', extra: Partial<RelationRow> = {}): RelationRow {
  return { request_id: requestId, timestamp, user_id: 'u1', org_id: orgId, cost_usd: cost, key_result: keyResult, platform_result: undefined, route: undefined, ...extra };
}

/** The row's timestamp as the JS engine reads it: with the nanoseconds of `timestamp_nanos` as the 7th to 9th fractional digits. */
function fullTimestamp(r: RelationRow): string {
  const iso = r.timestamp.replace(' ', 'T');
  return r.timestamp_nanos === undefined ? iso : iso.replace(/(\.\d{6})/, `$1${r.timestamp_nanos.padStart(3, '0')}`);
}

function usage(r: RelationRow): UsageRequest {
  return {
    requestId: r.request_id,
    instant: parseTimestamp(fullTimestamp(r)),
    userId: r.user_id,
    orgId: r.org_id,
    cost: parseMoney(r.cost_usd),
    keyResult: (r.key_result || undefined) as UsageRequest['keyResult'],
    platformResult: (r.platform_result || undefined) as UsageRequest['platformResult'],
    recordedRoute: (r.route || undefined) as UsageRequest['recordedRoute'],
  };
}

/** The default policy document with some changes, loaded. */
function policyWith(change: (document: { parameters: Record<string, unknown>; rules: { routing: unknown[]; charge: unknown[] }; versions: Record<string, unknown>[]; id: string }) => void) {
  const document = structuredClone(defaultPolicyDocument) as never;
  change(document);
  return loadPolicy(document);
}


const engines = useSqlEngines();

/** The rows as ClickHouse's relation holds them (Int64 epoch nanoseconds, the scope), billed shard by shard. */
async function clickhouseBill(rows: readonly RelationRow[], policy: Policy, accounts: Accounts | undefined, options: { readonly absentColumns?: readonly OptionalRequestColumn[] } = {}) {
  const chRows = rows.map((r) => {
    const instant = parseTimestamp(fullTimestamp(r));
    return { ...r, timestamp: epochNanos(instant), timestamp_nanos: undefined, scope: scopeUnder(policy, instant.epochMs, r.user_id, r.org_id) };
  });
  return billShardedByScope(CLICKHOUSE_URLS, clickhouseColumns(), chRows, (table) => compileBillSql(policy, accounts, { dialect: 'clickhouse', relation: table, ...options }));
}

/**
 * Bills rows on DuckDB (and PostgreSQL when there is one) and checks each against the JS
 * bill; with `nanoseconds`, the relation has NANOSECOND_COLUMN and the query reads it.
 */
async function expectSameBill(rows: readonly RelationRow[], policy = defaultPolicy(), accountRows: readonly AccountRow[] = [], nanoseconds = false) {
  const accounts = parseAccounts(accountRows);
  const expected = billLinesAsSql(billRequests(rows.map(usage), { policy, accounts }).bill);
  const columns = nanoseconds ? [...RELATION_COLUMNS, NANOSECOND_COLUMN] : RELATION_COLUMNS;
  const options = nanoseconds ? { nanosecondColumn: NANOSECOND_COLUMN } : {};
  await engines.duck.load(rows, columns);
  expect(normaliseSqlRows(await engines.duck.query(compileBillSql(policy, accounts, { dialect: 'duckdb', ...options }))), 'duckdb').toEqual(expected);
  if (engines.postgres !== undefined) {
    await engines.postgres.load(rows, columns);
    expect(normaliseSqlRows(await engines.postgres.query(compileBillSql(policy, accounts, { dialect: 'postgres', ...options }))), 'postgres').toEqual(expected);
  }
  if (CLICKHOUSE_URLS.length > 0) expect(normaliseSqlRows(await clickhouseBill(rows, policy, accounts)), 'clickhouse').toEqual(expected);
  return expected;
}

describe('rules are compiled from the policy document', () => {
  it('a higher-priority routing rule changes the SQL, and the engines route by it', async () => {
    const changed = policyWith((d) => d.rules.routing.push(STRICT_RATE_LIMIT_FAILS_OVER));
    const base = defaultPolicy();
    expect(compileBillSql(changed, undefined, { dialect: 'duckdb' })).not.toBe(compileBillSql(base, undefined, { dialect: 'duckdb' }));
    expect(compileBillSql(changed, undefined, { dialect: 'duckdb' })).toContain('"strict: rate limited, platform served"');
    const rows = [row('r1', '2025-10-02 10:00:00+00:00', '0.5', 'rate_limited'), row('r2', '2025-10-02 11:00:00+00:00', '0.25', 'ok')];
    const accounts = [{ scope: 'org:acme', failover_mode: 'strict', free_requests: '' }];
    const before = await expectSameBill(rows, base, accounts);
    const after = await expectSameBill(rows, changed, accounts);
    expect(before[0]).toMatchObject({ failed_requests: 1, platform_requests: 0, total_usd: '0' });
    expect(after[0]).toMatchObject({ failed_requests: 0, platform_requests: 1, total_usd: '0.5' });
  });

  it('a changed charge rule (failed requests pay the list cost, written with `any`) changes the totals accordingly', async () => {
    const changed = policyWith((d) => {
      d.rules.charge = d.rules.charge.filter((r) => !['platform credits: list cost', 'failed: no charge'].includes((r as { name: string }).name));
      d.rules.charge.push({
        name: 'platform or failed: list cost',
        conditions: { any: [{ fact: 'route', operator: 'equal', value: 'platform' }, { fact: 'route', operator: 'equal', value: 'failed' }] },
        event: { type: 'charge', params: { charge: 'list' } },
      });
    });
    const rows = [row('r1', '2025-10-02 10:00:00+00:00', '0.5', 'error', 'acme', { platform_result: 'error' })];
    expect((await expectSameBill(rows))[0]).toMatchObject({ failed_requests: 1, total_usd: '0' });
    expect((await expectSameBill(rows, changed))[0]).toMatchObject({ failed_requests: 1, total_usd: '0.5' });
  });

  it('versions with their own rules and parameters get a CASE on the version in force', async () => {
    const policy = policyWith((d) => {
      d.versions.push({
        version: '2026 strict-friendly',
        effectiveFrom: '2026-01-01T00:00:00Z',
        parameters: { allowance: 1, feeRate: '0.075', scopeMode: 'user', counts: 'attempted' },
        rules: { ...(structuredClone(defaultPolicyDocument.rules) as object), routing: [...structuredClone(defaultPolicyDocument.rules.routing), STRICT_RATE_LIMIT_FAILS_OVER] },
      });
    });
    const sql = compileBillQuery(policy, undefined, { dialect: 'duckdb' });
    expect(sql).toContain('WHEN version_index IN (0, 1) THEN CASE'); // the routing rules of the first two versions; the third's in ELSE
    const rows = ['2025-09-30 23:59:59+00:00', '2025-10-15 12:00:00+00:00', '2025-12-31 23:59:59.999999+00:00', '2026-01-01 00:00:00+00:00', '2026-01-02 00:00:00+00:00'].flatMap(
      (t, i) => [row(`a${i}`, t, '0.1', 'ok'), row(`b${i}`, t, '0.2', 'rate_limited'), row(`c${i}`, t, '0.3', 'ok', '')],
    );
    await expectSameBill(rows, policy, [{ scope: 'org:acme', failover_mode: 'strict', free_requests: '' }, { scope: 'user:u1', failover_mode: 'strict', free_requests: '' }]);
  });
});

describe('a policy or accounts file is data: nothing in it can change the query', () => {
  const HOSTILE = [
    "x'); DROP TABLE requests; --",
    "a\\'; DROP TABLE requests; --",
    'line\nDROP TABLE requests; --',
    "tab\there '' \"quoted\" */ /* --",
    '\u{1F600}\uE000',
  ];

  it('hostile scopes in the accounts file are literals: their settings apply, and the table survives', async () => {
    const rows = HOSTILE.flatMap((org, i) => [row(`r${i}a`, '2025-10-02 10:00:00+00:00', '0.1', 'ok', org), row(`r${i}b`, '2025-10-02 11:00:00+00:00', '0.3', 'rate_limited', org)]);
    const accounts = HOSTILE.map((org) => ({ scope: `org:${org}`, failover_mode: 'strict', free_requests: '0' }));
    const lines = await expectSameBill(rows, defaultPolicy(), accounts);
    // Every hostile org got its account: no free request, the rate-limited one failed (strict).
    expect(lines).toHaveLength(HOSTILE.length);
    for (const line of lines) expect(line).toMatchObject({ free_requests: 0, billable_requests: 1, failed_requests: 1 });
    expect(await engines.duck.query('SELECT count(*) AS n FROM requests')).toEqual([{ n: BigInt(rows.length) }]);
  });

  it('U+0000 in a scope: DuckDB writes it with chr(0); PostgreSQL (whose text cannot hold it) leaves the account out', async () => {
    const accounts = parseAccounts([{ scope: 'org:nul\u0000; DROP TABLE requests', failover_mode: 'strict', free_requests: '0' }]);
    expect(compileBillSql(defaultPolicy(), accounts, { dialect: 'duckdb' })).toContain("('org:nul' || chr(0) || '; DROP TABLE requests')");
    expect(compileBillSql(defaultPolicy(), accounts, { dialect: 'postgres' })).toContain('-- left out: "org:nul\\u0000; DROP TABLE requests"');
    await engines.duck.load([row('r1', '2025-10-02 10:00:00+00:00', '0.1', 'ok', 'nul\u0000; DROP TABLE requests')]);
    expect(normaliseSqlRows(await engines.duck.query(compileBillSql(defaultPolicy(), accounts, { dialect: 'duckdb' })))[0]).toMatchObject({ billable_requests: 1 });
  });

  it('hostile rule names, version labels and ids only ever reach comments, escaped', async () => {
    const hostile = "evil\n; DROP TABLE requests; --\r\u2028'*/";
    const policy = policyWith((d) => {
      d.id = hostile;
      (d.versions[1] as Record<string, unknown>).version = hostile;
      (d.rules.routing[0] as Record<string, unknown>).name = hostile;
      (d.rules.charge[0] as Record<string, unknown>).name = `${hostile}2`;
    });
    for (const dialect of ['duckdb', 'postgres', 'ansi', 'clickhouse'] as const) {
      const sql = compileBillSql(policy, undefined, { dialect });
      expect(sql.split('\n').filter((line) => line.includes('DROP')).every((line) => line.trimStart().startsWith('--'))).toBe(true);
      expect(sql).not.toMatch(/[\r\u2028]/u);
    }
    await expectSameBill([row('r1', '2025-10-02 10:00:00+00:00', '0.1', 'ok')], policy);
  });

  it('the ansi dialect refuses a scope with a backslash (Spark, BigQuery and ClickHouse read it as an escape)', async () => {
    const accounts = parseAccounts([{ scope: 'org:a\\', failover_mode: '', free_requests: '1' }]);
    expect(() => compileBillSql(defaultPolicy(), accounts, { dialect: 'ansi' })).toThrow(InvalidAccountsError);
    expect(compileBillSql(defaultPolicy(), accounts, { dialect: 'postgres' })).toContain("E'org:a\\\\'");
    const dir = mkdtempSync(join(tmpdir(), 'byok-sql-'));
    try {
      writeFileSync(join(dir, 'accounts.csv'), 'scope,failover_mode,free_requests\norg:a\\,,1\n');
      const result = await byok(['sql', '--dialect', 'ansi', '--accounts', join(dir, 'accounts.csv')]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('accounts.csv');
      expect(result.stderr).toContain('backslash');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('rows no policy can decide stop the query with a byok: error', () => {
  const cases: [string, RelationRow[], RegExp][] = [
    ['a negative cost', [row('neg', '2025-10-02 10:00:00+00:00', '-0.1', 'ok')], /byok: cost_usd is negative \(request_id neg\)/],
    ['an unknown key_result', [row('k', '2025-10-02 10:00:00+00:00', '0.1', 'OK')], /byok: key_result is not one of/],
    ['an unknown platform_result', [row('p', '2025-10-02 10:00:00+00:00', '0.1', 'ok', 'acme', { platform_result: 'down' })], /byok: platform_result is not one of/],
    ['an unknown route', [row('q', '2025-10-02 10:00:00+00:00', '0.1', undefined, 'acme', { route: 'BYOK' })], /byok: route is not one of/],
    ['neither key_result nor route', [row('none', '2025-10-02 10:00:00+00:00', '0.1', '', 'acme', { route: '' })], /byok: a request needs key_result or route \(request_id none\)/],
    ['one request_id with other content', [row('dup', '2025-10-02 10:00:00+00:00', '0.1', 'ok'), row('dup', '2025-10-02 10:00:00+00:00', '0.2', 'ok')], /byok: request_id appears twice with different content \(request_id dup\)/],
  ];
  for (const [what, rows, message] of cases) {
    it(`${what} (DuckDB${POSTGRES_URL ? ', PostgreSQL' : ''}${CLICKHOUSE_URLS.length > 0 ? ', ClickHouse' : ''})`, async () => {
      expect(() => billRequests(rows.map(usage), { policy: defaultPolicy() })).toThrow();
      await engines.duck.load(rows);
      await expect(engines.duck.query(compileBillSql(defaultPolicy(), undefined, { dialect: 'duckdb' }))).rejects.toThrow(message);
      if (engines.postgres !== undefined) {
        await engines.postgres.load(rows);
        await expect(engines.postgres.query(compileBillSql(defaultPolicy(), undefined, { dialect: 'postgres' }))).rejects.toThrow(message);
      }
      if (CLICKHOUSE_URLS.length > 0) await expect(clickhouseBill(rows, defaultPolicy(), undefined)).rejects.toThrow(message);
    });
  }

  it('an instant before the first version, when the first version has a start', async () => {
    const policy = policyWith((d) => {
      d.versions[0]!.effectiveFrom = '2025-01-01T00:00:00Z';
    });
    await engines.duck.load([row('early', '2024-12-31 23:59:59.999999+00:00', '0.1', 'ok')]);
    await expect(engines.duck.query(compileBillSql(policy, undefined, { dialect: 'duckdb' }))).rejects.toThrow(/byok: timestamp is before the policy's first version \(request_id early\)/);
    await engines.duck.load([row('first', '2025-01-01 00:00:00+00:00', '0.1', 'ok')]);
    await expect(engines.duck.query(compileBillSql(policy, undefined, { dialect: 'duckdb' }))).resolves.toHaveLength(1);
  });

  it('a repeat with the same content (another offset, a trailing zero, NULL vs empty org) counts once', async () => {
    await expectSameBill([
      row('r1', '2025-10-02 10:00:00+00:00', '0.1', 'ok', ''),
      row('r1', '2025-10-02 05:00:00-05:00', '0.10', 'ok', undefined as unknown as string, { org_id: undefined }),
    ]);
  });
});

describe('options and precision', () => {
  const rows = [
    row('b', '2025-10-02 10:00:00.000002+00:00', '0.123456789012', 'ok'),
    // A microsecond earlier, with a later id: time decides before the id does.
    row('c', '2025-10-02 10:00:00.000001+00:00', '1', 'ok'),
    row('a', '2025-10-02 10:00:00.000002+00:00', '0.5', 'ok'),
    row('d', '2025-10-02 10:00:00.000003+00:00', '2', 'rate_limited'),
  ];
  const accounts = [{ scope: 'org:acme', failover_mode: '', free_requests: '1' }];

  it('microseconds order requests; ties at the allowance boundary go by request_id', async () => {
    // c (earliest) is free; a and b tie: a before b, both billable.
    expect((await expectSameBill(rows, defaultPolicy(), accounts))[0]).toMatchObject({ free_requests: 1, billable_requests: 2, fee_usd: '0.0311728394506' });
  });

  it('with a nanosecond column, nanoseconds order requests within one microsecond, whatever their ids', async () => {
    const at = (id: string, micro: string, nanos: number, cost: string) => row(id, `2025-10-02 10:00:00.${micro}+00:00`, cost, 'ok', 'acme', { timestamp_nanos: String(nanos) });
    const exact = [at('z', '000001', 1, '1'), at('m', '000001', 2, '0.25'), at('a', '000001', 2, '0.5'), at('b', '000001', 999, '2'), at('0', '000002', 0, '3')];
    // z (a nanosecond before a and m, which tie: a first) is free; by microseconds alone a would be.
    expect((await expectSameBill(exact, defaultPolicy(), accounts, true))[0]).toMatchObject({ free_requests: 1, billable_requests: 4, fee_usd: '0.2875' });
    // Two rows of one id a nanosecond apart are a conflict, as in byok bill.
    await engines.duck.load([at('z', '000001', 1, '1'), at('z', '000001', 2, '1')], [...RELATION_COLUMNS, NANOSECOND_COLUMN]);
    const query = compileBillSql(defaultPolicy(), undefined, { dialect: 'duckdb', nanosecondColumn: NANOSECOND_COLUMN });
    await expect(engines.duck.query(query)).rejects.toThrow(/byok: request_id appears twice with different content \(request_id z\)/);
    await engines.duck.load([at('z', '000001', 1000, '1')], [...RELATION_COLUMNS, NANOSECOND_COLUMN]);
    await expect(engines.duck.query(query)).rejects.toThrow(/byok: the nanosecond column is not a number from 0 to 999 \(request_id z\)/);
  });

  it('money as DECIMAL normalises (trailing zeros, then the point) to the text of money as text', async () => {
    const policy = defaultPolicy();
    const parsed = parseAccounts(accounts);
    await engines.duck.load(rows);
    const asText = await engines.duck.query(compileBillSql(policy, parsed, { dialect: 'duckdb' }));
    const asDecimal = await engines.duck.query(compileBillSql(policy, parsed, { dialect: 'duckdb', money: 'decimal' }));
    const normalise = (v: unknown) => String(v).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
    expect(asDecimal.map((r) => ({ ...r, byok_cost_usd: normalise(r.byok_cost_usd), fee_usd: normalise(r.fee_usd), platform_cost_usd: normalise(r.platform_cost_usd), total_usd: normalise(r.total_usd) }))).toEqual(asText);
  });

  it('a relation without the optional columns (absentColumns) reads them as NULL', async () => {
    const columns = ['request_id', 'timestamp', 'user_id', 'cost_usd', 'key_result'];
    const plain = rows.map((r) => ({ ...r, org_id: undefined }));
    await engines.duck.load(plain, columns);
    const got = await engines.duck.query(compileBillSql(defaultPolicy(), undefined, { dialect: 'duckdb', absentColumns: ['org_id', 'platform_result', 'route'] }));
    expect(normaliseSqlRows(got)).toEqual(billLinesAsSql(billRequests(plain.map(usage), { policy: defaultPolicy() }).bill));
    await expect(engines.duck.query(compileBillSql(defaultPolicy(), undefined, { dialect: 'duckdb' }))).rejects.toThrow(/org_id/);
  });

  it('another relation name is quoted as an identifier', () => {
    expect(compileBillQuery(defaultPolicy(), undefined, { dialect: 'postgres', relation: 'my "log"' })).toContain('FROM "my ""log"""');
  });
});

describe('byok sql', () => {
  it('prints compileBillSql of the policy and accounts files, with the options passed through', async () => {
    const result = await byok(['sql', '--dialect', 'postgres', '--money', 'decimal', '--relation', 'gateway_log', '--absent', 'route, platform_result', '--nanosecond-column', 'ts_nanos']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      compileBillSql(defaultPolicy(), undefined, { dialect: 'postgres', money: 'decimal', relation: 'gateway_log', absentColumns: ['route', 'platform_result'], nanosecondColumn: 'ts_nanos' }),
    );
    expect(result.stdout).toContain('ORDER BY instant, instant_nanos, request_id');
  });

  it('refuses a missing or unknown dialect and an unknown --absent column (exit code 2)', async () => {
    expect((await byok(['sql'])).code).toBe(2);
    expect((await byok(['sql', '--dialect', 'mysql'])).code).toBe(2);
    const absent = await byok(['sql', '--dialect', 'duckdb', '--absent', 'cost_usd']);
    expect(absent.code).toBe(2);
    expect(absent.stderr).toContain('not an optional column');
  });
});

describePostgres('the ansi dialect on PostgreSQL', () => {
  it('gives the JS bill (the database compares text in byte order here: C.UTF-8)', async () => {
    const rows = [row('b', '2025-10-02 10:00:00+00:00', '0.1', 'ok', 'B'), row('a', '2025-10-02 10:00:00+00:00', '0.2', 'ok', 'a'), row('c', '2025-09-02 10:00:00+00:00', '0.3', 'ok', '')];
    const expected = billLinesAsSql(billRequests(rows.map(usage), { policy: defaultPolicy() }).bill);
    const plain = await PostgresEngine.open(POSTGRES_URL!);
    try {
      await plain.client.query('CREATE TEMP TABLE requests (request_id text, "timestamp" timestamptz, user_id text, org_id text, cost_usd numeric(38,12), key_result text, platform_result text, route text)');
      await plain.client.query(
        'INSERT INTO requests SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::numeric[], $6::text[], $7::text[], $8::text[])',
        (['request_id', 'timestamp', 'user_id', 'org_id', 'cost_usd', 'key_result', 'platform_result', 'route'] as const).map((c) => rows.map((r) => r[c] ?? null)),
      );
      expect(normaliseSqlRows(await plain.query(compileBillSql(defaultPolicy(), undefined, { dialect: 'ansi' })))).toEqual(expected);
    } finally {
      await plain.close();
    }
  });
});
