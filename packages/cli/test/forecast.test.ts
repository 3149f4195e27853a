import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicyDocument, parseMoney } from '@byok-billing/core';
import { describePostgres, dropTables, uniquePrefix } from '../../stores/test/support/postgresTarget.js';
import { byok } from '../../../test/support/runByok.js';

/*
 * `byok forecast`: the month so far projected to its end, from logs and from a meter store
 * (the same forecast), in every format, and the errors that exit 2.
 */
const dir = mkdtempSync(join(tmpdir(), 'byok-forecast-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string) => join(dir, name);

// An allowance of 3000, so the generated month's busiest orgs cross it.
const policy = at('allowance-3000.json');
const log = at('october.csv');
const AS_OF = '2025-10-12T08:30:00Z';
beforeAll(async () => {
  const doc = JSON.parse(JSON.stringify(defaultPolicyDocument));
  doc.parameters.allowance = 3000;
  writeFileSync(policy, JSON.stringify(doc));
  const generated = await byok(['generate', '--rows', '20000', '--months', '1', '--seed', '11', '--heavy-orgs', '2', '--out', log]);
  expect(generated.code, generated.stderr).toBe(0);
});

async function ok(args: readonly string[]) {
  const result = await byok([...args, '-q']);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

async function json(args: readonly string[]) {
  return JSON.parse(await ok([...args, '--format', 'json'])) as {
    period: string;
    method: string;
    scopes: { scope: string; requestsSoFar: number; projectedRequests: string; projectedFeeUsd: string; feeSoFarUsd: string; runOut: { status: string; day?: string } }[];
  };
}

describe('byok forecast from a log', () => {
  it('states the method, and forecasts every scope of the month so far', async () => {
    const forecast = await json(['forecast', log, '--policy', policy, '--as-of', AS_OF]);
    expect(forecast.period).toBe('2025-10');
    expect(forecast.method).toMatch(/^Weekday-and-hour profile/);
    expect(forecast.scopes.length).toBeGreaterThan(5);
    // The month so far is what byok bill counts up to as-of: the same requests.
    const bill = JSON.parse(await ok(['bill', log, '--policy', policy, '--format', 'json'])) as { lines: { scope: string; byokRequests: number }[] };
    const busiest = bill.lines.reduce((a, b) => (b.byokRequests > a.byokRequests ? b : a));
    const scope = forecast.scopes.find((s) => s.scope === busiest.scope)!;
    expect(scope.requestsSoFar).toBeLessThan(busiest.byokRequests);
    expect(scope.runOut.status).not.toBe('not-this-month');
    // At the month's last instant the forecast is the bill.
    const end = await json(['forecast', log, '--policy', policy, '--as-of', '2025-10-31T23:59:59.999999999Z', '--scope', busiest.scope]);
    expect(end.scopes[0]!.requestsSoFar).toBe(busiest.byokRequests);
    expect(end.scopes[0]!.projectedRequests).toBe(`${busiest.byokRequests}.00`);
  });

  it('--scope keeps one scope; csv and table say what json says', async () => {
    const forecast = await json(['forecast', log, '--policy', policy, '--as-of', AS_OF]);
    const one = forecast.scopes.find((s) => s.runOut.status === 'projected') ?? forecast.scopes[0]!;
    const only = await json(['forecast', log, '--policy', policy, '--as-of', AS_OF, '--scope', one.scope]);
    expect(only.scopes).toEqual([one]);
    const rows = parseCsv(await ok(['forecast', log, '--policy', policy, '--as-of', AS_OF, '--format', 'csv']), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.scope)).toEqual(forecast.scopes.map((s) => s.scope));
    for (const [i, row] of rows.entries()) {
      const s = forecast.scopes[i]!;
      expect(row.period).toBe('2025-10');
      expect(row.requests_so_far).toBe(String(s.requestsSoFar));
      expect(row.projected_requests).toBe(s.projectedRequests);
      expect(row.projected_fee_usd).toBe(s.projectedFeeUsd);
      expect(row.run_out).toBe(s.runOut.status);
      expect(row.run_out_day).toBe(s.runOut.day ?? '');
      expect(row.method).toBe('weekday-hour-profile');
    }
    const table = await ok(['forecast', log, '--policy', policy, '--as-of', AS_OF, '--format', 'table', '--scope', one.scope]);
    expect(table).toContain(`Forecast of 2025-10 (UTC) as of ${AS_OF}`);
    expect(table).toContain(one.projectedRequests);
    expect(table).toContain('Method: Weekday-and-hour profile');
  });

  it('csv cells a spreadsheet would run are written as text', async () => {
    const small = at('allowance-1.json');
    const doc = JSON.parse(JSON.stringify(defaultPolicyDocument));
    doc.parameters.allowance = 1;
    writeFileSync(small, JSON.stringify(doc));
    const hostile = at('hostile.csv');
    writeFileSync(hostile, 'request_id,timestamp,user_id,org_id,cost_usd,key_result\na1,2025-10-01T00:00:00Z,u,acme,0.10,ok\n=1+1,2025-10-01T00:10:00Z,u,acme,0.10,ok\n');
    const rows = parseCsv(await ok(['forecast', hostile, '--policy', small, '--as-of', '2025-10-02T00:00:00Z', '--format', 'csv']), { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(1);
    expect(rows[0]!.run_out).toBe('already');
    expect(rows[0]!.crossing_request_id).toBe("'=1+1");
    // 1 billable request × 5% × $0.10
    expect(rows[0]!.fee_so_far_usd).toBe('0.005');
  });

  it('--out writes the file', async () => {
    const out = at('forecast.csv');
    await ok(['forecast', log, '--policy', policy, '--as-of', AS_OF, '--format', 'csv', '--out', out]);
    expect(readFileSync(out, 'utf8')).toMatch(/^period,as_of,scope,/);
  });

  it('an as-of in another zone is the same instant', async () => {
    const z = await json(['forecast', log, '--policy', policy, '--as-of', AS_OF]);
    const plus2 = await json(['forecast', log, '--policy', policy, '--as-of', '2025-10-12T10:30:00+02:00']);
    expect(plus2).toEqual(z);
  });
});

describe('byok forecast from a meter store equals the forecast from the log', () => {
  it('SQLite', async () => {
    const store = `sqlite:${at('meter.db')}`;
    await ok(['meter', log, '--policy', policy, '--store', store, '--format', 'json']);
    const fromLog = await json(['forecast', log, '--policy', policy, '--as-of', AS_OF]);
    const fromStore = await json(['forecast', '--store', store, '--policy', policy, '--as-of', AS_OF]);
    expect(fromStore).toEqual(fromLog);
  });
});

describe('byok forecast under the pricing language, from a store and from the log', () => {
  it('SQLite, list-usd tiers with a cap and contract terms', async () => {
    const tiered = at('list-usd.json');
    const doc = JSON.parse(JSON.stringify(defaultPolicyDocument));
    delete doc.parameters.allowance;
    delete doc.parameters.feeRate;
    doc.versions = [{ version: 'tiers' }];
    doc.parameters.fees = { unit: 'list-usd', schedules: { standard: [{ upTo: '20', rate: '0' }, { upTo: '60', rate: '0.05' }, { rate: '0.03' }] }, capUsd: '3' };
    writeFileSync(tiered, JSON.stringify(doc));
    const accounts = at('contract.csv');
    writeFileSync(accounts, 'scope,free_requests,fee_rate,fee_cap_usd\norg:vehement,5,0.1,1.5\n');
    const store = `sqlite:${at('tiered.db')}`;
    await ok(['meter', log, '--policy', tiered, '--accounts', accounts, '--store', store, '--format', 'json']);
    const args = ['--policy', tiered, '--accounts', accounts, '--as-of', AS_OF];
    const fromLog = await json(['forecast', log, ...args]);
    expect(await json(['forecast', '--store', store, ...args])).toEqual(fromLog);
    // The contract (org:vehement, one of the generated month's heavy orgs): its free tier is $5 of
    // list cost, not the policy's $20, and its projected fee stops at its own cap of $1.50.
    const scope = (id: string) => fromLog.scopes.find((s) => s.scope === id) as unknown as { freeTier: string; projectedFeeUsd: string; feeSoFarUsd: string };
    expect(scope('org:vehement').freeTier).toBe('5');
    expect(scope('org:vehement').projectedFeeUsd).toBe('1.50');
    // The other heavy org pays by the policy's tiers, under the policy's $3 cap.
    expect(scope('org:stark').freeTier).toBe('20');
    expect(parseMoney(scope('org:stark').projectedFeeUsd).compare(parseMoney('0'))).toBe(1);
    for (const s of fromLog.scopes) expect(parseMoney(s.projectedFeeUsd).compare(parseMoney('3'))).toBeLessThanOrEqual(0);
  });
});

describePostgres('byok forecast from a PostgreSQL meter store', (url) => {
  const prefix = uniquePrefix('fcst');
  afterAll(() => dropTables(url, prefix));
  it('equals the forecast from the log', async () => {
    const store = ['--store', `postgres:${url}`, '--table-prefix', prefix];
    await ok(['meter', log, '--policy', policy, ...store, '--format', 'json']);
    const fromLog = await json(['forecast', log, '--policy', policy, '--as-of', AS_OF]);
    expect(await json(['forecast', ...store, '--policy', policy, '--as-of', AS_OF])).toEqual(fromLog);
  });
});

describe('byok forecast: bad input exits 2 naming what is wrong', () => {
  const cases: [string, string[], RegExp][] = [
    ['no --as-of', ['forecast', 'LOG'], /--as-of is required/],
    ['an as-of without an offset', ['forecast', 'LOG', '--as-of', '2025-10-12T08:30:00'], /--as-of "2025-10-12T08:30:00": expected an ISO-8601 instant with a UTC offset/],
    ['an as-of in epoch milliseconds', ['forecast', 'LOG', '--as-of', '1760257800000'], /--as-of "1760257800000"/],
    ['an impossible as-of', ['forecast', 'LOG', '--as-of', '2025-02-30T00:00:00Z'], /--as-of: .*2025-02-30/],
    ['no log and no store', ['forecast', '--as-of', AS_OF], /no log given/],
    ['a log and a store', ['forecast', 'LOG', '--store', 'sqlite:x.db', '--as-of', AS_OF], /--store reads decisions from a meter store: give no log/],
    ['a memory store', ['forecast', '--store', 'memory', '--as-of', AS_OF], /--store memory holds nothing/],
    ['a store file that does not exist', ['forecast', '--store', 'sqlite:/nonexistent/meter.db', '--as-of', AS_OF], /no such file/],
    ['an unknown store', ['forecast', '--store', 'redis:x', '--as-of', AS_OF], /--store: .*unknown store "redis:x"/],
    ['a scope of an unknown form', ['forecast', 'LOG', '--as-of', AS_OF, '--scope', 'acme'], /--scope "acme": expected org:<id> or user:<id>/],
    ['an unknown format', ['forecast', 'LOG', '--as-of', AS_OF, '--format', 'xml'], /--format.*xml/],
    ['a log that does not exist', ['forecast', '/nonexistent.csv', '--as-of', AS_OF], /nonexistent\.csv/],
    ['--table-prefix without a store', ['forecast', 'LOG', '--as-of', AS_OF, '--table-prefix', 'x_'], /--table-prefix is for --store/],
  ];
  it.each(cases)('%s', async (_name, args, message) => {
    const result = await byok(args.map((a) => (a === 'LOG' ? log : a)));
    expect(result.code, result.stdout).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('a bad row names its file, line and column', async () => {
    const bad = at('bad.csv');
    writeFileSync(bad, 'request_id,timestamp,user_id,org_id,cost_usd,key_result\nr1,2025-10-01T00:00:00Z,u,acme,oops,ok\n');
    const result = await byok(['forecast', bad, '--as-of', AS_OF]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/bad\.csv.*line 2/);
  });

  it('--help gives examples', async () => {
    const result = await byok(['forecast', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Examples:');
    expect(result.stdout).toContain('byok forecast --store sqlite:meter.db --as-of');
  });
});
