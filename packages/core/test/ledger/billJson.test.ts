import { describe, expect, it } from 'vitest';
import { billRequests, billToJson, createLedger, defaultPolicy } from '@byok-billing/core';
import { policyVariant, req } from './helpers.js';

/** FORMATS.md "Bill": the keys of a line, in order, and of the totals. */
const LINE_KEYS = [
  'scope',
  'period',
  'byokRequests',
  'freeRequests',
  'billableRequests',
  'byokCostUsd',
  'feeUsd',
  'platformRequests',
  'platformCostUsd',
  'failedRequests',
  'totalUsd',
];
const TOTAL_KEYS = LINE_KEYS.slice(2);
const MONEY_KEYS = new Set(['byokCostUsd', 'feeUsd', 'platformCostUsd', 'totalUsd']);

describe('billToJson (FORMATS.md "Bill")', () => {
  const policy = policyVariant({ allowance: 2 });
  const { bill } = billRequests(
    [
      req('r1', '2025-10-01T00:00:00Z', { orgId: 'acme', cost: '0.0120' }),
      req('r2', '2025-10-02T00:00:00Z', { orgId: 'acme', cost: '0.0120' }),
      req('r3', '2025-10-03T00:00:00Z', { orgId: 'acme', cost: '0.0120' }),
      req('r3', '2025-10-03T00:00:00Z', { orgId: 'acme', cost: '0.012' }),
      req('r4', '2025-10-04T00:00:00Z', { userId: 'solo', cost: '12.50', keyResult: 'none' }),
      req('r5', '2025-10-05T00:00:00Z', { userId: 'solo', cost: '3', keyResult: 'error', platformResult: 'error' }),
    ],
    { policy },
  );
  const json = billToJson(bill);

  it('has the top-level keys policy, input, lines, totals in that order', () => {
    expect(Object.keys(json)).toEqual(['policy', 'input', 'lines', 'totals']);
    expect(Object.keys(json.policy)).toEqual(['id', 'version', 'sha256']);
    expect(Object.keys(json.input)).toEqual(['rows', 'accepted', 'rejected', 'duplicates']);
  });

  it('writes every line and the totals with the fields of FORMATS.md, in its order', () => {
    expect(json.lines).toHaveLength(2);
    for (const line of json.lines) expect(Object.keys(line)).toEqual(LINE_KEYS);
    expect(Object.keys(json.totals)).toEqual(TOTAL_KEYS);
  });

  it('writes money as canonical exact decimal strings and counts as numbers', () => {
    for (const amounts of [...json.lines, json.totals]) {
      for (const [key, value] of Object.entries(amounts)) {
        if (key === 'scope' || key === 'period') continue;
        if (MONEY_KEYS.has(key)) {
          expect(typeof value, key).toBe('string');
          expect(value, key).toMatch(/^(0|[1-9]\d*)(\.\d*[1-9])?$/);
        } else {
          expect(Number.isInteger(value), key).toBe(true);
        }
      }
    }
  });

  it('is exactly the expected document', () => {
    expect(json).toEqual({
      policy: { id: 'byok-default', version: '2025-10-free-million', sha256: policy.sha256 },
      input: { rows: 6, accepted: 5, rejected: 0, duplicates: 1 },
      lines: [
        {
          scope: 'org:acme',
          period: '2025-10',
          byokRequests: 3,
          freeRequests: 2,
          billableRequests: 1,
          byokCostUsd: '0.036',
          feeUsd: '0.0006',
          platformRequests: 0,
          platformCostUsd: '0',
          failedRequests: 0,
          totalUsd: '0.0006',
        },
        {
          scope: 'user:solo',
          period: '2025-10',
          byokRequests: 0,
          freeRequests: 0,
          billableRequests: 0,
          byokCostUsd: '0',
          feeUsd: '0',
          platformRequests: 1,
          platformCostUsd: '12.5',
          failedRequests: 1,
          totalUsd: '12.5',
        },
      ],
      totals: {
        byokRequests: 3,
        freeRequests: 2,
        billableRequests: 1,
        byokCostUsd: '0.036',
        feeUsd: '0.0006',
        platformRequests: 1,
        platformCostUsd: '12.5',
        failedRequests: 1,
        totalUsd: '12.5006',
      },
    });
    expect(policy.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('serializes to JSON text with the keys in order and no numbers for money', () => {
    const text = JSON.stringify(json);
    expect(text.startsWith('{"policy":{"id":"byok-default","version":"2025-10-free-million","sha256":"')).toBe(true);
    expect(text).toContain(
      '"lines":[{"scope":"org:acme","period":"2025-10","byokRequests":3,"freeRequests":2,"billableRequests":1,' +
        '"byokCostUsd":"0.036","feeUsd":"0.0006","platformRequests":0,"platformCostUsd":"0","failedRequests":0,"totalUsd":"0.0006"}',
    );
    expect(text.endsWith(
      '"totals":{"byokRequests":3,"freeRequests":2,"billableRequests":1,"byokCostUsd":"0.036","feeUsd":"0.0006",' +
        '"platformRequests":1,"platformCostUsd":"12.5","failedRequests":1,"totalUsd":"12.5006"}}',
    )).toBe(true);
    expect(JSON.parse(text)).toEqual(json);
  });

  it('carries the input accounting of finish() and drops routeMismatches', () => {
    const ledger = createLedger({ policy: defaultPolicy() });
    ledger.add(req('r1', '2025-09-30T23:59:59Z', { cost: '0.20', recordedRoute: 'platform', keyResult: 'ok' }));
    const out = billToJson(ledger.finish({ rejected: 2, duplicates: 1 }));
    expect(out.input).toEqual({ rows: 4, accepted: 1, rejected: 2, duplicates: 1 });
    expect(out.totals.feeUsd).toBe('0.01');
    expect(out.totals.totalUsd).toBe('0.01');
    expect('routeMismatches' in out).toBe(false);
  });

  it('writes an empty bill with zero totals as "0"', () => {
    const out = billToJson(createLedger({ policy: defaultPolicy() }).finish());
    expect(out.lines).toEqual([]);
    expect(out.totals).toEqual({
      byokRequests: 0,
      freeRequests: 0,
      billableRequests: 0,
      byokCostUsd: '0',
      feeUsd: '0',
      platformRequests: 0,
      platformCostUsd: '0',
      failedRequests: 0,
      totalUsd: '0',
    });
  });

  it('writes large and tiny amounts without exponent or rounding', () => {
    const { bill: b } = billRequests(
      [
        req('a', '2025-09-01T00:00:00Z', { cost: '123456789012345678.000000000001' }),
        req('b', '2025-09-01T00:00:01Z', { cost: '0.000000000001' }),
      ],
      { policy: defaultPolicy() },
    );
    const out = billToJson(b);
    expect(out.totals.byokCostUsd).toBe('123456789012345678.000000000002');
    expect(out.totals.feeUsd).toBe('6172839450617283.9000000000001');
  });
});
