import { buildTable, factsKey } from '../rules/decisionTable.js';
import type { RuleDocument } from '../rules/ruleDocument.js';
import { ROUTES, type Route } from '../routing/routeTypes.js';
import type { ChargeDecision, ChargeParams } from './chargeTypes.js';

/** Facts a charge rule may test. `withinAllowance`: the request counted and its ordinal ≤ allowance. */
export const CHARGE_FACT_DOMAIN = {
  route: ROUTES,
  withinAllowance: [true, false],
} as const;
export const CHARGE_FACTS = Object.keys(CHARGE_FACT_DOMAIN);

export interface Charger {
  charge(route: Route, withinAllowance: boolean): ChargeDecision;
}

/** Compiles charge rules; all six combinations are decided once, here. */
export function createCharger(rules: readonly RuleDocument<ChargeParams>[], path = '$.rules.charge'): Charger {
  const table = buildTable(rules, CHARGE_FACT_DOMAIN, path);
  const order = Object.keys(CHARGE_FACT_DOMAIN);
  const within = new Map<Route, ChargeDecision>();
  const past = new Map<Route, ChargeDecision>();
  for (const route of ROUTES) {
    const a = table.get(factsKey({ route, withinAllowance: true }, order))!;
    const b = table.get(factsKey({ route, withinAllowance: false }, order))!;
    within.set(route, Object.freeze({ ...a.params, rule: a.rule }));
    past.set(route, Object.freeze({ ...b.params, rule: b.rule }));
  }
  return {
    charge(route, withinAllowance) {
      return (withinAllowance ? within : past).get(route)!;
    },
  };
}
