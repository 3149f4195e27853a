import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createRequestsTableSql } from '../packages/cli/src/engines/clickhouse/requestsTable.js';
import { clickhouse, describeClickhouse, uniqueTable } from './support/clickhouseShards.js';
import { REPO_ROOT } from './support/readmeExample.js';
import { byok } from './support/runByok.js';

/*
 * `byok bill --engine clickhouse` on the real two-shard cluster (BYOK_TEST_CLICKHOUSE_URLS):
 * every bill scenario bills exactly as expected with the logs loaded sharded by scope and
 * each shard billing its own scopes; a bad log gives what the default engine gives (exit
 * code, messages, rejects); a table sharded by anything but the scope is refused when billed
 * shard by shard, and billed correctly through its Distributed table on one URL.
 */
interface ScenarioSpec {
  readonly command: string;
  readonly logs: readonly string[];
  readonly args: readonly string[];
  readonly generate?: { readonly out: string; readonly args: readonly string[] };
}

const SCENARIOS = join(REPO_ROOT, 'scenarios');
const billScenarios = readdirSync(SCENARIOS, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(SCENARIOS, d.name, 'scenario.json')))
  .map((d) => ({ dir: d.name, spec: JSON.parse(readFileSync(join(SCENARIOS, d.name, 'scenario.json'), 'utf8')) as ScenarioSpec }))
  .filter(({ spec }) => spec.command === 'bill')
  .sort((a, b) => (a.dir < b.dir ? -1 : 1));

const dir = mkdtempSync(join(tmpdir(), 'byok-engine-clickhouse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
function file(content: string): string {
  const path = join(dir, `log-${++files}.csv`);
  writeFileSync(path, content);
  return path;
}

/** The cluster .ci/clickhouse.sh defines over the shards of BYOK_TEST_CLICKHOUSE_URLS, in their order. */
const CLICKHOUSE_CLUSTER = 'byok_two_shards';

/** An INSERT … SELECT through a Distributed table, each row on its shard when it returns. */
async function insertDistributed(url: string, statement: string): Promise<void> {
  const response = await fetch(`${url}/?insert_distributed_sync=1`, { method: 'POST', body: statement });
  if (!response.ok) throw new Error(await response.text());
}

/** Drops tables on every server (gone already is fine). */
async function dropEverywhere(urls: readonly string[], tables: readonly string[]): Promise<void> {
  for (const url of urls) for (const table of tables) await clickhouse(url, `DROP TABLE IF EXISTS ${table}`);
}

const HEADER = 'request_id,timestamp,user_id,org_id,model,provider,cost_usd,key_result,platform_result';

/**
 * A log whose org's users spread over both shards when sharded by user_id: org acme's 24
 * users and 6 individuals, over two months, some keys failing, amounts to 12 digits.
 */
function spreadLog(): string {
  const rows = [HEADER];
  const keys = ['ok', 'ok', 'ok', 'rate_limited', 'error', 'none'];
  for (let k = 0; k < 600; k++) {
    const user = `u${k % 30}`;
    const org = k % 30 < 24 ? 'acme' : '';
    const day = 1 + (k % 28);
    const month = k % 2 === 0 ? '10' : '11';
    const ms = String(k % 1000).padStart(3, '0');
    rows.push(`r${k},2025-${month}-${String(day).padStart(2, '0')}T${String(k % 24).padStart(2, '0')}:00:00.${ms}Z,${user},${org},m,p,${(k * 7919) % 100}.${String(k * 104729).padStart(12, '0').slice(-12)},${keys[k % 6]},${k % 11 === 0 ? 'error' : 'ok'}`);
  }
  return `${rows.join('\n')}\n`;
}

/** A log with bad rows of several kinds, repeats and conflicting repeats. */
const BAD_LOG = [
  HEADER,
  'a1,2025-10-01T00:00:00Z,u1,acme,m,p,0.5,ok,ok',
  'a2,2025-10-01T00:00:01Z,u2,,m,p,not-money,ok,ok',
  'a3,2025-10-01T00:00:02Z,,acme,m,p,0.1,ok,ok',
  'a1,2025-10-01T00:00:00Z,u1,acme,m,p,0.5,ok,ok',
  'a4,2025-10-01T00:00:03Z,u3,acme,m,p,0.25,maybe,ok',
  'a5,2025-09-30T23:59:59Z,u1,acme,m,p,1.5,ok,ok',
  'a5,2025-10-02T00:00:00Z,u1,acme,m,p,9,ok,ok',
  'a6,2025-10-03T00:00:00Z,u4,acme,m,p,0.000000000001,error,ok',
  // The same instant, other content: refused by a pass that starts again (its spool afresh).
  'a6,2025-10-03T00:00:00Z,u4,acme,m,p,7,error,ok',
].join('\n');

describeClickhouse('byok bill --engine clickhouse on a two-shard cluster', (urls) => {
  const shardArgs = () => ['--cluster', CLICKHOUSE_CLUSTER, ...urls.flatMap((u) => ['--url', u])];
  const sharded = () => ['--engine', 'clickhouse', ...shardArgs()];
  const tables: string[] = [];
  afterAll(async () => {
    await dropEverywhere(urls, tables.flatMap((t) => [`${t}_all`, t]));
  });
  const table = (label: string) => {
    const name = uniqueTable(label);
    tables.push(name);
    return name;
  };

  it('covers every bill scenario', () => {
    expect(billScenarios.length).toBeGreaterThanOrEqual(8);
    expect(urls.length).toBe(2);
  });

  for (const { dir: scenario, spec } of billScenarios) {
    it(`${scenario} bills exactly as expected, sharded by scope`, async () => {
      const root = join(SCENARIOS, scenario);
      const resolve = (arg: string) => (existsSync(join(root, arg)) || arg.startsWith('.generated/') ? join(root, arg) : arg);
      if (spec.generate) {
        const out = join(root, spec.generate.out);
        if (!existsSync(out)) {
          mkdirSync(join(root, '.generated'), { recursive: true });
          const generated = await byok(['generate', ...spec.generate.args, '--out', out]);
          expect(generated.code, generated.stderr).toBe(0);
        }
      }
      const result = await byok(['bill', ...spec.logs.map(resolve), ...spec.args.map(resolve), ...sharded(), '--format', 'json', '--quiet']);
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual(JSON.parse(readFileSync(join(root, 'expected-bill.json'), 'utf8')));
    }, 300_000);
  }

  it('bills one server without --cluster, in every format, as the default engine does', async () => {
    const log = file(spreadLog());
    for (const format of ['json', 'csv', 'ndjson', 'table']) {
      const js = await byok(['bill', log, '--sort', '--format', format]);
      const ch = await byok(['bill', log, '--engine', 'clickhouse', '--url', urls[0]!, '--format', format]);
      expect(ch, format).toEqual(js);
    }
  }, 120_000);

  it('gives a bad log the default engine\'s exit code, messages and rejects, with and without --rejects', async () => {
    const log = file(BAD_LOG);
    const strictJs = await byok(['bill', log, '--sort', '--format', 'json']);
    const strictCh = await byok(['bill', log, ...sharded(), '--format', 'json']);
    expect(strictJs.code).toBe(2);
    expect(strictCh).toEqual(strictJs);
    const rejects = join(dir, 'rejects.csv');
    const jsRun = await byok(['bill', log, '--sort', '--format', 'json', '--rejects', rejects]);
    const jsRejects = readFileSync(rejects, 'utf8');
    rmSync(rejects);
    const chRun = await byok(['bill', log, ...sharded(), '--format', 'json', '--rejects', rejects]);
    expect(jsRun.code).toBe(0);
    expect(chRun).toEqual(jsRun);
    expect(readFileSync(rejects, 'utf8')).toEqual(jsRejects);
  }, 120_000);

  it('loads nothing from a log that stops at a bad row', async () => {
    const name = table('strict');
    const result = await byok(['load', 'clickhouse', ...shardArgs(), '--table', name, file(BAD_LOG)]);
    expect(result.code).toBe(2);
    for (const url of urls) expect((await clickhouse(url, `EXISTS TABLE ${name}`)).trim()).toBe('0');
  });

  it('loads by scope with byok load clickhouse, then bills the table in place (--table) as the default engine bills the log', async () => {
    const log = file(spreadLog());
    const name = table('loaded');
    const load = await byok(['load', 'clickhouse', ...shardArgs(), '--table', name, log]);
    expect(load.code, load.stderr).toBe(0);
    expect(load.stderr).toContain('loaded 600 request(s)');
    // Every scope's rows on one shard, and both shards used.
    const scopesOf = async (url: string) => (await clickhouse(url, `SELECT DISTINCT scope FROM ${name} ORDER BY scope`)).trim().split('\n').filter((s) => s !== '');
    const [first, second] = [await scopesOf(urls[0]!), await scopesOf(urls[1]!)];
    expect(first.length).toBeGreaterThan(0);
    expect(second.length).toBeGreaterThan(0);
    expect(first.filter((s) => second.includes(s))).toEqual([]);
    const js = JSON.parse((await byok(['bill', log, '--format', 'json'])).stdout);
    const inPlace = await byok(['bill', ...sharded(), '--table', name, '--format', 'json']);
    expect(inPlace.code, inPlace.stderr).toBe(0);
    const bill = JSON.parse(inPlace.stdout);
    expect(bill.lines).toEqual(js.lines);
    expect(bill.totals).toEqual(js.totals);
    expect(bill.input).toEqual({ rows: 600, accepted: 600, rejected: 0, duplicates: 0 });
    // Loading again adds the rows: the same ids twice now, which a bill refuses or counts, never hides.
    const through = await byok(['bill', '--engine', 'clickhouse', '--url', urls[0]!, '--table', `${name}_all`, '--format', 'json']);
    expect(through.code, through.stderr).toBe(0);
    expect(JSON.parse(through.stdout).lines).toEqual(js.lines);
  }, 120_000);

  it('refuses a table sharded by user_id when billed shard by shard, and bills its Distributed table on one URL correctly', async () => {
    const log = file(spreadLog());
    const staging = table('staging');
    const byUser = table('byuser');
    const loaded = await byok(['load', 'clickhouse', '--url', urls[0]!, '--table', staging, log]);
    expect(loaded.code, loaded.stderr).toBe(0);
    for (const url of urls) await clickhouse(url, createRequestsTableSql(byUser));
    await clickhouse(urls[0]!, `CREATE TABLE ${byUser}_all AS ${byUser} ENGINE = Distributed(${CLICKHOUSE_CLUSTER}, currentDatabase(), ${byUser}, cityHash64(user_id))`);
    await insertDistributed(urls[0]!, `INSERT INTO ${byUser}_all SELECT * FROM ${staging}`);
    const counts = await Promise.all(urls.map(async (url) => Number(await clickhouse(url, `SELECT count() FROM ${byUser}`))));
    expect(counts[0]! + counts[1]!).toBe(600);
    expect(counts.every((n) => n > 0)).toBe(true);

    const refused = await byok(['bill', ...sharded(), '--table', byUser, '--format', 'json']);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/scope "org:acme", period 2025-1[01] has rows on two shards .*not sharded by scope/);

    const js = JSON.parse((await byok(['bill', log, '--format', 'json'])).stdout);
    const through = await byok(['bill', '--engine', 'clickhouse', '--url', urls[0]!, '--table', `${byUser}_all`, '--format', 'json']);
    expect(through.code, through.stderr).toBe(0);
    const bill = JSON.parse(through.stdout);
    expect(bill.lines).toEqual(js.lines);
    expect(bill.totals).toEqual(js.totals);
  }, 120_000);

  it('loads every string exactly as the log has it (tabs, newlines, backslashes, quotes, control characters, non-ASCII), with nanoseconds and exact amounts', async () => {
    const strange = ['a\tb', 'line\nbreak', 'back\\slash', "quote'single", 'dq"x', 'bell\u0007\bx\f', 'crlf\r\n', 'ünï😀', '=formula', ' spaced '];
    const csv = (text: string) => `"${text.replaceAll('"', '""')}"`;
    const rows = strange.map((text, k) => [csv(`id-${text}`), `2025-10-01T00:00:0${k}.123456789Z`, csv(`u-${text}`), k % 2 === 0 ? csv(`o-${text}`) : '', csv(text), csv(text), `1${k}.00000000000${k}`, 'ok', 'ok'].join(','));
    const name = table('strings');
    const result = await byok(['load', 'clickhouse', '--url', urls[0]!, '--table', name, file(`${HEADER}\n${rows.join('\n')}\n`)]);
    expect(result.code, result.stderr).toBe(0);
    const text = await clickhouse(urls[0]!, `SELECT request_id, toString(timestamp) AS ns, user_id, org_id, model, provider, toString(cost_usd) AS cost, scope FROM ${name} ORDER BY timestamp FORMAT JSONEachRow`);
    const read = text.trim().split('\n').map((line) => JSON.parse(line));
    expect(read).toEqual(
      strange.map((t, k) => ({
        request_id: `id-${t}`,
        ns: `${1_759_276_800 + k}123456789`,
        user_id: `u-${t}`,
        org_id: k % 2 === 0 ? `o-${t}` : '',
        model: t,
        provider: t,
        cost: `1${k}.00000000000${k}`,
        scope: k % 2 === 0 ? `org:o-${t}` : `user:u-${t}`,
      })),
    );
  });

  it('bills amounts past 21 integer digits exactly, and refuses (exit 2) what Decimal(38,12) cannot hold or its arithmetic would overflow, never billing it wrongly', async () => {
    const big = (cost: string) => file([HEADER, ...[0, 1, 2, 3].map((k) => `b${k},2025-10-01T00:00:0${k}Z,u1,acme,m,p,${cost},${k < 2 ? 'ok' : 'none'},ok`)].join('\n'));
    for (const cost of ['999999999999999999999.999999999999', '12345678901234567890123.5']) {
      const fits = big(cost);
      const js = await byok(['bill', fits, '--format', 'json']);
      expect(await byok(['bill', fits, ...sharded(), '--format', 'json']), cost).toEqual(js);
    }
    const tooLarge = await byok(['bill', big('100000000000000000000000000'), ...sharded(), '--format', 'json']);
    expect(tooLarge.code).toBe(2);
    expect(tooLarge.stderr).toMatch(/line 2: cost_usd 100000000000000000000000000 is 10\^26 dollars or more/);
    const overflows = await byok(['bill', big('99999999999999999999999999.999999999999'), ...sharded(), '--format', 'json']);
    expect(overflows.code, overflows.stderr).toBe(2);
    expect(overflows.stdout).toBe('');
  });

  it('gives the query\'s own refusal (a timestamp past a ClickHouse DateTime) as exit code 2 with its text, and drops its table', async () => {
    const log = file(`${HEADER}\nf1,2200-10-01T00:00:00Z,u1,acme,m,p,1,ok,ok\n`);
    const tablesBefore = await Promise.all(urls.map(async (url) => (await clickhouse(url, 'SHOW TABLES')).split('\n').filter((t) => t.startsWith('byok_bill_'))));
    const result = await byok(['bill', log, ...sharded(), '--format', 'json']);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/^byok: timestamp is outside 1970-01-01 to 2106-02-07 .*\(request_id f1\) \(ClickHouse at http/);
    // Its own fresh table is gone (other sessions' runs may come and go meanwhile: only new names count).
    const tablesAfter = await Promise.all(urls.map(async (url) => (await clickhouse(url, 'SHOW TABLES')).split('\n').filter((t) => t.startsWith('byok_bill_'))));
    tablesAfter.forEach((after, k) => expect(after.filter((t) => !tablesBefore[k]!.includes(t))).toEqual([]));
  });

  it('refuses what it cannot do, with exit code 2', async () => {
    const log = file(spreadLog());
    const other = table('other');
    await clickhouse(urls[0]!, `CREATE TABLE ${other} (request_id String) ENGINE = MergeTree ORDER BY request_id`);
    const cases: [readonly string[], RegExp][] = [
      [['load', 'clickhouse', '--url', urls[0]!, '--table', other, log], /exists with other columns/],
      [['load', 'clickhouse', ...urls.flatMap((u) => ['--url', u]), '--table', table('x'), log], /without --cluster/],
      [['load', 'clickhouse', '--url', urls[0]!, log], /needs --table/],
      [['load', 'clickhouse', '--url', urls[0]!, '--table', 'bad-name', log], /--table "bad-name"/],
      [['load', 'clickhouse', '--url', urls[0]!, '--cluster', 'no_such_cluster', '--table', table('y'), log], /knows no such cluster/],
      [['bill', log, '--engine', 'clickhouse', '--url', 'http://127.0.0.1:1', '--format', 'json'], /--url http:\/\/127\.0\.0\.1:1: ClickHouse cannot be reached/],
      [['bill', log, '--engine', 'clickhouse', '--url', urls[0]!, '--table', other], /give no log/],
      [['bill', '--engine', 'clickhouse', '--url', urls[0]!, '--table', table('absent')], /no such table/],
      [['bill', log, '--engine', 'clickhouse', '--url', urls[0]!, '--details', join(dir, 'd.csv')], /--details is not available/],
      [['bill', log, '--url', urls[0]!], /--url applies to --engine clickhouse only/],
      [['bill', log, '--engine', 'clickhouse', '--url', urls[0]!, '--duckdb-memory-limit', '1GB'], /applies to --engine duckdb only/],
    ];
    for (const [args, message] of cases) {
      const result = await byok(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
  }, 120_000);
});
