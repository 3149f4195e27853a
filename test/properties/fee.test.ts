import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTimestamp } from '@byok-billing/core';
import { billLog, configArb } from '../arbitraries/billConfig.js';
import { logWithDuplicatesArb } from '../arbitraries/requestLog.js';
import { FREE_TIER_FROM_MS, type OracleMode, ROUTING, formatDecimal, keyTried, readDecimal, utf8Compare } from './policyOracle.js';

describe('fee', () => {
  // catches: fee on free requests or none past the allowance; fee × rate at the wrong
  // scale; fees rounded per request; allowance consumed in file order or with UTF-16 ties;
  // fees charged on platform or failed requests.
  it('law: the fee is exactly rate × the summed cost of the BYOK requests ranked past the allowance', () => {
    fc.assert(
      fc.property(logWithDuplicatesArb(), configArb(), (rows, config) => {
        const { bill } = billLog(rows, config);

        // Computed here from scratch: dedupe by id, sort by instant then UTF-8 id,
        // group by scope and UTC month, route by the table, rank, sum the costs past it.
        const unique = new Map(rows.map((r) => [r.requestId, r]));
        const sorted = [...unique.values()]
          .map((r) => ({ row: r, at: parseTimestamp(r.timestamp) }))
          .sort((a, b) => a.at.epochMs - b.at.epochMs || a.at.nanos - b.at.nanos || utf8Compare(a.row.requestId, b.row.requestId));
        const rank = new Map<string, number>();
        const pastAllowanceCost = new Map<string, bigint>(); // scope \n month → cost at scale 12
        for (const { row, at } of sorted) {
          const scope = config.scopeMode === 'org' && row.orgId ? `org:${row.orgId}` : `user:${row.userId}`;
          const month = new Date(at.epochMs).toISOString().slice(0, 7);
          const account = config.accounts.find((a) => a.scope === scope);
          // Routing follows the keys' owner (the org of an org member), whatever the scope mode.
          const owner = config.accounts.find((a) => a.scope === (row.orgId ? `org:${row.orgId}` : `user:${row.userId}`));
          const mode = (owner?.failover_mode || config.defaultFailoverMode) as OracleMode;
          const platform = row.platformResult ?? 'ok';
          const route = row.keyResult ? ROUTING[mode][row.keyResult][platform] : row.recordedRoute!;
          const counts = config.counts === 'served' ? route === 'byok' : row.keyResult ? keyTried(mode, row.keyResult, platform) : route === 'byok';
          const key = `${scope}\n${month}`;
          const ordinal = counts ? (rank.get(key) ?? 0) + 1 : null;
          if (ordinal !== null) rank.set(key, ordinal);
          const policyAllowance = at.epochMs >= FREE_TIER_FROM_MS ? config.allowance : 0;
          const allowance = policyAllowance > 0 && account?.free_requests ? Number(account.free_requests) : policyAllowance;
          if (route === 'byok' && !(ordinal !== null && ordinal <= allowance)) {
            const cost = readDecimal(row.cost);
            pastAllowanceCost.set(key, (pastAllowanceCost.get(key) ?? 0n) + cost.units * 10n ** BigInt(12 - cost.scale));
          }
        }
        const rate = readDecimal(config.feeRate);
        const feeOf = (cost: bigint) => formatDecimal(cost * rate.units, 12 + rate.scale);

        for (const line of bill.lines) {
          expect(line.feeUsd.toString(), `${line.scope} ${line.period}`).toBe(feeOf(pastAllowanceCost.get(`${line.scope}\n${line.period}`) ?? 0n));
        }
        const all = [...pastAllowanceCost.values()].reduce((a, b) => a + b, 0n);
        expect(bill.totals.feeUsd.toString()).toBe(feeOf(all));
      }),
    );
  });
});
