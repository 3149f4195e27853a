import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type UsageRequest, billRequests, compileBillQuery, defaultPolicy, loadPolicy, parseAccounts, parseMoney, parseTimestamp } from '@byok-billing/core';
import { sqlString } from '@byok-billing/core/internal';
import { billLinesAsSql, normaliseSqlRows } from './support/sqlEngines.js';
import { REPO_ROOT } from './support/readmeExample.js';
import { billShardedByScope, clickhouseColumns, clickhouseRows, describeClickhouse, dropShards, epochNanos, loadShards, uniqueTable } from './support/clickhouseShards.js';

/*
 * What is particular to the clickhouse dialect (the differential laws in sqlDifferential and
 * properties/feeSql hold its bills to the JavaScript engine's): ClickHouse's string
 * literals, the query's shape (what 18.16 lacks), sums past 38 digits, and the CI script
 * that starts the cluster.
 */

/** Reads back a ClickHouse string literal: backslash escapes (\\, \', \xHH, \n, \t, …), or fails if the text is not exactly one literal. */
function readClickhouseLiteral(sql: string): string {
  const m = /^'((?:[^'\\]|\\.)*)'$/su.exec(sql);
  if (!m) throw new Error(`not one literal: ${sql}`);
  return m[1]!.replace(/\\x([0-9a-f]{2})|\\(.)/gsu, (_, hex: string | undefined, ch: string | undefined) => (hex !== undefined ? String.fromCharCode(parseInt(hex, 16)) : ch!));
}

describe('ClickHouse string literals', () => {
  // catches: a quote or backslash that ends the literal early (ClickHouse reads a backslash as an escape), a control character left raw.
  it('law: any text reads back from its literal, which holds no raw quote, backslash or control character', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const literal = sqlString(text, 'clickhouse');
        expect(readClickhouseLiteral(literal)).toBe(text);
        expect(literal.slice(1, -1)).not.toMatch(/[\u0000-\u001f\u007f]/u);
      }),
    );
  });
});

describe('the clickhouse query', () => {
  // The pricing language's two running sums: list-usd tiers (scenario 19) and a cap (scenario 21).
  const scenarioPolicy = (dir: string) => loadPolicy(JSON.parse(readFileSync(join(REPO_ROOT, 'scenarios', dir, 'policy.json'), 'utf8')));
  const policies = [defaultPolicy(), scenarioPolicy('19-allowance-in-dollars'), scenarioPolicy('21-contract-terms-and-cap')];

  // catches: a construct ClickHouse 18.16 lacks (window functions, CTEs, VALUES, TRUE/FALSE), or a sum() over a Decimal, which wraps past 38 digits.
  it('uses no window function, CTE, VALUES or boolean literal, and guards every sum', () => {
    for (const policy of policies) {
      const sql = compileBillQuery(policy, parseAccounts([{ scope: 'org:a', failover_mode: 'strict', free_requests: '3' }]), { dialect: 'clickhouse' });
      expect(sql).not.toMatch(/\bOVER\s*\(|^\s*WITH\b|\bVALUES\b|\bTRUE\b|\bFALSE\b/mu);
      expect(sql).toMatch(/groupArray\(tuple\(instant, request_id/u);
      expect(sql).toContain('ARRAY JOIN sorted_rows AS row');
      // Every sum() of an amount has its guard: the largest amount, checked against the row count.
      const sums = [...sql.matchAll(/\bsum\(.*? AS (\w+)_sum\)/gu)].map((m) => m[1]!);
      expect(new Set(sums)).toEqual(new Set(['byok_cost_usd', 'fee_usd', 'platform_cost_usd', 'total_usd']));
      expect([...sql.matchAll(/\bsum\(/gu)]).toHaveLength(sums.length + 1); // + the refusal's text
      for (const name of sums) expect(sql).toContain(`AS ${name}_max) > CAST('`);
      expect(sql).toContain('could pass 38 digits');
    }
  });
});

/** A request billed past the allowance: its cost pays the fee. */
function request(id: string, cost: string): UsageRequest {
  return { requestId: id, instant: parseTimestamp('2025-09-10T00:00:00Z'), userId: 'u', orgId: 'whale', cost: parseMoney(cost), keyResult: 'ok', platformResult: 'ok', recordedRoute: undefined };
}

describeClickhouse('the clickhouse query on the cluster', (urls) => {
  // catches: sum() over Decimal128, which wraps silently past 38 digits, let through; 18.16's toString of a Decimal128 past 21 integer digits (NUL bytes) in the output.
  it('writes sums past 21 integer digits exactly, and refuses a line whose sums could pass 38 digits instead of wrapping', async () => {
    const policy = defaultPolicy();
    const rowsOf = (costs: readonly string[]) =>
      costs.map((cost, i) => ({ request_id: `r${i}`, timestamp: epochNanos({ epochMs: Date.UTC(2025, 8, 10), nanos: 0 }), user_id: 'u', org_id: 'whale', cost_usd: cost, key_result: 'ok', platform_result: 'ok', route: undefined, scope: 'org:whale' }));
    const bill = (costs: readonly string[], money: 'text' | 'decimal' = 'text') =>
      billShardedByScope(urls, clickhouseColumns(), rowsOf(costs), (table) => compileBillQuery(policy, undefined, { dialect: 'clickhouse', relation: table, money }));
    // 31 costs of 21 integer digits: the line's cost has 23 integer digits.
    const large = Array.from({ length: 31 }, (_, i) => `${999_999_999_999_999_999_999n - BigInt(i)}.999999999999`);
    const expected = billLinesAsSql(billRequests(large.map((c, i) => request(`r${i}`, c)), { policy }).bill);
    expect(String(expected[0]!.byok_cost_usd).split('.')[0]!.length).toBe(23);
    expect(normaliseSqlRows(await bill(large))).toEqual(expected);
    // 31 costs of 25 integer digits: the cost would have 39 digits, the fee (scale 14) 40.
    const huge = large.map((c) => `9999${c}`);
    await expect(bill(huge)).rejects.toThrow(/byok: byok_cost_usd of org:whale in 2025-09 could pass 38 digits/u);
    await expect(bill(huge, 'decimal')).rejects.toThrow(/could pass 38 digits/u);
  });

  // catches: a table sharded by something else than the scope billed shard by shard and its lines added up.
  it('a table sharded by user instead of scope gives one scope-month on two shards: refused, never added up', async () => {
    const table = uniqueTable('byuser');
    const at = (id: string, user: string) => ({ request_id: id, timestamp: epochNanos({ epochMs: Date.UTC(2025, 9, 2), nanos: 0 }), user_id: user, org_id: 'acme', cost_usd: '1', key_result: 'ok', platform_result: 'ok', route: undefined, scope: 'org:acme' });
    try {
      await loadShards(urls, table, clickhouseColumns(), [at('r1', 'u1'), at('r2', 'u2')], (row) => (row.user_id === 'u1' ? 0 : 1));
      const perShard = await Promise.all(urls.map((url) => clickhouseRows(url, compileBillQuery(defaultPolicy(), undefined, { dialect: 'clickhouse', relation: table }))));
      // Each shard bills org:acme's October alone: each would give it the whole allowance.
      expect(perShard.map((rows) => rows.map((r) => `${String(r.scope)} ${String(r.period)}`))).toEqual([['org:acme 2025-10'], ['org:acme 2025-10']]);
    } finally {
      await dropShards(urls, table);
    }
  });

  // catches: the CI script hiding a server that could not start (its port taken) behind a success.
  it('.ci/clickhouse.sh exits 1 with the server log when a shard’s port is taken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'byok-ch-'));
    // Something else holds the port: it accepts a connection and closes it at once.
    const blocker = createServer((socket) => socket.destroy());
    // A free port below 60000 (the script puts the shards' other ports a few hundred above it).
    await new Promise<void>((resolve, reject) => {
      blocker.once('error', reject);
      blocker.listen(20_000 + (process.pid % 30_000), '127.0.0.1', resolve);
    });
    const port = (blocker.address() as { port: number }).port;
    try {
      const run = spawnSync('bash', [join(REPO_ROOT, '.ci/clickhouse.sh')], { env: { ...process.env, BYOK_CLICKHOUSE_DIR: dir, BYOK_CLICKHOUSE_PORT: String(port) }, encoding: 'utf8', timeout: 60_000 });
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(`shard 0 did not answer on http://127.0.0.1:${port}`);
      expect(run.stderr).toMatch(/Address already in use|bind/iu);
    } finally {
      blocker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
