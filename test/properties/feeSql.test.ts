/*
 * The pricing language compiled to SQL (issue 16, docs/pricing-language.md) against the fee
 * oracle: a generated config (tiers in requests or list-usd, several schedules chosen by
 * provider/model rules, caps, accounts' fee_rate/fee_cap_usd/free_requests) written as a
 * policy document and an accounts file, compiled by `compileBillSql` and run on DuckDB (the
 * duckdb and ansi queries) and — with BYOK_TEST_POSTGRES_URL; under CI it must be there — on
 * PostgreSQL, must give the reference bill's lines digit for digit; and — with
 * BYOK_TEST_CLICKHOUSE_URLS, which CI must have — the clickhouse query on a two-shard cluster,
 * each row on the shard of its scope (fewer cases: ClickHouse plans each query in 0.1 s). Then boundary cases by
 * hand, and `byok sql` on the pricing-language scenarios (18–21).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { billRequests, compileBillSql, defaultPolicyDocument, loadPolicy, parseAccounts } from '@byok-billing/core';
import { unwritableSqlString } from '@byok-billing/core/internal';
import { type FeeLogRow, feeConfigArb, feeLogArb } from '../arbitraries/feeConfig.js';
import { isoWithOffset } from '../arbitraries/sqlBillCase.js';
import { SCOPES } from '../arbitraries/requestLog.js';
import { accountsOf, requestOf } from '../support/feeAccounts.js';
import { costs, feeLog } from '../support/feeLog.js';
import { REPO_ROOT } from '../support/readmeExample.js';
import { byok } from '../support/runByok.js';
import {
  NANOSECOND_COLUMN,
  POSTGRES_URL,
  RELATION_COLUMNS,
  type RelationRow,
  type SqlBillLine,
  billLinesAsSql,
  describePostgres,
  normaliseSqlRows,
  useSqlEngines,
} from '../support/sqlEngines.js';
import { billShardedByScope, clickhouseColumns, describeClickhouse, epochNanos, scopeUnder } from '../support/clickhouseShards.js';
import { type DocumentOptions, feePolicyDocument } from './feePolicyDocument.js';
import { type RefBill, referenceBill } from './referenceBill.js';
import type { FeeConfig, RefFeeAccount, RefFees } from './referenceFees.js';

const engines = useSqlEngines();

/** The relation's columns here: the log's, with model, provider and the nanoseconds. */
const COLUMNS = [...RELATION_COLUMNS, 'model', 'provider', NANOSECOND_COLUMN];

function relationRowOf(row: FeeLogRow): RelationRow & { model: string | undefined; provider: string | undefined } {
  return {
    request_id: row.requestId,
    timestamp: isoWithOffset(row.instant, 0),
    timestamp_nanos: String(row.instant.nanos % 1000),
    user_id: row.userId,
    org_id: row.orgId,
    cost_usd: row.cost,
    key_result: row.keyResult,
    platform_result: row.platformResult,
    route: row.recordedRoute,
    model: row.model,
    provider: row.provider,
  };
}

/** The oracle's lines in the SQL's shape. */
function expectedLines(ref: RefBill): SqlBillLine[] {
  return ref.lines.map((l) => ({
    scope: l.scope,
    period: l.period,
    byok_requests: l.byokRequests,
    free_requests: l.freeRequests,
    billable_requests: l.billableRequests,
    byok_cost_usd: l.byokCostUsd,
    fee_usd: l.feeUsd,
    platform_requests: l.platformRequests,
    platform_cost_usd: l.platformCostUsd,
    failed_requests: l.failedRequests,
    total_usd: l.totalUsd,
  }));
}

/** Every engine's query over `rows` under `config`; returns the oracle's lines (equal to all of them). */
async function expectSqlMatchesOracle(rows: readonly FeeLogRow[], config: FeeConfig, options: DocumentOptions = {}): Promise<SqlBillLine[]> {
  const policy = loadPolicy(feePolicyDocument(config, options));
  const accounts = accountsOf(config, policy);
  const expected = expectedLines(referenceBill(rows, config));
  const relation = rows.map(relationRowOf);
  const exact = { nanosecondColumn: NANOSECOND_COLUMN };
  await engines.duck.load(relation, COLUMNS);
  // Under a case-insensitive default collation: the query's own COLLATE must hold.
  expect(normaliseSqlRows(await engines.duck.queryUnderNocase(compileBillSql(policy, accounts, { dialect: 'duckdb', ...exact })))).toEqual(expected);
  // ansi refuses a scope or a rule constant with a backslash (some engines read it as an escape).
  const ansiWritable = [...accounts.keys(), ...policy.versions.flatMap((v) => [...v.scheduleChooser.providers, ...v.scheduleChooser.models])].every(
    (text) => unwritableSqlString(text, 'ansi') === undefined,
  );
  if (ansiWritable) {
    expect(normaliseSqlRows(await engines.duck.query(compileBillSql(policy, accounts, { dialect: 'ansi', ...exact })))).toEqual(expected);
  } else {
    expect(() => compileBillSql(policy, accounts, { dialect: 'ansi', ...exact })).toThrow(/use the duckdb or postgres dialect/);
  }
  if (engines.postgres !== undefined) {
    await engines.postgres.load(relation, COLUMNS);
    expect(normaliseSqlRows(await engines.postgres.query(compileBillSql(policy, accounts, { dialect: 'postgres', ...exact })))).toEqual(expected);
  }
  return expected;
}

describe('the pricing language compiled to SQL', () => {
  // catches: a tier located by the wrong quantity (the ordinal or the list-usd window off by
  // one request, the counter moved by uncounted requests), a list-usd interval split
  // inexactly or at the wrong bound, free read from rates instead of the free tier, a
  // schedule chosen by the wrong provider/model test or an absent cell not read as '', the
  // contract terms of the wrong account or not applied, a cap per scope instead of per
  // scope-month, the cap's remainder miscomputed, a DECIMAL rounded.
  it(`law: DuckDB${POSTGRES_URL ? ' and PostgreSQL' : ''} bill every generated config as the fee oracle does, digit for digit`, async () => {
    await fc.assert(
      fc.asyncProperty(feeLogArb(), feeConfigArb(), async (rows, config) => {
        await expectSqlMatchesOracle(rows, config);
      }),
      { numRuns: 60 },
    );
    // Each case also runs on PostgreSQL and the ClickHouse cluster: more than the default minute.
  }, 300_000);

  // catches: a shorthand version beside a tiered one (or under an account's fee_rate/fee_cap_usd) billed by the wrong path.
  it('law: the same with versions written as today’s shorthand where it can say them, under contract terms', async () => {
    const terms = fc.array(fc.record({ rate: fc.constantFrom('', '0', '0.04', '1'), cap: fc.constantFrom('', '0', '0.02', '1000') }), { minLength: SCOPES.length, maxLength: SCOPES.length });
    await fc.assert(
      fc.asyncProperty(feeLogArb(), feeConfigArb({ unit: 'requests' }), terms, async (rows, config, t) => {
        const accounts = SCOPES.map((scope, i) => ({ ...config.accounts.find((a) => a.scope === scope), scope, fee_rate: t[i]!.rate, fee_cap_usd: t[i]!.cap }));
        await expectSqlMatchesOracle(rows, { ...config, accounts }, { shorthand: true });
      }),
      { numRuns: 40 },
    );
    // Each case also runs on PostgreSQL and the ClickHouse cluster: more than the default minute.
  }, 300_000);

  it('law: the same in unit list-usd only (free_requests in dollars)', async () => {
    await fc.assert(
      fc.asyncProperty(feeLogArb(), feeConfigArb({ unit: 'list-usd' }), async (rows, config) => {
        await expectSqlMatchesOracle(rows, config);
      }),
      { numRuns: 40 },
    );
    // Each case also runs on PostgreSQL and the ClickHouse cluster: more than the default minute.
  }, 300_000);
});

describeClickhouse('the pricing language compiled for ClickHouse, on a two-shard cluster', (urls) => {
  /** The oracle's bill of `rows` under `config`, and ClickHouse's: each row on the shard of its scope. */
  async function expectClickhouseMatchesOracle(rows: readonly FeeLogRow[], config: FeeConfig, options: DocumentOptions = {}): Promise<void> {
    const policy = loadPolicy(feePolicyDocument(config, options));
    const accounts = accountsOf(config, policy);
    const chRows = rows.map((row) => ({
      ...relationRowOf(row),
      timestamp: epochNanos(row.instant),
      timestamp_nanos: undefined,
      scope: scopeUnder(policy, row.instant.epochMs, row.userId, row.orgId),
    }));
    const lines = await billShardedByScope(urls, clickhouseColumns({ facts: true, costAsText: rows.length % 2 === 1 }), chRows, (table) =>
      compileBillSql(policy, accounts, { dialect: 'clickhouse', relation: table }),
    );
    expect(normaliseSqlRows(lines)).toEqual(expectedLines(referenceBill(rows, config)));
  }
  const runs = (n: number) => ({ numRuns: Math.min(n, Number(process.env.FC_NUM_RUNS ?? n)) });

  // catches: on ClickHouse 18.16, a running list cost or running fees carried wrongly between
  // 9-digit pieces, a tier bound compared at the wrong scale, a Nullable account term cast where
  // it is NULL, a schedule chosen by the wrong provider/model test. Fewer cases than the laws
  // above (ClickHouse plans each query in about 0.1 s).
  it('law: ClickHouse (sharded by scope) bills every generated config as the fee oracle does, digit for digit', async () => {
    await fc.assert(
      fc.asyncProperty(feeLogArb(), feeConfigArb(), async (rows, config) => {
        await expectClickhouseMatchesOracle(rows, config);
      }),
      runs(30),
    );
  }, 300_000);

  it('law: the same in unit list-usd only, and with versions as the shorthand under contract terms', async () => {
    const terms = fc.array(fc.record({ rate: fc.constantFrom('', '0', '0.04', '1'), cap: fc.constantFrom('', '0', '0.02', '1000') }), { minLength: SCOPES.length, maxLength: SCOPES.length });
    await fc.assert(
      fc.asyncProperty(feeLogArb(), feeConfigArb({ unit: 'list-usd' }), async (rows, config) => {
        await expectClickhouseMatchesOracle(rows, config);
      }),
      runs(12),
    );
    await fc.assert(
      fc.asyncProperty(feeLogArb(), feeConfigArb({ unit: 'requests' }), terms, async (rows, config, t) => {
        const accounts = SCOPES.map((scope, i) => ({ ...config.accounts.find((a) => a.scope === scope), scope, fee_rate: t[i]!.rate, fee_cap_usd: t[i]!.cap }));
        await expectClickhouseMatchesOracle(rows, { ...config, accounts }, { shorthand: true });
      }),
      runs(12),
    );
  }, 300_000);
});

describe('the pricing language compiled to SQL, beside the shorthand', () => {
  // catches: a request that does not count (a platform request under `served`) charged the fee
  // by its charge rule billed 0 where the record ledger bills the shorthand's rate × cost (a
  // scope whose terms are the shorthand's), or the rate where its terms are tiers (0).
  it('law: with charge rules that make platform requests pay the fee, shorthand scopes and contract-term scopes bill as the record ledger does', async () => {
    const document = structuredClone(defaultPolicyDocument) as unknown as { rules: { charge: { event: { params: { charge: string } }; conditions: { all?: { value?: unknown }[] } }[] } };
    for (const rule of document.rules.charge) if (rule.conditions.all?.some((c) => c.value === 'platform')) rule.event.params.charge = 'fee';
    const policy = loadPolicy(document);
    const terms = fc.array(fc.record({ rate: fc.constantFrom('', '0', '0.05', '0.04'), cap: fc.constantFrom('', '', '0.02', '1000') }), { minLength: SCOPES.length, maxLength: SCOPES.length });
    await fc.assert(
      fc.asyncProperty(feeLogArb(), terms, async (rows, t) => {
        const accounts = parseAccounts(SCOPES.map((scope, i) => ({ scope, fee_rate: t[i]!.rate, fee_cap_usd: t[i]!.cap })));
        const expected = billLinesAsSql(billRequests(rows.map(requestOf), { policy, accounts }).bill);
        await engines.duck.load(rows.map(relationRowOf), COLUMNS);
        expect(normaliseSqlRows(await engines.duck.query(compileBillSql(policy, accounts, { dialect: 'duckdb', nanosecondColumn: NANOSECOND_COLUMN })))).toEqual(expected);
      }),
      { numRuns: 40 },
    );
    // Each case also runs on PostgreSQL and the ClickHouse cluster: more than the default minute.
  }, 300_000);
});


const one = (fees: RefFees, accounts: readonly RefFeeAccount[] = []): FeeConfig => ({
  versions: [{ version: 'v', fees }],
  counts: 'served',
  scopeMode: 'org',
  defaultFailoverMode: 'fallback',
  accounts,
});
const usd = (schedule: RefFees['schedules'][string], capUsd?: string): RefFees => ({ unit: 'list-usd', schedules: { s: schedule }, ...(capUsd === undefined ? {} : { capUsd }) });
const req = (schedule: RefFees['schedules'][string], capUsd?: string): RefFees => ({ schedules: { s: schedule }, ...(capUsd === undefined ? {} : { capUsd }) });
const three = usd([{ upTo: '1', rate: '0' }, { upTo: '2', rate: '0.1' }, { rate: '0.01' }]);

const fee = (lines: readonly SqlBillLine[]) => lines.map((l) => [l.scope, l.period, l.free_requests, l.billable_requests, l.fee_usd]);

describe('the pricing language compiled to SQL, on the boundaries', () => {
  // catches: a list-usd request's interval counted wholly in one tier, or the bound itself in the next tier.
  it('a list-usd request spanning tier bounds pays each tier its part', async () => {
    // 3.5 covers (0, 3.5]: 1 free, 1 at 0.1, 1.5 at 0.01 = 0.115; then 1 more at 0.01.
    expect(fee(await expectSqlMatchesOracle(feeLog(costs('3.5', '1')), one(three)))).toEqual([['org:acme', '2025-10', 0, 2, '0.125']]);
    // 10 ends on the free bound (free); 10^-12 past it pays 0.05 × 10^-12.
    const twoTiers = usd([{ upTo: '10', rate: '0' }, { rate: '0.05' }]);
    expect(fee(await expectSqlMatchesOracle(feeLog(costs('6', '4', '0', '0.000000000001')), one(twoTiers)))).toEqual([['org:acme', '2025-10', 3, 1, '0.00000000000005']]);
  });

  // catches: the request that reaches the cap paying its whole fee, or later ones still paying; a cap per scope, not per month.
  it('the request that reaches the cap pays the remainder, later ones 0, and a new month starts over', async () => {
    const rows = feeLog([...costs('1.5', '1', '1'), { cost: '1', at: '2025-11-01T00:00:00Z' }, { cost: '4', org: 'beta' }]);
    expect(fee(await expectSqlMatchesOracle(rows, one(req([{ rate: '0.5' }], '1'))))).toEqual([
      ['org:acme', '2025-10', 0, 3, '1'],
      ['org:acme', '2025-11', 0, 1, '0.5'],
      ['org:beta', '2025-10', 0, 1, '1'],
    ]);
  });

  // catches: a cap the fee type cannot hold (DECIMAL(38,24): below 10^14 dollars) failing the cast instead of never binding.
  it('a cap past what the fee type holds never binds', async () => {
    const tiers = req([{ rate: '0.000000000001' }], '1000000000000000000000000000000');
    const accounts = [{ scope: 'org:beta', fee_cap_usd: '99999999999999.999999999999' }];
    const rows = feeLog([...costs('5', '7'), { cost: '3', org: 'beta' }]);
    expect(fee(await expectSqlMatchesOracle(rows, one(tiers, accounts)))).toEqual([
      ['org:acme', '2025-10', 0, 2, '0.000000000012'],
      ['org:beta', '2025-10', 0, 1, '0.000000000003'],
    ]);
  });

  // catches: a cap of 0 read as no cap; a capped request counted free.
  it('a cap of 0 makes every fee 0, and the requests stay billable', async () => {
    expect(fee(await expectSqlMatchesOracle(feeLog(costs('1', '2', '3')), one(req([{ upTo: '1', rate: '0' }, { rate: '0.5' }], '0'))))).toEqual([['org:acme', '2025-10', 1, 2, '0']]);
  });

  // catches: fee_rate 0 making the paid tiers free, or replacing the free tier's rate; fee_cap_usd not replacing the policy's cap.
  it('an account’s fee_rate 0 keeps paid tiers billable at 0, and its fee_cap_usd replaces the cap', async () => {
    const tiers = req([{ upTo: '1', rate: '0' }, { rate: '0.05' }], '0.6');
    const accounts = [
      { scope: 'org:acme', fee_rate: '0' },
      { scope: 'org:beta', fee_rate: '0.5', fee_cap_usd: '0.7' },
    ];
    const rows = feeLog([...costs('1', '1', '1'), ...['1', '1', '1'].map((cost) => ({ cost, org: 'beta' }))]);
    expect(fee(await expectSqlMatchesOracle(rows, one(tiers, accounts)))).toEqual([
      ['org:acme', '2025-10', 1, 2, '0'],
      ['org:beta', '2025-10', 1, 2, '0.7'],
    ]);
  });

  // catches: free_requests read as a count in list-usd, the tiers it reaches not emptied, or 0 keeping a free tier.
  it('free_requests in dollars moves the free bound; 0 leaves no free tier', async () => {
    // Bound 0.75: 0.5 free; 2 covers (0.5, 2.5]: 0.25 free-tier dollars at 0, 1.25 at 0.1 (tier 2 now starts at 0.75), 0.5 at 0.01.
    expect(fee(await expectSqlMatchesOracle(feeLog(costs('0.5', '2')), one(three, [{ scope: 'org:acme', free_requests: '0.75' }])))).toEqual([['org:acme', '2025-10', 1, 1, '0.13']]);
    expect(fee(await expectSqlMatchesOracle(feeLog(costs('2', '2')), one(three, [{ scope: 'org:acme', free_requests: '0' }])))).toEqual([['org:acme', '2025-10', 0, 2, '0.22']]);
    // Past every bound: one tier left after the free one.
    expect(fee(await expectSqlMatchesOracle(feeLog(costs('2', '100')), one(three, [{ scope: 'org:acme', free_requests: '100' }])))).toEqual([['org:acme', '2025-10', 1, 1, '0.02']]);
  });

  // catches: the schedule chosen without reading model/provider, or an absent model not read as ''.
  it('schedules chosen by model and provider share one counter', async () => {
    const config = one({
      unit: 'list-usd',
      schedules: { standard: [{ upTo: '5', rate: '0' }, { rate: '0.05' }], premium: [{ upTo: '5', rate: '0' }, { rate: '0.1' }] },
      rules: [
        { name: 'o1-pro', priority: 2, all: [{ fact: 'model', operator: 'equal', value: 'openai/o1-pro' }], schedule: 'premium' },
        { name: 'anonymous', priority: 3, all: [{ fact: 'provider', operator: 'equal', value: '' }], schedule: 'premium' },
        { name: 'else', all: [], schedule: 'standard' },
      ],
    });
    const rows = feeLog([
      { cost: '4', model: 'gpt', provider: 'openai' },
      { cost: '4', model: 'openai/o1-pro', provider: 'openai' },
      { cost: '1', model: 'gpt', provider: 'openai' },
      { cost: '1' },
    ]);
    // 4 free; 1 free + 3 × 0.1; 1 × 0.05; 1 × 0.1 (no provider: premium).
    expect(fee(await expectSqlMatchesOracle(rows, config))).toEqual([['org:acme', '2025-10', 1, 3, '0.45']]);
  });
});

describe('which query a policy gets', () => {
  // catches: the shorthand's fast, plain query replaced (or joined) by the tier machinery, or
  // contract terms that change the fee (fee_rate, fee_cap_usd) billed by the plain query.
  it('the shorthand compiles to the plain query; an account’s fee_rate or fee_cap_usd, or fees, to tiers', () => {
    const shorthand = loadPolicy(defaultPolicyDocument);
    const plain = compileBillSql(shorthand, parseAccounts([{ scope: 'org:acme', free_requests: '5' }]), { dialect: 'duckdb' });
    expect(plain).toContain('CAST(cost_usd * CAST(');
    expect(plain).not.toMatch(/tiered_fee|schedule_index|acct_fee_rate/);
    for (const account of [{ fee_rate: '0.04' }, { fee_cap_usd: '10' }]) {
      const tiers = compileBillSql(shorthand, parseAccounts([{ scope: 'org:acme', ...account }]), { dialect: 'duckdb' });
      expect(tiers).toContain('tiered_fee');
      // The plain query does not read model/provider: no version chooses a schedule by them.
      expect(tiers).not.toMatch(/AS provider/);
    }
  });

  // catches: --absent provider not honoured (the query reading a column the relation lacks), or an absent column not read as ''.
  it('a policy choosing schedules by provider reads the column, or NULL for it with --absent: both bill as the oracle', async () => {
    const config = one({
      schedules: { a: [{ upTo: '1', rate: '0' }, { rate: '0.1' }], b: [{ upTo: '1', rate: '0' }, { rate: '0.5' }] },
      rules: [
        { name: 'anonymous', priority: 2, all: [{ fact: 'provider', operator: 'equal', value: '' }], schedule: 'b' },
        { name: 'else', all: [], schedule: 'a' },
      ],
    });
    const policy = loadPolicy(feePolicyDocument(config));
    const rows = feeLog(costs('1', '2', '3'));
    const expected = expectedLines(referenceBill(rows, config));
    expect(expected[0]!.fee_usd).toBe('2.5');
    await engines.duck.load(rows.map(relationRowOf), RELATION_COLUMNS);
    const query = compileBillSql(policy, undefined, { dialect: 'duckdb', absentColumns: ['provider', 'model'] });
    expect(normaliseSqlRows(await engines.duck.query(query))).toEqual(expected);
    await expect(engines.duck.query(compileBillSql(policy, undefined, { dialect: 'duckdb' }))).rejects.toThrow(/provider/);
  });
});

describe('rule constants are data', () => {
  // catches: a provider or model a rule names ending its literal early (a quote, a backslash on PostgreSQL).
  it('a provider and a model with quotes and backslashes choose their schedule, on every engine', async () => {
    const provider = "o'brien\\'; DROP TABLE requests; --";
    const model = 'm\\1"';
    const config = one({
      schedules: { a: [{ rate: '0.1' }], b: [{ rate: '0.5' }] },
      rules: [
        { name: 'hostile provider', priority: 2, all: [{ fact: 'provider', operator: 'equal', value: provider }], schedule: 'b' },
        { name: 'hostile model', priority: 2, all: [{ fact: 'model', operator: 'in', value: [model, "'"] }], schedule: 'b' },
        { name: "else */ '", all: [], schedule: 'a' },
      ],
    });
    const rows = feeLog([{ cost: '1', provider }, { cost: '2', model }, { cost: '4', provider: 'o' }]);
    expect(fee(await expectSqlMatchesOracle(rows, config))).toEqual([['org:acme', '2025-10', 0, 3, '1.9']]);
  });
});

describe('`byok sql` on the pricing-language scenarios', () => {
  const scenarios = ['18-volume-tiers', '19-allowance-in-dollars', '20-fees-by-provider-and-model', '21-contract-terms-and-cap'];
  for (const dir of scenarios) {
    // catches: the CLI's query (from the policy and accounts files) differing from the bill the scenario expects.
    it(`${dir}: the compiled queries (duckdb, postgres, ansi) give the expected bill's lines on DuckDB${POSTGRES_URL ? ' and PostgreSQL' : ''}`, async () => {
      const root = join(REPO_ROOT, 'scenarios', dir);
      const spec = JSON.parse(readFileSync(join(root, 'scenario.json'), 'utf8')) as { args: string[] };
      const args = spec.args.map((a) => (a.endsWith('.json') || a.endsWith('.csv') ? join(root, a) : a));
      const csv = (await engines.duck.query(`SELECT * FROM read_csv('${join(root, 'requests.csv').replaceAll("'", "''")}', all_varchar = true, header = true)`)) as Record<string, string | null>[];
      const relation = csv.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v ?? undefined])) as unknown as RelationRow);
      const columns = [...RELATION_COLUMNS, 'model', 'provider'];
      const expected = (JSON.parse(readFileSync(join(root, 'expected-bill.json'), 'utf8')) as RefBill).lines;
      const want = expectedLines({ lines: expected } as RefBill);
      expect(want.length).toBeGreaterThan(0);
      await engines.duck.load(relation, columns);
      await engines.postgres?.load(relation, columns);
      // ansi runs on both engines (the scenarios' ids and scopes sort alike under any collation).
      for (const dialect of ['duckdb', 'postgres', 'ansi'] as const) {
        const compiled = await byok(['sql', ...args, '--dialect', dialect]);
        expect(compiled.code, compiled.stderr).toBe(0);
        if (dialect !== 'postgres') expect(normaliseSqlRows(await engines.duck.query(compiled.stdout))).toEqual(want);
        if (dialect !== 'duckdb' && engines.postgres !== undefined) expect(normaliseSqlRows(await engines.postgres.query(compiled.stdout))).toEqual(want);
      }
    });
  }
});

describePostgres('the pricing language compiled to SQL on PostgreSQL', () => {
  it('is part of the laws above (the server answers)', async () => {
    expect(engines.postgres).toBeDefined();
    expect(await engines.postgres!.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});
