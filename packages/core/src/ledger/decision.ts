import type { Money } from '../money/money.js';
import type { ChargeKind } from '../policy/chargeTypes.js';
import type { Route } from '../routing/routeTypes.js';
import type { FailoverMode } from '../routing/routeTypes.js';
import type { Scope } from '../scope/scope.js';
import type { Period } from '../time/periodCalendar.js';
import type { FeeTier, FeeUnit } from '../policy/feeTerms.js';
import type { TierPart } from './tieredFee.js';
import type { UsageRequest } from './usageRequest.js';

/**
 * How a BYOK request stands against the allowance: `free` within it, `billable` past it;
 * `null` for requests that did not go through the key.
 */
export type AllowanceStatus = 'free' | 'billable' | null;

/** Why one request is charged what it is: the ledger's audit record. */
export interface Decision {
  readonly request: UsageRequest;
  readonly scope: Scope;
  readonly period: Period;
  readonly policyVersion: string;
  readonly failoverMode: FailoverMode;
  readonly route: Route;
  /** Name of the routing rule that chose the route (`recorded-route` when taken as recorded). */
  readonly routeRule: string;
  /** A recorded route that differs from the derived one (FORMATS.md: reported, not used). */
  readonly routeMismatch: boolean;
  /** Whether the request counts toward the allowance under the policy's `counts`. */
  readonly counted: boolean;
  /** 1-based rank among the scope's counted requests in the period; `null` if not counted. */
  readonly ordinal: number | null;
  /** The scope's allowance for the period. */
  readonly allowance: number;
  readonly status: AllowanceStatus;
  readonly chargeKind: ChargeKind;
  /** Name of the charge rule that decided. */
  readonly chargeRule: string;
  /** The BYOK fee part of the charge (fee rate × list cost, or 0). */
  readonly fee: Money;
  /** Everything charged for the request: the fee, or the list cost on platform credits. */
  readonly charge: Money;
  /** A repeat of an already-decided request (same id, same content): it counts once. */
  readonly duplicate: boolean;
  /**
   * How a policy in the pricing language (docs/pricing-language.md) priced a counted
   * request; absent when the scope's terms are today's shorthand (`allowance` + `feeRate`),
   * billed as they always were.
   */
  readonly tiers?: DecisionTiers | undefined;
}

/** The pricing language's side of a decision: the schedule, the tiers it covered, the cap. */
export interface DecisionTiers {
  readonly unit: FeeUnit;
  /** The schedule the request pays by, its index in the version's `feeTerms.schedules`, and the rule that chose it. */
  readonly schedule: string;
  readonly scheduleIndex: number;
  readonly scheduleRule: string;
  /** The schedule's tiers as placed for the scope (its contract terms applied): what `parts[].tier` indexes. */
  readonly scheduleTiers: readonly FeeTier<number | bigint>[];
  /** The tiers its quantity interval covers (in the scope's placed tiers), with what each part pays. */
  readonly parts: readonly TierPart[];
  /** Its fee before the cap (0 unless its charge kind is `fee`). */
  readonly uncappedFee: Money;
  /** Whether the scope-month's cap lowered its fee. */
  readonly capped: boolean;
  /** The scope-month's cap (contract terms applied), or undefined for none. */
  readonly capUsd: Money | undefined;
  /** The fees the scope-month paid before it: what the cap had left is `capUsd − feesBefore`. */
  readonly feesBefore: Money;
}
