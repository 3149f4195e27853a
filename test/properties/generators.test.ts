import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTimestamp } from '@byok-billing/core';
import { configArb } from '../arbitraries/billConfig.js';
import { type LogRow, logWithDuplicatesArb } from '../arbitraries/requestLog.js';
import { referenceBill } from './referenceBill.js';
import { type OracleMode, ROUTING, scopeFor, utcMonth } from './policyOracle.js';

/*
 * The laws are only as strong as the logs they run on. These checks keep the generators
 * honest: the cases each law needs must actually come up (a generator that drifted to
 * one month, or never crossed an allowance, would let every law pass vacuously).
 */
describe('generators', () => {
  const samples = fc.sample(fc.tuple(logWithDuplicatesArb(), configArb()), { numRuns: 400, seed: 20251001 });
  const share = (test: (rows: LogRow[], config: (typeof samples)[number][1]) => boolean): number =>
    samples.filter(([rows, config]) => test(rows, config)).length / samples.length;

  // catches: generators that stopped producing a case the laws depend on.
  it('law: every case the laws need comes up in at least 5% of generated logs', () => {
    const months = (rows: LogRow[]) => new Set(rows.map((r) => utcMonth(r.instant.epochMs)));
    const coverage: Record<string, number> = {
      'at most 60 rows': share((rows) => rows.length <= 60) === 1 ? 1 : 0,
      'several months': share((rows) => months(rows).size >= 2),
      'September and October 2025': share((rows) => months(rows).has('2025-09') && months(rows).has('2025-10')),
      'a month after 2025-10': share((rows) => [...months(rows)].some((m) => m > '2025-10')),
      'org and individual scopes': share((rows) => rows.some((r) => r.orgId) && rows.some((r) => !r.orgId)),
      'one user personal and in an org': share((rows) =>
        rows.some((a) => a.orgId && rows.some((b) => !b.orgId && b.userId === a.userId)),
      ),
      'an allowance crossed in a line': share((rows, config) =>
        referenceBill(rows, config).lines.some((l) => l.freeRequests > 0 && l.billableRequests > 0),
      ),
      'an epoch-millisecond timestamp': share((rows) => rows.some((r) => /^\d+$/.test(r.timestamp))),
      'a timestamp with a non-zero offset': share((rows) => rows.some((r) => /[+-]\d\d(:?\d\d)?$/.test(r.timestamp) && !/[+-]00(:?00)?$/.test(r.timestamp))),
      'an offset that moves the local month': share((rows) =>
        rows.some((r) => /[+-]\d\d(:?\d\d)?$/.test(r.timestamp) && r.timestamp.slice(0, 7) !== utcMonth(r.instant.epochMs)),
      ),
      'sub-millisecond instants': share((rows) => rows.some((r) => r.instant.nanos !== 0)),
      'a zero cost': share((rows) => rows.some((r) => /^0(\.0*)?$/.test(r.cost))),
      'a cost with 12 fractional digits': share((rows) => rows.some((r) => /\.\d{12}$/.test(r.cost))),
      'a duplicate row': share((rows) => new Set(rows.map((r) => r.requestId)).size < rows.length),
      'two requests at the same instant': share((rows) =>
        rows.some((a) => rows.some((b) => a.requestId !== b.requestId && a.instant.epochMs === b.instant.epochMs && a.instant.nanos === b.instant.nanos)),
      ),
      'a recorded route only': share((rows) => rows.some((r) => r.keyResult === undefined)),
      'a recorded route that differs': share((rows, config) => referenceBill(rows, config).routeMismatches > 0),
      'a strict scope': share((rows, config) =>
        config.defaultFailoverMode === 'strict' || config.accounts.some((a) => a.failover_mode === 'strict' && rows.some((r) => scopeFor(r.userId, r.orgId, 'org') === a.scope)),
      ),
      // An engine that routes an org member by their own account (or the default) under
      // scope mode 'user' must be caught: the org's mode has to give another route.
      "scopeMode 'user', an org member routed by the org's mode, not their own": share((rows, config) => {
        if (config.scopeMode !== 'user') return false;
        const mode = (scope: string) => (config.accounts.find((a) => a.scope === scope)?.failover_mode || config.defaultFailoverMode) as OracleMode;
        return rows.some((r) => {
          if (!r.orgId || r.keyResult === undefined) return false;
          const platform = r.platformResult ?? 'ok';
          return ROUTING[mode(`org:${r.orgId}`)][r.keyResult][platform] !== ROUTING[mode(`user:${r.userId}`)][r.keyResult][platform];
        });
      }),
      'an account overriding the allowance of a scope in the log': share((rows, config) =>
        config.accounts.some((a) => a.free_requests !== '' && rows.some((r) => scopeFor(r.userId, r.orgId, config.scopeMode) === a.scope)),
      ),
      "counts: 'attempted'": share((_rows, config) => config.counts === 'attempted'),
      "scopeMode: 'user'": share((_rows, config) => config.scopeMode === 'user'),
    };
    const rare = Object.entries(coverage).filter(([, s]) => s < 0.05);
    expect(rare).toEqual([]);
  });

  // catches: a renderer that writes a timestamp that does not denote the generated instant.
  it('law: every rendered timestamp parses back to the generated instant', () => {
    for (const [rows] of samples) {
      for (const row of rows) {
        const parsed = parseTimestamp(row.timestamp);
        expect({ epochMs: parsed.epochMs, nanos: parsed.nanos }, row.timestamp).toEqual(row.instant);
      }
    }
  });
});
