import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByokError, FAILOVER_MODES, InvalidAccountsError, parseAccounts, type AccountRow } from '@byok-billing/core';

function accountsError(rows: Iterable<AccountRow>): InvalidAccountsError {
  try {
    parseAccounts(rows);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidAccountsError);
    expect(e).toBeInstanceOf(ByokError);
    expect((e as InvalidAccountsError).code).toBe('INVALID_ACCOUNTS');
    expect((e as InvalidAccountsError).name).toBe('InvalidAccountsError');
    return e as InvalidAccountsError;
  }
  throw new Error('expected parseAccounts to throw');
}

describe('parseAccounts: valid rows', () => {
  it('the documented example', () => {
    const accounts = parseAccounts([{ scope: 'org:bigco', failover_mode: 'strict', free_requests: '5000000' }]);
    expect(accounts.get('org:bigco')).toEqual({ failoverMode: 'strict', freeRequests: 5_000_000 });
  });

  it('reads every failover mode', () => {
    const accounts = parseAccounts(FAILOVER_MODES.map((mode, i) => ({ scope: `user:u${i}`, failover_mode: mode })));
    expect(accounts.size).toBe(3);
    expect(FAILOVER_MODES.map((_, i) => accounts.get(`user:u${i}`)?.failoverMode)).toEqual(['fallback', 'strict', 'credits-first']);
  });

  it('empty or absent cells mean the policy default: the field is left out', () => {
    const accounts = parseAccounts([
      { scope: 'org:a', failover_mode: '', free_requests: '' },
      { scope: 'org:b' },
      { scope: 'org:c', failover_mode: undefined, free_requests: undefined },
      { scope: 'org:d', failover_mode: 'strict', free_requests: '' },
      { scope: 'org:e', failover_mode: '', free_requests: '10' },
    ]);
    for (const scope of ['org:a', 'org:b', 'org:c']) {
      const settings = accounts.get(scope)!;
      expect(Object.keys(settings)).toEqual([]);
      expect(settings.failoverMode).toBeUndefined();
      expect(settings.freeRequests).toBeUndefined();
    }
    expect(Object.keys(accounts.get('org:d')!)).toEqual(['failoverMode']);
    expect(accounts.get('org:d')).toEqual({ failoverMode: 'strict' });
    expect(Object.keys(accounts.get('org:e')!)).toEqual(['freeRequests']);
    expect(accounts.get('org:e')).toEqual({ freeRequests: 10 });
  });

  it('keeps rows in order and keyed by scope', () => {
    const accounts = parseAccounts([{ scope: 'user:z' }, { scope: 'org:a' }, { scope: 'user:a' }]);
    expect([...accounts.keys()]).toEqual(['user:z', 'org:a', 'user:a']);
  });

  it('reads whole numbers, zero and the largest safe integer included', () => {
    const accounts = parseAccounts([
      { scope: 'org:zero', free_requests: '0' },
      { scope: 'org:lead', free_requests: '007' },
      { scope: 'org:max', free_requests: '9007199254740991' },
    ]);
    expect(accounts.get('org:zero')?.freeRequests).toBe(0);
    expect(accounts.get('org:lead')?.freeRequests).toBe(7);
    expect(accounts.get('org:max')?.freeRequests).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('freezes each settings object', () => {
    const accounts = parseAccounts([{ scope: 'org:a', failover_mode: 'strict' }, { scope: 'org:b' }]);
    expect(Object.isFrozen(accounts.get('org:a'))).toBe(true);
    expect(Object.isFrozen(accounts.get('org:b'))).toBe(true);
  });

  it('accepts no rows and any iterable', () => {
    expect(parseAccounts([]).size).toBe(0);
    function* rows(): Generator<AccountRow> {
      yield { scope: 'org:a', free_requests: '1' };
      yield { scope: 'user:b', failover_mode: 'credits-first' };
    }
    const accounts = parseAccounts(rows());
    expect(accounts.size).toBe(2);
    expect(accounts.get('user:b')).toEqual({ failoverMode: 'credits-first' });
  });

  it('reads any whole number of free requests exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (n) => {
        expect(parseAccounts([{ scope: 'org:x', free_requests: String(n) }]).get('org:x')?.freeRequests).toBe(n);
      }),
    );
  });
});

describe('parseAccounts: refused rows name the row and the field', () => {
  it.each(['', 'org:', 'user:', 'acme', 'team:acme', 'ORG:acme', ' org:acme'])('scope %j', (scope) => {
    const e = accountsError([{ scope }]);
    expect(e.field).toBe('scope');
    expect(e.message).toBe(`accounts row 1: scope ${JSON.stringify(scope)} is not org:<id> or user:<id>`);
  });

  it('a missing scope (a row without the column) reads as empty', () => {
    const e = accountsError([{} as AccountRow]);
    expect(e.field).toBe('scope');
    expect(e.message).toBe('accounts row 1: scope "" is not org:<id> or user:<id>');
  });

  it('a duplicate scope', () => {
    const e = accountsError([{ scope: 'org:a' }, { scope: 'user:b' }, { scope: 'org:a', failover_mode: 'strict' }]);
    expect(e.field).toBe('scope');
    expect(e.message).toBe('accounts row 3: scope "org:a" appears twice');
  });

  it('the same id as org and as user is not a duplicate', () => {
    expect(parseAccounts([{ scope: 'org:a' }, { scope: 'user:a' }]).size).toBe(2);
  });

  it.each(['always', 'Strict', 'STRICT', ' strict', 'fallback ', 'credits_first', 'none'])('failover mode %j', (mode) => {
    const e = accountsError([{ scope: 'org:ok' }, { scope: 'org:a', failover_mode: mode }]);
    expect(e.field).toBe('failover_mode');
    expect(e.message).toBe(`accounts row 2: failover_mode ${JSON.stringify(mode)} is not one of fallback, strict, credits-first`);
  });

  it.each(['-1', '1.5', '1e6', '+5', ' 5', '5 ', 'abc', '1,000', '0x10', '9007199254740992', '99999999999999999999', '٣'])(
    'free_requests %j',
    (free) => {
      const e = accountsError([{ scope: 'org:a', free_requests: free }]);
      expect(e.field).toBe('free_requests');
      expect(e.message).toBe(`accounts row 1: free_requests ${JSON.stringify(free)} is not a non-negative whole number`);
    },
  );

  it('numbers rows from 1 and counts only the rows before the bad one', () => {
    const good = Array.from({ length: 9 }, (_, i) => ({ scope: `user:${i}` }));
    expect(accountsError([...good, { scope: 'bad' }]).message).toBe('accounts row 10: scope "bad" is not org:<id> or user:<id>');
  });

  it('checks the scope before the other fields of a row', () => {
    const e = accountsError([{ scope: 'bad', failover_mode: 'nope', free_requests: '-1' }]);
    expect(e.field).toBe('scope');
  });

  it('checks the failover mode before free_requests', () => {
    const e = accountsError([{ scope: 'org:a', failover_mode: 'nope', free_requests: '-1' }]);
    expect(e.field).toBe('failover_mode');
  });
});

describe('parseAccounts refuses scopes with stray white space', () => {
  it.each(['org:a ', 'org: a', 'user:\tb'])('%j', (scope) => {
    expect(() => parseAccounts([{ scope }])).toThrow(/leading or trailing white space/);
  });
});
