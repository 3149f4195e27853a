import type { DecisionRecord } from '@byok-billing/core';
import { csvNumber, csvText } from '../io/csvCell.js';
import type { OutputSink } from '../io/outputSink.js';
import { DECISION_COLUMNS } from './decisionRecords.js';

/**
 * The decisions a meter store holds, as CSV or NDJSON (by the file's extension). The
 * columns are those of `byok bill --details`, less the ones a store cannot know (the
 * file and line a request was read from) and plus `charged_usd`, so tools that read
 * one export read the other.
 */
export const STORED_DECISION_COLUMNS = [
  ...DECISION_COLUMNS.filter((c) => c !== 'file' && c !== 'line' && c !== 'duplicate_of_line'),
  'charged_usd',
] as const;

/** Writes every record, in the store's order, and closes the sink. */
export async function writeStoredDecisions(records: AsyncIterable<DecisionRecord>, sink: OutputSink, path: string): Promise<number> {
  const ndjson = path.endsWith('.ndjson') || path.endsWith('.jsonl');
  let count = 0;
  try {
    if (!ndjson) sink.write(`${STORED_DECISION_COLUMNS.join(',')}\n`);
    for await (const r of records) {
      count++;
      if (ndjson) {
        sink.write(
          `${JSON.stringify({
            request_id: r.requestId,
            timestamp_utc: r.instant,
            scope: r.scope,
            period: r.period,
            policy_version: r.policyVersion,
            failover_mode: r.failoverMode,
            route: r.route,
            route_rule: r.routeRule,
            recorded_route: r.recordedRoute,
            route_mismatch: r.routeMismatch,
            ordinal: r.ordinal,
            allowance: r.allowance,
            status: r.status,
            cost_usd: r.costUsd,
            fee_usd: r.feeUsd,
            charge_usd: r.chargeUsd,
            charge_rule: r.chargeRule,
            charged_usd: r.chargedUsd,
          })}\n`,
        );
        continue;
      }
      sink.write(
        `${csvText(r.requestId)},${r.instant},${csvText(r.scope)},${r.period},${csvText(r.policyVersion)},${r.failoverMode},` +
          `${r.route},${csvText(r.routeRule)},${r.recordedRoute ?? ''},${r.routeMismatch},${r.ordinal ?? ''},${r.allowance},` +
          `${r.status ?? ''},${csvNumber(r.costUsd)},${csvNumber(r.feeUsd)},${csvNumber(r.chargeUsd)},${csvText(r.chargeRule)},` +
          `${r.chargedUsd === null ? '' : csvNumber(r.chargedUsd)}\n`,
      );
    }
  } finally {
    sink.close();
  }
  return count;
}
