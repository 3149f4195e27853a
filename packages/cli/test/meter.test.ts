import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { Money, compareRequests, defaultPolicyDocument, halfEven, roundMoney } from '@byok-billing/core';
import { EXIT_BAD_INPUT, run } from '@byok-billing/cli';
import { type LogRow, logArb, toUsageRequest } from '../../../test/arbitraries/requestLog.js';
import { REPO_ROOT } from '../../../test/support/readmeExample.js';
import { describePostgres, dropTables, uniquePrefix } from '../../stores/test/support/postgresTarget.js';
import { byok } from '../../../test/support/runByok.js';

/*
 * `byok meter`: the online meter over a log, with each store. On logs in timestamp order
 * its bill is exactly `byok bill`'s; a store that already holds requests keeps their
 * decisions; late requests are decided in arrival order.
 */
const dir = mkdtempSync(join(tmpdir(), 'byok-meter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const fresh = (name: string) => join(dir, `${++files}-${name}`);

async function json(args: readonly string[]): Promise<unknown> {
  const result = await byok([...args, '--format', 'json', '-q']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

function csv(rows: readonly LogRow[]): string {
  const header = 'request_id,timestamp,user_id,org_id,model,cost_usd,key_result,platform_result,route';
  const line = (r: LogRow) => [r.requestId, r.timestamp, r.userId, r.orgId ?? '', r.model ?? '', r.cost, r.keyResult ?? '', r.platformResult ?? '', r.recordedRoute ?? ''].join(',');
  return `${[header, ...rows.map(line)].join('\n')}\n`;
}

/** Rows in allowance order (POLICY.md D1): by instant, then request_id in UTF-8 byte order. */
const inTimeOrder = (rows: readonly LogRow[]) => [...rows].sort((a, b) => compareRequests(toUsageRequest(a), toUsageRequest(b)));

// A small allowance, so generated logs cross it and the order of decisions shows.
const smallPolicy = join(dir, 'allowance-2.json');
const doc = JSON.parse(JSON.stringify(defaultPolicyDocument));
doc.parameters.allowance = 2;
writeFileSync(smallPolicy, JSON.stringify(doc));

/** The bill scenarios with a committed log (02 is generated, 2,000,000 rows). */
interface ScenarioSpec {
  readonly command: string;
  readonly logs: readonly string[];
  readonly args: readonly string[];
}
const SCENARIOS = join(REPO_ROOT, 'scenarios');
const billScenarios = ['01', '03', '04', '05', '06', '07', '08'].map((n) => {
  const name = readdirSync(SCENARIOS).find((d) => d.startsWith(`${n}-`))!;
  const root = join(SCENARIOS, name);
  const spec = JSON.parse(readFileSync(join(root, 'scenario.json'), 'utf8')) as ScenarioSpec;
  const at = (arg: string) => (existsSync(join(root, arg)) ? join(root, arg) : arg);
  return { name, root, args: [...spec.logs.map(at), ...spec.args.map(at)], expected: JSON.parse(readFileSync(join(root, 'expected-bill.json'), 'utf8')) as unknown };
});

function goldenParity(storeFor: (scenario: string) => string[]) {
  for (const scenario of billScenarios) {
    it(`${scenario.name}: byok meter bills exactly as byok bill and the scenario expect`, async () => {
      const bill = await json(['bill', ...scenario.args]);
      expect(bill).toEqual(scenario.expected);
      const { store, ...meterBill } = (await json(['meter', ...storeFor(scenario.name), ...scenario.args])) as { store: unknown };
      expect(meterBill).toEqual(bill);
      // A fresh store: it holds exactly this run's requests.
      const { accepted } = (bill as { input: { accepted: number } }).input;
      expect(store).toEqual({ decisions: accepted, recordedByThisRun: accepted });
    });
  }
}

describe('byok meter: golden parity with byok bill on the scenarios', () => {
  describe('memory store', () => goldenParity(() => ['--store', 'memory']));
  describe('SQLite store', () => goldenParity((name) => ['--store', `sqlite:${fresh(`${name}.db`)}`]));
});

describePostgres('byok meter: golden parity, PostgreSQL store', (url) => {
  const prefixes: string[] = [];
  afterAll(async () => {
    for (const p of prefixes) await dropTables(url, p);
  });
  goldenParity((name) => {
    const prefix = uniquePrefix(`s${name.slice(0, 2)}`);
    prefixes.push(prefix);
    return ['--store', `postgres:${url}`, '--table-prefix', prefix];
  });
});

describe('byok meter: laws', () => {
  it('law (parity): on a log in timestamp order, byok meter (memory) bills exactly as byok bill', async () => {
    // catches: the meter reordering rows, deciding by other rules, summing stored amounts differently.
    await fc.assert(
      fc.asyncProperty(logArb(), async (rows) => {
        const log = fresh('log.csv');
        writeFileSync(log, csv(inTimeOrder(rows)));
        const bill = await json(['bill', log, '--policy', smallPolicy]);
        const { store: _store, ...meterBill } = (await json(['meter', log, '--policy', smallPolicy])) as { store: unknown };
        expect(meterBill).toEqual(bill);
      }),
    );
  });

  it('law (idempotency): metering any subset of already-recorded rows again changes neither bill nor stored decisions', async () => {
    // catches: a re-run counting a retried request again, giving it a new ordinal, or storing it twice.
    await fc.assert(
      fc.asyncProperty(
        logArb({ minLength: 1 }).chain((rows) => fc.tuple(fc.constant(rows), fc.shuffledSubarray(rows))),
        async ([rows, subset]) => {
          const store = `sqlite:${fresh('idem.db')}`;
          const [log, again] = [fresh('log.csv'), fresh('again.csv')];
          writeFileSync(log, csv(rows));
          writeFileSync(again, csv(subset));
          const [details, detailsAgain] = [fresh('d.ndjson'), fresh('d2.ndjson')];
          const first = (await json(['meter', log, '--store', store, '--policy', smallPolicy, '--details', details])) as { lines: unknown; totals: unknown };
          const second = (await json(['meter', again, '--store', store, '--policy', smallPolicy, '--details', detailsAgain])) as typeof first;
          expect(second.lines).toEqual(first.lines);
          expect(second.totals).toEqual(first.totals);
          expect(readFileSync(detailsAgain, 'utf8')).toBe(readFileSync(details, 'utf8'));
        },
      ),
    );
  });
});

describe('byok meter: arrival order and input', () => {
  const header = 'request_id,timestamp,user_id,org_id,cost_usd,key_result';

  it('decides a late request in arrival order: it takes the next ordinal of its month, and a warning says so', async () => {
    const log = fresh('late.csv');
    writeFileSync(log, `${header}\na,2025-10-01T10:00:00Z,u,acme,0.10,ok\nc,2025-10-03T10:00:00Z,u,acme,0.10,ok\nb,2025-10-02T10:00:00Z,u,acme,0.10,ok\n`);
    const details = fresh('late.csv');
    const result = await byok(['meter', log, '--policy', smallPolicy, '--details', details, '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('1 request(s) came after a row with a later timestamp');
    const rows = readFileSync(details, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    // request_id, ordinal, status: b came last, so it is the third (billable) though its timestamp is second.
    expect(rows.map((r) => [r[0], r[10], r[12], r[14]])).toEqual([
      ['a', '1', 'free', '0'],
      ['c', '2', 'free', '0'],
      ['b', '3', 'billable', '0.005'],
    ]);
    const bill = JSON.parse(result.stdout);
    expect(bill.totals).toMatchObject({ freeRequests: 2, billableRequests: 1, feeUsd: '0.005' });
  });

  it('accounts for every row: repeats of this run are duplicates; ids stored by an earlier run are accepted', async () => {
    const store = `sqlite:${fresh('input.db')}`;
    const log = fresh('input.csv');
    writeFileSync(log, `${header}\na,2025-10-01T10:00:00Z,u,acme,0.10,ok\na,2025-10-01T10:00:00Z,u,acme,0.10,ok\nb,2025-10-02T10:00:00Z,u,,0.10,ok\n`);
    const first = (await json(['meter', log, '--store', store])) as { input: unknown };
    expect(first.input).toEqual({ rows: 3, accepted: 2, rejected: 0, duplicates: 1 });
    const second = (await json(['meter', log, '--store', store])) as { input: unknown };
    expect(second.input).toEqual(first.input);
  });

  it('a run into a store that holds more accounts for its own rows, and says what the store holds apart (issue 15)', async () => {
    // The reproduction printed "rows 5, accepted 396079": the store's decisions as this run's rows.
    const store = `sqlite:${fresh('more.db')}`;
    const big = fresh('big.csv');
    writeFileSync(big, `${header}\n${Array.from({ length: 40 }, (_, i) => `big${i},2025-10-01T10:00:${String(i).padStart(2, '0')}Z,u,acme,0.10,ok`).join('\n')}\n`);
    const small = fresh('small.csv');
    writeFileSync(small, `${header}\nbig0,2025-10-01T10:00:00Z,u,acme,0.10,ok\ns1,2025-10-03T10:00:00Z,u,,0.10,ok\ns1,2025-10-03T10:00:00Z,u,,0.10,ok\ns2,2025-10-03T11:00:00Z,v,,0.10,ok\n`);
    type MeterJson = { input: { rows: number; accepted: number; rejected: number; duplicates: number }; store: unknown; totals: { byokRequests: number } };
    const first = (await json(['meter', big, '--store', store])) as MeterJson;
    expect(first.store).toEqual({ decisions: 40, recordedByThisRun: 40 });
    const second = (await json(['meter', small, '--store', store])) as MeterJson;
    expect(second.input).toEqual({ rows: 4, accepted: 3, rejected: 0, duplicates: 1 });
    expect(second.input.rows).toBe(second.input.accepted + second.input.duplicates + second.input.rejected);
    expect(second.store).toEqual({ decisions: 42, recordedByThisRun: 2 });
    // The bill's lines are the store's.
    expect(second.totals.byokRequests).toBe(42);
    const table = await byok(['meter', small, '--store', store, '--format', 'table', '-q']);
    expect(table.stdout).toContain('rows 4: accepted 3, duplicates 1, rejected 0');
    expect(table.stdout).toContain('42 decision(s) stored, 0 recorded by this run');
    const ndjson = (await byok(['meter', small, '--store', store, '--format', 'ndjson', '-q'])).stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(ndjson[0]).toMatchObject({ input: second.input, store: { decisions: 42, recordedByThisRun: 0 } });
    expect(ndjson.at(-1)).toMatchObject({ totals: { byokRequests: 42 } });
  });

  it('--max-line-bytes refuses a longer row with its file and line, as byok bill does', async () => {
    const log = fresh('long.csv');
    writeFileSync(log, `${header}\na,2025-10-01T10:00:00Z,u,acme,0.10,ok\nb,2025-10-01T10:00:01Z,${'u'.repeat(200)},acme,0.10,ok\n`);
    const strict = await byok(['meter', log, '--max-line-bytes', '128', '-q']);
    expect(strict.code).toBe(EXIT_BAD_INPUT);
    expect(strict.stderr).toContain(`${log}, line 3`);
    expect(strict.stderr).toContain('--max-line-bytes');
    const rejects = fresh('long-rejects.csv');
    const bill = (await json(['meter', log, '--max-line-bytes', '128', '--rejects', rejects])) as { input: unknown };
    expect(bill.input).toEqual({ rows: 2, accepted: 1, rejected: 1, duplicates: 0 });
  });

  it('refuses a retried request_id with other content: with --rejects the row is listed, without it exit 2 names file and line', async () => {
    const store = `sqlite:${fresh('conflict.db')}`;
    const log = fresh('conflict.csv');
    writeFileSync(log, `${header}\na,2025-10-01T10:00:00Z,u,acme,0.10,ok\na,2025-10-01T10:00:00Z,u,acme,0.25,ok\nb,2025-10-02T10:00:00Z,u,acme,0.10,ok\n`);
    const rejects = fresh('rejects.csv');
    const bill = (await json(['meter', log, '--store', store, '--rejects', rejects])) as { input: unknown };
    expect(bill.input).toEqual({ rows: 3, accepted: 2, rejected: 1, duplicates: 0 });
    expect(readFileSync(rejects, 'utf8')).toContain('already recorded with different content');
    const strict = await byok(['meter', log, '--store', `sqlite:${fresh('conflict2.db')}`, '-q']);
    expect(strict.code).toBe(EXIT_BAD_INPUT);
    expect(strict.stderr).toContain(`${log}, line 3`);
  });
});

describe('byok meter: usage', () => {
  it('--help documents every option, the stores, arrival order and examples', async () => {
    const { code, stdout } = await byok(['meter', '--help']);
    expect(code).toBe(0);
    for (const option of ['--store', '--table-prefix', '--batch-size', '--policy', '--accounts', '--input-timezone', '--rejects', '--max-line-bytes', '--format', '--out', '--details', '--quiet']) {
      expect(stdout).toContain(option);
    }
    expect(stdout).toContain('Examples:');
    expect(stdout).toContain('sqlite:PATH');
    expect(stdout).toContain('postgres:URL');
    expect(stdout).toMatch(/final in arrival order/);
  });

  it('bad --store and --batch-size are usage errors (exit 2)', async () => {
    const log = join(REPO_ROOT, 'scenarios/01-individual-under-allowance/requests.csv');
    for (const args of [['--store', 'redis://x'], ['--store', `sqlite:${join(dir, 'missing-dir', 'x.db')}`], ['--batch-size', '0'], ['--batch-size', '1.5']]) {
      const result = await byok(['meter', log, ...args]);
      expect(result.code, args.join(' ')).toBe(EXIT_BAD_INPUT);
      expect(result.stderr).toMatch(/^byok: /);
    }
  });

  it('writes the bill in every format of byok bill, to --out', async () => {
    const log = join(REPO_ROOT, 'scenarios/05-failover-modes/requests.csv');
    const accounts = join(REPO_ROOT, 'scenarios/05-failover-modes/accounts.csv');
    for (const format of ['csv', 'ndjson', 'table']) {
      const [billOut, meterOut] = [fresh(`bill.${format}`), fresh(`meter.${format}`)];
      expect((await byok(['bill', log, '--accounts', accounts, '--format', format, '--out', billOut, '-q'])).code).toBe(0);
      expect((await byok(['meter', log, '--accounts', accounts, '--format', format, '--out', meterOut, '-q'])).code).toBe(0);
      const meterText = readFileSync(meterOut, 'utf8');
      // The table adds a line naming the store, JSON Lines a "store" member in the first
      // object; otherwise the outputs are the same.
      expect(meterText.replace(/^store: .*\n/m, '').replace(/,"store":\{"decisions":\d+,"recordedByThisRun":\d+\}\}\n/, '}\n')).toBe(readFileSync(billOut, 'utf8'));
    }
  });
});

describe('late arrivals: byok audit against the batch recompute', () => {
  it('law: auditing the meter charges lists exactly the requests whose decision differs from the batch', async () => {
    // catches: a charged log that loses requests or misplaces scopes, an audit that compares
    // in arrival order, or a meter that reorders late requests (it must not).
    let sawLateDifference = 0;
    const policyDoc = JSON.parse(JSON.stringify(defaultPolicyDocument));
    policyDoc.parameters.allowance = 2;
    const policy = fresh('policy.json');
    writeFileSync(policy, JSON.stringify(policyDoc));
    await fc.assert(
      fc.asyncProperty(logArb(), fc.array(fc.nat(), { maxLength: 8 }), async (rows, swaps) => {
        const unique = [...new Map(rows.filter((r) => r.requestId !== '').map((r) => [r.requestId, r])).values()];
        const sorted = unique.map((r) => ({ r, q: toUsageRequest(r) })).sort((a, b) => compareRequests(a.q, b.q)).map((x) => x.r);
        // Arrival order: the sorted log with some requests moved later (they arrive late).
        const arrival = [...sorted];
        for (const s of swaps) {
          if (arrival.length < 2) break;
          const i = s % arrival.length;
          const [late] = arrival.splice(i, 1);
          arrival.push(late!);
        }
        const log = fresh('arrival.csv');
        writeFileSync(log, csv(arrival));
        const charged = fresh('charged.csv');
        const metered = await byok(['meter', log, '--policy', policy, '--charged-log', charged, '-q', '--format', 'json']);
        expect(metered.code, metered.stderr).toBe(0);
        // The batch decisions, by request id.
        const details = fresh('batch.ndjson');
        const batch = await byok(['bill', log, '--sort', '--policy', policy, '--details', details, '-q']);
        expect(batch.code, batch.stderr).toBe(0);
        const batchCharge = new Map<string, string>();
        for (const line of readFileSync(details, 'utf8').split('\n').filter(Boolean)) {
          const d = JSON.parse(line) as { request_id?: string; charge_usd?: string };
          if (d.request_id !== undefined) batchCharge.set(d.request_id, d.charge_usd!);
        }
        // The charged log is for programs: every id is written exactly as read (no formula guard).
        const chargedRows = (parseCsv(readFileSync(charged, 'utf8')) as string[][]).slice(1);
        // The charged log and the audit work at the log's precision: 12 decimals, half-even.
        const at12 = (amount: string) => {
          const [int, frac = ''] = amount.split('.');
          return roundMoney(new Money(BigInt(`${int}${frac}`), frac.length), 12, halfEven).rounded.toString();
        };
        const differing = chargedRows.filter((c) => c[6] !== at12(batchCharge.get(c[0]!)!)).map((c) => c[0]).sort();
        const audit = await byok(['audit', charged, '--per-request', '--policy', policy, '--sort', '-q', '--format', 'json']);
        expect(audit.code).toBe(differing.length === 0 ? 0 : 1);
        const report = JSON.parse(audit.stdout) as { findings: { kind: string; requestId: string }[] };
        expect(report.findings.filter((f) => f.kind === 'wrong-charge').map((f) => f.requestId).sort()).toEqual(differing);
        if (differing.length > 0) sawLateDifference++;
      }),
      // Enough runs that some late arrival always changes a decision (60 left it to chance).
      { numRuns: 200 },
    );
    // The law says something only if late arrivals do change decisions in some runs.
    expect(sawLateDifference).toBeGreaterThan(0);
  }, 300_000);
});
