import { Money } from '../money/money.js';
import type { BillAmounts } from './billLine.js';

/** The totals of bill lines: every numeric field summed exactly. */
export function sumBillLines(lines: Iterable<BillAmounts>): BillAmounts {
  let byokRequests = 0;
  let freeRequests = 0;
  let billableRequests = 0;
  let platformRequests = 0;
  let failedRequests = 0;
  let byokCostUsd = Money.ZERO;
  let feeUsd = Money.ZERO;
  let platformCostUsd = Money.ZERO;
  let totalUsd = Money.ZERO;
  for (const line of lines) {
    byokRequests += line.byokRequests;
    freeRequests += line.freeRequests;
    billableRequests += line.billableRequests;
    platformRequests += line.platformRequests;
    failedRequests += line.failedRequests;
    byokCostUsd = byokCostUsd.add(line.byokCostUsd);
    feeUsd = feeUsd.add(line.feeUsd);
    platformCostUsd = platformCostUsd.add(line.platformCostUsd);
    totalUsd = totalUsd.add(line.totalUsd);
  }
  return {
    byokRequests,
    freeRequests,
    billableRequests,
    byokCostUsd: byokCostUsd.normalize(),
    feeUsd: feeUsd.normalize(),
    platformRequests,
    platformCostUsd: platformCostUsd.normalize(),
    failedRequests,
    totalUsd: totalUsd.normalize(),
  };
}
