import type { Accounts } from '../accounts/accounts.js';
import { ConflictingDuplicateError, InvalidRequestError, OutOfOrderError } from '../errors.js';
import { Money } from '../money/money.js';
import type { Policy } from '../policy/policyTypes.js';
import { scopeOf } from '../scope/scope.js';
import { compareInstants, formatInstant } from '../time/instant.js';
import type { Bill, BillLine } from './billLine.js';
import { compareUtf8 } from './compareUtf8.js';
import type { Decision } from './decision.js';
import { COST_SCALE, LineAccumulator, feeFactor, unitsAt } from './lineAccumulator.js';
import { sumBillLines } from './sumBillLines.js';
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

  function lineFor(scope: string, request: UsageRequest): LineAccumulator {
    const version = policy.versionAt(request.instant);
    const period = version.calendar.periodOf(request.instant);
    let line = current.get(scope);
    if (line !== undefined && line.period === period && line.version === version) return line;
    const key = `${scope}\n${period}`;
    line = lines.get(key);
    if (line === undefined) {
      const account = accounts?.get(scope);
      // An account's allowance (an enterprise plan) replaces the allowance of a version that
      // grants one. A version without a free allowance (before 2025-10-01, F3) has none to
      // enlarge: every BYOK request pays, whatever the account says.
      const policyAllowance = version.parameters.allowance;
      line = new LineAccumulator(
        scope,
        period,
        version,
        policyAllowance > 0 ? (account?.freeRequests ?? policyAllowance) : 0,
        account?.failoverMode ?? version.parameters.defaultFailoverMode,
      );
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
    if (request.cost.isNegative()) throw new InvalidRequestError(`cost_usd ${request.cost.toString()} is negative`, 'cost_usd');
    if (request.keyResult === undefined && request.recordedRoute === undefined) {
      throw new InvalidRequestError('a request needs key_result or route', 'key_result');
    }

    const version = policy.versionAt(request.instant);
    const scope = scopeOf(request, version.parameters.scopeMode);
    const line = lineFor(scope, request);
    const routing =
      request.keyResult !== undefined
        ? version.router.route(line.failoverMode, request.keyResult, request.platformResult ?? 'ok')
        : version.router.recorded(request.recordedRoute!);
    const routeMismatch = request.recordedRoute !== undefined && request.recordedRoute !== routing.route;
    if (routeMismatch) routeMismatches++;

    const route = routing.route;
    const counted = version.parameters.counts === 'served' ? route === 'byok' : routing.keyTried;
    let ordinal: number | null = null;
    if (counted) ordinal = ++line.counted;
    const withinAllowance = ordinal !== null && ordinal <= line.allowance;
    const chargeDecision = version.charger.charge(route, withinAllowance);

    const costUnits = unitsAt(request.cost, COST_SCALE);
    let fee = Money.ZERO;
    let charge = Money.ZERO;
    switch (chargeDecision.charge) {
      case 'fee': {
        const feeUnits = costUnits * feeFactor(version.parameters.feeRate);
        line.feeUnits += feeUnits;
        fee = request.cost.multiply(version.parameters.feeRate);
        charge = fee;
        break;
      }
      case 'list':
        line.listChargeUnits += costUnits;
        charge = request.cost;
        break;
      case 'none':
        break;
      default: {
        const unknown: never = chargeDecision.charge;
        throw new Error(`unhandled charge kind ${String(unknown)}`);
      }
    }

    let status: Decision['status'] = null;
    switch (route) {
      case 'byok':
        line.byokRequests++;
        line.byokCostUnits += costUnits;
        if (withinAllowance) {
          line.freeRequests++;
          status = 'free';
        } else {
          line.billableRequests++;
          status = 'billable';
        }
        break;
      case 'platform':
        line.platformRequests++;
        line.platformCostUnits += costUnits;
        break;
      case 'failed':
        line.failedRequests++;
        break;
      default: {
        const unknown: never = route;
        throw new Error(`unhandled route ${String(unknown)}`);
      }
    }

    accepted++;
    previous = request;
    previousDecision = {
      request,
      scope,
      period: line.period,
      policyVersion: version.version,
      failoverMode: line.failoverMode,
      route,
      routeRule: routing.rule,
      routeMismatch,
      counted,
      ordinal,
      allowance: line.allowance,
      status,
      chargeKind: chargeDecision.charge,
      chargeRule: chargeDecision.rule,
      fee,
      charge,
      duplicate: false,
    };
    return previousDecision;
  }

  function finish(finishOptions: FinishOptions = {}): Bill {
    const billLines: BillLine[] = [...lines.values()]
      .sort((a, b) => compareUtf8(a.scope, b.scope) || (a.period < b.period ? -1 : a.period > b.period ? 1 : 0))
      .map((line) => line.toBillLine());
    const rejected = finishOptions.rejected ?? 0;
    const allDuplicates = duplicates + (finishOptions.duplicates ?? 0);
    return {
      policy: { id: policy.id, version: policy.version, sha256: policy.sha256 },
      input: { rows: accepted + allDuplicates + rejected, accepted, rejected, duplicates: allDuplicates },
      lines: billLines,
      totals: sumBillLines(billLines),
      routeMismatches,
    };
  }

  return { add, finish };
}
