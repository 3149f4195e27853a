import { CHARGE_CODE, ROUTE_CODE } from '../kernel/codes.js';
import { decisionTerms } from '../kernel/decisionTerms.js';
import { LineAccumulator } from '../ledger/lineAccumulator.js';
import { assembleBill } from '../ledger/assembleBill.js';
import type { Bill } from '../ledger/billLine.js';
import { Money } from '../money/money.js';
import { parseDecimal } from '../money/parseDecimal.js';
import type { Policy } from '../policy/policyTypes.js';
import type { DecisionRecord } from './decisionRecord.js';
import { InvalidMoneyError } from '../errors.js';

function exact(text: string): Money {
  const parsed = parseDecimal(text, { maxFractionDigits: 24, allowNegative: false });
  if (typeof parsed === 'string') throw new InvalidMoneyError(`byok-billing: stored amount ${JSON.stringify(text)}: ${parsed}`);
  return new Money(parsed.units, parsed.scale);
}

/**
 * The bill of stored decisions: each record's amounts are summed into its scope's
 * period exactly as the ledger sums decisions, so a meter's bill and a batch bill of the
 * same decisions are the same bill.
 */
export async function billFromRecords(records: AsyncIterable<DecisionRecord> | Iterable<DecisionRecord>, policy: Policy): Promise<Bill> {
  const lines = new Map<string, LineAccumulator>();
  let accepted = 0;
  let routeMismatches = 0;
  const version = policy.versions[policy.versions.length - 1]!;
  for await (const record of records) {
    const key = `${record.scope}\n${record.period}`;
    let line = lines.get(key);
    if (line === undefined) {
      const v = policy.versions.find((candidate) => candidate.version === record.policyVersion) ?? version;
      line = new LineAccumulator(record.scope, record.period, decisionTerms(v, record.failoverMode), record.allowance);
      lines.set(key, line);
    }
    line.addRecorded(ROUTE_CODE[record.route], CHARGE_CODE[record.chargeKind], record.ordinal ?? 0, record.status === 'free', exact(record.costUsd), exact(record.feeUsd));
    accepted++;
    if (record.routeMismatch) routeMismatches++;
  }
  return assembleBill(policy, lines.values(), { rows: accepted, accepted, rejected: 0, duplicates: 0 }, routeMismatches);
}
