import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type ScopeMonthUsage, compareRequests, createMemoryStore, createMeter, defaultPolicyDocument, loadPolicy, storeUsage } from '@byok-billing/core';
import { EXIT_BAD_INPUT } from '@byok-billing/cli';
import { type FeeLogRow, feeConfigArb, feeLogArb } from '../../../test/arbitraries/feeConfig.js';
import { feeAccountsCsv, feePolicyDocument } from '../../../test/properties/feePolicyDocument.js';
import { type FeeConfig, effectiveTiers, hasFreeTier, termsOf, versionAt } from '../../../test/properties/referenceFees.js';
import { accountsOf, requestOf } from '../../../test/support/feeAccounts.js';
import { REPO_ROOT, readmeBlock } from '../../../test/support/readmeExample.js';
import { byok } from '../../../test/support/runByok.js';
import { createPreviousSqliteStore } from '../../stores/test/support/previousSchemas.js';
import { describePostgres, dropTables, uniquePrefix } from '../../stores/test/support/postgresTarget.js';
import { feeLogCsv } from './support/feeCase.js';

/*
 * `byok usage`: the usage of a store filled by `byok meter` is what the same log's
 * `byok bill --details` says, worked out here from the decision records alone (counted,
 * fees summed exactly as bigints, BYOK list cost, the first billable request), with the
 * allowance from the fee oracle's reading of the policy and accounts (test/properties/
 * referenceFees.ts), on SQLite (both layouts) and PostgreSQL, for shorthand and
 * pricing-language policies (tiers, caps, free_requests).
 */
const dir = mkdtempSync(join(tmpdir(), 'byok-usage-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const fresh = (name: string) => join(dir, `${++files}-${name}`);

interface UsageJson {
  readonly scope: string;
  readonly period: string;
  readonly requestsCounted: number;
  readonly allowanceUnit: string;
  readonly allowance: string | null;
  readonly allowanceLeft: string | null;
  readonly feesUsd: string;
  readonly byokCostUsd: string;
  readonly crossing: { readonly requestId: string; readonly instant: string } | null;
}

async function usage(args: readonly string[]): Promise<UsageJson[]> {
  const result = await byok(['usage', ...args, '--format', 'json']);
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { usage: UsageJson[] }).usage;
}

async function ok(args: readonly string[]): Promise<void> {
  const result = await byok(args);
  expect(result.code, result.stderr).toBe(0);
}

/** A decision record of `byok bill --details x.ndjson` (FORMATS.md), the fields read here. */
interface DetailRow {
  readonly request_id: string;
  readonly timestamp_utc: string;
  readonly scope: string;
  readonly period: string;
  readonly route: string;
  readonly ordinal: number | null;
  readonly status: string | null;
  readonly cost_usd: string;
  readonly fee_usd: string;
  readonly duplicate_of_line: number | null;
}

async function billDetails(args: readonly string[]): Promise<DetailRow[]> {
  const details = fresh('details.ndjson');
  await ok(['bill', ...args, '--details', details, '-q', '--format', 'json', '--out', fresh('bill.json')]);
  return readFileSync(details, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as DetailRow)
    .filter((row) => row.duplicate_of_line === null);
}

/** Decimal text (non-negative) in units of 10^-scale, and back with no trailing zeros: bigint only. */
const unitsOf = (text: string, scale: number): bigint => {
  const [whole, fraction = ''] = text.split('.');
  return BigInt(`${whole}${fraction.padEnd(scale, '0')}`);
};
const textOf = (units: bigint, scale: number): string => {
  const digits = units.toString().padStart(scale + 1, '0');
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  const whole = digits.slice(0, digits.length - scale);
  return fraction === '' ? whole : `${whole}.${fraction}`;
};

type Allowance = { readonly unit: string; readonly bound: bigint | null };

/**
 * The usage a store filled from a log in time order must report, from the bill's decision
 * records in that order: per scope-month the counted requests, the exact sums of fees and
 * BYOK list costs, the first billable request, and the allowance (`allowanceAt` of the
 * scope and its latest request's instant) minus what is counted.
 */
function expectedUsage(details: readonly DetailRow[], allowanceAt: (scope: string, instant: string) => Allowance): UsageJson[] {
  const groups = new Map<string, DetailRow[]>();
  for (const row of details) {
    const key = `${row.scope}\n${row.period}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const bytes = (s: string) => Buffer.from(s, 'utf8');
  const keys = [...groups.keys()].sort((a, b) => {
    const [sa, pa] = a.split('\n');
    const [sb, pb] = b.split('\n');
    return Buffer.compare(bytes(sa!), bytes(sb!)) || Buffer.compare(bytes(pa!), bytes(pb!));
  });
  return keys.map((key) => {
    const rows = groups.get(key)!;
    const counted = rows.filter((r) => r.ordinal !== null);
    const fees = rows.reduce((sum, r) => sum + unitsOf(r.fee_usd, 24), 0n);
    const byok = rows.filter((r) => r.route === 'byok').reduce((sum, r) => sum + unitsOf(r.cost_usd, 12), 0n);
    const crossing = rows.find((r) => r.status === 'billable');
    const { scope, period } = rows[0]!;
    const allowance = allowanceAt(scope, rows[rows.length - 1]!.timestamp_utc);
    let total: string | null = null;
    let left: string | null = null;
    if (allowance.bound !== null) {
      const used = allowance.unit === 'requests' ? BigInt(counted.length) : counted.reduce((sum, r) => sum + unitsOf(r.cost_usd, 12), 0n);
      const rest = allowance.bound > used ? allowance.bound - used : 0n;
      const scale = allowance.unit === 'requests' ? 0 : 12;
      [total, left] = [textOf(allowance.bound, scale), textOf(rest, scale)];
    }
    return {
      scope,
      period,
      requestsCounted: counted.length,
      allowanceUnit: allowance.unit,
      allowance: total,
      allowanceLeft: left,
      feesUsd: textOf(fees, 24),
      byokCostUsd: textOf(byok, 12),
      crossing: crossing === undefined ? null : { requestId: crossing.request_id, instant: crossing.timestamp_utc },
    };
  });
}

/**
 * The allowance the fee oracle reads from a generated config for a scope at an instant: the
 * free tier's bound of every schedule of the version in force (0 for a schedule without
 * one), with the scope's `free_requests`; one bound, or null when the schedules differ.
 */
function oracleAllowance(config: FeeConfig): (scope: string, instant: string) => Allowance {
  return (scope, instant) => {
    const version = versionAt(config, Date.parse(instant));
    const unit = version.fees.unit ?? 'requests';
    if (config.scopeMode === 'user' && scope.startsWith('org:')) return { unit, bound: null };
    const terms = termsOf(config.accounts.find((a) => a.scope === scope));
    const bounds = new Set(Object.values(version.fees.schedules).map((s) => (hasFreeTier(s) ? effectiveTiers(s, unit, terms)[0]!.hi! : 0n)));
    return { unit, bound: bounds.size === 1 ? [...bounds][0]! : null };
  };
}

/** The rows in allowance order (instant, then request_id bytes): the meter's arrival order is the bill's. */
const inTimeOrder = (rows: readonly FeeLogRow[]) =>
  rows
    .map((row) => ({ row, request: requestOf(row) }))
    .sort((a, b) => compareRequests(a.request, b.request))
    .map(({ row }) => row);

type StoreArgs = () => Promise<readonly string[]> | readonly string[];

function parity(name: string, storeArgs: StoreArgs, numRuns: number) {
  it(`law (parity): on ${name}, byok usage of a store filled by byok meter is what byok bill --details of the log gives`, async () => {
    // catches: fees summed as floats (24 fractional digits), the crossing taken from the wrong
    // end or from a free request, counted requests that include uncounted ones, an allowance
    // that ignores free_requests or the pricing language's free tiers, a cap not applied.
    await fc.assert(
      fc.asyncProperty(feeConfigArb(), feeLogArb(), async (config, rows) => {
        const [log, policy, accounts] = [fresh('log.csv'), fresh('policy.json'), fresh('accounts.csv')];
        writeFileSync(log, feeLogCsv(inTimeOrder(rows)));
        writeFileSync(policy, JSON.stringify(feePolicyDocument(config)));
        writeFileSync(accounts, feeAccountsCsv(config));
        const args = ['--policy', policy, '--accounts', accounts];
        const store = await storeArgs();
        await ok(['meter', log, ...store, ...args, '-q', '--format', 'json', '--out', fresh('bill.json')]);
        const expected = expectedUsage(await billDetails([log, ...args]), oracleAllowance(config));
        expect(await usage([...store, ...args])).toEqual(expected);
      }),
      { numRuns },
    );
  });
}

/** The library's usage as `byok usage --format json` writes it. */
const asJson = (u: ScopeMonthUsage): UsageJson => ({ ...u, feesUsd: u.feesUsd.toString(), byokCostUsd: u.byokCostUsd.toString() });

describe('byok usage equals the bill details of the log it metered', () => {
  it('law (parity): the memory store, filled by the meter in-process, reports what byok bill --details of the log gives', async () => {
    // catches: the generic sum over records() (the memory store's) drifting from the SQL stores'.
    await fc.assert(
      fc.asyncProperty(feeConfigArb(), feeLogArb(), async (config, rows) => {
        const ordered = inTimeOrder(rows);
        const [log, policyFile, accountsFile] = [fresh('log.csv'), fresh('policy.json'), fresh('accounts.csv')];
        writeFileSync(log, feeLogCsv(ordered));
        writeFileSync(policyFile, JSON.stringify(feePolicyDocument(config)));
        writeFileSync(accountsFile, feeAccountsCsv(config));
        const policy = loadPolicy(feePolicyDocument(config));
        const accounts = accountsOf(config, policy);
        const store = createMemoryStore();
        const meter = createMeter({ policy, accounts, store });
        for (const row of ordered) await meter.record(requestOf(row));
        const expected = expectedUsage(await billDetails([log, '--policy', policyFile, '--accounts', accountsFile]), oracleAllowance(config));
        expect((await storeUsage(store, policy, accounts)).map(asJson)).toEqual(expected);
      }),
      { numRuns: 15 },
    );
  });
  parity('a SQLite store (compact layout)', () => ['--store', `sqlite:${fresh('m.db')}`], 25);
  parity(
    'a SQLite store of the first (JSON) layout',
    () => {
      const path = fresh('json.db');
      createPreviousSqliteStore(path, 'json');
      return ['--store', `sqlite:${path}`];
    },
    10,
  );
});

describePostgres('byok usage equals the bill details of the log it metered, PostgreSQL', (url) => {
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const p of prefixes) await dropTables(url, p);
  });
  parity(
    'a PostgreSQL store',
    () => {
      const prefix = uniquePrefix('usage');
      prefixes.push(prefix);
      return ['--store', `postgres:${url}`, '--table-prefix', prefix];
    },
    8,
  );
});

/** A hand-made month: allowance 2 from the policy, 3 from an account; fees of 24 fractional digits. */
function handLog(): { log: string; policy: string; accounts: string } {
  const policy = fresh('allowance-2.json');
  const doc = JSON.parse(JSON.stringify(defaultPolicyDocument));
  doc.parameters.allowance = 2;
  writeFileSync(policy, JSON.stringify(doc));
  const accounts = fresh('accounts.csv');
  writeFileSync(accounts, 'scope,failover_mode,free_requests\norg:big,,3\n');
  const log = fresh('hand.csv');
  writeFileSync(
    log,
    [
      'request_id,timestamp,user_id,org_id,model,cost_usd,key_result,platform_result',
      'a1,2025-11-01T00:00:00Z,u1,acme,m,1,ok,',
      'a2,2025-11-01T01:00:00Z,u2,acme,m,0.000000000001,ok,',
      '=a3,2025-11-01T02:00:00Z,u1,acme,m,0.000000000001,ok,',
      'a4,2025-11-01T03:00:00Z,u1,acme,m,0.000000000003,ok,',
      'p1,2025-11-01T04:00:00Z,u1,acme,m,7,error,ok',
      'b1,2025-11-02T00:00:00Z,u5,big,m,2,ok,',
      'b2,2025-11-02T00:00:01Z,u5,big,m,2,ok,',
      'b3,2025-11-02T00:00:02Z,u5,big,m,2,ok,',
      'c1,2025-12-01T00:00:00Z,u1,acme,m,4,ok,',
      'u1,2025-11-05T00:00:00Z,solo,,m,1.25,ok,',
    ].join('\n') + '\n',
  );
  return { log, policy, accounts };
}

describe('byok usage: a hand-worked month, filters, formats', () => {
  const { log, policy, accounts } = handLog();
  const store = fresh('hand.db');
  const common = ['--store', `sqlite:${store}`, '--policy', policy, '--accounts', accounts];
  let filling: Promise<void> | undefined;
  const filled = () => (filling ??= ok(['meter', log, '--store', `sqlite:${store}`, '--policy', policy, '--accounts', accounts, '-q', '--format', 'json', '--out', fresh('bill.json')]));

  it('reports each scope-month by hand: counted, allowance left, exact fees, list cost, crossing request', async () => {
    // catches: a fee of 5e-14 lost to floating point; the platform-served failed key counted as BYOK list cost.
    await filled();
    const all = await usage(common);
    expect(all).toEqual([
      {
        scope: 'org:acme',
        period: '2025-11',
        requestsCounted: 4,
        allowanceUnit: 'requests',
        allowance: '2',
        allowanceLeft: '0',
        feesUsd: '0.0000000000002',
        byokCostUsd: '1.000000000005',
        crossing: { requestId: '=a3', instant: '2025-11-01T02:00:00Z' },
      },
      { scope: 'org:acme', period: '2025-12', requestsCounted: 1, allowanceUnit: 'requests', allowance: '2', allowanceLeft: '1', feesUsd: '0', byokCostUsd: '4', crossing: null },
      { scope: 'org:big', period: '2025-11', requestsCounted: 3, allowanceUnit: 'requests', allowance: '3', allowanceLeft: '0', feesUsd: '0', byokCostUsd: '6', crossing: null },
      { scope: 'user:solo', period: '2025-11', requestsCounted: 1, allowanceUnit: 'requests', allowance: '2', allowanceLeft: '1', feesUsd: '0', byokCostUsd: '1.25', crossing: null },
    ]);
  });

  it('filters by scope, by period and by both, as the whole report restricted', async () => {
    // catches: a filter applied to the wrong column, or after the crossing was chosen across months.
    await filled();
    const all = await usage(common);
    for (const scope of ['org:acme', 'org:big', 'user:nobody']) {
      expect(await usage([...common, '--scope', scope])).toEqual(all.filter((u) => u.scope === scope));
    }
    for (const period of ['2025-11', '2025-12', '2026-01']) {
      expect(await usage([...common, '--period', period])).toEqual(all.filter((u) => u.period === period));
    }
    expect(await usage([...common, '--scope', 'org:acme', '--period', '2025-12'])).toEqual(all.filter((u) => u.scope === 'org:acme' && u.period === '2025-12'));
  });

  it('writes CSV with the same values, formula-guarded text, and a table; --out writes the file', async () => {
    // catches: a CSV column out of step with its header, a request_id starting with = written bare.
    await filled();
    const all = await usage(common);
    const out = fresh('usage.csv');
    await ok(['usage', ...common, '--format', 'csv', '--out', out]);
    const rows = parseCsv(readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.scope, r.period, r.requests_counted, r.allowance, r.allowance_left, r.fees_usd, r.byok_cost_usd, r.crossing_request_id, r.crossing_instant])).toEqual(
      all.map((u) => [
        u.scope,
        u.period,
        String(u.requestsCounted),
        u.allowance,
        u.allowanceLeft,
        u.feesUsd,
        u.byokCostUsd,
        u.crossing === null ? '' : u.crossing.requestId === '=a3' ? "'=a3" : u.crossing.requestId,
        u.crossing?.instant ?? '',
      ]),
    );
    const table = await byok(['usage', ...common, '--format', 'table']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^org:acme\s+2025-11\s+4\s+2\s+0\s+0\.00\s+1\.00\s+=a3\s+2025-11-01T02:00:00Z$/m);
    expect(table.stdout).toMatch(/^org:big\s+2025-11\s+3\s+3\s+0\s+0\.00\s+6\.00\s+-\s+-$/m);
  });

  it('leaves the store as it was: a second report is the same and the file holds no new decisions', async () => {
    await filled();
    const first = await usage(common);
    expect(await usage(common)).toEqual(first);
  });
});

describe('byok usage: bad input exits 2 naming what is wrong', () => {
  const cases: readonly [string, readonly string[], RegExp][] = [
    ['an unknown store', ['--store', 'mysql:x'], /unknown store "mysql:x"/],
    ['no store', [], /--store/],
    ['a memory store', ['--store', 'memory'], /memory store holds nothing/],
    ['a month that is not YYYY-MM', ['--store', 'sqlite:x.db', '--period', '2025-13'], /--period "2025-13": expected a month as YYYY-MM/],
    ['a day for a month', ['--store', 'sqlite:x.db', '--period', '2025-11-01'], /--period "2025-11-01"/],
    ['a scope that is not org: or user:', ['--store', 'sqlite:x.db', '--scope', 'acme'], /--scope "acme": expected org:<org_id> or user:<user_id>/],
    ['an empty org scope', ['--store', 'sqlite:x.db', '--scope', 'org:'], /--scope "org:"/],
    ['an unknown format', ['--store', 'sqlite:x.db', '--format', 'xml'], /--format/],
  ];
  for (const [what, args, message] of cases) {
    it(`refuses ${what}`, async () => {
      const result = await byok(['usage', ...args]);
      expect(result.code).toBe(EXIT_BAD_INPUT);
      expect(result.stderr).toMatch(message);
    });
  }

  it('refuses a SQLite store that does not exist, and does not create it', async () => {
    // catches: opening the store for writing, which would make an empty store where a path was mistyped.
    const path = fresh('missing.db');
    const result = await byok(['usage', '--store', `sqlite:${path}`]);
    expect(result.code).toBe(EXIT_BAD_INPUT);
    expect(result.stderr).toContain(`${path}: no such file`);
    expect(existsSync(path)).toBe(false);
  });

  it('refuses a file that is not a SQLite database, and a database that holds no byok store', async () => {
    const text = fresh('log.csv');
    writeFileSync(text, 'request_id,timestamp\n');
    const notDb = await byok(['usage', '--store', `sqlite:${text}`]);
    expect(notDb.code).toBe(EXIT_BAD_INPUT);
    expect(notDb.stderr).toMatch(/not a SQLite database/);
    const other = fresh('other.db');
    createPreviousSqliteStore(other, 'json');
    const prefixed = await byok(['usage', '--store', `sqlite:${other}`, '--table-prefix', 'nope_']);
    expect(prefixed.code).toBe(EXIT_BAD_INPUT);
    expect(prefixed.stderr).toMatch(/holds no byok meter store \(no nope_decisions table\)/);
  });

  it('refuses --out naming the store, and leaves the store as it was', async () => {
    // catches: the report renamed over the SQLite file it was read from.
    const store = fresh('s.db');
    createPreviousSqliteStore(store, 'json');
    const before = readFileSync(store);
    const result = await byok(['usage', '--store', `sqlite:${store}`, '--out', join(dir, '.', basename(store))]);
    expect(result.code).toBe(EXIT_BAD_INPUT);
    expect(result.stderr).toContain('is the store');
    expect(readFileSync(store)).toEqual(before);
  });

  it('refuses a bad policy file naming it', async () => {
    const store = fresh('s.db');
    createPreviousSqliteStore(store, 'json');
    const policy = fresh('bad.json');
    writeFileSync(policy, '{"id": 1}');
    const result = await byok(['usage', '--store', `sqlite:${store}`, '--policy', policy]);
    expect(result.code).toBe(EXIT_BAD_INPUT);
    expect(result.stderr).toContain(policy);
  });

  it('has --help with examples', async () => {
    const result = await byok(['usage', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Examples:\n {2}\$ byok meter --store sqlite:meter\.db/);
    expect(result.stdout).toContain('byok usage --store sqlite:meter.db --scope org:acme --period 2025-11 --format json');
  });
});

describePostgres('byok usage: a PostgreSQL database without the store', (url) => {
  it('refuses a table prefix that names no store, and creates nothing', async () => {
    const prefix = uniquePrefix('none');
    const result = await byok(['usage', '--store', `postgres:${url}`, '--table-prefix', prefix]);
    expect(result.code).toBe(EXIT_BAD_INPUT);
    expect(result.stderr).toContain(`no ${prefix}decisions table`);
    const again = await byok(['usage', '--store', `postgres:${url}`, '--table-prefix', prefix]);
    expect(again.code).toBe(EXIT_BAD_INPUT);
  });
});

describe('README byok usage example', () => {
  it('prints what the README quotes', () => {
    // The block as a shell script, with the built CLI for `pnpm -s byok` and a fresh store for /tmp/meter.db.
    const script = readmeBlock('usage').replaceAll('pnpm -s byok', `node ${join(REPO_ROOT, 'packages/cli/dist/bin.js')}`).replaceAll('/tmp/meter.db', fresh('readme.db'));
    const result = spawnSync('bash', ['-e', '-c', script], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toBe(readmeBlock('usage:output'));
  });
});
