import { type Decision, formatInstant } from '@byok-billing/core';
import { csvNumber, csvText } from '../io/csvCell.js';
import type { OutputSink } from '../io/outputSink.js';
import type { DuplicateRow, RowSource } from '../replay/rowSource.js';

/**
 * The audit trail: one record per request, as CSV or NDJSON (by the file's extension).
 * Duplicates are listed too, each right after the row it repeats, pointing at it.
 */
export const DECISION_COLUMNS = [
  'file',
  'line',
  'request_id',
  'timestamp_utc',
  'scope',
  'period',
  'policy_version',
  'failover_mode',
  'route',
  'route_rule',
  'recorded_route',
  'route_mismatch',
  'ordinal',
  'allowance',
  'status',
  'cost_usd',
  'fee_usd',
  'charge_usd',
  'charge_rule',
  'duplicate_of_line',
] as const;

export interface DecisionRecordWriter {
  decision(decision: Decision, source: RowSource): void;
  /** A duplicate's record, written right after the record of the row it repeats. */
  duplicate(duplicate: DuplicateRow): void;
  close(): void;
}

export function decisionRecordWriter(sink: OutputSink, path: string): DecisionRecordWriter {
  const ndjson = path.endsWith('.ndjson') || path.endsWith('.jsonl');
  if (!ndjson) sink.write(`${DECISION_COLUMNS.join(',')}\n`);
  // Labels repeat for millions of rows: escape each distinct one once.
  const escaped = new Map<string, string>();
  const text = (value: string) => {
    let e = escaped.get(value);
    if (e === undefined) {
      e = csvText(value);
      if (escaped.size < 100_000) escaped.set(value, e);
    }
    return e;
  };
  return {
    decision(d, source) {
      const r = d.request;
      if (ndjson) {
        sink.write(
          `${JSON.stringify({
            file: source.file,
            line: source.line,
            request_id: r.requestId,
            timestamp_utc: formatInstant(r.instant),
            scope: d.scope,
            period: d.period,
            policy_version: d.policyVersion,
            failover_mode: d.failoverMode,
            route: d.route,
            route_rule: d.routeRule,
            recorded_route: r.recordedRoute ?? null,
            route_mismatch: d.routeMismatch,
            ordinal: d.ordinal,
            allowance: d.allowance,
            status: d.status,
            cost_usd: r.cost.toString(),
            fee_usd: d.fee.toString(),
            charge_usd: d.charge.toString(),
            charge_rule: d.chargeRule,
            duplicate_of_line: null,
          })}\n`,
        );
        return;
      }
      sink.write(
        `${text(source.file)},${source.line},${csvText(r.requestId)},${formatInstant(r.instant)},${text(d.scope)},${d.period},` +
          `${text(d.policyVersion)},${d.failoverMode},${d.route},${text(d.routeRule)},${r.recordedRoute ?? ''},${d.routeMismatch},` +
          `${d.ordinal ?? ''},${d.allowance},${d.status ?? ''},${csvNumber(r.cost.toString())},${csvNumber(d.fee.toString())},` +
          `${csvNumber(d.charge.toString())},${text(d.chargeRule)},\n`,
      );
    },
    duplicate({ file, line, original }) {
      sink.write(ndjson ? `${duplicateJson(file, line, original)}\n` : `${text(file)},${line},${duplicateCsvTail(original)}\n`);
    },
    close() {
      sink.close();
    },
  };
}

/**
 * A duplicate's CSV record after its file and line: the request id and instant it shares with
 * the row it repeats, empty decision columns (it is not decided again), and that row's line.
 */
export function duplicateCsvTail(original: DuplicateRow['original']): string {
  return `${csvText(original.requestId)},${formatInstant(original.instant)}${','.repeat(DECISION_COLUMNS.length - 4)}${original.line}`;
}

/** A duplicate's JSON record: see `duplicateCsvTail`; it names the original's file too. */
export function duplicateJson(file: string, line: number, original: DuplicateRow['original']): string {
  return JSON.stringify({
    file,
    line,
    request_id: original.requestId,
    timestamp_utc: formatInstant(original.instant),
    duplicate_of_line: original.line,
    duplicate_of_file: original.file,
  });
}
