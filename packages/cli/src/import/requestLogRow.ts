import { csvNumber, csvText } from '../io/csvCell.js';
import type { ImportedRequest } from './generationToRequest.js';

/** The request-log columns an import writes (FORMATS.md), route recorded, charge recorded. */
export const IMPORTED_LOG_HEADER = 'request_id,timestamp,user_id,org_id,model,provider,cost_usd,route,charged_usd';

/** A request the import already wrote as its row (it keeps rows, not request objects: see ImportedLog). */
export interface WrittenLogRow {
  readonly logRow: string;
}

/**
 * One request as a CSV row. Text cells go through csvText (quoted when needed, and made
 * formula-safe: ids and names come from outside); money is written as the canonical exact
 * decimal, never through a JavaScript number. A row already written is returned as it is.
 */
export function requestLogRow(r: ImportedRequest | WrittenLogRow): string {
  if ('logRow' in r) return r.logRow;
  return `${requestLogHead(r)},${requestLogTail(r)}`;
}

/** The row's first cells: the request id and the timestamp as the record wrote it. */
export function requestLogHead(r: ImportedRequest): string {
  return `${csvText(r.requestId)},${csvText(r.timestamp)}`;
}

/**
 * The row's cells after the timestamp: user, org, model, provider, cost, route, charge.
 * Two requests with one id are the same request when these agree (and the instants do):
 * the amounts are canonical decimals, so equal text is equal value.
 */
export function requestLogTail(r: ImportedRequest): string {
  return `${csvText(r.userId)},${csvText(r.orgId)},${csvText(r.model)},${csvText(r.provider)},${csvNumber(r.cost.toString())},${r.route},${csvNumber(r.charged.toString())}`;
}
