/**
 * Pooling allowances does not change routing (issue 15). A request's failover mode is the
 * account's of whoever owns the keys — the org for a request made under one, the user
 * otherwise — under either scope mode; its allowance is the billing scope's account's.
 * Every path that decides is held to it here on one small log: the record ledger, the
 * compact ledger, the meter, `placeRequest` and the audit's per-user recomputation.
 */
import { describe, expect, it } from 'vitest';
import { type UsageRequest, billToJson, createLedger, createMeter, keyOwnerOf, parseAccounts } from '@byok-billing/core';
import { createAuditCollector, createCompactLedger, placeRequest } from '@byok-billing/core/internal';
import { compactFeed } from '../../../../test/support/compactFeed.js';
import { policyVariant, req } from './helpers.js';

// Allowance 1 a month, so the accounts' allowances are visible.
const orgMode = policyVariant({ allowance: 1 });
const userMode = policyVariant({ allowance: 1, scopeMode: 'user' });
// acme is strict and has 5 free requests; bob's own account is credits-first with 2.
const accounts = parseAccounts([
  { scope: 'org:acme', failover_mode: 'strict', free_requests: '5' },
  { scope: 'user:bob', failover_mode: 'credits-first', free_requests: '2' },
]);

// The line of user:bob in October is opened by an org request; a personal one follows.
const LOG: UsageRequest[] = [
  req('o1', '2025-10-02T10:00:00Z', { userId: 'bob', orgId: 'acme', keyResult: 'rate_limited' }),
  req('o2', '2025-10-03T10:00:00Z', { userId: 'bob', orgId: 'acme', keyResult: 'ok', platformResult: 'ok' }),
  req('p1', '2025-10-04T10:00:00Z', { userId: 'bob', keyResult: 'ok', platformResult: 'ok' }),
  req('p2', '2025-10-05T10:00:00Z', { userId: 'bob', keyResult: 'ok', platformResult: 'error' }),
  req('o3', '2025-10-06T10:00:00Z', { userId: 'bob', orgId: 'acme', keyResult: 'error', platformResult: 'ok' }),
];

describe('scope mode user: routing follows the keys, the allowance the scope', () => {
  it('keyOwnerOf: the org of an org member, else the user', () => {
    expect(keyOwnerOf({ userId: 'bob', orgId: 'acme' })).toBe('org:acme');
    expect(keyOwnerOf({ userId: 'bob', orgId: '' })).toBe('user:bob');
    expect(keyOwnerOf({ userId: 'bob' })).toBe('user:bob');
  });

  it('placeRequest: the org\'s failover mode, the user\'s allowance', () => {
    const [o1, , p1] = LOG;
    expect(placeRequest(userMode, accounts, o1!)).toMatchObject({ scope: 'user:bob', failoverMode: 'strict', allowance: 2 });
    expect(placeRequest(userMode, accounts, p1!)).toMatchObject({ scope: 'user:bob', failoverMode: 'credits-first', allowance: 2 });
    // Under scope mode org nothing changes: the org's account is both.
    expect(placeRequest(orgMode, accounts, o1!)).toMatchObject({ scope: 'org:acme', failoverMode: 'strict', allowance: 5 });
  });

  it('an org without a failover mode gives the version\'s default, not the member\'s own account', () => {
    const onlyBob = parseAccounts([{ scope: 'user:bob', failover_mode: 'credits-first', free_requests: '' }]);
    expect(placeRequest(userMode, onlyBob, LOG[0]!).failoverMode).toBe('fallback');
    expect(placeRequest(orgMode, onlyBob, LOG[0]!).failoverMode).toBe('fallback');
  });

  it('the record ledger routes every request of a line by its own keys\' owner, whichever request opened the line', () => {
    const ledger = createLedger({ policy: userMode, accounts });
    const decisions = LOG.map((r) => ledger.add(r));
    expect(decisions.map((d) => [d.request.requestId, d.scope, d.failoverMode, d.route, d.ordinal])).toEqual([
      ['o1', 'user:bob', 'strict', 'failed', null],
      ['o2', 'user:bob', 'strict', 'byok', 1],
      ['p1', 'user:bob', 'credits-first', 'platform', null],
      ['p2', 'user:bob', 'credits-first', 'byok', 2],
      ['o3', 'user:bob', 'strict', 'failed', null],
    ]);
    expect(ledger.finish().lines).toHaveLength(1);
  });

  it('the compact ledger, the meter and the record ledger give the same bill', async () => {
    const ledger = createLedger({ policy: userMode, accounts });
    for (const r of LOG) ledger.add(r);
    const expected = billToJson(ledger.finish());
    expect(expected.lines[0]).toMatchObject({ scope: 'user:bob', byokRequests: 2, freeRequests: 2, platformRequests: 1, failedRequests: 2 });

    const feed = compactFeed();
    const compact = createCompactLedger({ policy: userMode, accounts, names: feed.names });
    for (const r of LOG) feed.decide(compact, r);
    expect(billToJson(compact.finish({ rows: LOG.length, accepted: LOG.length, rejected: 0, duplicates: 0 }))).toEqual(expected);
    expect(compact.strictFailed).toBe(2);

    const meter = createMeter({ policy: userMode, accounts });
    const records = [];
    for (const r of LOG) records.push((await meter.record(r)).record);
    expect(records.map((r) => r.failoverMode)).toEqual(['strict', 'strict', 'credits-first', 'credits-first', 'strict']);
    expect(billToJson(await meter.bill()).lines).toEqual(expected.lines);
  });

  it('the audit\'s per-user fee keeps every request\'s route (the org\'s mode)', () => {
    // acme is credits-first: with the platform up, its members' requests go to platform
    // credits in either scope mode. In September 2025 every BYOK request paid 5%, so a
    // per-user recomputation that routed them by the members' own (default fallback) mode
    // would charge a fee the org never owes.
    const creditsFirst = parseAccounts([{ scope: 'org:acme', failover_mode: 'credits-first', free_requests: '' }]);
    const log = ['a', 'b', 'c'].map((id, i) => req(id, `2025-09-0${i + 1}T10:00:00Z`, { userId: 'alice', orgId: 'acme', cost: '0.20', keyResult: 'ok', platformResult: 'ok' }));
    const collector = createAuditCollector({ policy: orgMode, accounts: creditsFirst, match: { scale: 2, rounding: 'half-even' }, suspectZones: [] });
    const ledger = createLedger({ policy: orgMode, accounts: creditsFirst });
    for (const r of log) collector.observe(ledger.add(r));
    const acme = collector.finish().alternatives.get('org:acme\n2025-09')!;
    expect(ledger.finish().lines[0]).toMatchObject({ platformRequests: 3, byokRequests: 0 });
    expect(acme.feePerUser.toString()).toBe('0');
  });
});
