import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { billLog, configArb } from '../arbitraries/billConfig.js';
import { logWithDuplicatesArb } from '../arbitraries/requestLog.js';

describe('allowance', () => {
  // catches: fee on the allowance's last request (< vs <=); ordinal counted across months
  // or across scopes; the allowance of the wrong policy version (free BYOK in September
  // 2025); an account's free_requests ignored; failed-over key attempts consuming slots
  // under counts 'served'.
  it("law: freeRequests = min(byokRequests, allowance) and billableRequests = byokRequests - freeRequests (counts 'served')", () => {
    fc.assert(
      fc.property(logWithDuplicatesArb(), configArb({ counts: 'served' }), (rows, config) => {
        const { bill } = billLog(rows, config);
        for (const line of bill.lines) {
          const account = config.accounts.find((a) => a.scope === line.scope);
          const policyAllowance = line.period >= '2025-10' ? config.allowance : 0;
          const allowance =
            policyAllowance > 0 && account?.free_requests !== undefined && account.free_requests !== ''
              ? Number(account.free_requests)
              : policyAllowance;
          expect(line.freeRequests, `${line.scope} ${line.period}`).toBe(Math.min(line.byokRequests, allowance));
          expect(line.billableRequests).toBe(line.byokRequests - line.freeRequests);
        }
      }),
    );
  });
});
