import type { Policy } from '../policy/policyTypes.js';
import type { Bill, BillLine, InputSummary } from './billLine.js';
import { compareUtf8 } from './compareUtf8.js';
import type { LineAccumulator } from './lineAccumulator.js';
import { sumBillLines } from './sumBillLines.js';

/** Bill lines sorted as FORMATS.md says (scope in UTF-8 byte order, then period), with totals. */
export function assembleBill(policy: Policy, lines: Iterable<LineAccumulator>, input: InputSummary, routeMismatches: number): Bill {
  const billLines: BillLine[] = [...lines]
    .sort((a, b) => compareUtf8(a.scope, b.scope) || (a.period < b.period ? -1 : a.period > b.period ? 1 : 0))
    .map((line) => line.toBillLine());
  return {
    policy: { id: policy.id, version: policy.version, sha256: policy.sha256 },
    input,
    lines: billLines,
    totals: sumBillLines(billLines),
    routeMismatches,
  };
}
