import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, readmeBlock } from '../../../test/support/readmeExample.js';
import { byok } from '../../../test/support/runByok.js';
import { type BacktestResult, dayStatistics, renderBacktest, runBacktest } from './support/forecastBacktest.js';

/*
 * The forecast backtest (support/forecastBacktest.ts): generated months forecast at day 10 and
 * day 20 against their real end. The README's error bars are recomputed here, so they cannot
 * drift, and the method is held to bounds a wrong method would break.
 */
const dir = mkdtempSync(join(tmpdir(), 'byok-backtest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let result: BacktestResult;
beforeAll(async () => {
  result = await runBacktest(dir);
}, 240_000);

function readmeBacktestTable(): string {
  const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('<!-- forecast-backtest:start -->');
  const end = readme.indexOf('<!-- forecast-backtest:end -->');
  if (start < 0 || end < 0) throw new Error('README has no forecast-backtest block');
  return readme.slice(readme.indexOf('\n', start) + 1, end).trim();
}

describe('the forecast backtest', () => {
  it("the README's error bars are what the backtest computes", () => {
    expect(readmeBacktestTable()).toBe(renderBacktest(result));
  });

  it('at the last instant of every month the forecast is the month, exactly', () => {
    expect(result.lastInstantMismatches).toEqual([]);
  });

  it('there is something to measure: every month has large scopes, most of them past the allowance', () => {
    const day10 = dayStatistics(result, 10);
    expect(day10.scopeMonths).toBeGreaterThanOrEqual(16);
    expect(result.cases.filter((c) => c.day === 10 && c.runOut?.actual !== undefined).length).toBeGreaterThanOrEqual(12);
  });

  it('more of the month seen, better forecasts: day 20 beats day 10', () => {
    const day10 = dayStatistics(result, 10);
    const day20 = dayStatistics(result, 20);
    expect(day20.requestsMedian.compare(day10.requestsMedian)).toBeLessThan(0);
    expect(day20.requestsP90.compare(day10.requestsP90)).toBeLessThan(0);
    expect(day20.feeMedian.compare(day10.feeMedian)).toBeLessThan(0);
  });

  it('sanity bounds: a method that ignored the rest of the month, or the week, would be far outside them', () => {
    const pct = (n: bigint) => ({ num: n, den: 100n });
    const under = (r: { num: bigint; den: bigint }, p: { num: bigint; den: bigint }) => r.num * p.den < p.num * r.den;
    const day10 = dayStatistics(result, 10);
    const day20 = dayStatistics(result, 20);
    // Counting only the month so far would be ~2/3 off at day 10, ~1/3 at day 20.
    expect(under(day10.requestsMedian, pct(10n))).toBe(true);
    expect(under(day10.requestsP90, pct(20n))).toBe(true);
    expect(under(day20.requestsMedian, pct(5n))).toBe(true);
    expect(day10.runOutWrongCalls).toBeLessThanOrEqual(1);
    expect(day10.runOutMaxDaysOff).toBeLessThanOrEqual(2);
  });
});

describe('the README example', () => {
  it('prints what the README shows, and the real month end it quotes', async () => {
    const log = join(dir, 'october.csv');
    const accounts = join(dir, 'accounts.csv');
    expect((await byok(['generate', '--rows', '60000', '--months', '1', '--seed', '1', '--heavy-orgs', '4', '--out', log])).code).toBe(0);
    writeFileSync(accounts, 'scope,free_requests\norg:nakatomi,4000\n');
    const forecast = await byok(['forecast', log, '--accounts', accounts, '--as-of', '2025-10-10T23:59:59Z', '--scope', 'org:nakatomi', '--format', 'csv', '-q']);
    expect(forecast.code, forecast.stderr).toBe(0);
    const shown = readmeBlock('forecast').split('\n').filter((l) => !l.startsWith('$ ')).join('\n');
    expect(forecast.stdout).toBe(shown);
    const actual = await byok(['forecast', log, '--accounts', accounts, '--as-of', '2025-10-31T23:59:59.999999999Z', '--scope', 'org:nakatomi', '--format', 'table', '-q']);
    const lines = actual.stdout.split('\n').slice(2, 4).join('\n');
    expect(`${lines}\n`).toBe(readmeBlock('forecast-actual').split('\n').filter((l) => !l.startsWith('$ ')).join('\n'));
  });
});
