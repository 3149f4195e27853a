import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '@byok-billing/cli';
import { byok } from '../../../test/support/runByok.js';

const dir = mkdtempSync(join(tmpdir(), 'byok-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SCENARIO = join(import.meta.dirname, '../../../scenarios/09-audit-invoice-matches');
const LOG = join(SCENARIO, 'requests.csv');
const POLICY = join(SCENARIO, 'policy.json');

let n = 0;
function write(content: string, name = `file-${++n}.csv`): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const GOOD_INVOICE = readFileSync(join(SCENARIO, 'invoice.csv'), 'utf8');

describe('byok audit', () => {
  it('a matching invoice: exit 0, no findings, a verdict saying so', async () => {
    const { code, stdout } = await byok(['audit', LOG, '--policy', POLICY, '--invoice', join(SCENARIO, 'invoice.csv')]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.matches).toBe(true);
    expect(report.findings).toEqual([]);
    expect(report.verdict).toMatch(/^The invoice matches the log: all 5 invoiced lines agree/);
    expect(report.summary).toMatchObject({ invoicedLines: 5, matchedLines: 5, recomputedTotalUsd: '1.2825', recomputedTotalRoundedUsd: '1.28' });
  });

  it('an invoice stating the exact amounts matches, as does one rounded as the policy presents money', async () => {
    // catches: an exact invoice reported as a "mismatch" whose difference is 0.
    const exact = write(GOOD_INVOICE.replace('org:acme,2025-10,8,5,0.06,0.56', 'org:acme,2025-10,8,5,0.0625,0.5625'));
    const { code, stdout } = await byok(['audit', LOG, '--policy', POLICY, '--invoice', exact]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).findings).toEqual([]);
    // Another precision is neither: 0.563 is not 0.5625, nor its rounding to cents.
    const third = write(GOOD_INVOICE.replace('org:acme,2025-10,8,5,0.06,0.56', 'org:acme,2025-10,8,5,0.06,0.563'));
    const mismatch = await byok(['audit', LOG, '--policy', POLICY, '--invoice', third]);
    expect(mismatch.code).toBe(1);
    expect(JSON.parse(mismatch.stdout).findings).toEqual([expect.objectContaining({ field: 'total_usd', invoiced: '0.563', difference: '0.0005' })]);
  });

  it('--tolerance compares against the exact value instead of the rounded one', async () => {
    const invoice = write(GOOD_INVOICE.replace('org:acme,2025-10,8,5,0.06,0.56', 'org:acme,2025-10,8,5,0.0628,0.5628'));
    expect((await byok(['audit', LOG, '--policy', POLICY, '--invoice', invoice])).code).toBe(1);
    expect((await byok(['audit', LOG, '--policy', POLICY, '--invoice', invoice, '--tolerance', '0.005'])).code).toBe(0);
    const tight = await byok(['audit', LOG, '--policy', POLICY, '--invoice', join(SCENARIO, 'invoice.csv'), '--tolerance', '0.001']);
    expect(tight.code).toBe(1);
    expect(JSON.parse(tight.stdout).findings.map((f: { field: string }) => f.field)).toContain('fee_usd');
  });

  it('a line invoiced without support in the log is a finding', async () => {
    const invoice = write(`${GOOD_INVOICE}user:zed,2025-10,1,0,0.00,9.99\n`);
    const { code, stdout } = await byok(['audit', LOG, '--policy', POLICY, '--invoice', invoice]);
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.findings).toEqual([
      expect.objectContaining({ kind: 'not-in-log', scope: 'user:zed', period: '2025-10', invoiced: '9.99', recomputed: '0', source: 'invoice line 7' }),
    ]);
  });

  it('csv and table formats carry the same findings', async () => {
    const invoice = join(SCENARIO, '../13-audit-rounding-per-request/invoice.csv');
    const csv = await byok(['audit', LOG, '--policy', POLICY, '--invoice', invoice, '--format', 'csv']);
    expect(csv.code).toBe(1);
    const rows = parseCsv(csv.stdout, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.kind, r.scope, r.field, r.invoiced, r.recomputed, r.recomputed_rounded, r.difference])).toEqual([
      ['mismatch', 'org:acme', 'fee_usd', '0.05', '0.0625', '0.06', '-0.0125'],
      ['mismatch', 'org:acme', 'total_usd', '0.55', '0.5625', '0.56', '-0.0125'],
    ]);
    const table = await byok(['audit', LOG, '--policy', POLICY, '--invoice', invoice, '--format', 'table']);
    expect(table.stdout).toMatch(/^The invoice does not match the log: 1 invoiced line of 5 differs/);
    expect(table.stdout.match(/likely cause: rounding per request instead of per line/g)).toHaveLength(1);
  });

  it('bad invoices are exit 2 with file, line and column', async () => {
    const badMoney = write(GOOD_INVOICE.replace('0.56', '0,56'));
    const r1 = await byok(['audit', LOG, '--policy', POLICY, '--invoice', badMoney]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toContain(`${badMoney}, line 2: the row has 7 fields; the header has 6`);
    const badTotal = write(GOOD_INVOICE.replace('0.56', '1e2'));
    const r2 = await byok(['audit', LOG, '--policy', POLICY, '--invoice', badTotal]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain(`${badTotal}, line 2, column 6 (total_usd)`);
    const twice = write(`${GOOD_INVOICE}org:acme,2025-10,8,5,0.06,0.56\n`);
    const r3 = await byok(['audit', LOG, '--policy', POLICY, '--invoice', twice]);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toContain('org:acme 2025-10 is invoiced twice (also on line 2)');
    const noTotal = write('scope,period,fee_usd\norg:acme,2025-10,0.06\n');
    expect((await byok(['audit', LOG, '--policy', POLICY, '--invoice', noTotal])).stderr).toContain('missing required column total_usd');
    expect((await byok(['audit', LOG])).code).toBe(2);
  });

  it('route mismatches are findings when the log has both key_result and route', async () => {
    const log = write('request_id,timestamp,user_id,cost_usd,key_result,platform_result,route\nr1,2025-10-05T10:00:00Z,u,0.1,rate_limited,ok,byok\nr2,2025-10-05T10:01:00Z,u,0.2,ok,ok,byok\n');
    const invoice = write('scope,period,total_usd\nuser:u,2025-10,0.10\n');
    const { code, stdout } = await byok(['audit', log, '--invoice', invoice, '-q']);
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.findings).toEqual([
      expect.objectContaining({ kind: 'route-mismatch', requestId: 'r1', invoiced: 'byok', recomputed: 'platform', source: `${log}, line 2` }),
    ]);
    expect(report.summary.routeMismatches).toBe(1);
  });
});

describe('byok audit --per-request', () => {
  // Allowance 3 (scaled policy): acme's ordinals 1-3 free, 4+ billable at 5%.
  const header = 'request_id,timestamp,user_id,org_id,cost_usd,key_result,charged_usd';
  const rows = [
    'p1,2025-10-01T10:00:00Z,a,acme,0.20,ok,0',
    'p2,2025-10-02T10:00:00Z,a,acme,0.20,ok,0.01', // fee inside the allowance
    'p3,2025-10-03T10:00:00Z,a,acme,0.20,ok,0',
    'p4,2025-10-04T10:00:00Z,a,acme,0.20,ok,0.01', // right
    'p5,2025-10-05T10:00:00Z,a,acme,0.20,ok,0', // no fee past the allowance
    'p6,2025-10-06T10:00:00Z,a,acme,0.20,ok,0.006', // fee at the wrong rate (3%)
    'p7,2025-10-07T10:00:00Z,a,acme,0.20,ok,0.20', // platform charge on a BYOK request
    'p8,2025-10-08T10:00:00Z,a,acme,0.30,none,0.30', // platform, right
  ];

  it('lists exactly the requests charged wrongly, with their ordinals', async () => {
    const log = write(`${header}\n${rows.join('\n')}\n`);
    const { code, stdout } = await byok(['audit', log, '--policy', POLICY, '--per-request']);
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.findings.map((f: Record<string, unknown>) => [f.requestId, f.ordinal, f.wrongCharge, f.invoiced, f.recomputed])).toEqual([
      ['p2', 2, 'fee inside the allowance', '0.01', '0'],
      ['p5', 5, 'no fee past the allowance', '0', '0.01'],
      ['p6', 6, 'fee at the wrong rate', '0.006', '0.01'],
      ['p7', 7, 'platform charge on a BYOK request', '0.2', '0.01'],
    ]);
    expect(report.verdict).toContain('Of 8 requests with a recorded charge, 4 were charged other than the policy says: org:acme 2025-10 over-charged $0.186.');
    expect(report.summary.chargeDifferences).toEqual([{ scope: 'org:acme', period: '2025-10', requests: 8, differenceUsd: '0.186' }]);
  });

  it('a log whose charges are all right passes', async () => {
    const log = write(`${header}\n${rows[0]}\n${rows[3]!.replace('p4,2025-10-04', 'p2,2025-10-02').replace('0.01', '0')}\n`);
    const { code } = await byok(['audit', log, '--policy', POLICY, '--per-request']);
    expect(code).toBe(0);
  });

  it('needs a charged_usd column', async () => {
    const { code, stderr } = await byok(['audit', LOG, '--policy', POLICY, '--per-request']);
    expect(code).toBe(2);
    expect(stderr).toContain('--per-request needs a charged_usd column');
  });
});

describe('audit bundles and byok verify', () => {
  it('a bundle re-runs to the same report; a changed log refutes it', async () => {
    const work = mkdtempSync(join(dir, 'bundle-'));
    cpSync(SCENARIO, join(work, 'in'), { recursive: true });
    const log = join(work, 'in', 'requests.csv');
    const bundle = join(work, 'bundle');
    const audit = await byok(['audit', log, '--policy', join(work, 'in', 'policy.json'), '--invoice', join(SCENARIO, '../10-audit-allowance-not-applied/invoice.csv'), '--bundle', bundle]);
    expect(audit.code).toBe(1);
    const manifest = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8'));
    expect(manifest.format).toBe('byok-audit-bundle/v2');
    expect(manifest.inputs.logs[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.command.slice(0, 2)).toEqual(['byok', 'audit']);
    expect(readFileSync(join(bundle, 'report.json'), 'utf8')).toBe(audit.stdout);
    const ok = await byok(['verify', bundle]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^CONFIRMED/);
    // The bundle holds its own copy of the log: the original changing later does not touch it, its copy changing does.
    appendFileSync(log, 'late-1,2025-11-02T10:00:00Z,zed,,openai/gpt-4o,openai,1.00,none,ok\n');
    expect((await byok(['verify', bundle])).code).toBe(0);
    appendFileSync(join(bundle, manifest.inputs.logs[0].path), 'late-1,2025-11-02T10:00:00Z,zed,,openai/gpt-4o,openai,1.00,none,ok\n');
    const refuted = await byok(['verify', bundle]);
    expect(refuted.code).toBe(1);
    expect(refuted.stdout).toMatch(/^REFUTED/);
    expect(refuted.stdout).toContain('has changed: SHA-256');
    expect((await byok(['verify', join(work, 'nothing-here')])).code).toBe(2);
  });
});

describe('byok explain', () => {
  it('--request names the first billable request as where the allowance ran out', async () => {
    const { code, stdout } = await byok(['explain', LOG, '--policy', POLICY, '--request', 'acme-4']);
    expect(code).toBe(0);
    expect(stdout).toContain('Request acme-4');
    expect(stdout).toContain('billable: it is the 4th BYOK request of org:acme in 2025-10, past the allowance of 3 (the first billable request of the period');
    expect(stdout).toContain('fee = 5% × $0.25 list cost = $0.0125');
  });

  it('--request --format json gives the decision as data', async () => {
    const { stdout } = await byok(['explain', LOG, '--policy', POLICY, '--request', 'globex-5', '--format', 'json']);
    const data = JSON.parse(stdout);
    expect(data).toMatchObject({ requestId: 'globex-5', scope: 'org:globex', period: '2025-11', route: 'byok', ordinal: 1, status: 'free', feeUsd: '0', written: '2025-11-01T02:00:00Z' });
  });

  it('--scope --period derives the line: counts, allowance, first billable request, fee as rate × summed cost', async () => {
    const { code, stdout } = await byok(['explain', LOG, '--policy', POLICY, '--scope', 'org:acme', '--period', '2025-10', '--format', 'json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      allowance: 3,
      requests: { byok: 8, free: 3, billable: 5, platform: 1, failed: 0 },
      firstBillableRequest: { requestId: 'acme-4', instantUtc: '2025-10-11T10:00:00Z' },
      billableCostUsd: '1.25',
      feeUsd: '0.0625',
      totalUsd: '0.5625',
      totalPresentedUsd: '0.56',
    });
  });

  it('an unknown request or line, or no selector, is exit 2', async () => {
    expect((await byok(['explain', LOG, '--request', 'nope'])).stderr).toContain('request "nope" is not in the log');
    expect((await byok(['explain', LOG, '--scope', 'org:none', '--period', '2025-10'])).code).toBe(2);
    expect((await byok(['explain', LOG])).code).toBe(2);
    expect((await byok(['explain', LOG, '--scope', 'org:acme'])).code).toBe(2);
  });
});
