import type { ChargeKind } from '../policy/chargeTypes.js';
import type { AllowanceStatus, Decision } from '../ledger/decision.js';
import type { FailoverMode, Route } from '../routing/routeTypes.js';
import { formatInstant } from '../time/instant.js';

/**
 * A decision as stores keep it and exports write it: plain JSON, money as exact decimal
 * strings, the instant in ISO-8601 UTC. It carries everything a bill line needs, so a
 * bill can be built from stored decisions alone.
 */
export interface DecisionRecord {
  readonly requestId: string;
  readonly instant: string;
  readonly scope: string;
  readonly period: string;
  readonly policyVersion: string;
  readonly failoverMode: FailoverMode;
  readonly route: Route;
  readonly routeRule: string;
  readonly recordedRoute: Route | null;
  readonly routeMismatch: boolean;
  readonly counted: boolean;
  readonly ordinal: number | null;
  readonly allowance: number;
  readonly status: AllowanceStatus;
  readonly chargeKind: ChargeKind;
  readonly chargeRule: string;
  readonly costUsd: string;
  readonly feeUsd: string;
  readonly chargeUsd: string;
  readonly chargedUsd: string | null;
}

export function toDecisionRecord(decision: Decision): DecisionRecord {
  const r = decision.request;
  return {
    requestId: r.requestId,
    instant: formatInstant(r.instant),
    scope: decision.scope,
    period: decision.period,
    policyVersion: decision.policyVersion,
    failoverMode: decision.failoverMode,
    route: decision.route,
    routeRule: decision.routeRule,
    recordedRoute: r.recordedRoute ?? null,
    routeMismatch: decision.routeMismatch,
    counted: decision.counted,
    ordinal: decision.ordinal,
    allowance: decision.allowance,
    status: decision.status,
    chargeKind: decision.chargeKind,
    chargeRule: decision.chargeRule,
    costUsd: r.cost.toString(),
    feeUsd: decision.fee.toString(),
    chargeUsd: decision.charge.toString(),
    chargedUsd: r.charged === undefined ? null : r.charged.toString(),
  };
}

/**
 * A decision's shape: the fields that take few values (what it takes from the policy, and
 * the route its log recorded), a handful of combinations across a whole store. Stores keep
 * each shape once and each decision names it by number (the memory store, the compact
 * SQLite layout), instead of repeating some 300 bytes of rule names per decision.
 */
export type DecisionShape = Pick<
  DecisionRecord,
  'policyVersion' | 'failoverMode' | 'route' | 'routeRule' | 'recordedRoute' | 'routeMismatch' | 'counted' | 'allowance' | 'status' | 'chargeKind' | 'chargeRule'
>;

/** The shape of a record, as a new object. */
export function shapeOf(r: DecisionRecord): DecisionShape {
  return {
    policyVersion: r.policyVersion,
    failoverMode: r.failoverMode,
    route: r.route,
    routeRule: r.routeRule,
    recordedRoute: r.recordedRoute,
    routeMismatch: r.routeMismatch,
    counted: r.counted,
    allowance: r.allowance,
    status: r.status,
    chargeKind: r.chargeKind,
    chargeRule: r.chargeRule,
  };
}
