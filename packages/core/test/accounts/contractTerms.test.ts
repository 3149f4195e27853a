import { describe, expect, it } from 'vitest';
import { type AccountRow, InvalidAccountsError, Money, Rate, freeBoundOf, parseAccounts, parseMoney, parseRate } from '@byok-billing/core';

function accountsError(rows: Iterable<AccountRow>, units?: readonly ('requests' | 'list-usd')[]): InvalidAccountsError {
  try {
    parseAccounts(rows, units === undefined ? undefined : { units });
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidAccountsError);
    return e as InvalidAccountsError;
  }
  throw new Error('expected parseAccounts to throw');
}

describe('accounts v1.1: fee_rate and fee_cap_usd', () => {
  it('reads both, exactly', () => {
    const accounts = parseAccounts([
      { scope: 'org:bigco', failover_mode: 'strict', free_requests: '5000000', fee_rate: '0.03', fee_cap_usd: '2000' },
      { scope: 'org:tiny', fee_rate: '0.000000000001', fee_cap_usd: '0.000000000001' },
      { scope: 'org:zero', fee_rate: '0', fee_cap_usd: '0' },
      { scope: 'org:trailing', fee_rate: '0.050', fee_cap_usd: '10.50' },
    ]);
    expect(accounts.get('org:bigco')).toEqual({ failoverMode: 'strict', freeRequests: 5_000_000, feeRate: new Rate(3n, 2), feeCapUsd: new Money(2000n, 0) });
    expect(accounts.get('org:tiny')).toEqual({ feeRate: new Rate(1n, 12), feeCapUsd: new Money(1n, 12) });
    expect(accounts.get('org:zero')).toEqual({ feeRate: new Rate(0n, 0), feeCapUsd: new Money(0n, 0) });
    expect(accounts.get('org:trailing')!.feeRate!.equals(parseRate('0.05'))).toBe(true);
    expect(accounts.get('org:trailing')!.feeCapUsd!.equals(parseMoney('10.5'))).toBe(true);
    expect(Object.isFrozen(accounts.get('org:bigco'))).toBe(true);
  });

  it('an empty or absent cell means the policy value: the field is left out', () => {
    const accounts = parseAccounts([{ scope: 'org:a', fee_rate: '', fee_cap_usd: '' }, { scope: 'org:b' }, { scope: 'org:c', fee_rate: '0.01' }]);
    expect(Object.keys(accounts.get('org:a')!)).toEqual([]);
    expect(Object.keys(accounts.get('org:b')!)).toEqual([]);
    expect(Object.keys(accounts.get('org:c')!)).toEqual(['feeRate']);
  });

  it.each(['-0.01', '1e-2', '5%', '0.0500000000001', ' 0.05', '.05', '0.', 'abc', '+0.05', '0,05'])('refuses fee_rate %j', (rate) => {
    const e = accountsError([{ scope: 'org:ok' }, { scope: 'org:a', fee_rate: rate }]);
    expect(e.field).toBe('fee_rate');
    expect(e.message).toMatch(new RegExp(`^accounts row 2: fee_rate ${JSON.stringify(rate).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a non-negative decimal rate with at most 12 fractional digits \\(e\\.g\\. 0\\.03 for 3%\\) \\(.+\\)$`));
  });

  it('says why a fee_rate is refused', () => {
    expect(accountsError([{ scope: 'org:a', fee_rate: '-0.01' }]).message).toBe(
      'accounts row 1: fee_rate "-0.01" is not a non-negative decimal rate with at most 12 fractional digits (e.g. 0.03 for 3%) (must not be negative)',
    );
  });

  it.each(['-1', '1e3', '$2000', '2,000', '0.0000000000001', '2000 ', 'none'])('refuses fee_cap_usd %j', (cap) => {
    const e = accountsError([{ scope: 'org:a', fee_cap_usd: cap }]);
    expect(e.field).toBe('fee_cap_usd');
    expect(e.message.startsWith(`accounts row 1: fee_cap_usd ${JSON.stringify(cap)} is not a non-negative dollar amount with at most 12 fractional digits (`)).toBe(true);
  });

  it('checks the fields of a row in column order: scope, failover_mode, free_requests, fee_rate, fee_cap_usd', () => {
    expect(accountsError([{ scope: 'org:a', free_requests: 'x', fee_rate: 'x', fee_cap_usd: 'x' }]).field).toBe('free_requests');
    expect(accountsError([{ scope: 'org:a', fee_rate: 'x', fee_cap_usd: 'x' }]).field).toBe('fee_rate');
    expect(accountsError([{ scope: 'org:a', fee_cap_usd: 'x' }]).field).toBe('fee_cap_usd');
  });
});

describe('free_requests and the units of the policy', () => {
  it('by default (requests) a whole number, as before', () => {
    expect(parseAccounts([{ scope: 'org:a', free_requests: '7' }]).get('org:a')).toEqual({ freeRequests: 7 });
    expect(accountsError([{ scope: 'org:a', free_requests: '1.5' }]).message).toBe('accounts row 1: free_requests "1.5" is not a non-negative whole number');
    expect(parseAccounts([{ scope: 'org:a', free_requests: '7' }], { units: ['requests'] }).get('org:a')).toEqual({ freeRequests: 7 });
  });

  it('a policy counting list-usd only: dollars, a decimal with at most 12 fractional digits', () => {
    const accounts = parseAccounts(
      [
        { scope: 'org:a', free_requests: '250.5' },
        { scope: 'org:b', free_requests: '1000' },
        { scope: 'org:c', free_requests: '0.000000000001' },
        { scope: 'org:d', free_requests: '99999999999999999999' },
      ],
      { units: ['list-usd'] },
    );
    expect(accounts.get('org:a')).toEqual({ freeUsd: new Money(2505n, 1) });
    expect(accounts.get('org:b')).toEqual({ freeUsd: new Money(1000n, 0) });
    expect(freeBoundOf(accounts.get('org:a'), 'list-usd')).toBe(250_500_000_000_000n);
    expect(freeBoundOf(accounts.get('org:b'), 'list-usd')).toBe(1_000_000_000_000_000n);
    expect(freeBoundOf(accounts.get('org:c'), 'list-usd')).toBe(1n);
    expect(freeBoundOf(accounts.get('org:d'), 'list-usd')).toBe(99999999999999999999n * 10n ** 12n);
    for (const bad of ['-1', '1e3', '0.0000000000001', '$5']) {
      const e = accountsError([{ scope: 'org:a', free_requests: bad }], ['list-usd']);
      expect(e.field).toBe('free_requests');
      expect(e.message.startsWith(`accounts row 1: free_requests ${JSON.stringify(bad)} is not a non-negative dollar amount with at most 12 fractional digits (the policy counts list-usd) (`)).toBe(true);
    }
  });

  it('a policy counting both: a whole number, requests in one version and dollars in the other', () => {
    const accounts = parseAccounts([{ scope: 'org:a', free_requests: '300' }], { units: ['requests', 'list-usd'] });
    expect(accounts.get('org:a')).toEqual({ freeRequests: 300 });
    expect(freeBoundOf(accounts.get('org:a'), 'requests')).toBe(300);
    expect(freeBoundOf(accounts.get('org:a'), 'list-usd')).toBe(300_000_000_000_000n);
    expect(accountsError([{ scope: 'org:a', free_requests: '2.5' }], ['list-usd', 'requests']).message).toBe(
      'accounts row 1: free_requests "2.5" is not a non-negative whole number (some policy versions count requests)',
    );
  });

  it('freeBoundOf: undefined when the account leaves it to the policy; refuses dollars for a version counting requests', () => {
    expect(freeBoundOf(undefined, 'requests')).toBeUndefined();
    expect(freeBoundOf({}, 'list-usd')).toBeUndefined();
    expect(freeBoundOf({ feeRate: parseRate('0.1') }, 'requests')).toBeUndefined();
    expect(() => freeBoundOf({ freeUsd: parseMoney('2.5') }, 'requests')).toThrow(InvalidAccountsError);
  });
});
