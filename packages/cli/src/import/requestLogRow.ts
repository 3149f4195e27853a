import { csvExactText, csvNumber } from '../io/csvCell.js';
import type { ImportedRequest } from './generationToRequest.js';

/** The request-log columns an import writes (FORMATS.md), route recorded, charge recorded. */
export const IMPORTED_LOG_HEADER = 'request_id,timestamp,user_id,org_id,model,provider,cost_usd,route,charged_usd';

/** A request the import already wrote as its row (it keeps rows, not request objects: see ImportedLog). */
export interface WrittenLogRow {
  readonly logRow: string;
}

/**
 * One request as a CSV row. The log is for programs (byok bill, audit), so text cells are
 * written exactly, quoted per RFC 4180 only (csvExactText): a spreadsheet's formula guard
 * would write `=a` and `'=a` alike and merge two requests. Money is written as the
 * canonical exact decimal, never through a JavaScript number. A row already written is
 * returned as it is.
 */
export function requestLogRow(r: ImportedRequest | WrittenLogRow): string {
  if ('logRow' in r) return r.logRow;
  return `${requestLogHead(r)},${requestLogTail(r)}`;
}

/** The row's first cells: the request id and the timestamp as the record wrote it. */
export function requestLogHead(r: ImportedRequest): string {
  return `${csvExactText(r.requestId)},${csvExactText(r.timestamp)}`;
}

/**
 * The row's cells after the timestamp: user, org, model, provider, cost, route, charge.
 * Two requests with one id are the same request when these agree (and the instants do):
 * the amounts are canonical decimals, so equal text is equal value.
 */
export function requestLogTail(r: ImportedRequest): string {
  return `${csvExactText(r.userId)},${csvExactText(r.orgId)},${csvExactText(r.model)},${csvExactText(r.provider)},${csvNumber(r.cost.toString())},${r.route},${csvNumber(r.charged.toString())}`;
}
