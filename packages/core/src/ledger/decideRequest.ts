import type { Accounts } from '../accounts/accounts.js';
import { InvalidRequestError } from '../errors.js';
import { Money } from '../money/money.js';
import type { PolicyVersion, Policy } from '../policy/policyTypes.js';
import { type FailoverMode, ROUTES } from '../routing/routeTypes.js';
import { CHARGE_KINDS } from '../policy/chargeTypes.js';
import { CHARGE_FEE, CHARGE_LIST, routeIndexOfNames } from '../kernel/codes.js';
import { createKernelOutcome, decideOutcome } from '../kernel/decide.js';
import { type DecisionTerms, chargeIndex, decisionTerms } from '../kernel/decisionTerms.js';
import { type Scope, keyOwnerOf, scopeOf } from '../scope/scope.js';
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
  /** The version's decision tables under the failover mode. */
  readonly terms: DecisionTerms;
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
 * enlarge, so every BYOK request pays whatever the account says. The allowance is the
 * billing scope's account's (the version's scope mode); the failover mode is the account's
 * of the party that owns the keys (`keyOwnerOf`), so pooling allowances per user never
 * changes how a request is routed.
 */
export function placeRequest(policy: Policy, accounts: Accounts | undefined, request: Pick<UsageRequest, 'instant' | 'userId' | 'orgId'>): Placement {
  const version = policy.versionAt(request.instant);
  const scope = scopeOf(request, version.parameters.scopeMode);
  const account = accounts?.get(scope);
  const policyAllowance = version.parameters.allowance;
  // Under scope mode `org` the scope is whose keys serve the request: one account says both.
  const failoverMode =
    version.parameters.scopeMode === 'org' ? (account?.failoverMode ?? version.parameters.defaultFailoverMode) : failoverModeOf(accounts, request, version);
  return {
    scope,
    period: version.calendar.periodOf(request.instant),
    version,
    allowance: policyAllowance > 0 ? (account?.freeRequests ?? policyAllowance) : 0,
    failoverMode,
    terms: decisionTerms(version, failoverMode),
  };
}

/**
 * A request's failover mode under `version`: its keys' owner's account's (`keyOwnerOf`),
 * else the version's default, whatever the version's scope mode.
 *
 * @example
 * const accounts = parseAccounts([{ scope: 'org:acme', failover_mode: 'strict' }]);
 * failoverModeOf(accounts, { userId: 'u1', orgId: 'acme' }, version) //=> 'strict'
 */
export function failoverModeOf(accounts: Accounts | undefined, request: Pick<UsageRequest, 'userId' | 'orgId'>, version: PolicyVersion): FailoverMode {
  return accounts?.get(keyOwnerOf(request))?.failoverMode ?? version.parameters.defaultFailoverMode;
}

/** `placement` with requests routed under `failoverMode` instead (same scope, period, allowance): itself when that is its mode. */
export function routedUnder(placement: Placement, failoverMode: FailoverMode): Placement {
  if (failoverMode === placement.failoverMode) return placement;
  const { scope, period, version, allowance } = placement;
  return { scope, period, version, allowance, failoverMode, terms: decisionTerms(version, failoverMode) };
}

/**
 * A request's decision as an object, given where it is placed and how many requests its
 * scope's period has counted so far: a view over the kernel's `decide`, which every ledger
 * and the online meter decide through, so batch bills and real-time decisions cannot
 * drift apart. The decision's `ordinal` (when it counts) is the new count.
 *
 * @example
 * const placement = placeRequest(defaultPolicy(), undefined, request);
 * decideRequest(placement, 999_999, request).status //=> 'free' (the 1,000,000th)
 */
export function decideRequest(placement: Placement, countedSoFar: number, request: UsageRequest): Decision {
  const { terms } = placement;
  const index = routeIndexOfNames(request.keyResult, request.platformResult, request.recordedRoute);
  const outcome = decideOutcome(terms, index, countedSoFar, placement.allowance, createKernelOutcome());
  const route = ROUTES[outcome.route]!;
  const chargeKind = CHARGE_KINDS[outcome.chargeKind]!;
  const fee = outcome.chargeKind === CHARGE_FEE ? request.cost.multiply(placement.version.parameters.feeRate) : Money.ZERO;
  const charge = outcome.chargeKind === CHARGE_FEE ? fee : outcome.chargeKind === CHARGE_LIST ? request.cost : Money.ZERO;
  return {
    request,
    scope: placement.scope,
    period: placement.period,
    policyVersion: placement.version.version,
    failoverMode: placement.failoverMode,
    route,
    routeRule: terms.routeRule[index]!,
    routeMismatch: request.recordedRoute !== undefined && request.recordedRoute !== route,
    counted: outcome.ordinal > 0,
    ordinal: outcome.ordinal > 0 ? outcome.ordinal : null,
    allowance: placement.allowance,
    status: route === 'byok' ? (outcome.within ? 'free' : 'billable') : null,
    chargeKind,
    chargeRule: terms.chargeRule[chargeIndex(outcome.route, outcome.within)]!,
    fee,
    charge,
    duplicate: false,
  };
}
