import type { Accounts } from '../accounts/accounts.js';
import { InvalidRequestError } from '../errors.js';
import { Money } from '../money/money.js';
import type { PolicyVersion, Policy } from '../policy/policyTypes.js';
import type { FailoverMode } from '../routing/routeTypes.js';
import { type Scope, scopeOf } from '../scope/scope.js';
import type { Period } from '../time/periodCalendar.js';
import type { Decision } from './decision.js';
import type { UsageRequest } from './usageRequest.js';

/** Where a request is counted, and under which terms: one scope's period. */
export interface Placement {
  readonly scope: Scope;
  readonly period: Period;
  readonly version: PolicyVersion;
  readonly allowance: number;
  readonly failoverMode: FailoverMode;
}

/** Refuses requests no policy can decide (FORMATS.md): a negative cost, no route information. */
export function validateRequest(request: UsageRequest): void {
  if (request.cost.isNegative()) throw new InvalidRequestError(`cost_usd ${request.cost.toString()} is negative`, 'cost_usd');
  if (request.keyResult === undefined && request.recordedRoute === undefined) {
    throw new InvalidRequestError('a request needs key_result or route', 'key_result');
  }
}

/**
 * The scope, period, policy version, allowance and failover mode of a request. An
 * account's allowance (an enterprise plan) replaces the allowance of a version that
 * grants one; a version without a free allowance (before 2025-10-01, F3) has none to
 * enlarge, so every BYOK request pays whatever the account says.
 */
export function placeRequest(policy: Policy, accounts: Accounts | undefined, request: Pick<UsageRequest, 'instant' | 'userId' | 'orgId'>): Placement {
  const version = policy.versionAt(request.instant);
  const scope = scopeOf(request, version.parameters.scopeMode);
  const account = accounts?.get(scope);
  const policyAllowance = version.parameters.allowance;
  return {
    scope,
    period: version.calendar.periodOf(request.instant),
    version,
    allowance: policyAllowance > 0 ? (account?.freeRequests ?? policyAllowance) : 0,
    failoverMode: account?.failoverMode ?? version.parameters.defaultFailoverMode,
  };
}

/**
 * The pure decision step: given where a request is placed and how many requests its
 * scope's period has counted so far, the request's decision. The decision's `ordinal`
 * (when it counts) is the new count. The ledger and the online meter both decide
 * through this one function, so batch bills and real-time decisions cannot drift apart.
 *
 * @example
 * const placement = placeRequest(defaultPolicy(), undefined, request);
 * decideRequest(placement, 999_999, request).status //=> 'free' (the 1,000,000th)
 */
export function decideRequest(placement: Placement, countedSoFar: number, request: UsageRequest): Decision {
  const { version } = placement;
  const routing =
    request.keyResult !== undefined
      ? version.router.route(placement.failoverMode, request.keyResult, request.platformResult ?? 'ok')
      : version.router.recorded(request.recordedRoute!);
  const route = routing.route;
  const counted = version.parameters.counts === 'served' ? route === 'byok' : routing.keyTried;
  const ordinal = counted ? countedSoFar + 1 : null;
  const withinAllowance = ordinal !== null && ordinal <= placement.allowance;
  const chargeDecision = version.charger.charge(route, withinAllowance);
  let fee = Money.ZERO;
  let charge = Money.ZERO;
  switch (chargeDecision.charge) {
    case 'fee':
      fee = request.cost.multiply(version.parameters.feeRate);
      charge = fee;
      break;
    case 'list':
      charge = request.cost;
      break;
    case 'none':
      break;
    default: {
      const unknown: never = chargeDecision.charge;
      throw new Error(`unhandled charge kind ${String(unknown)}`);
    }
  }
  return {
    request,
    scope: placement.scope,
    period: placement.period,
    policyVersion: version.version,
    failoverMode: placement.failoverMode,
    route,
    routeRule: routing.rule,
    routeMismatch: request.recordedRoute !== undefined && request.recordedRoute !== route,
    counted,
    ordinal,
    allowance: placement.allowance,
    status: route === 'byok' ? (withinAllowance ? 'free' : 'billable') : null,
    chargeKind: chargeDecision.charge,
    chargeRule: chargeDecision.rule,
    fee,
    charge,
    duplicate: false,
  };
}
