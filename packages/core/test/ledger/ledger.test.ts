import { describe, expect, it } from 'vitest';
import {
  type BillAmounts,
  type FailoverMode,
  type KeyResult,
  type PlatformResult,
  type Route,
  ConflictingDuplicateError,
  InvalidRequestError,
  Money,
  OutOfOrderError,
  billRequests,
  createLedger,
  defaultPolicy,
  instantFromEpochMs,
  parseAccounts,
  parseMoney,
} from '@byok-billing/core';
import { type RequestFields, policyVariant, req } from './helpers.js';

const policy = defaultPolicy();
const OCT = '2025-10-15T12:00:00Z';

/** The line fields as plain values, money as canonical strings. */
function plain(amounts: BillAmounts): Record<string, string | number> {
  return Object.fromEntries(Object.entries(amounts).map(([k, v]) => [k, v instanceof Money ? v.toString() : (v as number)]));
}

describe('ledger: allowance order (POLICY.md D1)', () => {
  it('rejects a request at an earlier instant with OutOfOrderError', () => {
    const ledger = createLedger({ policy });
    ledger.add(req('b', '2025-10-15T12:00:00.001Z'));
    expect(() => ledger.add(req('a', '2025-10-15T12:00:00Z'))).toThrow(OutOfOrderError);
  });

  it('rejects an equal instant with a smaller request_id', () => {
    const ledger = createLedger({ policy });
    ledger.add(req('r2', OCT));
    expect(() => ledger.add(req('r1', OCT))).toThrow(OutOfOrderError);
  });

  it('accepts an equal instant with a larger id, and a later instant with a smaller id', () => {
    const ledger = createLedger({ policy });
    ledger.add(req('r1', OCT));
    ledger.add(req('r2', OCT));
    ledger.add(req('a', '2025-10-15T12:00:01Z'));
    expect(ledger.finish().input.accepted).toBe(3);
  });

  it('orders equal instants by UTF-8 bytes, not UTF-16 code units', () => {
    // U+E000 is EE 80 80 in UTF-8, U+1F600 is F0 9F 98 80: U+E000 comes first, although
    // its UTF-16 unit (0xE000) is above the surrogate 0xD83D that begins U+1F600.
    const ok = createLedger({ policy });
    ok.add(req('\uE000', OCT));
    expect(() => ok.add(req('\u{1F600}', OCT))).not.toThrow();
    const bad = createLedger({ policy });
    bad.add(req('\u{1F600}', OCT));
    expect(() => bad.add(req('\uE000', OCT))).toThrow(OutOfOrderError);
  });

  it('orders by nanoseconds inside one millisecond', () => {
    const ledger = createLedger({ policy });
    ledger.add(req('b', '2025-10-15T12:00:00.000000002Z'));
    expect(() => ledger.add(req('a', '2025-10-15T12:00:00.000000001Z'))).toThrow(OutOfOrderError);
  });

  it('keeps working after refusing an out-of-order request', () => {
    const ledger = createLedger({ policy: policyVariant({ allowance: 1 }) });
    ledger.add(req('r1', OCT));
    expect(() => ledger.add(req('r0', '2025-10-01T00:00:00Z'))).toThrow(OutOfOrderError);
    const d = ledger.add(req('r2', OCT));
    expect(d.ordinal).toBe(2);
    expect(ledger.finish().input).toEqual({ rows: 2, accepted: 2, rejected: 0, duplicates: 0 });
  });
});

describe('ledger: duplicates (POLICY.md D6)', () => {
  it('counts an adjacent identical duplicate once and marks it', () => {
    const ledger = createLedger({ policy: policyVariant({ allowance: 1 }) });
    const first = ledger.add(req('r1', OCT, { cost: '0.20' }));
    const again = ledger.add(req('r1', OCT, { cost: '0.20' }));
    const next = ledger.add(req('r2', OCT, { cost: '0.20' }));
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    expect(again.ordinal).toBe(1);
    expect(again.status).toBe('free');
    expect(next.ordinal).toBe(2);
    expect(next.status).toBe('billable');
    const bill = ledger.finish();
    expect(bill.input).toEqual({ rows: 3, accepted: 2, rejected: 0, duplicates: 1 });
    expect(bill.lines).toHaveLength(1);
    expect(bill.lines[0]!.byokRequests).toBe(2);
    expect(bill.lines[0]!.byokCostUsd.toString()).toBe('0.4');
    expect(bill.totals.feeUsd.toString()).toBe('0.01');
  });

  it('treats a cost written 0.1 and 0.10 as the same content', () => {
    const ledger = createLedger({ policy });
    ledger.add(req('r1', OCT, { cost: '0.1' }));
    expect(ledger.add(req('r1', OCT, { cost: '0.10' })).duplicate).toBe(true);
    expect(ledger.finish().input.duplicates).toBe(1);
  });

  it('treats an absent platform_result and "ok" as the same content', () => {
    const ledger = createLedger({ policy });
    ledger.add(req('r1', OCT, { keyResult: 'ok' }));
    expect(ledger.add(req('r1', OCT, { keyResult: 'ok', platformResult: 'ok' })).duplicate).toBe(true);
  });

  const base: RequestFields = {
    userId: 'u1',
    orgId: 'acme',
    cost: '0.1',
    model: 'm1',
    provider: 'p1',
    keyResult: 'ok',
    platformResult: 'ok',
    recordedRoute: 'byok',
    charged: '0',
  };
  const variants: [string, RequestFields][] = [
    ['user', { ...base, userId: 'u2' }],
    ['org', { ...base, orgId: 'beta' }],
    ['org removed', { ...base, orgId: undefined }],
    ['cost', { ...base, cost: '0.11' }],
    ['model', { ...base, model: 'm2' }],
    ['provider', { ...base, provider: 'p2' }],
    ['keyResult', { ...base, keyResult: 'rate_limited' }],
    ['keyResult removed', { ...base, keyResult: undefined }],
    ['platformResult', { ...base, platformResult: 'error' }],
    ['recordedRoute', { ...base, recordedRoute: 'platform' }],
    ['recordedRoute removed', { ...base, recordedRoute: undefined }],
    ['charged', { ...base, charged: '0.005' }],
    ['charged removed', { ...base, charged: undefined }],
  ];
  for (const [field, other] of variants) {
    it(`refuses the same id with a different ${field} (ConflictingDuplicateError)`, () => {
      const ledger = createLedger({ policy });
      ledger.add(req('r1', OCT, base));
      expect(() => ledger.add(req('r1', OCT, other))).toThrow(ConflictingDuplicateError);
      // The control: the same content is a duplicate, not a conflict.
      expect(ledger.add(req('r1', OCT, base)).duplicate).toBe(true);
    });
  }

  it('billRequests finds duplicates that are not adjacent in the input', () => {
    const input = [
      req('r1', '2025-10-02T00:00:00Z'),
      req('r2', '2025-10-01T00:00:00Z'),
      req('r3', '2025-10-03T00:00:00Z'),
      req('r1', '2025-10-02T00:00:00Z'),
      req('r2', '2025-10-01T00:00:00Z', { cost: '0.010' }),
    ];
    const { bill, decisions } = billRequests(input, { policy: policyVariant({ allowance: 2 }) });
    expect(bill.input).toEqual({ rows: 5, accepted: 3, rejected: 0, duplicates: 2 });
    expect(bill.lines[0]!.byokRequests).toBe(3);
    expect(bill.lines[0]!.billableRequests).toBe(1);
    const counted = decisions.filter((d) => !d.duplicate);
    expect(counted.map((d) => [d.request.requestId, d.ordinal])).toEqual([
      ['r2', 1],
      ['r1', 2],
      ['r3', 3],
    ]);
  });

  it('billRequests returns a decision for every input row, duplicates marked (BillResult contract)', () => {
    const input = [req('r1', OCT), req('r2', OCT), req('r1', OCT)];
    const { decisions } = billRequests(input, { policy });
    expect(decisions).toHaveLength(3);
    expect(decisions.map((d) => [d.request.requestId, d.duplicate])).toEqual([
      ['r1', false],
      ['r1', true],
      ['r2', false],
    ]);
  });

  it('billRequests refuses a conflict that is not adjacent in the input', () => {
    const input = [req('r1', OCT), req('r2', '2025-10-20T00:00:00Z'), req('r1', OCT, { cost: '0.02' })];
    expect(() => billRequests(input, { policy })).toThrow(ConflictingDuplicateError);
  });

  it('billRequests refuses the same id at two different instants', () => {
    const input = [req('r1', OCT), req('r2', '2025-10-16T00:00:00Z'), req('r1', '2025-10-17T00:00:00Z')];
    expect(() => billRequests(input, { policy })).toThrow(ConflictingDuplicateError);
  });
});

describe('ledger: routing', () => {
  // POLICY.md "Routing under the failover modes", written out.
  const table: [FailoverMode, KeyResult, PlatformResult, Route][] = [
    ['fallback', 'ok', 'ok', 'byok'],
    ['fallback', 'ok', 'error', 'byok'],
    ['fallback', 'rate_limited', 'ok', 'platform'],
    ['fallback', 'error', 'ok', 'platform'],
    ['fallback', 'none', 'ok', 'platform'],
    ['fallback', 'rate_limited', 'error', 'failed'],
    ['fallback', 'error', 'error', 'failed'],
    ['fallback', 'none', 'error', 'failed'],
    ['strict', 'ok', 'ok', 'byok'],
    ['strict', 'ok', 'error', 'byok'],
    ['strict', 'rate_limited', 'ok', 'failed'],
    ['strict', 'rate_limited', 'error', 'failed'],
    ['strict', 'error', 'ok', 'failed'],
    ['strict', 'error', 'error', 'failed'],
    ['strict', 'none', 'ok', 'platform'],
    ['strict', 'none', 'error', 'failed'],
    ['credits-first', 'ok', 'ok', 'platform'],
    ['credits-first', 'rate_limited', 'ok', 'platform'],
    ['credits-first', 'error', 'ok', 'platform'],
    ['credits-first', 'none', 'ok', 'platform'],
    ['credits-first', 'ok', 'error', 'byok'],
    ['credits-first', 'rate_limited', 'error', 'failed'],
    ['credits-first', 'error', 'error', 'failed'],
    ['credits-first', 'none', 'error', 'failed'],
  ];

  it('derives the route from key_result by the scope failover mode (all 24 cases)', () => {
    const accounts = parseAccounts([
      { scope: 'user:fallback', failover_mode: 'fallback' },
      { scope: 'user:strict', failover_mode: 'strict' },
      { scope: 'user:credits-first', failover_mode: 'credits-first' },
    ]);
    const requests = table.map(([mode, keyResult, platformResult], i) =>
      req(`r${String(i).padStart(2, '0')}`, OCT, { userId: mode, keyResult, platformResult, cost: '1' }),
    );
    const { decisions, bill } = billRequests(requests, { policy, accounts });
    expect(decisions.map((d) => [d.failoverMode, d.request.keyResult, d.request.platformResult, d.route])).toEqual(table);
    expect(bill.routeMismatches).toBe(0);
    // The charges follow the routes: list cost on platform, nothing on failed, free BYOK in October.
    for (const d of decisions) {
      expect(d.charge.toString()).toBe(d.route === 'platform' ? '1' : '0');
    }
    const platform = table.filter((row) => row[3] === 'platform').length;
    expect(bill.totals.platformRequests).toBe(platform);
    expect(bill.totals.platformCostUsd.toString()).toBe(String(platform));
    expect(bill.totals.failedRequests).toBe(table.filter((row) => row[3] === 'failed').length);
  });

  it('uses the policy default failover mode (fallback) for scopes the accounts do not list', () => {
    const accounts = parseAccounts([{ scope: 'user:other', failover_mode: 'strict' }]);
    const ledger = createLedger({ policy, accounts });
    const d = ledger.add(req('r1', OCT, { keyResult: 'rate_limited' }));
    expect(d.failoverMode).toBe('fallback');
    expect(d.route).toBe('platform');
  });

  it('takes a recorded route alone as recorded', () => {
    const ledger = createLedger({ policy: policyVariant({ allowance: 0 }) });
    const routes: Route[] = ['byok', 'platform', 'failed'];
    const decisions = routes.map((route, i) => ledger.add(req(`r${i}`, OCT, { recordedRoute: route, cost: '0.2' })));
    expect(decisions.map((d) => d.route)).toEqual(routes);
    expect(decisions.map((d) => d.routeRule)).toEqual(['recorded-route', 'recorded-route', 'recorded-route']);
    expect(decisions.map((d) => d.routeMismatch)).toEqual([false, false, false]);
    expect(decisions.map((d) => d.charge.toString())).toEqual(['0.01', '0.2', '0']);
    const bill = ledger.finish();
    expect(bill.routeMismatches).toBe(0);
    expect(plain(bill.totals)).toMatchObject({ byokRequests: 1, platformRequests: 1, failedRequests: 1, totalUsd: '0.21' });
  });

  it('reports a recorded route that differs from the derived one and uses the derived route', () => {
    const ledger = createLedger({ policy: policyVariant({ allowance: 0 }) });
    const mismatch = ledger.add(req('r1', OCT, { keyResult: 'ok', recordedRoute: 'platform', cost: '0.2' }));
    const agree = ledger.add(req('r2', OCT, { keyResult: 'none', recordedRoute: 'platform', cost: '0.2' }));
    expect(mismatch.route).toBe('byok');
    expect(mismatch.routeMismatch).toBe(true);
    expect(mismatch.charge.toString()).toBe('0.01');
    expect(agree.routeMismatch).toBe(false);
    const bill = ledger.finish();
    expect(bill.routeMismatches).toBe(1);
    expect(plain(bill.totals)).toMatchObject({ byokRequests: 1, platformRequests: 1, feeUsd: '0.01', platformCostUsd: '0.2' });
  });
});

describe('ledger: what counts toward the allowance (POLICY.md D2)', () => {
  it("counts: 'served' (default): a key that failed over does not consume a slot", () => {
    const ledger = createLedger({ policy: policyVariant({ allowance: 1 }) });
    const failedOver = ledger.add(req('r1', OCT, { keyResult: 'rate_limited' }));
    const served = ledger.add(req('r2', OCT, { keyResult: 'ok' }));
    expect(failedOver).toMatchObject({ route: 'platform', counted: false, ordinal: null, status: null });
    expect(served).toMatchObject({ route: 'byok', counted: true, ordinal: 1, status: 'free' });
  });

  it("counts: 'attempted': a rate-limited key that failed over consumes a slot", () => {
    const ledger = createLedger({ policy: policyVariant({ allowance: 1, counts: 'attempted' }) });
    const failedOver = ledger.add(req('r1', OCT, { keyResult: 'rate_limited', cost: '0.4' }));
    const noKey = ledger.add(req('r2', OCT, { keyResult: 'none', cost: '0.4' }));
    const served = ledger.add(req('r3', OCT, { keyResult: 'ok', cost: '0.4' }));
    expect(failedOver).toMatchObject({ route: 'platform', counted: true, ordinal: 1, status: null });
    expect(failedOver.charge.toString()).toBe('0.4');
    expect(noKey).toMatchObject({ route: 'platform', counted: false, ordinal: null });
    expect(served).toMatchObject({ route: 'byok', counted: true, ordinal: 2, status: 'billable' });
    expect(served.fee.toString()).toBe('0.02');
    const line = ledger.finish().lines[0]!;
    expect(plain(line)).toMatchObject({
      byokRequests: 1,
      freeRequests: 0,
      billableRequests: 1,
      feeUsd: '0.02',
      platformRequests: 2,
      platformCostUsd: '0.8',
      totalUsd: '0.82',
    });
  });
});

describe('ledger: scopes (POLICY.md D3)', () => {
  const requests = [
    req('r1', '2025-10-01T00:00:00Z', { userId: 'u1' }),
    req('r2', '2025-10-02T00:00:00Z', { userId: 'u1', orgId: 'acme' }),
    req('r3', '2025-10-03T00:00:00Z', { userId: 'u2', orgId: 'acme' }),
    req('r4', '2025-10-04T00:00:00Z', { userId: 'u1', orgId: '' }),
  ];

  it("scopeMode 'org' (default): an org is one pool; personal usage is the user's own", () => {
    const { bill } = billRequests(requests, { policy: policyVariant({ allowance: 1 }) });
    expect(bill.lines.map((l) => [l.scope, l.byokRequests, l.freeRequests, l.billableRequests])).toEqual([
      ['org:acme', 2, 1, 1],
      ['user:u1', 2, 1, 1],
    ]);
  });

  it("scopeMode 'user': personal and org usage of one user share user:<id>", () => {
    const { bill, decisions } = billRequests(requests, { policy: policyVariant({ allowance: 1, scopeMode: 'user' }) });
    expect(decisions.map((d) => [d.scope, d.ordinal])).toEqual([
      ['user:u1', 1],
      ['user:u1', 2],
      ['user:u2', 1],
      ['user:u1', 3],
    ]);
    expect(bill.lines.map((l) => [l.scope, l.byokRequests, l.freeRequests, l.billableRequests])).toEqual([
      ['user:u1', 3, 1, 2],
      ['user:u2', 1, 1, 0],
    ]);
  });
});

describe('ledger: accounts overrides', () => {
  it('applies free_requests and failover_mode per scope; other scopes get the defaults', () => {
    const accounts = parseAccounts([
      { scope: 'org:big', failover_mode: '', free_requests: '2' },
      { scope: 'user:solo', failover_mode: 'strict', free_requests: '' },
      { scope: 'user:zero', free_requests: '0' },
    ]);
    const ledger = createLedger({ policy: policyVariant({ allowance: 1 }), accounts });
    const t = (i: number) => `2025-10-0${i}T00:00:00Z`;
    const big = [1, 2, 3].map((i) => ledger.add(req(`big${i}`, t(i), { orgId: 'big' })));
    const zero = ledger.add(req('zero1', t(4), { userId: 'zero' }));
    const solo = [ledger.add(req('solo1', t(5), { userId: 'solo' })), ledger.add(req('solo2', t(6), { userId: 'solo', keyResult: 'rate_limited' }))];
    const other = [ledger.add(req('o1', t(7), { userId: 'other' })), ledger.add(req('o2', t(8), { userId: 'other', keyResult: 'rate_limited' }))];
    expect(big.map((d) => [d.allowance, d.status, d.failoverMode])).toEqual([
      [2, 'free', 'fallback'],
      [2, 'free', 'fallback'],
      [2, 'billable', 'fallback'],
    ]);
    expect([zero.allowance, zero.status]).toEqual([0, 'billable']);
    expect(solo.map((d) => [d.allowance, d.failoverMode, d.route, d.status])).toEqual([
      [1, 'strict', 'byok', 'free'],
      [1, 'strict', 'failed', null],
    ]);
    expect(other.map((d) => [d.allowance, d.failoverMode, d.route])).toEqual([
      [1, 'fallback', 'byok'],
      [1, 'fallback', 'platform'],
    ]);
  });
});

describe('ledger: the allowance boundary', () => {
  it('allowance 3: the 3rd request is free, the 4th billable', () => {
    const ledger = createLedger({ policy: policyVariant({ allowance: 3 }) });
    const decisions = [1, 2, 3, 4, 5].map((i) => ledger.add(req(`r${i}`, `2025-10-0${i}T00:00:00Z`, { cost: '0.0120' })));
    expect(decisions.map((d) => [d.ordinal, d.status, d.fee.toString()])).toEqual([
      [1, 'free', '0'],
      [2, 'free', '0'],
      [3, 'free', '0'],
      [4, 'billable', '0.0006'],
      [5, 'billable', '0.0006'],
    ]);
    expect(plain(ledger.finish().lines[0]!)).toMatchObject({ byokRequests: 5, freeRequests: 3, billableRequests: 2, feeUsd: '0.0012' });
  });

  it('the ordinal restarts with every month, at midnight UTC', () => {
    const ledger = createLedger({ policy: policyVariant({ allowance: 1 }) });
    const a = ledger.add(req('a', '2025-10-31T23:59:59.999Z'));
    const b = ledger.add(req('b', '2025-10-31T21:30:00-05:00'));
    const c = ledger.add(req('c', '2025-11-01T02:30:00.001Z'));
    expect([a, b, c].map((d) => [d.period, d.ordinal, d.status])).toEqual([
      ['2025-10', 1, 'free'],
      ['2025-11', 1, 'free'],
      ['2025-11', 2, 'billable'],
    ]);
  });

  it('a zero-cost request counts toward the allowance and has a zero fee', () => {
    const ledger = createLedger({ policy: policyVariant({ allowance: 1 }) });
    const free = ledger.add(req('r1', OCT, { cost: '0' }));
    const billable = ledger.add(req('r2', OCT, { cost: '0.000' }));
    const next = ledger.add(req('r3', OCT, { cost: '1' }));
    expect([free.ordinal, free.status]).toEqual([1, 'free']);
    expect([billable.ordinal, billable.status, billable.fee.toString(), billable.fee.isZero()]).toEqual([2, 'billable', '0', true]);
    expect([next.ordinal, next.fee.toString()]).toEqual([3, '0.05']);
    expect(plain(ledger.finish().lines[0]!)).toMatchObject({ byokRequests: 3, freeRequests: 1, billableRequests: 2, feeUsd: '0.05' });
  });

  it('fees are exact: no rounding per request', () => {
    const ledger = createLedger({ policy });
    const d = ledger.add(req('r1', '2025-09-01T00:00:00Z', { cost: '0.000000000001' }));
    ledger.add(req('r2', '2025-09-01T00:00:01Z', { cost: '0.000000000001' }));
    expect(d.fee.toString()).toBe('0.00000000000005');
    expect(ledger.finish().totals.feeUsd.toString()).toBe('0.0000000000001');
  });
});

describe('ledger: invalid requests', () => {
  it('rejects a negative cost with InvalidRequestError', () => {
    const ledger = createLedger({ policy });
    const negative = { ...req('r1', OCT), cost: parseMoney('-0.01', { allowNegative: true }) };
    expect(() => ledger.add(negative)).toThrow(InvalidRequestError);
    expect(ledger.finish().input.accepted).toBe(0);
  });

  it('rejects a request with neither key_result nor route', () => {
    const ledger = createLedger({ policy });
    expect(() => ledger.add(req('r1', OCT, { keyResult: undefined }))).toThrow(InvalidRequestError);
    // A rejected request does not move the ledger on: an earlier request still fits.
    expect(() => ledger.add(req('r0', '2025-10-01T00:00:00Z'))).not.toThrow();
  });
});

describe('ledger: policy versions', () => {
  it('switches at 2025-10-01: September all billable at 5%, October free', () => {
    const ledger = createLedger({ policy });
    const sep = [
      ledger.add(req('s1', '2025-09-01T00:00:00Z', { cost: '0.20' })),
      ledger.add(req('s2', '2025-09-30T23:59:59.999Z', { cost: '0.20' })),
    ];
    const oct = [ledger.add(req('o1', '2025-10-01T00:00:00Z', { cost: '0.20' })), ledger.add(req('o2', '2025-10-31T12:00:00Z', { cost: '0.20' }))];
    expect(sep.map((d) => [d.period, d.policyVersion, d.allowance, d.status, d.fee.toString()])).toEqual([
      ['2025-09', '2024-byok-fee', 0, 'billable', '0.01'],
      ['2025-09', '2024-byok-fee', 0, 'billable', '0.01'],
    ]);
    expect(oct.map((d) => [d.period, d.policyVersion, d.allowance, d.status, d.fee.toString()])).toEqual([
      ['2025-10', '2025-10-free-million', 1_000_000, 'free', '0'],
      ['2025-10', '2025-10-free-million', 1_000_000, 'free', '0'],
    ]);
    const bill = ledger.finish();
    expect(bill.lines.map((l) => [l.period, l.billableRequests, l.freeRequests, l.feeUsd.toString()])).toEqual([
      ['2025-09', 2, 0, '0.02'],
      ['2025-10', 0, 2, '0'],
    ]);
  });

  it('an epoch-millisecond instant bills the same as its ISO form', () => {
    const ledger = createLedger({ policy });
    const d = ledger.add({ ...req('r1', OCT), instant: instantFromEpochMs(1759276799999) });
    expect([d.period, d.status]).toEqual(['2025-09', 'billable']);
  });
});

describe('ledger: the bill', () => {
  const requests = [
    req('r01', '2025-11-02T00:00:00Z', { orgId: 'b', cost: '1' }),
    req('r02', '2025-10-02T00:00:00Z', { orgId: 'b', cost: '2' }),
    req('r03', '2025-10-03T00:00:00Z', { orgId: 'a', cost: '3', keyResult: 'none' }),
    req('r04', '2025-10-04T00:00:00Z', { userId: '\u{1F600}', cost: '4', keyResult: 'error', platformResult: 'error' }),
    req('r05', '2025-10-05T00:00:00Z', { userId: '\uE000', cost: '5' }),
    req('r06', '2025-09-06T00:00:00Z', { orgId: 'Z', cost: '6' }),
    req('r07', '2025-10-07T00:00:00Z', { userId: 'z', cost: '7' }),
    req('r08', '2025-09-08T00:00:00Z', { orgId: 'b', cost: '8' }),
    req('r09', '2025-10-09T00:00:00Z', { orgId: 'b', cost: '9' }),
    req('r10', '2025-10-10T00:00:00Z', { orgId: 'b', cost: '0.5', keyResult: 'rate_limited' }),
  ];

  it('sorts lines by scope in UTF-8 byte order, then period', () => {
    const { bill } = billRequests(requests, { policy: policyVariant({ allowance: 1 }) });
    expect(bill.lines.map((l) => `${l.scope} ${l.period}`)).toEqual([
      'org:Z 2025-09',
      'org:a 2025-10',
      'org:b 2025-09',
      'org:b 2025-10',
      'org:b 2025-11',
      'user:z 2025-10',
      'user:\uE000 2025-10',
      'user:\u{1F600} 2025-10',
    ]);
  });

  it('has exact line amounts and totals that are the sum of the lines', () => {
    const { bill } = billRequests(requests, { policy: policyVariant({ allowance: 1 }) });
    const orgB = bill.lines.find((l) => l.scope === 'org:b' && l.period === '2025-10')!;
    expect(plain(orgB)).toEqual({
      scope: 'org:b',
      period: '2025-10',
      byokRequests: 2,
      freeRequests: 1,
      billableRequests: 1,
      byokCostUsd: '11',
      feeUsd: '0.45',
      platformRequests: 1,
      platformCostUsd: '0.5',
      failedRequests: 0,
      totalUsd: '0.95',
    });
    expect(plain(bill.totals)).toEqual({
      byokRequests: 7,
      freeRequests: 4,
      billableRequests: 3,
      byokCostUsd: '38',
      feeUsd: '1.15',
      platformRequests: 2,
      platformCostUsd: '3.5',
      failedRequests: 1,
      totalUsd: '4.65',
    });
    for (const f of Object.keys(bill.totals) as (keyof BillAmounts)[]) {
      const values = bill.lines.map((l) => l[f]);
      const sum = values.every((v) => typeof v === 'number')
        ? String(values.reduce((a, b) => a + b, 0))
        : values.reduce<Money>((a, b) => a.add(b as Money), Money.ZERO).toString();
      expect(sum, f).toBe(String(bill.totals[f]));
    }
    for (const l of bill.lines) {
      expect(l.totalUsd.equals(l.feeUsd.add(l.platformCostUsd))).toBe(true);
      expect(l.byokRequests).toBe(l.freeRequests + l.billableRequests);
    }
  });

  it('finish({ rejected, duplicates }) accounts for every row: rows = accepted + duplicates + rejected', () => {
    const ledger = createLedger({ policy });
    ledger.add(req('r1', OCT));
    ledger.add(req('r1', OCT));
    ledger.add(req('r2', OCT));
    expect(ledger.finish({ rejected: 4, duplicates: 3 }).input).toEqual({ rows: 10, accepted: 2, rejected: 4, duplicates: 4 });
    expect(ledger.finish().input).toEqual({ rows: 3, accepted: 2, rejected: 0, duplicates: 1 });
  });

  it('an empty ledger gives no lines and zero totals', () => {
    const bill = createLedger({ policy }).finish();
    expect(bill.lines).toEqual([]);
    expect(plain(bill.totals)).toEqual({
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
    expect(bill.policy).toEqual({ id: policy.id, version: policy.version, sha256: policy.sha256 });
  });
});
