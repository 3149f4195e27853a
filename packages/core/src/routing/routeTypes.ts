/** What trying the customer's own provider key gave (`none`: no key for that provider). */
export const KEY_RESULTS = ['ok', 'rate_limited', 'error', 'none'] as const;
export type KeyResult = (typeof KEY_RESULTS)[number];

/** What the platform's own capacity gave. */
export const PLATFORM_RESULTS = ['ok', 'error'] as const;
export type PlatformResult = (typeof PLATFORM_RESULTS)[number];

/** How a request was served, which decides its charge. */
export const ROUTES = ['byok', 'platform', 'failed'] as const;
export type Route = (typeof ROUTES)[number];

/** The customer's failover setting for a key (POLICY.md "Routing under the failover modes"). */
export const FAILOVER_MODES = ['fallback', 'strict', 'credits-first'] as const;
export type FailoverMode = (typeof FAILOVER_MODES)[number];

/** The params of a routing rule's event. */
export interface RouteParams {
  readonly route: Route;
  /** Whether the customer's key was actually tried (what `counts: attempted` counts). */
  readonly keyTried: boolean;
}

/** A routing decision and the rule that made it. */
export interface RouteDecision extends RouteParams {
  readonly rule: string;
}
