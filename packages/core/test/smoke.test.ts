import { describe, expect, it } from 'vitest';
import { defaultPolicy, parseMoney, parseTimestamp, billRequests } from '@byok-billing/core';

describe('smoke', () => {
  it('bills one request', () => {
    const { bill } = billRequests(
      [{ requestId: 'r1', instant: parseTimestamp('2025-09-30T23:59:59Z'), userId: 'u', cost: parseMoney('0.20'), keyResult: 'ok' }],
      { policy: defaultPolicy() },
    );
    expect(bill.totals.feeUsd.toString()).toBe('0.01');
  });
});
