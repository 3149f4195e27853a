import { ConflictingDuplicateError } from '../errors.js';
import type { Bill } from './billLine.js';
import type { Decision } from './decision.js';
import { type LedgerOptions, compareRequests, createLedger } from './ledger.js';
import { type UsageRequest, sameContent } from './usageRequest.js';

export interface BillResult {
  readonly bill: Bill;
  /** One decision per input request, in allowance order (duplicates included, marked). */
  readonly decisions: readonly Decision[];
}

/**
 * Bills a set of requests held in memory, in any order: the convenience for embedding
 * and tests. Requests are put in allowance order first, and duplicates are found across
 * the whole set (a log replay does that with a bounded window instead).
 *
 * @example
 * billRequests([request], { policy: defaultPolicy() }).bill.lines.length //=> 1
 */
export function billRequests(requests: Iterable<UsageRequest>, options: LedgerOptions): BillResult {
  const byId = new Map<string, UsageRequest>();
  const all = [...requests];
  for (const request of all) {
    const seen = byId.get(request.requestId);
    if (seen === undefined) {
      byId.set(request.requestId, request);
    } else if (!sameContent(seen, request)) {
      throw new ConflictingDuplicateError(`request_id ${JSON.stringify(request.requestId)} appears twice with different content`);
    }
  }
  // Every repeat of an id now has the same content, hence the same place in the
  // allowance order: sorted, the repeats are adjacent, and the ledger decides them as
  // duplicates (one decision per input row, as BillResult promises).
  all.sort(compareRequests);
  const ledger = createLedger(options);
  const decisions = all.map((request) => ledger.add(request));
  return { bill: ledger.finish(), decisions };
}
