/**
 * Issue 15: pooling allowances per user (`scopeMode: "user"`) must not change routing. A
 * request's failover mode is its keys' owner's account's (the org of an org member, else the
 * user), whatever the scope mode; only the allowance follows the billing scope. Before the fix
 * an org's `strict` account was ignored under scope mode user, and `byok whatif --vary
 * scope=org,user` moved a strict org's rate-limited request onto platform credits (+3900%).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultPolicyDocument } from '@byok-billing/core';
import { byok } from '../../../test/support/runByok.js';

const dir = mkdtempSync(join(tmpdir(), 'byok-scope-mode-routing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

// bob pays 5% of $0.20 in September (before the free tier): the baseline's total is $0.01.
// In October his org's key is rate limited: under acme's strict mode the request fails.
// Under his own (personal) account, credits-first, his personal request goes to platform credits.
const log = file(
  'requests.csv',
  [
    'request_id,timestamp,user_id,org_id,cost_usd,key_result,platform_result',
    'r0,2025-09-30T12:00:00Z,bob,acme,0.20,ok,ok',
    'r1,2025-10-05T10:00:00Z,bob,acme,0.0120,ok,ok',
    'r2,2025-10-05T11:00:00Z,bob,acme,0.39,rate_limited,ok',
    'r3,2025-10-06T09:00:00Z,bob,,0.05,ok,ok',
    '',
  ].join('\n'),
);
// bob's own row is consulted for his personal requests only; acme's routes every request made under it.
const accounts = file('accounts.csv', 'scope,failover_mode,free_requests\norg:acme,strict,\nuser:bob,credits-first,\n');
const perUserPolicy = (() => {
  const doc = structuredClone(defaultPolicyDocument) as { parameters: Record<string, unknown> };
  doc.parameters.scopeMode = 'user';
  return file('per-user.json', JSON.stringify(doc));
})();

interface Variant {
  name: string;
  totalUsd: string;
  platformRevenueUsd: string;
  strictFailedRequests: number;
  vsBaseline: { totalUsd: string };
}

describe('scope mode user keeps each request routed by its keys\' owner', () => {
  it('byok whatif --vary scope=org,user: the strict org\'s rate-limited request stays failed in both variants, at no change in cost', async () => {
    const { code, stdout, stderr } = await byok(['whatif', log, '--accounts', accounts, '--vary', 'scope=org,user', '--format', 'json', '-q']);
    expect(code, stderr).toBe(0);
    const variants = JSON.parse(stdout).variants as Variant[];
    expect(variants.map((v) => v.name)).toEqual(['current', 'scope=org', 'scope=user']);
    for (const v of variants) {
      // r2 failed (strict), r3 went to platform credits (bob's own credits-first): $0.05 + the September fee.
      expect({ name: v.name, failed: v.strictFailedRequests, platform: v.platformRevenueUsd, total: v.totalUsd, change: v.vsBaseline.totalUsd }).toEqual({
        name: v.name,
        failed: 1,
        platform: '0.05',
        total: '0.06',
        change: '0',
      });
    }
  });

  it('byok bill under a per-user policy: both engines give the same bill, the org request failed and the personal one on credits', async () => {
    const args = ['bill', log, '--accounts', accounts, '--policy', perUserPolicy, '--format', 'csv', '-q'];
    const js = await byok(args);
    expect(js.code, js.stderr).toBe(0);
    expect(js.stdout).toBe(
      [
        'scope,period,byok_requests,free_requests,billable_requests,byok_cost_usd,fee_usd,platform_requests,platform_cost_usd,failed_requests,total_usd',
        'user:bob,2025-09,1,0,1,0.2,0.01,0,0,0,0.01',
        'user:bob,2025-10,1,1,0,0.012,0,1,0.05,1,0.05',
        '',
      ].join('\n'),
    );
    const duckdb = await byok([...args, '--engine', 'duckdb']);
    expect(duckdb.code, duckdb.stderr).toBe(0);
    expect(duckdb.stdout).toBe(js.stdout);
  });

  it('recorded routes checked against the org\'s mode: both engines find the one that differs, and only it', async () => {
    // The gateway recorded r2 on platform credits: acme's strict mode says failed. r3 (personal,
    // bob's credits-first) is recorded as the platform route it is.
    const recorded = file(
      'recorded.csv',
      [
        'request_id,timestamp,user_id,org_id,cost_usd,key_result,platform_result,route',
        'r1,2025-10-05T10:00:00Z,bob,acme,0.0120,ok,error,byok',
        'r2,2025-10-05T11:00:00Z,bob,acme,0.39,rate_limited,ok,platform',
        'r3,2025-10-06T09:00:00Z,bob,,0.05,ok,ok,platform',
        '',
      ].join('\n'),
    );
    const args = ['bill', recorded, '--accounts', accounts, '--policy', perUserPolicy, '--format', 'json'];
    const warning = 'byok: warning: 1 request(s) have a recorded route that differs from the route their failover mode gives (listed in --details as route_mismatch=true)\n';
    for (const engine of [[], ['--engine', 'duckdb']]) {
      const run = await byok([...args, ...engine]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr, engine.join(' ')).toBe(warning);
    }
  });

  it('byok explain names the org\'s mode for an org member\'s request under a per-user policy', async () => {
    const { code, stdout, stderr } = await byok(['explain', log, '--accounts', accounts, '--policy', perUserPolicy, '--request', 'r2', '--format', 'json']);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ scope: 'user:bob', failoverMode: 'strict', route: 'failed', chargeUsd: '0' });
  });

  it('byok sql under a per-user policy: DuckDB running the query gives byok bill\'s lines', async () => {
    const query = join(dir, 'bill.sql');
    const compiled = await byok(['sql', '--dialect', 'duckdb', '--absent', 'route', '--accounts', accounts, '--policy', perUserPolicy, '--out', query]);
    expect(compiled.code, compiled.stderr).toBe(0);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await connection.run(`CREATE VIEW requests AS
        SELECT request_id, CAST("timestamp" AS TIMESTAMPTZ) AS "timestamp", user_id, org_id,
               CAST(cost_usd AS DECIMAL(38,12)) AS cost_usd, key_result, platform_result
        FROM read_csv('${log}', header = true, all_varchar = true)`);
      const rows = (await connection.runAndReadAll(readFileSync(query, 'utf8'))).getRowObjectsJson();
      expect(rows.map((r) => `${r.scope},${r.period},${r.failed_requests},${r.platform_requests},${r.total_usd}`)).toEqual(['user:bob,2025-09,0,0,0.01', 'user:bob,2025-10,1,1,0.05']);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('byok audit under the default policy: the per-user recomputation keeps the org\'s routes (no "counted per user" cause from a route change)', async () => {
    // acme is credits-first: every request with the platform up goes to platform credits, in
    // either scope mode, so counting per user frees nothing and the per-user fee is 0 too.
    const creditsFirst = file('credits-first.csv', 'scope,failover_mode,free_requests\norg:acme,credits-first,\n');
    const rows = ['request_id,timestamp,user_id,org_id,cost_usd,key_result,platform_result'];
    for (let i = 1; i <= 5; i++) rows.push(`a${i},2025-09-0${i}T10:00:00Z,alice,acme,0.20,ok,ok`);
    const auditLog = file('audit.csv', `${rows.join('\n')}\n`);
    // The invoice charges the fee the per-user recomputation would give if it routed alice's
    // requests by her own (fallback) mode: 5% × 5 × $0.20 on top of the $1 of platform credits.
    const invoice = file('invoice.csv', 'scope,period,fee_usd,total_usd\norg:acme,2025-09,0.05,1.05\n');
    const { code, stdout } = await byok(['audit', auditLog, '--accounts', creditsFirst, '--invoice', invoice, '--format', 'json']);
    expect(code).toBe(1);
    expect(stdout).not.toContain('counted per user');
  });
});
