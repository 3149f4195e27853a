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
   * The request's billing facts as one text (instant, scope, cost, route): two records of
   * the same id with different content are a corrected row, not a shifted one.
   */
  readonly content: string;
  /** `free` / `billable` for BYOK requests, else the route (`platform`, `failed`). */
  readonly status: string;
  /** Position among the scope-month's counted requests (null when it does not count). */
  readonly ordinal: number | null;
  /** Fee or platform charge, exact. */
  readonly chargeUsd: Money;
  /** Where the request is: log file and line. */
  readonly source: string;
}
