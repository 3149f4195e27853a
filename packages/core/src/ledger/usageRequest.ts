import type { Money } from '../money/money.js';
import type { KeyResult, PlatformResult, Route } from '../routing/routeTypes.js';
import type { Instant } from '../time/instant.js';

/** One request of the log (FORMATS.md "Request log"), already parsed. */
export interface UsageRequest {
  readonly requestId: string;
  readonly instant: Instant;
  readonly userId: string;
  /** The org the request was made under; empty or absent for an individual. */
  readonly orgId?: string | undefined;
  readonly model?: string | undefined;
  readonly provider?: string | undefined;
  /** List price on the platform (≥ 0). */
  readonly cost: Money;
  /** With `keyResult`, the route is derived by the scope's failover mode. */
  readonly keyResult?: KeyResult | undefined;
  /** Defaults to `ok`. */
  readonly platformResult?: PlatformResult | undefined;
  /** The route the gateway recorded: taken as is without `keyResult`, checked with it. */
  readonly recordedRoute?: Route | undefined;
  /** What the platform actually charged, for per-request audits. */
  readonly charged?: Money | undefined;
}

function sameMoney(a: Money | undefined, b: Money | undefined): boolean {
  return a === undefined || b === undefined ? a === b : a.equals(b);
}

/** Whether two requests carry the same content (POLICY.md D6: a duplicate, not a conflict). */
export function sameContent(a: UsageRequest, b: UsageRequest): boolean {
  return (
    a.requestId === b.requestId &&
    a.instant.epochMs === b.instant.epochMs &&
    a.instant.nanos === b.instant.nanos &&
    a.userId === b.userId &&
    (a.orgId ?? '') === (b.orgId ?? '') &&
    (a.model ?? '') === (b.model ?? '') &&
    (a.provider ?? '') === (b.provider ?? '') &&
    a.cost.equals(b.cost) &&
    a.keyResult === b.keyResult &&
    (a.platformResult ?? 'ok') === (b.platformResult ?? 'ok') &&
    a.recordedRoute === b.recordedRoute &&
    sameMoney(a.charged, b.charged)
  );
}
