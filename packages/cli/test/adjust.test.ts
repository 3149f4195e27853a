import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { Money, parseMoney } from '@byok-billing/core';
import { afterAll, describe, expect, it } from 'vitest';
import { byok } from '../../../test/support/runByok.js';

/*
 * byok adjust on small hand-made logs, one per cause. Policy of scenario 09: 3 free BYOK
 * requests per scope per month, then 5% of list cost; money presented in cents, half-even.
 * The invoice of ORIGINAL: org:acme fees 0.05 × (0.50 + 0.25) = 0.0375 → 0.04.
 */
const dir = mkdtempSync(join(tmpdir(), 'byok-adjust-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const POLICY = join(import.meta.dirname, '../../../scenarios/09-audit-invoice-matches/policy.json');

let n = 0;
function write(content: string, name = `file-${++n}.csv`): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const HEADER = 'request_id,timestamp,user_id,org_id,model,provider,cost_usd,key_result,platform_result';
const row = (id: string, day: string, org: string, cost: string, key = 'ok') => `${id},2025-10-${day}T10:00:00Z,u-${id},${org},openai/gpt-4o,openai,${cost},${key},ok`;
const log = (...rows: string[]) => write(`${HEADER}\n${rows.join('\n')}\n`);

const ACME = [row('acme-1', '02', 'acme', '0.40'), row('acme-2', '06', 'acme', '0.20'), row('acme-3', '09', 'acme', '0.30'), row('acme-4', '14', 'acme', '0.50'), row('acme-5', '21', 'acme', '0.25')];
const GLOBEX = [row('globex-1', '03', 'globex', '0.40'), row('globex-2', '10', 'globex', '0.40')];
const ORIGINAL = log(...ACME, ...GLOBEX);
const INVOICE = write('scope,period,billable_requests,fee_usd,total_usd\norg:acme,2025-10,2,0.04,0.04\norg:globex,2025-10,0,0.00,0.00\n');

async function adjust(logs: readonly string[], ...args: string[]) {
  const result = await byok(['adjust', ...logs, '--policy', POLICY, '--invoice', INVOICE, '--quiet', ...args]);
  return { ...result, report: result.code === 2 ? undefined : JSON.parse(result.stdout) };
}

describe('byok adjust', () => {
  it('a log that still bills as invoiced: exit 0, no notes, with or without --billed-from', async () => {
    // catches: a note written for a line whose amount has not changed.
    for (const extra of [[], ['--billed-from', ORIGINAL]]) {
      const { code, report } = await adjust([ORIGINAL], ...extra);
      expect(code).toBe(0);
      expect(report.adjusts).toBe(false);
      expect(report.notes).toEqual([]);
      expect(report.summary).toMatchObject({ invoicedLines: 2, agreeingLines: 2, credits: 0, debits: 0, netUsd: '0.00' });
    }
  });

  it('a free late row changes counts, not money: no note', async () => {
    const late = log(row('globex-3', '20', 'globex', '0.40'));
    const { code, report } = await adjust([ORIGINAL, late], '--billed-from', ORIGINAL);
    expect(code).toBe(0);
    expect(report.notes).toEqual([]);
  });

  it('requests added late past the allowance: a debit note naming them', async () => {
    const late = log(row('globex-3', '20', 'globex', '0.40'), row('globex-4', '24', 'globex', '0.60'));
    const { code, report } = await adjust([ORIGINAL, late], '--billed-from', ORIGINAL);
    expect(code).toBe(1);
    expect(report.notes).toHaveLength(1);
    const note = report.notes[0];
    // globex-4 is the 4th BYOK request: 0.05 × 0.60 = 0.03; globex-3 is the 3rd, free.
    expect(note).toMatchObject({ kind: 'debit', scope: 'org:globex', invoicedUsd: '0.00', nowUsd: '0.03', amountUsd: '0.03', exactDifferenceUsd: '0.03', billedFromUsd: '0' });
    expect(note.requests.map((r: { requestId: string; cause: string; differenceUsd: string }) => [r.requestId, r.cause, r.differenceUsd])).toEqual([
      ['globex-4', 'added-late', '0.03'],
      ['globex-3', 'added-late', '0'],
    ]);
    expect(note.reason).toBe('2 requests added late: +$0.03 of fees (debit)');
    expect(note.columns).toEqual([
      { column: 'billable_requests', invoiced: '0', now: '1' },
      { column: 'fee_usd', invoiced: '0.00', now: '0.03' },
    ]);
  });

  it('a late arrival that takes an earlier ordinal shifts a request past the allowance', async () => {
    const late = log(row('acme-6', '04', 'acme', '0.10'));
    const { code, report } = await adjust([ORIGINAL, late], '--billed-from', ORIGINAL);
    expect(code).toBe(1);
    const [note] = report.notes;
    // Now acme-3 (0.30) is the 4th: fees 0.05 × (0.30 + 0.50 + 0.25) = 0.0525 → 0.05; note 0.05 − 0.04.
    expect(note).toMatchObject({ kind: 'debit', scope: 'org:acme', nowUsd: '0.0525', nowAsInvoicedUsd: '0.05', amountUsd: '0.01', exactDifferenceUsd: '0.0125', billedFromUsd: '0.0375' });
    expect(note.reason).toBe('1 request added late, 1 shifted past the allowance: +$0.01 of fees (debit)');
    const shifted = note.requests.find((r: { cause: string }) => r.cause === 'shifted-past-allowance');
    expect(shifted).toMatchObject({ requestId: 'acme-3', before: { status: 'free', ordinal: 3, chargeUsd: '0' }, after: { status: 'billable', ordinal: 4, chargeUsd: '0.015' }, differenceUsd: '0.015' });
  });

  it('a corrected row (same id, other content) that lowers the bill: a credit note', async () => {
    const corrected = log(...ACME.map((r) => (r.startsWith('acme-4,') ? row('acme-4', '14', 'acme', '0.10') : r)), ...GLOBEX);
    const { code, report } = await adjust([corrected], '--billed-from', ORIGINAL);
    expect(code).toBe(1);
    const [note] = report.notes;
    // 0.05 × (0.10 + 0.25) = 0.0175 → 0.02: a credit of 0.02.
    expect(note).toMatchObject({ kind: 'credit', scope: 'org:acme', nowUsd: '0.0175', amountUsd: '-0.02', exactDifferenceUsd: '-0.0225' });
    expect(note.requests).toEqual([expect.objectContaining({ requestId: 'acme-4', cause: 'changed', differenceUsd: '-0.02' })]);
    expect(note.reason).toBe('1 request corrected: -$0.02 of fees (credit)');
    expect(report.summary).toMatchObject({ credits: 1, debits: 0, creditUsd: '0.02', netUsd: '-0.02' });
  });

  it('a removed request is a credit; a corrected row moved to another scope changes both lines', async () => {
    const removed = log(...ACME.filter((r) => !r.startsWith('acme-5,')), ...GLOBEX);
    const gone = (await adjust([removed], '--billed-from', ORIGINAL)).report.notes[0];
    // 0.05 × 0.50 = 0.025 → 0.02 (half-even): a credit of 0.02.
    expect(gone).toMatchObject({ kind: 'credit', amountUsd: '-0.02', requests: [expect.objectContaining({ requestId: 'acme-5', cause: 'removed', differenceUsd: '-0.0125' })] });
    // acme-4 really was globex's: acme loses its fee, globex's 3rd request is free.
    const moved = log(...ACME.filter((r) => !r.startsWith('acme-4,')), ...GLOBEX, row('acme-4', '14', 'globex', '0.50'));
    const { report } = await adjust([moved], '--billed-from', ORIGINAL);
    expect(report.notes.map((x: { scope: string; amountUsd: string }) => [x.scope, x.amountUsd])).toEqual([['org:acme', '-0.03']]);
    expect(report.notes[0].requests).toEqual([expect.objectContaining({ requestId: 'acme-4', cause: 'changed', differenceUsd: '-0.025', after: expect.objectContaining({ scope: 'org:globex' }) })]);
  });

  it('notes are rounded as the invoice was: exact amounts stay exact, and a half-up invoicer is recognised', async () => {
    const late = log(row('acme-6', '04', 'acme', '0.10'));
    const exact = write('scope,period,total_usd\norg:acme,2025-10,0.0375\norg:globex,2025-10,0\n');
    const exactNote = (await byok(['adjust', ORIGINAL, late, '--policy', POLICY, '--invoice', exact, '-q'])).stdout;
    expect(JSON.parse(exactNote)).toMatchObject({ rounding: expect.stringMatching(/^exact/), notes: [expect.objectContaining({ amountUsd: '0.015', nowAsInvoicedUsd: '0.0525' })] });
    // acme-4 alone is billable: 0.025, which half-up invoices as 0.03 (half-even: 0.02). A late
    // 0.40 makes 0.045: half-up 0.05, so the note is 0.02 (half-even would say 0.04, a note of 0.01).
    const four = log(...ACME.slice(0, 4));
    const halfUp = write('scope,period,total_usd\norg:acme,2025-10,0.03\n');
    const later = log(row('acme-7', '25', 'acme', '0.40'));
    const { stdout } = await byok(['adjust', four, later, '--policy', POLICY, '--invoice', halfUp, '--billed-from', four, '-q']);
    expect(JSON.parse(stdout)).toMatchObject({ rounding: expect.stringMatching(/^rounded to 2 decimals, half-up/), notes: [expect.objectContaining({ amountUsd: '0.02', nowAsInvoicedUsd: '0.05' })] });
  });

  it('an invoice that never matched the billed-from log: the note says so instead of blaming requests', async () => {
    const wrong = write('scope,period,total_usd\norg:acme,2025-10,0.05\norg:globex,2025-10,0.00\n');
    const { code, stdout } = await byok(['adjust', ORIGINAL, '--policy', POLICY, '--invoice', wrong, '--billed-from', ORIGINAL, '-q']);
    expect(code).toBe(1);
    expect(JSON.parse(stdout).notes).toEqual([
      expect.objectContaining({ kind: 'credit', amountUsd: '-0.01', requests: [], reason: 'no request bills differently since the invoice: -$0.01 (credit); the invoice already differed from the billed-from log by -$0.01 (see byok audit)' }),
    ]);
  });

  it('without --billed-from: the line\'s differing columns, no requests, and it says so', async () => {
    const late = log(row('globex-3', '20', 'globex', '0.40'), row('globex-4', '24', 'globex', '0.60'));
    const { code, report } = await adjust([ORIGINAL, late]);
    expect(code).toBe(1);
    expect(report.attribution).toBe('line-totals');
    expect(report.notes[0].requests).toBeUndefined();
    expect(report.notes[0].reason).toBe('the log now bills this scope-month differently (billable_requests 0 → 1, fee_usd 0.00 → 0.03, total_usd 0.00 → 0.03); requests not attributed without --billed-from: +$0.03 (debit)');
  });

  it('a scope of an invoiced month with no invoice line gets a note; another month gets none', async () => {
    const late = log(row('initech-1', '20', 'initech', '0.40', 'none'), '2,2025-11-03T10:00:00Z,u,acme,openai/gpt-4o,openai,0.30,none,ok'.replace(/^2/, 'acme-nov'));
    const { report } = await adjust([ORIGINAL, late], '--billed-from', ORIGINAL);
    expect(report.notes).toEqual([expect.objectContaining({ scope: 'org:initech', invoicedLine: false, kind: 'debit', amountUsd: '0.40', reason: 'not invoiced: 1 request added late: +$0.40 of platform charges (debit)' })]);
    expect(report.summary.periodsNotInvoiced).toEqual(['2025-11']);
  });

  it('--format csv (one row per note, numbers bare) and table; --out writes the file', async () => {
    const late = log(row('acme-6', '04', 'acme', '0.10'));
    const out = join(dir, 'notes.csv');
    const csv = await byok(['adjust', ORIGINAL, late, '--policy', POLICY, '--invoice', INVOICE, '--billed-from', ORIGINAL, '--format', 'csv', '--out', out, '-q']);
    expect(csv.code).toBe(1);
    expect(csv.stdout).toBe('');
    const rows = parseCsv(readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows).toEqual([expect.objectContaining({ kind: 'debit', scope: 'org:acme', amount_usd: '0.01', exact_difference_usd: '0.0125', requests: 'acme-3 shifted-past-allowance +0.015; acme-6 added-late +0' })]);
    const table = await byok(['adjust', ORIGINAL, late, '--policy', POLICY, '--invoice', INVOICE, '--billed-from', ORIGINAL, '--format', 'table', '-q']);
    expect(table.stdout).toContain('0 credit note(s) for $0.00, 1 debit note(s) for $0.01; net $0.01');
    expect(table.stdout).toContain('    1 request added late, 1 shifted past the allowance: +$0.01 of fees (debit)');
    // A request id a spreadsheet would run as a formula is written as text.
    const hostile = log(row('=1+1', '24', 'globex', '0.60'), row('globex-3', '20', 'globex', '0.40'));
    const guarded = await byok(['adjust', ORIGINAL, hostile, '--policy', POLICY, '--invoice', INVOICE, '--billed-from', ORIGINAL, '--format', 'csv', '-q']);
    expect(guarded.stdout).toContain("'=1+1 added-late +0.03; globex-3 added-late +0");
    const agree = await byok(['adjust', ORIGINAL, '--policy', POLICY, '--invoice', INVOICE, '--format', 'table', '-q']);
    expect(agree.stdout).toMatch(/^Nothing to adjust: all 2 invoiced lines still agree/);
  });

  it('bad input exits 2 naming the file, line and column; nothing is written', async () => {
    const out = join(dir, 'never.json');
    const badMoney = write('scope,period,total_usd\norg:acme,2025-10,0.04\norg:globex,2025-10,abc\n');
    const money = await byok(['adjust', ORIGINAL, '--policy', POLICY, '--invoice', badMoney, '--out', out]);
    expect(money.code).toBe(2);
    expect(money.stderr).toContain(`${badMoney}, line 3, column 3 (total_usd)`);
    const noTotal = write('scope,period,fee_usd\norg:acme,2025-10,0.04\n');
    const missing = await byok(['adjust', ORIGINAL, '--policy', POLICY, '--invoice', noTotal, '--out', out]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/line 1.*missing required column total_usd/);
    const badRow = log(row('acme-9', '40', 'acme', '0.10'));
    const row2 = await byok(['adjust', ORIGINAL, badRow, '--policy', POLICY, '--invoice', INVOICE, '--out', out]);
    expect(row2.code).toBe(2);
    expect(row2.stderr).toContain(`${badRow}, line 2`);
    const badThen = await byok(['adjust', ORIGINAL, '--policy', POLICY, '--invoice', INVOICE, '--billed-from', badRow, '--out', out]);
    expect(badThen.code).toBe(2);
    expect(badThen.stderr).toContain(`${badRow}, line 2`);
    expect((await byok(['adjust', ORIGINAL, '--policy', POLICY])).stderr).toContain('give --invoice FILE');
    expect((await byok(['adjust', ORIGINAL, '--policy', POLICY, '--invoice', INVOICE, '--billed-from', '-'])).code).toBe(2);
    expect((await byok(['adjust', join(dir, 'absent.csv'), '--policy', POLICY, '--invoice', INVOICE])).code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  it('reads the logs as they stand now from standard input too', async () => {
    const late = `${HEADER}\n${ACME.join('\n')}\n${GLOBEX.join('\n')}\n${row('acme-6', '04', 'acme', '0.10')}\n`;
    const { code, stdout } = await byok(['adjust', '-', '--policy', POLICY, '--invoice', INVOICE, '--billed-from', ORIGINAL, '-q'], late);
    expect(code).toBe(1);
    expect(JSON.parse(stdout).notes[0].reason).toBe('1 request added late, 1 shifted past the allowance: +$0.01 of fees (debit)');
  });

  it('--help shows examples', async () => {
    const { stdout } = await byok(['adjust', '--help']);
    expect(stdout).toContain('Examples:');
    expect(stdout).toContain('--billed-from');
  });
});

describe('byok adjust on the pricing language', () => {
  it('contract terms and a cap (scenario 21 split in two): requests sum to now − then, and a capped fee is "with another fee"', async () => {
    // catches: per-request charges that do not add up to a line's tiered, capped fee.
    const root = join(import.meta.dirname, '../../../scenarios/21-contract-terms-and-cap');
    const [header, ...rows] = readFileSync(join(root, 'requests.csv'), 'utf8').trimEnd().split('\n');
    const original = write(`${header}\n${rows.filter((_, i) => i % 2 === 0).join('\n')}\n`);
    const late = write(`${header}\n${rows.filter((_, i) => i % 2 === 1).join('\n')}\n`);
    const terms = ['--policy', join(root, 'policy.json'), '--accounts', join(root, 'accounts.csv'), '-q'];
    const bill = JSON.parse((await byok(['bill', original, ...terms, '--format', 'json'])).stdout) as { lines: { scope: string; period: string; totalUsd: string }[] };
    const invoice = write(`scope,period,total_usd\n${bill.lines.map((l) => `${l.scope},${l.period},${l.totalUsd}`).join('\n')}\n`);
    const { code, stdout } = await byok(['adjust', original, late, ...terms, '--invoice', invoice, '--billed-from', original, '--format', 'json']);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as { notes: { scope: string; nowUsd: string; billedFromUsd: string; requests: { cause: string; differenceUsd: string }[] }[] };
    expect(report.notes.length).toBeGreaterThan(0);
    for (const note of report.notes) {
      const sum = note.requests.reduce((s, r) => s.add(parseMoney(r.differenceUsd, { allowNegative: true })), Money.ZERO);
      expect(sum.equals(parseMoney(note.nowUsd).subtract(parseMoney(note.billedFromUsd))), note.scope).toBe(true);
    }
    // org:acme's cap of $1 is reached now: requests that paid a fee then pay less (or nothing) now.
    const acme = report.notes.find((n) => n.scope === 'org:acme')!;
    expect(acme.nowUsd).toBe('1');
    expect(acme.requests.some((r) => r.cause === 'fee-shifted' && r.differenceUsd.startsWith('-'))).toBe(true);
  });
});

describe('the README\'s byok adjust example', () => {
  it('prints what the README quotes (scenario 22)', async () => {
    // catches: a README example that drifted from what the command prints.
    const root = join(import.meta.dirname, '../../..');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### `byok adjust`'), readme.indexOf('### `byok explain`'));
    const [command, quoted] = [...section.matchAll(/```(?:sh|text)\n([^]*?)```/g)].map((m) => m[1]!);
    const [assignment, ...lines] = command!.split('\n');
    const scenario = join(root, assignment!.replace(/^S=/, ''));
    const args = lines.join(' ').replace(/\\/g, ' ').replaceAll('$S', scenario).split(/\s+/).filter((w) => w !== '');
    expect(args.slice(0, 3)).toEqual(['pnpm', '-s', 'byok']);
    const { code, stdout } = await byok(args.slice(3));
    expect(code).toBe(1);
    expect(stdout.replaceAll(`${root}/`, '')).toBe(quoted);
  });
});
