import { describe, expect, it } from 'vitest';
import { billRequests, defaultPolicyDocument, loadPolicy, moneyMatches, parseInvoiceRow, parseMoney, parseTimestamp, policyVariant, presented, reconcileInvoice, type UsageRequest } from '@byok-billing/core';
import { createAuditCollector } from '@byok-billing/core/internal';

// Allowance 3, 5% fee: small enough to cross by hand.
const doc = JSON.parse(JSON.stringify(defaultPolicyDocument));
doc.parameters.allowance = 3;
const policy = loadPolicy(doc);
const match = { scale: 2, rounding: 'half-even' as const };

const req = (id: string, at: string, cost: string, user = 'a1', keyResult: UsageRequest['keyResult'] = 'ok', charged?: string): UsageRequest => ({
  requestId: id,
  instant: parseTimestamp(at),
  userId: user,
  orgId: 'acme',
  cost: parseMoney(cost),
  keyResult,
  ...(charged === undefined ? {} : { charged: parseMoney(charged) }),
});

// Eight BYOK requests from three members (the first three free, five billable at $0.25)
// and one on platform credits: fee $0.0625, total $0.5625.
const LOG = [
  req('1', '2025-10-02T10:00:00Z', '0.10', 'a1'),
  req('2', '2025-10-03T10:00:00Z', '0.20', 'a2'),
  req('3', '2025-10-04T10:00:00Z', '0.30', 'a3'),
  req('4', '2025-10-05T10:00:00Z', '0.25', 'a1'),
  req('5', '2025-10-06T10:00:00Z', '0.25', 'a2'),
  req('6', '2025-10-07T10:00:00Z', '0.25', 'a3'),
  req('7', '2025-10-08T10:00:00Z', '0.25', 'a1'),
  req('8', '2025-10-09T10:00:00Z', '0.25', 'a2'),
  req('9', '2025-10-10T10:00:00Z', '0.50', 'a3', 'none'),
];

function audit(invoiceRows: Record<string, string>[], log: readonly UsageRequest[] = LOG, options: { tolerance?: string; withInvoice?: boolean } = {}) {
  const tolerance = options.tolerance === undefined ? undefined : parseMoney(options.tolerance);
  const collector = createAuditCollector({ policy, match: { ...match, tolerance } });
  const { bill, decisions } = billRequests(log, { policy });
  for (const d of decisions) collector.observe(d, `line ${d.request.requestId}`);
  const invoice = options.withInvoice === false ? undefined : invoiceRows.map((row, i) => parseInvoiceRow(row, i + 2));
  return reconcileInvoice(bill, invoice, collector.finish(), { ...match, tolerance });
}

const line = (fields: Record<string, string>) => ({ scope: 'org:acme', period: '2025-10', ...fields });

describe('reconcileInvoice', () => {
  it('a matching invoice: no findings, a verdict that says so with both totals', () => {
    const report = audit([line({ billable_requests: '5', fee_usd: '0.06', total_usd: '0.56' })]);
    expect(report.matches).toBe(true);
    expect(report.findings).toEqual([]);
    expect(report.verdict).toBe(
      'The invoice matches the log: all 1 invoiced line agree in every column invoiced (after rounding to 2 decimals, half-even), and every billable line of the log is invoiced. The log supports $0.56 (exactly $0.5625); the invoice asks $0.56.',
    );
    expect(report.summary).toMatchObject({ invoicedLines: 1, billLines: 1, matchedLines: 1, mismatchedLines: 0, notInLog: 0, notInvoiced: 0 });
  });

  it.each([
    ['allowance not applied', { billable_requests: '8', fee_usd: '0.09', total_usd: '0.59' }, 'allowance not applied: the invoice charges the fee on all 8 BYOK requests, ignoring the 3 free ones'],
    ['allowance applied twice', { fee_usd: '0.02', total_usd: '0.52' }, 'allowance applied twice: the invoice frees 6 requests instead of 3'],
    ['per user', { billable_requests: '0', fee_usd: '0.00', total_usd: '0.50' }, 'allowance counted per user instead of per org: each member got their own free requests, but an org shares one allowance'],
    ['rounding per request', { fee_usd: '0.05', total_usd: '0.55' }, "rounding per request instead of per line: each request's fee was rounded to 2 decimals (half-even) before summing"],
    ['platform left out', { fee_usd: '0.06', total_usd: '0.06' }, 'platform charges left out: the invoice omits $0.50 of requests served on platform credits'],
    ['fee on the wrong requests', { billable_requests: '5', fee_usd: '0.04', total_usd: '0.54' }, 'fee on the wrong requests: the number of billable requests is right but the fee is not rate × the cost of the requests ranked past the allowance'],
  ])('names the likely cause: %s', (_name, fields, cause) => {
    const report = audit([line(fields)]);
    expect(report.matches).toBe(false);
    expect(report.findings.length).toBeGreaterThan(0);
    for (const f of report.findings) expect(f.cause).toBe(cause);
    expect(report.verdict).toContain(`Likely cause: ${cause.split(':')[0]}.`);
  });

  it('reports each mismatched field with invoiced, exact, rounded values and the exact difference', () => {
    const report = audit([line({ byok_requests: '9', fee_usd: '0.07', total_usd: '0.56' })]);
    expect(report.findings).toEqual([
      { kind: 'mismatch', scope: 'org:acme', period: '2025-10', field: 'byok_requests', invoiced: '9', recomputed: '8', difference: '1', source: 'invoice line 2' },
      { kind: 'mismatch', scope: 'org:acme', period: '2025-10', field: 'fee_usd', invoiced: '0.07', recomputed: '0.0625', recomputedRounded: '0.06', difference: '0.0075', source: 'invoice line 2' },
    ]);
    expect(report.verdict).toMatch(/^The invoice does not match the log: 1 invoiced line of 1 differs from the recomputed bill \(compared after rounding to 2 decimals, half-even\)\./);
  });

  it('lines without support in the log, and billable lines not invoiced (a zero line may be left out)', () => {
    const log = [...LOG, req('z', '2025-11-02T10:00:00Z', '0.10', 'a1', 'ok')];
    const report = audit([{ scope: 'user:ghost', period: '2025-10', total_usd: '1.00' }], log);
    expect(report.findings.map((f) => [f.kind, f.scope, f.period])).toEqual([
      ['not-invoiced', 'org:acme', '2025-10'],
      ['not-in-log', 'user:ghost', '2025-10'],
    ]);
    expect(report.summary).toMatchObject({ notInLog: 1, notInvoiced: 1, invoicedTotalUsd: '1' });
    expect(report.verdict).toContain('1 line is invoiced without support in the log; 1 billable line of the log is not invoiced');
    expect(report.verdict).toContain('the invoice asks $1.00');
  });

  it('an invoice stating the exact amounts matches (it was reported as a mismatch with difference 0)', () => {
    // catches: comparing the invoice with the rounded value only (0.5625 ≠ 0.56).
    const report = audit([line({ billable_requests: '5', fee_usd: '0.0625', total_usd: '0.56250' })]);
    expect(report.findings).toEqual([]);
    expect(report.matches).toBe(true);
    // Neither exact nor rounded as presented: still a mismatch, with its exact difference.
    const near = audit([line({ fee_usd: '0.063', total_usd: '0.5625' })]);
    expect(near.findings.map((f) => [f.field, f.difference])).toEqual([['fee_usd', '0.0005']]);
  });

  it('with a tolerance, compares against the exact value', () => {
    const invoice = [line({ fee_usd: '0.0628', total_usd: '0.5628' })];
    expect(audit(invoice).matches).toBe(false);
    const tolerant = audit(invoice, LOG, { tolerance: '0.001' });
    expect(tolerant.matches).toBe(true);
    expect(tolerant.verdict).toContain('(within $0.001)');
  });

  it('per request: the kinds of wrong charge, ordinals, and the over-charge per month', () => {
    const log = [
      req('1', '2025-10-02T10:00:00Z', '0.20', 'a1', 'ok', '0'),
      req('2', '2025-10-03T10:00:00Z', '0.20', 'a1', 'ok', '0.01'),
      req('3', '2025-10-04T10:00:00Z', '0.20', 'a1', 'ok', '0'),
      req('4', '2025-10-05T10:00:00Z', '0.20', 'a1', 'ok', '0.01'),
      req('5', '2025-10-06T10:00:00Z', '0.20', 'a1', 'ok', '0'),
      req('6', '2025-10-07T10:00:00Z', '0.20', 'a1', 'ok', '0.006'),
      req('7', '2025-10-08T10:00:00Z', '0.20', 'a1', 'ok', '0.20'),
      req('8', '2025-10-09T10:00:00Z', '0.30', 'a1', 'none', '0.31'),
    ];
    const report = audit([], log, { withInvoice: false });
    expect(report.findings.map((f) => [f.requestId, f.ordinal, f.wrongCharge, f.difference])).toEqual([
      ['2', 2, 'fee inside the allowance', '0.01'],
      ['5', 5, 'no fee past the allowance', '-0.01'],
      ['6', 6, 'fee at the wrong rate', '-0.004'],
      ['7', 7, 'platform charge on a BYOK request', '0.19'],
      ['8', null, 'wrong platform charge', '0.01'],
    ]);
    expect(report.summary.chargeDifferences).toEqual([{ scope: 'org:acme', period: '2025-10', requests: 8, differenceUsd: '0.196' }]);
    expect(report.verdict).toBe(
      'The recorded charges do not match the policy. Of 8 requests with a recorded charge, 5 were charged other than the policy says: org:acme 2025-10 over-charged $0.196. The log supports $0.34 (exactly $0.34) in all.',
    );
  });

  it('per request, all right: says every recorded charge agrees', () => {
    const log = [req('1', '2025-10-02T10:00:00Z', '0.20', 'a1', 'ok', '0'), req('2', '2025-10-03T10:00:00Z', '0.30', 'a1', 'none', '0.3')];
    const report = audit([], log, { withInvoice: false });
    expect(report.matches).toBe(true);
    expect(report.verdict).toBe('The recorded charges match the policy. All 2 recorded request charges agree with the policy. The log supports $0.30 (exactly $0.3) in all.');
  });
});

describe('money matching for audits', () => {
  it('rounds the exact value as the invoice presents it, or uses the tolerance', () => {
    expect(presented(parseMoney('0.125'), match).toString()).toBe('0.12');
    expect(presented(parseMoney('0.125'), { scale: 2, rounding: 'half-up' }).toString()).toBe('0.13');
    expect(moneyMatches(parseMoney('0.12'), parseMoney('0.125'), match)).toBe(true);
    expect(moneyMatches(parseMoney('0.13'), parseMoney('0.125'), match)).toBe(false);
    // The exact amount itself matches too, at any scale it is written in; other precisions do not.
    expect(moneyMatches(parseMoney('0.125'), parseMoney('0.125'), match)).toBe(true);
    expect(moneyMatches(parseMoney('0.1250'), parseMoney('0.125'), match)).toBe(true);
    expect(moneyMatches(parseMoney('0.1'), parseMoney('0.125'), match)).toBe(false);
    expect(moneyMatches(parseMoney('0.13'), parseMoney('0.125'), { ...match, tolerance: parseMoney('0.005') })).toBe(true);
    expect(moneyMatches(parseMoney('0.12'), parseMoney('0.125'), { ...match, tolerance: parseMoney('0.004') })).toBe(false);
  });
});

describe('parseInvoiceRow', () => {
  it('reads the columns present; money exact, counts whole', () => {
    const line = parseInvoiceRow({ scope: 'org:acme', period: '2025-10', total_usd: '0.56', byok_requests: '8' }, 2);
    expect(line.values.get('totalUsd')).toMatchObject({ kind: 'money', text: '0.56' });
    expect(line.values.get('byokRequests')).toMatchObject({ kind: 'count', value: 8 });
    expect(line.values.has('feeUsd')).toBe(false);
  });

  it.each([
    [{ scope: 'acme', period: '2025-10', total_usd: '1' }, 'scope', /scope "acme" is not org:<id> or user:<id>/],
    [{ scope: 'org:a', period: '2025-13', total_usd: '1' }, 'period', /period "2025-13" is not YYYY-MM/],
    [{ scope: 'org:a', period: '2025-10' }, 'total_usd', /total_usd is required/],
    [{ scope: 'org:a', period: '2025-10', total_usd: '1', byok_requests: '1.5' }, 'byok_requests', /byok_requests "1.5" is not a whole number/],
    [{ scope: 'org:a', period: '2025-10', total_usd: '1e2' }, 'total_usd', /exponent/],
  ])('refuses %j in column %s', (row, field, message) => {
    try {
      parseInvoiceRow(row);
      expect.unreachable();
    } catch (error) {
      expect((error as { field: string }).field).toBe(field);
      expect((error as Error).message).toMatch(message);
    }
  });
});

describe('policyVariant', () => {
  it('changes parameters in every version, or only in versions that grant an allowance', () => {
    const base = loadPolicy(defaultPolicyDocument);
    expect(policyVariant(base, { feeRate: '0.03' }).versions.map((v) => v.parameters.feeRate.toString())).toEqual(['0.03', '0.03']);
    expect(policyVariant(base, { allowance: 5 }, { versions: 'allowance-bearing' }).versions.map((v) => v.parameters.allowance)).toEqual([0, 5]);
    expect(policyVariant(base, { allowance: 5 }).versions.map((v) => v.parameters.allowance)).toEqual([5, 5]);
    expect(policyVariant(base, { scopeMode: 'user' }, { id: 'per-user' }).id).toBe('per-user');
    expect(policyVariant(base, { scopeMode: 'user' }).id).toBe('byok-default+{"scopeMode":"user"}');
  });

  it('moves each version to the start of the same month in a new reset zone', () => {
    const shifted = policyVariant(loadPolicy(defaultPolicyDocument), { resetTimeZone: 'America/New_York' });
    expect(shifted.versions[1]!.effectiveFromMs).toBe(Date.UTC(2025, 9, 1, 4));
    expect(shifted.versions[1]!.calendar.periodOf({ epochMs: Date.UTC(2025, 9, 1, 3), nanos: 0 })).toBe('2025-09');
  });
});
