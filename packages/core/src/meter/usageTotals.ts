/*
 * What a store sums for a usage query (meter/usage.ts), apart from the query itself so that
 * the MeterStore contract (meterStore.ts) can name it without importing the query, which
 * reads stores.
 */
import type { Scope } from '../scope/scope.js';
import type { Period } from '../time/periodCalendar.js';

/** Which scope-months a usage query covers: all of them, or those of one scope and/or one period. */
export interface UsageFilter {
  readonly scope?: Scope | undefined;
  readonly period?: Period | undefined;
}

/** A stored decision named by its request: the one that crossed a scope-month's allowance. */
export interface CrossingRequest {
  readonly requestId: string;
  readonly instant: string;
}

/**
 * What a store sums of one scope-month's stored decisions, exactly, before any policy is
 * read: a store computes these with its own aggregation (SQL on SQLite and PostgreSQL),
 * so a usage query never reads the decisions one by one.
 */
export interface UsageTotals {
  readonly scope: Scope;
  readonly period: Period;
  /** Decisions that counted toward the allowance (an ordinal). */
  readonly counted: number;
  /** The sum of the stored fees, in units of 10^-24 dollars (`FEE_SCALE`): capped fees, as charged. */
  readonly feeUnits: bigint;
  /** The list cost of the BYOK-routed requests, in units of 10^-12 dollars (`COST_SCALE`): the bill's `byokCostUsd`. */
  readonly byokCostUnits: bigint;
  /** The list cost of the counted requests, 10^-12 dollars: what `list-usd` tiers count. */
  readonly countedCostUnits: bigint;
  /** The first billable decision in the store's order (arrival order), or null while none is. */
  readonly crossing: CrossingRequest | null;
  /** The instant of the scope-month's latest decision in the store's order: where its next request is placed. */
  readonly latestInstant: string;
}
