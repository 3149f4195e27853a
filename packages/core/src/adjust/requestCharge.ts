import type { Money } from '../money/money.js';

/**
 * One request as a bill charged it, kept for the scope-months an adjustment is about: what
 * the log says of it (`content`, compared to tell a corrected row) and what the policy made
 * of it (its status and charge).
 */
export interface RequestCharge {
  readonly requestId: string;
  readonly scope: string;
  readonly period: string;
  /**
   * The request's billing facts besides its scope-month, as one short text (instant, cost,
   * route): two records of the same id with a different scope-month or content are a
   * corrected row, not a shifted one.
   */
  readonly content: string;
  /** `free` / `billable` for BYOK requests, else the route (`platform`, `failed`). */
  readonly status: string;
  /** Position among the scope-month's counted requests (null when it does not count). */
  readonly ordinal: number | null;
  /** Fee or platform charge, exact. */
  readonly chargeUsd: Money;
  /** Where the request is: the log file (one string shared by its requests) and line. */
  readonly file: string;
  readonly line: number;
}

/** Whether two records of one request bill it alike: same scope-month, content, status and charge. */
export function sameCharge(a: RequestCharge, b: RequestCharge): boolean {
  return a.scope === b.scope && a.period === b.period && a.content === b.content && a.status === b.status && a.chargeUsd.equals(b.chargeUsd);
}

/**
 * `sameCharge` as one text, for holding a month of requests where only whether each is billed
 * alike matters (a short string per request instead of its record).
 */
export function chargeFingerprint(r: RequestCharge): string {
  // The charge by its coefficient and scale: cheaper than its decimal text, and a request's
  // charge is computed the same way on both sides (an equal value written at another scale
  // would only make it look changed, and a zero change is then left out by requestChanges).
  return `${r.scope}\n${r.period}\n${r.content}\n${r.status}\n${r.chargeUsd.units}e-${r.chargeUsd.scale}`;
}
