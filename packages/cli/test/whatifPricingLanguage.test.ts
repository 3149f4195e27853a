import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { byok } from '../../../test/support/runByok.js';
import { parseVary } from '../src/whatif/variants.js';
import { describeFeeTerms, describeTierOverrides, dollars, requestCount } from '../src/whatif/describeFees.js';
import { defaultPolicyDocument, loadPolicy, parseRate, shorthandFeeTerms } from '@byok-billing/core';
import type { VariantResult, WhatifReport } from '../src/whatif/whatifReport.js';
import { csvTable } from './support/csvTable.js';

/*
 * `byok whatif` on the pricing language (issue 16, docs/pricing-language.md §3): --vary tiers,
 * unit and cap on scenarios 18–21, whose READMEs state the analyst's question and the numbers a
 * what-if answers it with (the scenarios' expected bills are the independent fee oracle's).
 */
const SCENARIOS = join(import.meta.dirname, '../../../scenarios');
const dir = mkdtempSync(join(tmpdir(), 'byok-whatif-tiers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const scenario = (name: string, file: string) => join(SCENARIOS, name, file);
const expectedBill = (name: string) => JSON.parse(readFileSync(scenario(name, 'expected-bill.json'), 'utf8')) as { totals: { feeUsd: string; totalUsd: string } };

async function whatif(args: readonly string[]): Promise<WhatifReport> {
  const result = await byok(['whatif', ...args, '--format', 'json', '-q']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as WhatifReport;
}

function variant(report: WhatifReport, name: string): VariantResult {
  const found = report.variants.find((v) => v.name === name);
  expect(found, `variant ${name} among ${report.variants.map((v) => v.name).join(' | ')}`).toBeDefined();
  return found!;
}

describe('byok whatif --vary tiers, unit and cap (scenarios 18–21)', () => {
  // catches: tiers not replacing the schedule, the label not in words, the baseline's bill not the scenario's.
  it('18 volume tiers: the offer earns $0.4233 against $0.4795 under today\u2019s two tiers, all of the difference Umbrella\u2019s', async () => {
    const name = '18-volume-tiers';
    const report = await whatif([scenario(name, 'requests.csv'), '--policy', `offer=${scenario(name, 'policy.json')}`, '--vary', 'tiers=10:0/0.05']);
    const offer = variant(report, 'offer');
    expect(offer.feeRevenueUsd).toBe(expectedBill(name).totals.feeUsd);
    expect(offer.feeRevenueUsd).toBe('0.4233');
    expect(offer.parameters.fees).toBe('0–10 free · 10–100 5% · >100 3%');
    const today = variant(report, 'tiers=0–10 free · >10 5%');
    expect(today.feeRevenueUsd).toBe('0.4795');
    expect(today.parameters.fees).toBe('0–10 free · >10 5%');
    // Umbrella pays $0.367 instead of $0.3108 in October; nobody else moves.
    expect(today.movers).toEqual([{ scope: 'org:umbrella', baselineUsd: '0.4508', variantUsd: '0.507', changeUsd: '0.0562' }]);
  });

  // catches: unit not reinterpreting the bounds, or read before the allowance (2.5 requests).
  it('19 allowance in dollars: $0.465625 against $0.05 with an allowance of 100 requests; a bound of $2.50 is no count of requests (exit 2)', async () => {
    const name = '19-allowance-in-dollars';
    const log = scenario(name, 'requests.csv');
    const policy = `dollars=${scenario(name, 'policy.json')}`;
    const report = await whatif([log, '--policy', policy, '--vary', 'unit=requests,list-usd', '--vary', 'allowance=100']);
    expect(variant(report, 'dollars').feeRevenueUsd).toBe(expectedBill(name).totals.feeUsd);
    expect(variant(report, 'dollars').parameters.fees).toBe('$0–$2.5 free · >$2.5 5%');
    const requests = variant(report, 'unit=requests allowance=100');
    expect(requests.feeRevenueUsd).toBe('0.05');
    expect(requests.parameters.fees).toBe('0–100 free · >100 5%');
    // All of it Chatty's: 200 requests past the allowance × $0.005 × 5%.
    expect(requests.movers.find((m) => m.scope === 'org:chatty')?.changeUsd).toBe('0.05');
    expect(variant(report, 'unit=list-usd allowance=100').feeRevenueUsd).toBe('0');
    // Tiers in dollars (the label says dollars): Heavy's October covers ($0, $11.60]: $7.50 at 5%
    // and $1.60 at 1% = $0.391; Dana's $0.2125 past $2.50 at 5% = $0.010625.
    const tiers = await whatif([log, '--policy', policy, '--vary', 'tiers=2.5:0/10:0.05/0.01']);
    expect(variant(tiers, 'tiers=$0–$2.5 free · $2.5–$10 5% · >$10 1%').feeRevenueUsd).toBe('0.401625');
    const refused = await byok(['whatif', log, '--policy', policy, '--vary', 'unit=requests', '-q']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--vary unit=requests: the variant\u2019s policy is refused'.replace('\u2019', "'"));
    expect(refused.stderr).toContain('whole number of requests');
  });

  // catches: the whatif's baseline or a variant choosing schedules without provider/model.
  it('20 fees by provider and model: $0.4498 against $0.323 under a flat 5% after the same 10 free', async () => {
    const name = '20-fees-by-provider-and-model';
    const report = await whatif([scenario(name, 'requests.csv'), '--policy', `by-model=${scenario(name, 'policy.json')}`, '--vary', 'tiers=10:0/0.05']);
    const byModel = variant(report, 'by-model');
    expect(byModel.feeRevenueUsd).toBe(expectedBill(name).totals.feeUsd);
    expect(byModel.feeRevenueUsd).toBe('0.4498');
    expect(byModel.parameters.fees).toBe('major-providers: 0–10 free · >10 5%; others: 0–10 free · >10 3%; premium: 0–10 free · >10 8%');
    const flat = variant(report, 'tiers=0–10 free · >10 5%');
    expect(flat.feeRevenueUsd).toBe('0.323');
    expect(flat.movers).toEqual([
      { scope: 'org:globex', baselineUsd: '0.4438', variantUsd: '0.313', changeUsd: '-0.1308' },
      { scope: 'user:kim', baselineUsd: '0.006', variantUsd: '0.01', changeUsd: '0.004' },
    ]);
  });

  // catches: a policy cap overriding an account's own, cap=none removing the accounts' caps, a cap not per scope-month.
  it('21 contract terms and cap: $2.1705 under the contracts, $3.915 for everyone on the standard policy; a policy cap of $0.50 binds Globex only', async () => {
    const name = '21-contract-terms-and-cap';
    const log = scenario(name, 'requests.csv');
    const policy = `standard=${scenario(name, 'policy.json')}`;
    const contracts = await whatif([log, '--policy', policy, '--accounts', scenario(name, 'accounts.csv'), '--vary', 'cap=none,0.5']);
    expect(variant(contracts, 'standard').feeRevenueUsd).toBe(expectedBill(name).totals.feeUsd);
    expect(variant(contracts, 'standard').feeRevenueUsd).toBe('2.1705');
    expect(variant(contracts, 'cap=none').feeRevenueUsd).toBe('2.1705');
    const capped = variant(contracts, 'cap=$0.5');
    expect(capped.parameters.fees).toBe('0–10 free · >10 5% · cap $0.5');
    // Acme and Initech keep their own caps ($1, $0.10); Globex's $0.5525 stops at $0.50; Hooli's $0.07 is under it.
    expect(capped.feeRevenueUsd).toBe('2.118');
    expect(capped.movers).toEqual([{ scope: 'org:globex', baselineUsd: '0.5525', variantUsd: '0.5', changeUsd: '-0.0525' }]);
    const everyone = await whatif([log, '--policy', policy, '--vary', 'cap=0.5']);
    expect(variant(everyone, 'standard').feeRevenueUsd).toBe('3.915');
    expect(variant(everyone, 'cap=$0.5').byPeriod.map((p) => [p.period, p.feeRevenueUsd])).toEqual([
      ['2025-10', '1.57'],
      ['2025-11', '0.5'],
    ]);
  });
});

describe('fee terms in words (whatif/describeFees.ts)', () => {
  // catches: a count shortened inexactly (1,000,001 as 1M), dollars through floats, the free tier misnamed.
  it('counts shorten only when exact in one decimal; dollars stay exact; the free tier says free', () => {
    expect(['1000000', '1500000', '1250000', '500000', '1000001', '1234', '999', '2000000000'].map(requestCount)).toEqual(['1M', '1.5M', '1,250k', '500k', '1,000,001', '1,234', '999', '2B']);
    expect(['0', '2.5', '25000', '1000000.000000000001'].map(dollars)).toEqual(['$0', '$2.5', '$25,000', '$1,000,000.000000000001']);
    expect(describeFeeTerms(shorthandFeeTerms(1_000_000, parseRate('0.05')))).toBe('0–1M free · >1M 5%');
    expect(describeFeeTerms(shorthandFeeTerms(0, parseRate('0.05')))).toBe('all 5%');
    // A first tier of rate 0 that is not free (an account never makes one; a bound-less 0 is "all 0%").
    expect(describeTierOverrides([{ rate: '0' }], 'requests')).toBe('all 0%');
    expect(describeTierOverrides([{ upTo: '01000', rate: '0.01' }, { upTo: '2000.50', rate: '0' }, { rate: '0.125' }], 'list-usd')).toBe('$0–$1,000 1% · $1,000–$2,000.5 0% · >$2,000.5 12.5%');
    const policy = loadPolicy({
      format: 'byok-policy/v1',
      id: 'words',
      parameters: {
        fees: { unit: 'list-usd', schedules: { b: [{ upTo: '25000', rate: '0' }, { rate: '0.05' }], a: [{ rate: '0.08' }] }, capUsd: '2000.5' },
        scopeMode: 'org',
        counts: 'served',
        defaultFailoverMode: 'fallback',
      },
      rules: { ...(structuredClone(defaultPolicyDocument.rules) as object), schedule: [
        { name: 'p', priority: 2, conditions: { all: [{ fact: 'provider', operator: 'equal', value: 'x' }] }, event: { type: 'schedule', params: { schedule: 'a' } } },
        { name: 'rest', conditions: { all: [] }, event: { type: 'schedule', params: { schedule: 'b' } } },
      ] },
      versions: [{ version: 'v' }],
    } as Parameters<typeof loadPolicy>[0]);
    expect(describeFeeTerms(policy.versions[0]!.feeTerms)).toBe('a: all 8%; b: $0–$25,000 free · >$25,000 5% · cap $2,000.5');
  });
});

describe('byok whatif: the schedule in every format, saved policies, bad values', () => {
  it('table, csv and json name each variant\u2019s schedule in words; html shows it under the name', async () => {
    const name = '18-volume-tiers';
    const args = ['whatif', scenario(name, 'requests.csv'), '--policy', `offer=${scenario(name, 'policy.json')}`, '--vary', 'tiers=1000000:0/10000000:0.05/0.03', '--vary', 'cap=none,2000', '-q'];
    const words = '0–1M free · 1M–10M 5% · >10M 3%';
    const table = await byok([...args, '--format', 'table']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toContain(`tiers=${words} cap=$2,000`);
    expect(table.stdout).toContain(`${words} · cap $2,000`);
    const csv = await byok([...args, '--format', 'csv']);
    const rows = csvTable(csv.stdout);
    expect(rows.find((r) => r.variant === `tiers=${words} cap=$2,000` && r.period === 'all')?.fees).toBe(`${words} · cap $2,000`);
    expect(rows.find((r) => r.variant === 'offer' && r.period === 'all')?.fees).toBe('0–10 free · 10–100 5% · >100 3%');
    const html = join(dir, 'report.html');
    expect((await byok([...args, '--format', 'json', '--html', html])).code).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('data-field="parameters.fees"');
    expect(page).toContain('<span class="tier">0–1M free · </span><span class="tier">1M–10M 5% · </span><span class="tier">&gt;10M 3% · </span><span class="tier">cap $2,000</span>');
  });

  // catches: a saved document that bills otherwise than the variant (unit, tiers or cap lost, rules left naming gone schedules).
  it('--save-policies: byok bill --policy of each saved document gives the variant\u2019s numbers (scenario 20 with its provider/model rules, 21 with accounts)', async () => {
    for (const [name, extra] of [
      ['20-fees-by-provider-and-model', ['--vary', 'tiers=5:0/20:0.05/0.01,10:0/0.05', '--vary', 'unit=requests,list-usd']],
      ['21-contract-terms-and-cap', ['--accounts', scenario('21-contract-terms-and-cap', 'accounts.csv'), '--vary', 'cap=none,0.3', '--vary', 'fee=4%,0.06']],
    ] as const) {
      const saved = join(dir, `saved-${name}`);
      const report = await whatif([scenario(name, 'requests.csv'), '--policy', `base=${scenario(name, 'policy.json')}`, ...extra, '--save-policies', saved]);
      const files = readdirSync(saved).sort();
      expect(files).toHaveLength(report.variants.length);
      for (const [i, file] of files.entries()) {
        const v = report.variants[i]!;
        const accounts = extra[0] === '--accounts' ? [extra[0], extra[1]] : [];
        const bill = await byok(['bill', scenario(name, 'requests.csv'), '--policy', join(saved, file), ...accounts, '--format', 'json', '-q']);
        expect(bill.code, bill.stderr).toBe(0);
        const totals = JSON.parse(bill.stdout).totals as { feeUsd: string; totalUsd: string };
        expect([file, totals.feeUsd, totals.totalUsd]).toEqual([file, v.feeRevenueUsd, v.totalUsd]);
      }
    }
  });

  it('bad values of tiers, unit and cap: exit 2 naming the parameter and the value', async () => {
    const log = scenario('18-volume-tiers', 'requests.csv');
    const cases: [string, RegExp][] = [
      ['tiers=10:0/5:0.05/0.03', /--vary tiers=10:0\/5:0\.05\/0\.03: tier 2: bound "5" must be greater than the previous bound/],
      ['tiers=10:0/0.05:0.03', /--vary tiers=10:0\/0\.05:0\.03: the last tier "0\.05:0\.03" is a rate alone/],
      ['tiers=10:x/0.05', /--vary tiers=10:x\/0\.05: tier 1: rate "x"/],
      ['tiers=0:0/0.05', /--vary tiers=0:0\/0\.05: tier 1: bound "0" must be greater than 0/],
      ['unit=dollars', /--vary unit=dollars: "dollars" is not one of requests, list-usd/],
      ['cap=-1', /--vary cap=-1: .*write none or a fee cap per scope-month in dollars/],
      ['cap=lots', /--vary cap=lots: /],
      ['tiers=1.5:0/0.05', /--vary tiers=1\.5:0\/0\.05: the variant's policy is refused: .*whole number of requests/],
    ];
    for (const [vary, message] of cases) {
      const result = await byok(['whatif', log, '--vary', vary, '-q']);
      expect(result.code, vary).toBe(2);
      expect(result.stderr, vary).toMatch(message);
    }
    expect(parseVary('tiers=1000000:0/10000000:0.05/0.03,1000:0/0.04').map((s) => s.value)).toEqual([
      [{ upTo: '1000000', rate: '0' }, { upTo: '10000000', rate: '0.05' }, { rate: '0.03' }],
      [{ upTo: '1000', rate: '0' }, { rate: '0.04' }],
    ]);
    expect(parseVary('cap=none,2000').map((s) => s.value)).toEqual([null, '2000']);
  });

  it('--help shows tiers, unit and cap', async () => {
    const help = await byok(['whatif', '--help']);
    expect(help.stdout.replace(/\s+/g, " ")).toMatch(/allowance, fee, scope, counts, failover, zone, tiers, unit, cap/);
    expect(help.stdout).toContain('tiers  one fee schedule');
    expect(help.stdout).toContain('unit   what the tiers count: requests, or list-usd');
    expect(help.stdout).toContain('cap    the most fee a scope pays per month');
  });
});
