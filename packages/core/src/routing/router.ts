import { InvalidRequestError } from '../errors.js';
import type { RuleDocument } from '../rules/ruleDocument.js';
import { buildTable, factsKey } from '../rules/decisionTable.js';
import {
  FAILOVER_MODES,
  type FailoverMode,
  KEY_RESULTS,
  type KeyResult,
  PLATFORM_RESULTS,
  type PlatformResult,
  type Route,
  type RouteDecision,
  type RouteParams,
} from './routeTypes.js';

/** Facts a routing rule may test, with every value each can take. */
export const ROUTING_FACT_DOMAIN = {
  failoverMode: FAILOVER_MODES,
  keyResult: KEY_RESULTS,
  platformResult: PLATFORM_RESULTS,
} as const;
export const ROUTING_FACTS = Object.keys(ROUTING_FACT_DOMAIN);

/** The rule name given to a route taken as the gateway recorded it (no `key_result`). */
export const RECORDED_ROUTE_RULE = 'recorded-route';

export interface Router {
  /** Route from the key and platform outcomes under a failover mode. */
  route(mode: FailoverMode, keyResult: KeyResult, platformResult: PlatformResult): RouteDecision;
  /** A route recorded by the gateway, taken as recorded; the key counts as tried when it served. */
  recorded(route: Route): RouteDecision;
}

/**
 * Compiles routing rules into a router. All 24 combinations of mode and outcomes are
 * decided once, here, and looked up by index per request.
 */
export function createRouter(rules: readonly RuleDocument<RouteParams>[], path = '$.rules.routing'): Router {
  const table = buildTable(rules, ROUTING_FACT_DOMAIN, path);
  const order = Object.keys(ROUTING_FACT_DOMAIN);
  const byIndex: RouteDecision[] = [];
  FAILOVER_MODES.forEach((failoverMode, m) =>
    KEY_RESULTS.forEach((keyResult, k) =>
      PLATFORM_RESULTS.forEach((platformResult, p) => {
        const decision = table.get(factsKey({ failoverMode, keyResult, platformResult }, order))!;
        byIndex[(m * KEY_RESULTS.length + k) * PLATFORM_RESULTS.length + p] = Object.freeze({ ...decision.params, rule: decision.rule });
      }),
    ),
  );
  const modeIndex = new Map<string, number>(FAILOVER_MODES.map((v, i) => [v, i]));
  const keyIndex = new Map<string, number>(KEY_RESULTS.map((v, i) => [v, i]));
  const platformIndex = new Map<string, number>(PLATFORM_RESULTS.map((v, i) => [v, i]));
  const recorded = new Map<Route, RouteDecision>(
    (['byok', 'platform', 'failed'] as const).map((route) => [route, Object.freeze({ route, keyTried: route === 'byok', rule: RECORDED_ROUTE_RULE })]),
  );
  return {
    route(mode, keyResult, platformResult) {
      const index = (modeIndex.get(mode)! * KEY_RESULTS.length + keyIndex.get(keyResult)!) * PLATFORM_RESULTS.length + platformIndex.get(platformResult)!;
      const decision = byIndex[index];
      // Only an untyped caller can pass a value outside the domain; say so instead of routing nowhere.
      if (decision === undefined) {
        throw new InvalidRequestError(`cannot route failover mode ${JSON.stringify(mode)}, key_result ${JSON.stringify(keyResult)}, platform_result ${JSON.stringify(platformResult)}`, 'key_result');
      }
      return decision;
    },
    recorded(route) {
      return recorded.get(route)!;
    },
  };
}
