import { describe, expect, it } from 'vitest';
import { billRequests, defaultPolicy, parseAccounts, parseMoney, parseTimestamp, type UsageRequest } from '@byok-billing/core';

const request = (id: string, at: string): UsageRequest => ({
  requestId: id,
  instant: parseTimestamp(at),
  userId: 'u',
  orgId: 'bigco',
  cost: parseMoney('0.20'),
  keyResult: 'ok',
});

describe('account allowances (enterprise plans)', () => {
  const accounts = parseAccounts([{ scope: 'org:bigco', failover_mode: '', free_requests: '2' }]);

  it('replace the allowance of a version that grants one', () => {
    const { bill } = billRequests([request('a', '2025-10-01T00:00:00Z'), request('b', '2025-10-02T00:00:00Z'), request('c', '2025-10-03T00:00:00Z')], {
      policy: defaultPolicy(),
      accounts,
    });
    expect(bill.lines[0]).toMatchObject({ period: '2025-10', freeRequests: 2, billableRequests: 1 });
    expect(bill.lines[0]!.feeUsd.toString()).toBe('0.01');
  });

  it('do not create an allowance before the free tier existed: September 2025 pays 5% on every request', () => {
    const { bill, decisions } = billRequests([request('a', '2025-09-29T00:00:00Z'), request('b', '2025-09-30T23:59:59Z')], { policy: defaultPolicy(), accounts });
    expect(bill.lines[0]).toMatchObject({ period: '2025-09', freeRequests: 0, billableRequests: 2 });
    expect(bill.lines[0]!.feeUsd.toString()).toBe('0.02');
    expect(decisions.map((d) => d.allowance)).toEqual([0, 0]);
  });
});
