import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { billLog, configArb } from '../arbitraries/billConfig.js';
import type { BillConfig } from '../arbitraries/billConfig.js';
import { logWithDuplicatesArb } from '../arbitraries/requestLog.js';
import { scopeFor } from './policyOracle.js';

/**
 * The failover mode of a request, read from the config by the test: the account's of whoever
 * owns the keys (the org of an org member, else the user), under either scope mode.
 */
function modeOf(config: BillConfig, userId: string, orgId: string | undefined): string {
  const keyOwner = scopeFor(userId, orgId, 'org');
  return config.accounts.find((a) => a.scope === keyOwner)?.failover_mode || config.defaultFailoverMode;
}

describe('routing', () => {
  // catches: strict treated as fallback for a rate-limited or failing key (the request
  // charged at list price on platform credits); a recorded 'platform' route preferred
  // over the derived one; the account's failover mode ignored; an org member's request routed
  // by their own account or the default under scope mode 'user' instead of by the org's.
  it('law: strict never charges the platform for a request whose key was tried and failed', () => {
    fc.assert(
      fc.property(logWithDuplicatesArb(), configArb(), (rows, config) => {
        const { bill, decisions } = billLog(rows, config);
        const failedPerLine = new Map<string, number>();
        for (const d of decisions.filter((x) => !x.duplicate)) {
          const { userId, orgId, keyResult } = d.request;
          if (modeOf(config, userId, orgId) !== 'strict' || (keyResult !== 'rate_limited' && keyResult !== 'error')) continue;
          expect(d.route, d.request.requestId).toBe('failed');
          expect(d.charge.isZero()).toBe(true);
          expect(d.counted && config.counts === 'served').toBe(false);
          failedPerLine.set(`${d.scope} ${d.period}`, (failedPerLine.get(`${d.scope} ${d.period}`) ?? 0) + 1);
        }
        for (const line of bill.lines) {
          expect(line.failedRequests).toBeGreaterThanOrEqual(failedPerLine.get(`${line.scope} ${line.period}`) ?? 0);
        }
      }),
    );
  });

  // catches: fallback failing a request when the key failed although the platform served
  // it; platform_result's default (ok) read as error; the mode of another scope applied.
  it('law: fallback never fails a request the platform served', () => {
    fc.assert(
      fc.property(logWithDuplicatesArb(), configArb(), (rows, config) => {
        const { decisions } = billLog(rows, config);
        for (const d of decisions) {
          const { userId, orgId, keyResult, platformResult } = d.request;
          if (modeOf(config, userId, orgId) !== 'fallback' || keyResult === undefined || platformResult === 'error') continue;
          expect(d.route, d.request.requestId).not.toBe('failed');
          expect(d.route).toBe(keyResult === 'ok' ? 'byok' : 'platform');
        }
      }),
    );
  });
});
