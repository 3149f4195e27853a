import { CHARGE_CODE, ROUTE_CODE } from '../kernel/codes.js';
import { decisionTerms } from '../kernel/decisionTerms.js';
import { LineAccumulator } from '../ledger/lineAccumulator.js';
import { assembleBill } from '../ledger/assembleBill.js';
import type { Bill } from '../ledger/billLine.js';
import { Money } from '../money/money.js';
import { parseDecimal } from '../money/parseDecimal.js';
import type { Policy, PolicyVersion } from '../policy/policyTypes.js';
import type { DecisionRecord } from './decisionRecord.js';
import type { BilledDecision } from './meterStore.js';
import { InvalidMoneyError } from '../errors.js';

function exact(text: string): Money {
  // Most fees are 0 (free and platform requests): no parse, no new object.
  if (text === '0') return Money.ZERO;
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
  const bill = new RecordsBill(policy);
  for await (const record of records) bill.add(record);
  return bill.finish();
}

/** `billFromRecords` over the billed fields of records, read a page at a time (`MeterStore.billedPages`). */
export async function billFromPages(pages: AsyncIterable<readonly BilledDecision[]>, policy: Policy): Promise<Bill> {
  const bill = new RecordsBill(policy);
  for await (const page of pages) for (const record of page) bill.add(record);
  return bill.finish();
}

/** The lines of stored decisions as they are added. */
class RecordsBill {
  // Lines by period, then scope: a record finds its line without a key string made for it.
  private readonly periods = new Map<string, Map<string, LineAccumulator>>();
  private readonly lines: LineAccumulator[] = [];
  private accepted = 0;
  private routeMismatches = 0;
  private readonly latest: PolicyVersion;

  constructor(private readonly policy: Policy) {
    this.latest = policy.versions[policy.versions.length - 1]!;
  }

  add(record: BilledDecision): void {
    let scopes = this.periods.get(record.period);
    if (scopes === undefined) this.periods.set(record.period, (scopes = new Map()));
    let line = scopes.get(record.scope);
    if (line === undefined) {
      const v = this.policy.versions.find((candidate) => candidate.version === record.policyVersion) ?? this.latest;
      line = new LineAccumulator(record.scope, record.period, decisionTerms(v, record.failoverMode), record.allowance);
      scopes.set(record.scope, line);
      this.lines.push(line);
    }
    line.addRecorded(ROUTE_CODE[record.route], CHARGE_CODE[record.chargeKind], record.ordinal ?? 0, record.status === 'free', exact(record.costUsd), exact(record.feeUsd));
    this.accepted++;
    if (record.routeMismatch) this.routeMismatches++;
  }

  finish(): Bill {
    const accepted = this.accepted;
    return assembleBill(this.policy, this.lines, { rows: accepted, accepted, rejected: 0, duplicates: 0 }, this.routeMismatches);
  }
}
