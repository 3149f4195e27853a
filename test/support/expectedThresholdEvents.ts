/**
 * The threshold events a store must hold, computed from its final decisions alone, written
 * independently of packages/core/src/meter/thresholds.ts (no shared code): for each
 * scope-month, walking its decisions in store order,
 * - a percentage P (a whole number here) is reached by the counted decision whose ordinal k
 *   is the first with k × 100 ≥ P × allowance and k ≥ 1 (its target), i.e. the decision with
 *   ordinal = target, when the month counted that far;
 * - first-billable is the first decision (store order) whose status is billable.
 * Percentages count requests (the shorthand and `requests` terms).
 */
export interface ExpectedEvent {
  readonly scope: string;
  readonly period: string;
  readonly threshold: string;
  readonly requestId: string;
  readonly count: number;
}

export interface StoredDecision {
  readonly requestId: string;
  readonly scope: string;
  readonly period: string;
  readonly ordinal: number | null;
  readonly status: string | null;
}

export function expectedThresholdEvents(
  decisionsInStoreOrder: Iterable<StoredDecision>,
  percents: readonly number[],
  allowanceOf: (scope: string) => number,
  firstBillable: boolean,
): ExpectedEvent[] {
  const events: ExpectedEvent[] = [];
  const billableSeen = new Set<string>();
  for (const d of decisionsInStoreOrder) {
    const month = `${d.scope}\n${d.period}`;
    if (d.ordinal !== null) {
      for (const p of percents) {
        // The smallest k ≥ 1 with 100k ≥ p × allowance, found by counting up from the exact quotient.
        const allowance = allowanceOf(d.scope);
        let target = Math.max(1, Math.floor((p * allowance) / 100));
        while (target * 100 < p * allowance) target++;
        if (d.ordinal === target) events.push({ scope: d.scope, period: d.period, threshold: `${p}%`, requestId: d.requestId, count: d.ordinal });
      }
    }
    if (firstBillable && d.status === 'billable' && !billableSeen.has(month)) {
      billableSeen.add(month);
      events.push({ scope: d.scope, period: d.period, threshold: 'first-billable', requestId: d.requestId, count: d.ordinal ?? 0 });
    }
  }
  return sortEvents(events);
}

/** Events in one order (scope, period, threshold), to compare as sets. */
export function sortEvents<T extends ExpectedEvent>(events: readonly T[]): T[] {
  const key = (e: ExpectedEvent) => `${e.scope}\n${e.period}\n${e.threshold}`;
  return [...events].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** The fields the expectation fixes, of any event-like object. */
export function eventCore(e: ExpectedEvent): ExpectedEvent {
  return { scope: e.scope, period: e.period, threshold: e.threshold, requestId: e.requestId, count: e.count };
}
