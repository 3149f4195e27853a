/**
 * The what-if report: one entry per policy variant, the first being the baseline. Money
 * is exact decimal strings; percentages are decimal strings rounded to 2 places (or null
 * when the baseline amount is 0). This is the JSON that `byok whatif --format json`
 * prints and the data the HTML report is drawn from.
 */
export interface WhatifReport {
  readonly format: 'byok-whatif/v1';
  readonly baseline: string;
  readonly input: { readonly rows: number; readonly accepted: number; readonly rejected: number; readonly duplicates: number };
  /** Every period the log spans, sorted. */
  readonly periods: readonly string[];
  readonly variants: readonly VariantResult[];
}

export interface VariantParameters {
  readonly allowance: number;
  readonly feeRate: string;
  readonly scopeMode: 'org' | 'user';
  readonly counts: 'served' | 'attempted';
  /** Set when the variant forces one failover mode on every scope; null keeps the accounts'. */
  readonly failoverMode: 'fallback' | 'strict' | 'credits-first' | null;
  readonly resetTimeZone: string;
  /**
   * The latest version's fee terms in words: its schedule(s) and cap, e.g.
   * `0–1M free · 1M–10M 5% · >10M 3%` (dollars for list-usd, `· cap $2,000`).
   */
  readonly fees: string;
}

export interface VariantResult {
  readonly name: string;
  readonly policy: { readonly id: string; readonly version: string; readonly sha256: string };
  /** The parameters of the variant's latest policy version (what the variant is "about"). */
  readonly parameters: VariantParameters;
  readonly feeRevenueUsd: string;
  /** List-price charges on platform credits. */
  readonly platformRevenueUsd: string;
  readonly totalUsd: string;
  /** Scopes that pay any fee over the whole log. */
  readonly payingScopes: number;
  /** Fee per paying scope over the whole log: median (mean of the middle two for an even count), p90 (nearest rank), max. */
  readonly feePerPayingScope: { readonly medianUsd: string; readonly p90Usd: string; readonly maxUsd: string };
  /** Requests that failed because a strict key could not serve them. */
  readonly strictFailedRequests: number;
  readonly vsBaseline: {
    readonly feeRevenueUsd: string;
    readonly feeRevenuePct: string | null;
    readonly totalUsd: string;
    readonly totalPct: string | null;
  };
  readonly byPeriod: readonly { readonly period: string; readonly feeRevenueUsd: string; readonly platformRevenueUsd: string; readonly totalUsd: string }[];
  /** How many paying scopes pay a fee in each range [fromUsd, toUsd); toUsd null = no upper bound. */
  readonly feeHistogram: readonly { readonly fromUsd: string; readonly toUsd: string | null; readonly scopes: number }[];
  /** The scopes whose total bill moves most against the baseline (largest |change| first). */
  readonly movers: readonly { readonly scope: string; readonly baselineUsd: string; readonly variantUsd: string; readonly changeUsd: string }[];
}
