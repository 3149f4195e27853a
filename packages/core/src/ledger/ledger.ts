import type { Accounts } from '../accounts/accounts.js';
import { ConflictingDuplicateError, OutOfOrderError } from '../errors.js';
import type { Policy } from '../policy/policyTypes.js';
import { scopeOf } from '../scope/scope.js';
import { compareInstants, formatInstant } from '../time/instant.js';
import { assembleBill } from './assembleBill.js';
import type { Bill } from './billLine.js';
import { compareUtf8 } from './compareUtf8.js';
import type { Decision } from './decision.js';
import { decideRequest, failoverModeOf, placeRequest, routedUnder, validateRequest } from './decideRequest.js';
import { COST_SCALE, FEE_SCALE, LineAccumulator, splitUnits, unitsAt } from './lineAccumulator.js';
import { CHARGE_CODE, ROUTE_CODE } from '../kernel/codes.js';
import { type UsageRequest, sameContent } from './usageRequest.js';

export interface LedgerOptions {
  readonly policy: Policy;
  /** Per-scope failover modes and allowances; scopes not listed get the policy's defaults. */
  readonly accounts?: Accounts | undefined;
}

/** Rows the caller accounted for before the ledger saw them (rejected, or duplicates it removed). */
export interface FinishOptions {
  readonly rejected?: number;
  readonly duplicates?: number;
}

export interface Ledger {
  /**
   * Decides one request. Requests must come in the allowance order of POLICY.md D1:
   * by instant, ties by `request_id` in UTF-8 byte order. A repeat of the previous
   * request (same id, same content) is a duplicate and counts once; the same id with
   * other content is a `ConflictingDuplicateError`; an earlier request is an `OutOfOrderError`.
   */
  add(request: UsageRequest): Decision;
  /** The bill of everything added so far. */
  finish(options?: FinishOptions): Bill;
}

/** `a` before `b` in the allowance order: -1; same position: 0; after: 1. */
export function compareRequests(a: UsageRequest, b: UsageRequest): -1 | 0 | 1 {
  return compareInstants(a.instant, b.instant) || compareUtf8(a.requestId, b.requestId);
}

/**
 * The billing ledger: a streaming fold of requests in time order into bill lines, one
 * decision per request. It keeps one accumulator per scope and period, so its memory
 * grows with the scope-months of the log, never with its length.
 *
 * @example
 * const ledger = createLedger({ policy: defaultPolicy() });
 * ledger.add({ requestId: 'r1', instant: parseTimestamp('2025-09-30T23:59:59Z'), userId: 'u1',
 *              cost: parseMoney('0.20'), keyResult: 'ok' }).fee.toString() //=> '0.01'
 * ledger.finish().totals.feeUsd.toString() //=> '0.01'
 */
export function createLedger(options: LedgerOptions): Ledger {
  const { policy } = options;
  const accounts = options.accounts;
  const lines = new Map<string, LineAccumulator>();
  const current = new Map<string, LineAccumulator>();
  let previous: UsageRequest | undefined;
  let previousDecision: Decision | undefined;
  let accepted = 0;
  let duplicates = 0;
  let routeMismatches = 0;

  function lineFor(request: UsageRequest): LineAccumulator {
    // Most requests fall in the line of their scope's previous request: check that first.
    const version = policy.versionAt(request.instant);
    const scope = scopeOf(request, version.parameters.scopeMode);
    const period = version.calendar.periodOf(request.instant);
    let line = current.get(scope);
    if (line !== undefined && line.period === period && line.version === version) return line;
    const key = `${scope}\n${period}`;
    line = lines.get(key);
    if (line === undefined) {
      const placement = placeRequest(policy, accounts, request);
      line = new LineAccumulator(placement.scope, placement.period, placement.terms, placement.allowance, placement.fees);
      lines.set(key, line);
    }
    current.set(scope, line);
    return line;
  }

  function add(request: UsageRequest): Decision {
    if (previous !== undefined) {
      const order = compareRequests(previous, request);
      if (order > 0) {
        throw new OutOfOrderError(
          `request ${JSON.stringify(request.requestId)} at ${formatInstant(request.instant)} comes after ` +
            `${JSON.stringify(previous.requestId)} at ${formatInstant(previous.instant)}; requests must be in time order`,
        );
      }
      if (order === 0) {
        if (!sameContent(previous, request)) {
          throw new ConflictingDuplicateError(`request_id ${JSON.stringify(request.requestId)} appears twice with different content`);
        }
        duplicates++;
        return { ...previousDecision!, duplicate: true };
      }
    }
    validateRequest(request);
    const line = lineFor(request);
    // Under scope mode `user` a line pools a user's personal and org requests' allowance; each
    // is routed by its keys' owner's account (an org member's by the org's), whichever opened the line.
    const placement = line.version.parameters.scopeMode === 'user' ? routedUnder(line, failoverModeOf(accounts, request, line.version)) : line;
    let decision: Decision;
    if (line.fees === undefined) {
      decision = decideRequest(placement, line.counted, request);
      line.add(ROUTE_CODE[decision.route], CHARGE_CODE[decision.chargeKind], decision.ordinal ?? 0, decision.status === 'free', ...splitUnits(unitsAt(request.cost, COST_SCALE)));
    } else {
      // The pricing language: each request's exact fee, from the line's counter and the fees it has paid so far (the cap).
      decision = decideRequest(placement, line.counted, request, { listUsdSoFar: line.listUsdCounted, feesSoFar: line.tieredFeeUnits });
      const free = decision.status === 'free';
      line.addTiered(ROUTE_CODE[decision.route], CHARGE_CODE[decision.chargeKind], decision.ordinal ?? 0, free, unitsAt(request.cost, COST_SCALE), unitsAt(decision.fee, FEE_SCALE));
    }
    if (decision.routeMismatch) routeMismatches++;
    accepted++;
    previous = request;
    previousDecision = decision;
    return previousDecision;
  }

  function finish(finishOptions: FinishOptions = {}): Bill {
    const rejected = finishOptions.rejected ?? 0;
    const allDuplicates = duplicates + (finishOptions.duplicates ?? 0);
    return assembleBill(policy, lines.values(), { rows: accepted + allDuplicates + rejected, accepted, rejected, duplicates: allDuplicates }, routeMismatches);
  }

  return { add, finish };
}
