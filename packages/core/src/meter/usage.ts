import type { Accounts } from '../accounts/accounts.js';
import { InvalidMoneyError } from '../errors.js';
import { placeRequest } from '../ledger/decideRequest.js';
import { compareUtf8 } from '../ledger/compareUtf8.js';
import { COST_SCALE, FEE_SCALE } from '../ledger/lineAccumulator.js';
import { Money, pow10 } from '../money/money.js';
import { parseDecimal } from '../money/parseDecimal.js';
import type { FeeUnit } from '../policy/feeTerms.js';
import type { Policy } from '../policy/policyTypes.js';
import type { Scope } from '../scope/scope.js';
import type { Period } from '../time/periodCalendar.js';
import { parseTimestamp } from '../time/parseTimestamp.js';
import type { DecisionRecord } from './decisionRecord.js';
import type { MeterStore } from './meterStore.js';
import type { CrossingRequest, UsageFilter, UsageTotals } from './usageTotals.js';

export type { CrossingRequest, UsageFilter, UsageTotals } from './usageTotals.js';

/** One scope-month's usage now, as `byok usage` reports it. */
export interface ScopeMonthUsage {
  readonly scope: Scope;
  readonly period: Period;
  readonly requestsCounted: number;
  /** What the allowance is measured in: counted requests, or their list cost in dollars (pricing language). */
  readonly allowanceUnit: FeeUnit;
  /**
   * The allowance (requests, or dollars of list cost) as the policy and accounts place the
   * scope-month's latest request, exact decimal text; null when its schedules' free tiers
   * differ (one counter, several allowances) or the policy gives this scope none (an `org:`
   * scope under a version whose scope mode is `user`).
   */
  readonly allowance: string | null;
  /** The allowance minus what is used of it, never below 0; null with `allowance`. */
  readonly allowanceLeft: string | null;
  /** The sum of the stored decisions' fees, exactly (after any cap). */
  readonly feesUsd: Money;
  /** The list cost of the BYOK requests so far. */
  readonly byokCostUsd: Money;
  readonly crossing: CrossingRequest | null;
}

/**
 * The usage of every scope-month a store holds (filtered), in bill order: scope in UTF-8
 * byte order, then period. A store that offers `usageTotals` sums in its own engine; any
 * other is summed over `records()`.
 *
 * @example
 * await storeUsage(store, defaultPolicy(), undefined, { scope: 'org:acme' })
 * //=> [{ scope: 'org:acme', period: '2025-11', requestsCounted: 1000001, allowance: '1000000', allowanceLeft: '0', ... }]
 */
export async function storeUsage(store: MeterStore, policy: Policy, accounts: Accounts | undefined, filter: UsageFilter = {}): Promise<ScopeMonthUsage[]> {
  const totals = store.usageTotals ? await store.usageTotals(filter) : await usageTotalsOfRecords(store.records(), filter);
  return usageOfTotals(sortedTotals(totals), policy, accounts);
}

/** `UsageTotals` summed over records in the store's order: the generic fallback, and the memory store's. */
export async function usageTotalsOfRecords(records: AsyncIterable<DecisionRecord> | Iterable<DecisionRecord>, filter: UsageFilter = {}): Promise<UsageTotals[]> {
  const byKey = new Map<string, MutableTotals>();
  for await (const r of records) {
    if ((filter.scope !== undefined && r.scope !== filter.scope) || (filter.period !== undefined && r.period !== filter.period)) continue;
    const key = `${r.scope}\n${r.period}`;
    let t = byKey.get(key);
    if (t === undefined) {
      t = { scope: r.scope, period: r.period, counted: 0, feeUnits: 0n, byokCostUnits: 0n, countedCostUnits: 0n, crossing: null, latestInstant: r.instant };
      byKey.set(key, t);
    }
    const cost = unitsOf(r.costUsd, COST_SCALE);
    if (r.ordinal !== null) {
      t.counted++;
      t.countedCostUnits += cost;
    }
    if (r.route === 'byok') t.byokCostUnits += cost;
    t.feeUnits += unitsOf(r.feeUsd, FEE_SCALE);
    if (t.crossing === null && r.status === 'billable') t.crossing = { requestId: r.requestId, instant: r.instant };
    t.latestInstant = r.instant;
  }
  return sortedTotals([...byKey.values()]);
}

type MutableTotals = { -readonly [K in keyof UsageTotals]: UsageTotals[K] };

/** Totals in bill order: scope (UTF-8 bytes), then period. */
export function sortedTotals(totals: readonly UsageTotals[]): UsageTotals[] {
  return [...totals].sort((a, b) => compareUtf8(a.scope, b.scope) || compareUtf8(a.period, b.period));
}

/** A stored exact amount (decimal text) in integer units at `scale`. */
export function unitsOf(text: string, scale: number): bigint {
  if (text === '0') return 0n;
  const parsed = parseDecimal(text, { maxFractionDigits: scale, allowNegative: false });
  if (typeof parsed === 'string') throw new InvalidMoneyError(`byok-billing: stored amount ${JSON.stringify(text)}: ${parsed}`);
  return parsed.units * pow10(scale - parsed.scale);
}

/** The usage of each scope-month from its totals, with the allowance the policy and accounts give it. */
export function usageOfTotals(totals: readonly UsageTotals[], policy: Policy, accounts: Accounts | undefined): ScopeMonthUsage[] {
  return totals.map((t) => {
    const allowance = allowanceOf(t, policy, accounts);
    return {
      scope: t.scope,
      period: t.period,
      requestsCounted: t.counted,
      allowanceUnit: allowance.unit,
      allowance: allowance.total,
      allowanceLeft: allowance.left,
      feesUsd: new Money(t.feeUnits, FEE_SCALE).normalize(),
      byokCostUsd: new Money(t.byokCostUnits, COST_SCALE).normalize(),
      crossing: t.crossing,
    };
  });
}

interface AllowanceNow {
  readonly unit: FeeUnit;
  readonly total: string | null;
  readonly left: string | null;
}

/**
 * The scope-month's allowance as the meter places its requests (`placeRequest`): the
 * placement of a request of the scope at the instant of its latest decision, so a policy
 * version that starts within the month and an account's `free_requests` apply as they do
 * to the next request the meter decides there.
 */
function allowanceOf(t: UsageTotals, policy: Policy, accounts: Accounts | undefined): AllowanceNow {
  const instant = parseTimestamp(t.latestInstant);
  const org = t.scope.startsWith('org:');
  const id = t.scope.slice(org ? 'org:'.length : 'user:'.length);
  const placement = placeRequest(policy, accounts, org ? { instant, userId: '', orgId: id } : { instant, userId: id, orgId: '' });
  const fees = placement.fees;
  const unit: FeeUnit = fees === undefined ? 'requests' : fees.terms.unit;
  // Under scope mode `user` no request is placed in an org's scope: it has no allowance now.
  if (placement.scope !== t.scope) return { unit, total: null, left: null };
  if (fees === undefined) return requestsAllowance(BigInt(placement.allowance), t.counted);
  const bounds = new Set<bigint>(fees.terms.schedules.map((s) => (s.free ? BigInt(s.tiers[0]!.upTo!) : 0n)));
  if (bounds.size !== 1) return { unit, total: null, left: null };
  const [bound] = bounds as Set<bigint> & Iterable<bigint>;
  if (unit === 'requests') return requestsAllowance(bound!, t.counted);
  const left = bound! > t.countedCostUnits ? bound! - t.countedCostUnits : 0n;
  return { unit, total: new Money(bound!, COST_SCALE).normalize().toString(), left: new Money(left, COST_SCALE).normalize().toString() };
}

function requestsAllowance(total: bigint, counted: number): AllowanceNow {
  const used = BigInt(counted);
  return { unit: 'requests', total: total.toString(), left: (total > used ? total - used : 0n).toString() };
}
