import type { Accounts } from '../accounts/accounts.js';
import { InvalidRequestError } from '../errors.js';
import { Money } from '../money/money.js';
import { COST_SCALE, FEE_SCALE, unitsAt } from './lineAccumulator.js';
import type { PolicyVersion, Policy } from '../policy/policyTypes.js';
import { type FailoverMode, ROUTES } from '../routing/routeTypes.js';
import { CHARGE_KINDS } from '../policy/chargeTypes.js';
import { CHARGE_FEE, CHARGE_LIST, routeIndexOfNames } from '../kernel/codes.js';
import { createKernelOutcome, decideOutcome } from '../kernel/decide.js';
import { type DecisionTerms, chargeIndex, decisionTerms } from '../kernel/decisionTerms.js';
import { type Scope, keyOwnerOf, scopeOf } from '../scope/scope.js';
import type { Period } from '../time/periodCalendar.js';
import type { Decision, DecisionTiers } from './decision.js';
import { type PlacedFees, cappedFee, placedFees, tierPosition } from './tieredFee.js';
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
  /**
   * The scope's fee terms in the pricing language (its account's contract terms applied),
   * or absent when they are the shorthand `allowance` + the version's `feeRate`.
   */
  readonly fees?: PlacedFees | undefined;
}

/**
 * A scope-month's fee state before a request, for placements with `fees`: the cumulative
 * list cost of its counted requests (units of 10^-12 dollars; unit `list-usd`) and the fees
 * it has paid (units of 10^-24 dollars; for the cap).
 */
export interface FeeState {
  readonly listUsdSoFar: bigint;
  readonly feesSoFar: bigint;
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
  const allowance = policyAllowance > 0 ? (account?.freeRequests ?? policyAllowance) : 0;
  const fees = placedFees(version, account, allowance);
  const placement: Placement = {
    scope,
    period: version.calendar.periodOf(request.instant),
    version,
    allowance,
    failoverMode,
    terms: decisionTerms(version, failoverMode),
  };
  return fees === undefined ? placement : { ...placement, fees };
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
  const { scope, period, version, allowance, fees } = placement;
  const routed: Placement = { scope, period, version, allowance, failoverMode, terms: decisionTerms(version, failoverMode) };
  return fees === undefined ? routed : { ...routed, fees };
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
export function decideRequest(placement: Placement, countedSoFar: number, request: UsageRequest, feeState?: FeeState): Decision {
  const { terms } = placement;
  const index = routeIndexOfNames(request.keyResult, request.platformResult, request.recordedRoute);
  if (placement.fees !== undefined) return decideTiered(placement, placement.fees, countedSoFar, request, index, feeState ?? { listUsdSoFar: 0n, feesSoFar: 0n });
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

/**
 * `decideRequest` for a scope whose fee terms are in the pricing language
 * (docs/pricing-language.md): the kernel decides the route and whether the request counts;
 * a counted request's position in the tiers of the schedule its facts choose decides free
 * or billable (today's charge rules read *within* as free) and its fee, capped per scope-month.
 */
function decideTiered(placement: Placement, fees: PlacedFees, countedSoFar: number, request: UsageRequest, index: number, state: FeeState): Decision {
  const { terms, version } = placement;
  // The allowance does not decide here: the tiers do (the kernel is asked for route and count only).
  const outcome = decideOutcome(terms, index, countedSoFar, 0, createKernelOutcome());
  const route = ROUTES[outcome.route]!;
  const counted = outcome.ordinal > 0;
  let within = false;
  let tiers: DecisionTiers | undefined;
  let feeUnits = 0n;
  const costUnits = unitsAt(request.cost, COST_SCALE);
  if (counted) {
    const provider = request.provider ?? '';
    const model = request.model ?? '';
    const choice =
      request.keyResult !== undefined
        ? version.scheduleChooser.choose(provider, model, placement.failoverMode, request.keyResult, request.platformResult ?? 'ok')
        : version.scheduleChooser.chooseRecorded(provider, model, placement.failoverMode, request.platformResult ?? 'ok');
    const schedule = fees.terms.schedules[choice.schedule]!;
    const before = fees.terms.unit === 'requests' ? BigInt(countedSoFar) : state.listUsdSoFar;
    const position = tierPosition(schedule, fees.terms.unit, before, costUnits);
    within = position.free;
    const pays = terms.charge[chargeIndex(outcome.route, within)] === CHARGE_FEE;
    const uncapped = pays ? position.feeUnits : 0n;
    feeUnits = pays ? cappedFee(uncapped, fees.capUnits, state.feesSoFar) : 0n;
    tiers = {
      unit: fees.terms.unit,
      schedule: choice.name,
      scheduleIndex: choice.schedule,
      scheduleRule: choice.rule,
      scheduleTiers: schedule.tiers,
      parts: position.parts,
      uncappedFee: new Money(uncapped, FEE_SCALE).normalize(),
      capped: feeUnits < uncapped,
      capUsd: fees.terms.capUsd,
      feesBefore: new Money(state.feesSoFar, FEE_SCALE).normalize(),
    };
  }
  const chargeCode = terms.charge[chargeIndex(outcome.route, within)]!;
  const chargeKind = CHARGE_KINDS[chargeCode]!;
  const fee = chargeCode === CHARGE_FEE ? new Money(feeUnits, FEE_SCALE).normalize() : Money.ZERO;
  const charge = chargeCode === CHARGE_FEE ? fee : chargeCode === CHARGE_LIST ? request.cost : Money.ZERO;
  return {
    request,
    scope: placement.scope,
    period: placement.period,
    policyVersion: version.version,
    failoverMode: placement.failoverMode,
    route,
    routeRule: terms.routeRule[index]!,
    routeMismatch: request.recordedRoute !== undefined && request.recordedRoute !== route,
    counted,
    ordinal: counted ? outcome.ordinal : null,
    allowance: placement.allowance,
    status: route === 'byok' ? (within ? 'free' : 'billable') : null,
    chargeKind,
    chargeRule: terms.chargeRule[chargeIndex(outcome.route, within)]!,
    fee,
    charge,
    duplicate: false,
    ...(tiers === undefined ? {} : { tiers }),
  };
}
