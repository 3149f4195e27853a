import { type DecisionTerms, chargeIndex } from './decisionTerms.js';

/** What the kernel decided for one request, written in place (no allocation per request). */
export interface KernelOutcome {
  /** Index of the request's routing facts (`routeIndex`). */
  routeIndex: number;
  /** Route code (`ROUTE_CODE`). */
  route: number;
  /** Charge code (`CHARGE_CODE`). */
  chargeKind: number;
  /** The request's ordinal among its scope-month's counted requests, or 0 when it does not count. */
  ordinal: number;
  /** Counted and within the allowance. */
  within: boolean;
}

export function createKernelOutcome(): KernelOutcome {
  return { routeIndex: 0, route: 0, chargeKind: 0, ordinal: 0, within: false };
}

/**
 * THE decision (POLICY.md "Routing", D1–D3, F8): a request's route, whether it counts,
 * where it falls against its scope-month's allowance, and what kind of charge it pays.
 * Every way of deciding — the record ledger, the compact ledger, the meter, what-if
 * variants, explanations — calls this one function; the SQL compiler prints the same
 * tables. `countedSoFar` is the scope-month's counter before this request.
 */
export function decideOutcome(terms: DecisionTerms, routeIndex: number, countedSoFar: number, allowance: number, out: KernelOutcome): KernelOutcome {
  const route = terms.route[routeIndex]!;
  let ordinal = 0;
  let within = false;
  if (terms.counted[routeIndex] === 1) {
    ordinal = countedSoFar + 1;
    within = ordinal <= allowance;
  }
  out.routeIndex = routeIndex;
  out.route = route;
  out.chargeKind = terms.charge[chargeIndex(route, within)]!;
  out.ordinal = ordinal;
  out.within = within;
  return out;
}
