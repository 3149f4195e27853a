import { describe, expect, it } from 'vitest';
import {
  type UsageRequest,
  billRequests,
  createLedger,
  defaultPolicy,
  defaultPolicyDocument,
  instantFromEpochMs,
  loadPolicy,
  parseAccounts,
  parseMoney,
  parseTimestamp,
} from '@byok-billing/core';

/*
 * POLICY.md "Worked examples", through the ledger with the default policy. Money is
 * compared as exact decimal strings.
 */

const policy = defaultPolicy();

function request(requestId: string, timestamp: string, fields: Partial<UsageRequest> = {}): UsageRequest {
  return { requestId, instant: parseTimestamp(timestamp), userId: 'u1', orgId: 'acme', cost: parseMoney('0.0120'), keyResult: 'ok', ...fields };
}

describe('POLICY.md worked examples', () => {
  it("org:acme's 1,000,000th BYOK request of October 2025 is free; its 1,000,001st, listed at $0.0120, costs a fee of $0.0006", () => {
    const ledger = createLedger({ policy });
    const cost = parseMoney('0.0120');
    const start = Date.UTC(2025, 9, 1);
    // 999,999 BYOK requests of the org's members earlier in October, one a millisecond.
    for (let i = 0; i < 999_999; i++) {
      ledger.add({ requestId: `early-${i}`, instant: instantFromEpochMs(start + i), userId: `member-${i % 5}`, orgId: 'acme', cost, keyResult: 'ok' });
    }
    const millionth = ledger.add(request('millionth', '2025-10-20T08:00:00Z'));
    const next = ledger.add(request('next', '2025-10-20T08:00:00.001Z', { userId: 'u2' }));

    expect(millionth).toMatchObject({ scope: 'org:acme', period: '2025-10', policyVersion: '2025-10-free-million', route: 'byok', counted: true });
    expect(millionth).toMatchObject({ ordinal: 1_000_000, allowance: 1_000_000, status: 'free', chargeKind: 'none', chargeRule: 'BYOK within the free allowance' });
    expect(millionth.fee.toString()).toBe('0');
    expect(millionth.charge.toString()).toBe('0');

    expect(next).toMatchObject({ ordinal: 1_000_001, status: 'billable', chargeKind: 'fee', chargeRule: 'BYOK past the allowance: fee on list cost' });
    expect(next.fee.toString()).toBe('0.0006');
    expect(next.charge.toString()).toBe('0.0006');

    const bill = ledger.finish();
    expect(bill.lines).toHaveLength(1);
    const [line] = bill.lines;
    expect(line).toMatchObject({ scope: 'org:acme', period: '2025-10', byokRequests: 1_000_001, freeRequests: 1_000_000, billableRequests: 1 });
    expect(line!.byokCostUsd.toString()).toBe('12000.012');
    expect(line!.feeUsd.toString()).toBe('0.0006');
    expect(line!.totalUsd.toString()).toBe('0.0006');
  });

  it('a request at 2025-10-31T21:30:00-05:00 is 2025-11-01T02:30:00Z: it belongs to November', () => {
    const { bill, decisions } = billRequests(
      [request('late', '2025-10-31T21:30:00-05:00'), request('earlier', '2025-10-31T23:59:59.999Z')],
      { policy },
    );
    expect(decisions.map((d) => [d.request.requestId, d.period])).toEqual([
      ['earlier', '2025-10'],
      ['late', '2025-11'],
    ]);
    expect(bill.lines.map((l) => [l.scope, l.period, l.byokRequests])).toEqual([
      ['org:acme', '2025-10', 1],
      ['org:acme', '2025-11', 1],
    ]);
    // Each is the first of its month, so both are free.
    expect(decisions.map((d) => [d.ordinal, d.status])).toEqual([
      [1, 'free'],
      [1, 'free'],
    ]);
  });

  it('a BYOK request on 2025-09-30T23:59:59Z, before the allowance existed, listed at $0.20, pays a fee of $0.01', () => {
    const { bill, decisions } = billRequests(
      [request('before', '2025-09-30T23:59:59Z', { cost: parseMoney('0.20') }), request('after', '2025-10-01T00:00:00Z', { cost: parseMoney('0.20') })],
      { policy },
    );
    const [before, after] = decisions;
    expect(before).toMatchObject({ policyVersion: '2024-byok-fee', allowance: 0, ordinal: 1, status: 'billable', chargeKind: 'fee' });
    expect(before!.fee.toString()).toBe('0.01');
    expect(after).toMatchObject({ policyVersion: '2025-10-free-million', allowance: 1_000_000, ordinal: 1, status: 'free', chargeKind: 'none' });
    expect(after!.fee.toString()).toBe('0');
    expect(bill.lines.map((l) => [l.period, l.feeUsd.toString(), l.totalUsd.toString()])).toEqual([
      ['2025-09', '0.01', '0.01'],
      ['2025-10', '0', '0'],
    ]);
    expect(bill.totals.feeUsd.toString()).toBe('0.01');
  });

  describe('under strict, a rate-limited key means the request fails: no fee, no platform charge, no count', () => {
    const rateLimited = request('r1', '2025-10-05T12:00:00Z', { keyResult: 'rate_limited', cost: parseMoney('0.50') });

    function checkFailed(result: ReturnType<typeof billRequests>) {
      const [decision] = result.decisions;
      expect(decision).toMatchObject({ failoverMode: 'strict', route: 'failed', routeRule: 'strict: key failed, no failover', counted: false, ordinal: null, status: null, chargeKind: 'none' });
      expect(decision!.fee.toString()).toBe('0');
      expect(decision!.charge.toString()).toBe('0');
      const [line] = result.bill.lines;
      expect(line).toMatchObject({ byokRequests: 0, freeRequests: 0, billableRequests: 0, platformRequests: 0, failedRequests: 1 });
      expect([line!.feeUsd, line!.platformCostUsd, line!.byokCostUsd, line!.totalUsd].map(String)).toEqual(['0', '0', '0', '0']);
    }

    it('with strict set for the scope in the accounts', () => {
      checkFailed(billRequests([rateLimited], { policy, accounts: parseAccounts([{ scope: 'org:acme', failover_mode: 'strict' }]) }));
    });

    it('with strict as the policy default', () => {
      const document = structuredClone(defaultPolicyDocument) as { parameters: Record<string, unknown> };
      document.parameters.defaultFailoverMode = 'strict';
      checkFailed(billRequests([rateLimited], { policy: loadPolicy(document) }));
    });

    it('where fallback would have charged the list price on platform credits', () => {
      const { decisions } = billRequests([rateLimited], { policy });
      expect(decisions[0]).toMatchObject({ failoverMode: 'fallback', route: 'platform', counted: false, chargeKind: 'list' });
      expect(decisions[0]!.charge.toString()).toBe('0.5');
    });
  });
});
