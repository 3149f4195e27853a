/**
 * `byok audit` decides on the fast replay and gathers its evidence from the compact
 * outcomes, recomputing other zones and per-user allowances only when a line mismatches.
 * On generated logs (orgs and individuals, month and zone edges, every route, recorded
 * charges right and wrong, rejected rows) and invoices with planted mistakes, its report
 * must equal the old collector's, in JSON and as a table, from a file and from standard input.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../src/commands/audit.js';
import { loadInvoiceFile } from '../src/io/loadInvoiceFile.js';
import { formatAudit } from '../src/output/auditFormats.js';
import type { ProgramIO } from '../src/programIO.js';
import { collectorAudit } from './support/collectorAudit.js';
import { type FeeLogRow, feeLogArb } from '../../../test/arbitraries/feeConfig.js';
import { referenceBill } from '../../../test/properties/referenceBill.js';
import { addDecimal, atLastTierRate, byProviderOrModel, invoiceCsv, factsMixConfigArb, withoutCaps, writeFeeCase } from './support/feeCase.js';

const dir = mkdtempSync(join(tmpdir(), 'byok-audit-parity-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const POLICY = join(import.meta.dirname, '../../../scenarios/09-audit-invoice-matches/policy.json');

let n = 0;
const write = (text: string) => {
  const path = join(dir, `f${++n}.csv`);
  writeFileSync(path, text);
  return path;
};

// Instants near the month edge in UTC and in the suspect zones, and mid-month.
const INSTANTS = ['2025-09-30T20:00:00Z', '2025-09-30T23:30:00Z', '2025-10-01T00:00:00Z', '2025-10-01T05:00:00Z', '2025-10-15T12:00:00Z', '2025-10-31T22:00:00Z', '2025-11-01T03:00:00Z', '2025-11-20T08:00:00Z'];
const COSTS = ['0', '0.012', '0.0125', '0.1', '0.333333333333', '2', '12345.5'];

const rowArb = fc.record({
  instant: fc.nat(INSTANTS.length - 1),
  user: fc.constantFrom('u1', 'u2', 'u3', 'u4'),
  org: fc.constantFrom('', '', 'acme', 'beta'),
  cost: fc.constantFrom(...COSTS),
  key: fc.constantFrom('ok', 'ok', 'ok', 'rate_limited', 'error', 'none'),
  route: fc.constantFrom('', '', 'byok', 'platform', 'failed'),
  charged: fc.constantFrom('', 'policy', 'policy', '0', '0.01', 'cost', '99999.123'),
  bad: fc.nat(40).map((k) => k === 0),
});

interface Case {
  readonly log: string;
  readonly invoice: string;
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({ rows: fc.array(rowArb, { maxLength: 50 }), withCharged: fc.boolean(), mistakes: fc.array(fc.nat(9), { minLength: 12, maxLength: 12 }) })
  .map(({ rows, withCharged, mistakes }) => {
    const sorted = [...rows].sort((a, b) => a.instant - b.instant);
    let log = `request_id,timestamp,user_id,org_id,cost_usd,key_result,route${withCharged ? ',charged_usd' : ''}\n`;
    sorted.forEach((r, i) => {
      // 'policy' charges what a 5% fee would be: right for billable requests, wrong for free ones.
      const charged = r.charged === 'policy' ? String(Number(r.cost) === 0 ? '0' : r.cost === '2' ? '0.1' : '0.0006') : r.charged === 'cost' ? r.cost : r.charged;
      log += `req-${i},${r.bad ? 'not-a-time' : INSTANTS[r.instant]},${r.user},${r.org},${r.cost},${r.key},${r.route}${withCharged ? `,${charged}` : ''}\n`;
    });
    return { log, mistakes };
  })
  .map(({ log, mistakes }) => ({ log, invoice: mistakes.join(',') }));

const quietIO = (stdin?: string): ProgramIO & { out: () => string } => {
  let out = '';
  return { stdout: (t) => (out += t), stderr: () => {}, stdin: stdin === undefined ? undefined : Readable.from([Buffer.from(stdin)]), out: () => out };
};

/** An amount an invoice can carry (at most 12 decimals), cut by text, never through a float. */
const invoiceable = (text: string) => (/\.\d{13,}$/.test(text) ? text.slice(0, text.indexOf('.') + 13) : text);

/** An invoice from the bill with planted mistakes: totals off, fees on everything, lines dropped or added. */
async function invoiceFor(logPath: string, mistakes: readonly number[]): Promise<string> {
  const io = quietIO();
  const { run } = await import('@byok-billing/cli');
  const rejects = join(dir, `r${++n}.csv`);
  await run(['bill', logPath, '--policy', POLICY, '--format', 'json', '--rejects', rejects, '--quiet'], io);
  const bill = JSON.parse(io.out()) as { lines: { scope: string; period: string; totalUsd: string; feeUsd: string; byokCostUsd: string; billableRequests: number }[] };
  let text = 'scope,period,total_usd,fee_usd,billable_requests\n';
  bill.lines.forEach((line, i) => {
    const m = mistakes[i % mistakes.length]!;
    if (m === 0) return; // not invoiced
    let total = line.totalUsd;
    let fee = line.feeUsd;
    if (m === 1) total = `${line.totalUsd.split('.')[0]}.99`;
    if (m === 2) fee = total = line.byokCostUsd; // wrong amounts
    text += `${line.scope},${line.period},${invoiceable(total)},${invoiceable(fee)},${m === 3 ? line.billableRequests + 1 : line.billableRequests}\n`;
  });
  if (mistakes[0] === 4) text += 'org:ghost,2025-10,1.00,0,0\n';
  if (mistakes[1] === 5) text += 'user:u1,2025-12,0.50,0,0\n';
  return text;
}

describe('the fast audit reports what the collector audit reported', () => {
  it('on generated logs and invoices, from files and standard input', async () => {
    // The planted mistakes must make the audit name causes (the second pass), not only match.
    let causes = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ log, invoice: mistakeText }) => {
        const logPath = write(log);
        const invoicePath = write(await invoiceFor(logPath, mistakeText.split(',').map(Number)));
        const invoice = await loadInvoiceFile(invoicePath, () => {});
        const common = { policy: POLICY, reorderWindow: '15m', quiet: true, rejects: join(dir, `rej${++n}.csv`) };
        for (const perRequest of [false, true]) {
          const withInvoice = !perRequest || log.split('\n').length % 2 === 0;
          for (const source of ['file', 'stdin'] as const) {
            const logArg = source === 'file' ? logPath : '-';
            const expected = await collectorAudit([logArg], common, quietIO(source === 'stdin' ? log : undefined), withInvoice ? invoice : undefined);
            const io = quietIO(source === 'stdin' ? log : undefined);
            let outcome;
            try {
              outcome = await auditCommand([logArg], { ...common, invoice: withInvoice ? invoicePath : undefined, perRequest, format: 'json' }, io);
            } catch (error) {
              // --per-request on a log without charged_usd is refused; the reference saw no charges either.
              expect(perRequest && expected.summary.chargedRequests === 0).toBe(true);
              expect(String(error)).toMatch(/charged_usd/);
              continue;
            }
            expect(outcome.report).toEqual(expected);
            causes += expected.findings.filter((f) => (f.kind === 'mismatch' || f.kind === 'not-in-log') && f.cause !== undefined).length;
            expect(formatAudit(outcome.report, 'table')).toBe(formatAudit(expected, 'table'));
          }
        }
      }),
      { numRuns: 60 },
    );
    expect(causes).toBeGreaterThan(0);
  }, 120_000);

  it('writes the same --details records as bill does', async () => {
    const log = readFileSync(join(import.meta.dirname, '../../../scenarios/09-audit-invoice-matches/requests.csv'), 'utf8');
    const logPath = write(log);
    const details = join(dir, 'audit-details.csv');
    const billDetails = join(dir, 'bill-details.csv');
    const { run } = await import('@byok-billing/cli');
    await auditCommand([logPath], { policy: POLICY, reorderWindow: '15m', quiet: true, perRequest: false, invoice: join(import.meta.dirname, '../../../scenarios/09-audit-invoice-matches/invoice.csv'), details, format: 'json' }, quietIO());
    await run(['bill', logPath, '--policy', POLICY, '--details', billDetails, '--quiet', '--format', 'json'], quietIO());
    expect(readFileSync(details, 'utf8')).toBe(readFileSync(billDetails, 'utf8'));
  });

  // catches: the compact collector pricing a tiered line by cost × feeRate (its rounded fees,
  // per-user fees, recorded charges) or missing a tier mistake the record collector names.
  it('on pricing-language policies (tiers in requests and list-usd, caps, contract terms), with planted tier and cap mistakes', async () => {
    let causes = 0;
    let byFacts = 0;
    let wrongCharges = 0;
    await fc.assert(
      fc.asyncProperty(feeLogArb(), factsMixConfigArb(2), fc.array(fc.nat(4), { minLength: 6, maxLength: 6 }), async (rows, config, mistakes) => {
        const ref = referenceBill(rows, config);
        // Half the cases record what each request was charged: the oracle's charge (cut to the log's 12 decimals), or a wrong one.
        // A repeated row repeats its charge (else it would conflict with its first): chosen by the id's first row.
        const first = new Map<string, number>();
        rows.forEach((r, i) => first.has(r.requestId) || first.set(r.requestId, i));
        const charged =
          mistakes[5]! % 2 === 0
            ? undefined
            : (r: FeeLogRow) => {
                const i = first.get(r.requestId)!;
                return [invoiceable(ref.decisions.get(r.requestId)!.charge), '0', r.cost, '0.01'][(i + mistakes[i % 6]!) % 4]!;
              };
        const files = writeFeeCase(dir, `fee${++n}`, rows, config, charged);
        const common = { policy: files.policy, accounts: files.accounts, reorderWindow: '15m', sort: true, quiet: true };
        const key = (l: { scope: string; period: string }) => `${l.scope}\n${l.period}`;
        const uncapped = new Map(referenceBill(rows, withoutCaps(config)).lines.map((l) => [key(l), l]));
        const flattened = new Map(referenceBill(rows, atLastTierRate(config)).lines.map((l) => [key(l), l]));
        let i = 0;
        const invoicePath = write(
          invoiceCsv(ref.lines, (line) => {
            const m = mistakes[i++ % mistakes.length]!;
            const list = addDecimal(line.totalUsd, `-${line.feeUsd}`);
            const other = m === 1 ? uncapped.get(key(line))! : m === 2 ? flattened.get(key(line))! : undefined;
            if (other !== undefined) return { fee: other.feeUsd, total: addDecimal(other.feeUsd, list) };
            if (m === 3) return { fee: line.feeUsd, total: addDecimal(line.totalUsd, '0.01') };
            return undefined;
          }),
        );
        const invoice = await loadInvoiceFile(invoicePath, () => {});
        // Schedules chosen by provider/model: the fast replay reads those cells, and must agree too.
        if (byProviderOrModel(config)) byFacts++;
        const expected = await collectorAudit([files.log], common, quietIO(), invoice);
        const outcome = await auditCommand([files.log], { ...common, invoice: invoicePath, perRequest: charged !== undefined, format: 'json' }, quietIO());
        expect(outcome.report).toEqual(expected);
        if (charged !== undefined) wrongCharges += expected.summary.wrongCharges;
        expect(formatAudit(outcome.report, 'table')).toBe(formatAudit(expected, 'table'));
        causes += expected.findings.filter((f) => f.cause?.startsWith('cap not applied') || f.cause?.startsWith('fee at the wrong tier')).length;
      }),
      { numRuns: 60 },
    );
    expect(causes).toBeGreaterThan(0);
    expect(byFacts).toBeGreaterThan(0);
    expect(wrongCharges).toBeGreaterThan(0);
  }, 180_000);
});
