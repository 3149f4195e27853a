import { csvNumber, csvText } from '../io/csvCell.js';
import type { ImportedRequest } from './generationToRequest.js';

/** The request-log columns an import writes (FORMATS.md), route recorded, charge recorded. */
export const IMPORTED_LOG_HEADER = 'request_id,timestamp,user_id,org_id,model,provider,cost_usd,route,charged_usd';

/**
 * One request as a CSV row. Text cells go through csvText (quoted when needed, and made
 * formula-safe: ids and names come from outside); money is written as the canonical exact
 * decimal, never through a JavaScript number.
 */
export function requestLogRow(r: ImportedRequest): string {
  return [
    csvText(r.requestId),
    csvText(r.timestamp),
    csvText(r.userId),
    csvText(r.orgId),
    csvText(r.model),
    csvText(r.provider),
    csvNumber(r.cost.toString()),
    r.route,
    csvNumber(r.charged.toString()),
  ].join(',');
}
