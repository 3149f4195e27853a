import { type DecisionRecord, MAX_MONEY_FRACTION_DIGITS, Money, halfEven, roundMoney } from '@byok-billing/core';
import { csvExactText, csvNumber } from '../io/csvCell.js';
import type { OutputSink } from '../io/outputSink.js';

/**
 * The stored decisions as a request log (FORMATS.md) whose `charged_usd` is what the
 * meter charged: the usage records a finance team audits. `byok audit LOG --per-request`
 * then recomputes every request in timestamp order and lists exactly the requests whose
 * real-time (arrival-order) charge differs from the batch decision.
 *
 * The scope is written back as the org (or user) it came from; the route as decided, so
 * the audit takes it as recorded. A fee can carry more decimals than a log cell holds (12);
 * it is written rounded half-even to 12, which is the precision the audit compares at.
 * It is a log for programs: ids and names are written exactly (csvExactText, no spreadsheet
 * guard), so the audit reads back the requests and scopes the meter decided.
 */
function atLogPrecision(amount: string): string {
  const [int, frac = ''] = amount.split('.');
  if (frac.length <= MAX_MONEY_FRACTION_DIGITS) return amount;
  return roundMoney(new Money(BigInt(`${int}${frac}`), frac.length), MAX_MONEY_FRACTION_DIGITS, halfEven).rounded.toString();
}

export async function writeChargedLog(records: AsyncIterable<DecisionRecord>, sink: OutputSink): Promise<void> {
  sink.write('request_id,timestamp,user_id,org_id,cost_usd,route,charged_usd\n');
  for await (const r of records) {
    const org = r.scope.startsWith('org:') ? r.scope.slice(4) : '';
    const user = r.scope.startsWith('user:') ? r.scope.slice(5) : `member-of-${org}`;
    sink.write(`${csvExactText(r.requestId)},${r.instant},${csvExactText(user)},${csvExactText(org)},${csvNumber(r.costUsd)},${r.route},${csvNumber(atLogPrecision(r.chargeUsd))}\n`);
  }
  sink.close();
}
