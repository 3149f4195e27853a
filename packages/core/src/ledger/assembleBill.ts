import type { Policy } from '../policy/policyTypes.js';
import type { Bill, BillLine, InputSummary } from './billLine.js';
import { compareUtf8 } from './compareUtf8.js';
import type { LineAccumulator } from './lineAccumulator.js';
import { sumBillLines } from './sumBillLines.js';

/** Bill lines sorted as FORMATS.md says (scope in UTF-8 byte order, then period), with totals. */
export function assembleBill(policy: Policy, lines: Iterable<LineAccumulator>, input: InputSummary, routeMismatches: number): Bill {
  const billLines: BillLine[] = [...lines]
    .sort((a, b) => compareUtf8(a.scope, b.scope) || comparePeriods(a.period, b.period))
    .map((line) => line.toBillLine());
  return billOf(policy, billLines, input, routeMismatches);
}

/** The bill of lines already in FORMATS.md's order, with their totals. */
export function billOf(policy: Policy, billLines: BillLine[], input: InputSummary, routeMismatches: number): Bill {
  return {
    policy: { id: policy.id, version: policy.version, sha256: policy.sha256 },
    input,
    lines: billLines,
    totals: sumBillLines(billLines),
    routeMismatches,
  };
}

export function comparePeriods(a: string, b: string): -1 | 0 | 1 {
  return a < b ? -1 : a > b ? 1 : 0;
}
