import type { PolicyVersion } from '../policy/policyTypes.js';
import { FAILOVER_MODES, type FailoverMode, KEY_RESULTS, PLATFORM_RESULTS, ROUTES } from '../routing/routeTypes.js';
import { CHARGE_CODE, RECORDED_BASE, ROUTE_CODE, ROUTE_INDEXES, routeIndex } from './codes.js';

/**
 * One policy version under one failover mode, compiled into tables indexed by small
 * integers: everything the kernel needs to decide a request besides its scope-month's
 * counter and allowance. Built once per version and mode from the version's compiled
 * rules (`router`, `charger`), so the rule documents are interpreted in exactly one place.
 */
export interface DecisionTerms {
  readonly version: PolicyVersion;
  readonly failoverMode: FailoverMode;
  /** Route code by route index (`routeIndex`). */
  readonly route: Uint8Array;
  /** 1 when the request counts toward the allowance (the version's `counts`), by route index. */
  readonly counted: Uint8Array;
  /** 1 when the customer's key was tried, by route index. */
  readonly keyTried: Uint8Array;
  /** Name of the routing rule that decides, by route index. */
  readonly routeRule: readonly string[];
  /** Charge code by `chargeIndex(route, within)`. */
  readonly charge: Uint8Array;
  /** Name of the charge rule that decides, same index. */
  readonly chargeRule: readonly string[];
}

/** Index into `DecisionTerms.charge`: route code × 2, plus 1 within the allowance. */
export function chargeIndex(route: number, within: boolean): number {
  return route * 2 + (within ? 1 : 0);
}

const compiled = new WeakMap<PolicyVersion, Map<FailoverMode, DecisionTerms>>();

/** The tables of `version` under `failoverMode`, compiled on first use and kept with the version. */
export function decisionTerms(version: PolicyVersion, failoverMode: FailoverMode): DecisionTerms {
  let byMode = compiled.get(version);
  if (byMode === undefined) compiled.set(version, (byMode = new Map()));
  let terms = byMode.get(failoverMode);
  if (terms === undefined) byMode.set(failoverMode, (terms = compileTerms(version, failoverMode)));
  return terms;
}

function compileTerms(version: PolicyVersion, failoverMode: FailoverMode): DecisionTerms {
  const route = new Uint8Array(ROUTE_INDEXES);
  const counted = new Uint8Array(ROUTE_INDEXES);
  const keyTried = new Uint8Array(ROUTE_INDEXES);
  const routeRule: string[] = [];
  const served = version.parameters.counts === 'served';
  const set = (i: number, decision: { route: (typeof ROUTES)[number]; keyTried: boolean; rule: string }) => {
    route[i] = ROUTE_CODE[decision.route];
    keyTried[i] = decision.keyTried ? 1 : 0;
    counted[i] = (served ? decision.route === 'byok' : decision.keyTried) ? 1 : 0;
    routeRule[i] = decision.rule;
  };
  KEY_RESULTS.forEach((keyResult, k) =>
    PLATFORM_RESULTS.forEach((platformResult, p) => set(routeIndex(k, p, 0), version.router.route(failoverMode, keyResult, platformResult))),
  );
  ROUTES.forEach((recorded, r) => set(RECORDED_BASE + r, version.router.recorded(recorded)));
  const charge = new Uint8Array(ROUTES.length * 2);
  const chargeRule: string[] = [];
  ROUTES.forEach((r, code) => {
    for (const within of [false, true]) {
      const decision = version.charger.charge(r, within);
      charge[chargeIndex(code, within)] = CHARGE_CODE[decision.charge];
      chargeRule[chargeIndex(code, within)] = decision.rule;
    }
  });
  return Object.freeze({ version, failoverMode, route, counted, keyTried, routeRule, charge, chargeRule });
}

/**
 * Whether two versions decide every request alike under every failover mode: the same
 * route, key attempt, counting and charge kind for every combination of facts. Rule names
 * may differ; the allowance and the fee rate are not part of the tables.
 */
export function sameDecisions(a: PolicyVersion, b: PolicyVersion): boolean {
  for (const mode of FAILOVER_MODES) {
    const x = decisionTerms(a, mode);
    const y = decisionTerms(b, mode);
    if (!equalBytes(x.route, y.route) || !equalBytes(x.counted, y.counted) || !equalBytes(x.keyTried, y.keyTried) || !equalBytes(x.charge, y.charge)) return false;
  }
  return true;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
