import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type AccountRow, Money, defaultPolicyDocument } from '@byok-billing/core';
import { accountsArb } from './arbitraries/billConfig.js';
import { type LogRow, logArb } from './arbitraries/requestLog.js';
import { run } from '@byok-billing/cli';
import { byok } from './support/runByok.js';

/*
 * Law: for every variant, what `byok whatif` reports equals what `byok bill` gives with
 * that variant's policy alone (and the same accounts). Catches: a variant ledger fed requests
 * in another order or missing some, duplicates counted in one and not the other, the allowance
 * override leaking into the wrong versions, per-period or per-scope aggregation errors, a
 * variant's ledger routing org members otherwise than `byok bill` (scope=user).
 */
const dir = mkdtempSync(join(tmpdir(), 'byok-whatif-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function csv(rows: readonly LogRow[]): string {
  const header = 'request_id,timestamp,user_id,org_id,model,cost_usd,key_result,platform_result,route';
  return `${[header, ...rows.map((r) => [r.requestId, r.timestamp, r.userId, r.orgId ?? '', r.model ?? '', r.cost, r.keyResult ?? '', r.platformResult ?? '', r.recordedRoute ?? ''].join(','))].join('\n')}\n`;
}

const varyArb = fc.subarray(
  [
    ['--vary', 'allowance=0,1,3'],
    ['--vary', 'fee=3%,0.07'],
    ['--vary', 'scope=org,user'],
    ['--vary', 'counts=served,attempted'],
    ['--vary', 'failover=strict,credits-first'],
    ['--vary', 'zone=America/New_York'],
  ],
  { minLength: 1, maxLength: 2 },
);

/** Sum of exact decimal strings (fees carry up to 24 fractional digits), in integers. */
function exactSum(values: readonly string[]): string {
  let total = Money.ZERO;
  for (const v of values) {
    const [int, frac = ''] = v.split('.');
    total = total.add(new Money(BigInt(`${int}${frac}`), frac.length));
  }
  return total.toString();
}

/** An accounts file (FORMATS.md); without modes, only the allowances. */
function accountsCsv(rows: readonly AccountRow[], withModes: boolean): string {
  return `scope,failover_mode,free_requests\n${rows.map((a) => `${a.scope},${withModes ? (a.failover_mode ?? '') : ''},${a.free_requests ?? ''}\n`).join('')}`;
}

let runNo = 0;
describe('byok whatif', () => {
  it('law: every variant of a what-if equals byok bill with that variant policy alone', async () => {
    const policy = join(dir, 'baseline.json');
    const doc = JSON.parse(JSON.stringify(defaultPolicyDocument));
    doc.parameters.allowance = 2;
    writeFileSync(policy, JSON.stringify(doc));
    await fc.assert(
      fc.asyncProperty(logArb(), varyArb, accountsArb, async (rows, vary, accountRows) => {
        const id = ++runNo;
        const log = join(dir, `log-${id}.csv`);
        writeFileSync(log, csv(rows.filter((r) => r.requestId !== '')));
        // Accounts with orgs' own failover modes: a variant per user (scope=user) still routes
        // an org member's request by its org's mode. A forced failover mode (failover=…)
        // replaces every account's, so that variant is billed with the allowances alone.
        const accounts = join(dir, `accounts-${id}.csv`);
        const allowancesOnly = join(dir, `allowances-${id}.csv`);
        writeFileSync(accounts, accountsCsv(accountRows, true));
        writeFileSync(allowancesOnly, accountsCsv(accountRows, false));
        const saved = join(dir, `policies-${id}`);
        const whatif = await byok(['whatif', log, '--sort', '-q', '--policy', `base=${policy}`, ...vary.flat(), '--accounts', accounts, '--save-policies', saved, '--format', 'json', '--top', '1000']);
        expect(whatif.code, whatif.stderr).toBe(0);
        const report = JSON.parse(whatif.stdout);
        const files = readdirSync(saved).sort();
        expect(files).toHaveLength(report.variants.length);
        for (const [i, variant] of report.variants.entries()) {
          const variantAccounts = variant.parameters.failoverMode === null ? accounts : allowancesOnly;
          const alone = await byok(['bill', log, '--sort', '-q', '--policy', join(saved, files[i]!), '--accounts', variantAccounts, '--format', 'json']);
          expect(alone.code, alone.stderr).toBe(0);
          const bill = JSON.parse(alone.stdout);
          expect(variant.totalUsd).toBe(bill.totals.totalUsd);
          expect(variant.feeRevenueUsd).toBe(bill.totals.feeUsd);
          expect(variant.policy.sha256).toBe(bill.policy.sha256);
          const feeByScope = new Map<string, number>();
          for (const line of bill.lines) if (line.feeUsd !== '0') feeByScope.set(line.scope, 1);
          expect(variant.payingScopes).toBe(feeByScope.size);
          for (const p of variant.byPeriod as { period: string; totalUsd: string; feeRevenueUsd: string }[]) {
            const lines = bill.lines.filter((l: { period: string }) => l.period === p.period) as { totalUsd: string; feeUsd: string }[];
            expect(p.totalUsd).toBe(exactSum(lines.map((l) => l.totalUsd)));
            expect(p.feeRevenueUsd).toBe(exactSum(lines.map((l) => l.feeUsd)));
          }
        }
      }),
      { numRuns: 200 },
    );
  }, 600_000);
});

describe('byok whatif --html', () => {
  it('writes a self-contained page whose embedded data is exactly the JSON report', async () => {
    const scenario = join(import.meta.dirname, '../scenarios/09-audit-invoice-matches');
    const html = join(dir, 'report.html');
    const { code, stdout } = await byok([
      'whatif',
      join(scenario, 'requests.csv'),
      '-q',
      '--policy',
      `scaled=${join(scenario, 'policy.json')}`,
      '--vary',
      'allowance=2,5',
      '--html',
      html,
      '--format',
      'json',
    ]);
    expect(code).toBe(0);
    const page = readFileSync(html, 'utf8');
    const embedded = /<script type="application\/json" id="whatif-report">([\s\S]*?)<\/script>/.exec(page)?.[1];
    expect(JSON.parse(embedded!)).toEqual(JSON.parse(stdout));
    // Nothing is loaded from elsewhere: no external scripts, styles or images.
    expect(/<script[^>]+src=|<link[^>]+href="(?!data:)|<img[^>]+src=/.test(page)).toBe(false);
  });
});

describe('byok whatif reads the log once', () => {
  it('serves every variant from one pass: the whole log is read exactly once, from a stream that cannot be rewound', async () => {
    const scenario = join(import.meta.dirname, '../scenarios/09-audit-invoice-matches');
    const bytes = readFileSync(join(scenario, 'requests.csv'));
    let pulled = 0;
    let reads = 0;
    // Standard input: a one-shot stream. A second pass would find it empty.
    const stdin = Readable.from(
      (function* () {
        reads++;
        for (let i = 0; i < bytes.length; i += 64) {
          const chunk = bytes.subarray(i, i + 64);
          pulled += chunk.length;
          yield chunk;
        }
      })(),
    );
    let stdout = '';
    const code = await run(['whatif', '-', '-q', '--policy', `scaled=${join(scenario, 'policy.json')}`, '--vary', 'allowance=1,2,5', '--vary', 'fee=3%,7%', '--format', 'json'], {
      stdout: (t) => (stdout += t),
      stderr: () => {},
      stdin,
    });
    expect(code).toBe(0);
    expect(reads).toBe(1);
    expect(pulled).toBe(bytes.length);
    const report = JSON.parse(stdout);
    expect(report.variants).toHaveLength(7);
    for (const v of report.variants) expect(v.payingScopes).toBeGreaterThan(0);
  });
});
