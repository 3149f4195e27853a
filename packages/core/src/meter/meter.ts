import type { Accounts } from '../accounts/accounts.js';
import { ConflictingDuplicateError } from '../errors.js';
import type { Bill } from '../ledger/billLine.js';
import { type Placement, decideRequest, placeRequest, validateRequest } from '../ledger/decideRequest.js';
import type { UsageRequest } from '../ledger/usageRequest.js';
import type { Policy } from '../policy/policyTypes.js';
import { formatInstant } from '../time/instant.js';
import { billFromPages, billFromRecords } from './billFromRecords.js';
import { type DecisionRecord, toDecisionRecord } from './decisionRecord.js';
import { createMemoryStore } from './memoryStore.js';
import { type DecideStep, type MeterStore, NO_CROSSINGS, NO_FEES, type RecordOutcome } from './meterStore.js';
import { nextFeeState } from './nextFeeState.js';
import { DEFAULT_THRESHOLD_NAMES, type Threshold, type ThresholdAllowance, type ThresholdEvent, crossingsOf, highestTarget, parseThresholds, thresholdAllowance } from './thresholds.js';

export interface MeterOptions {
  readonly policy: Policy;
  readonly accounts?: Accounts | undefined;
  /** Where counters and decisions live; default: in memory. */
  readonly store?: MeterStore;
  /**
   * The thresholds `record` reports (`parseThresholds`: "50%", "12.5%", "first-billable");
   * default `DEFAULT_THRESHOLD_NAMES` (50%, 80%, 100% and first-billable); [] for none.
   */
  readonly thresholds?: readonly string[];
}

/** What `Meter.record` gives: the store's outcome, and the thresholds this request crossed. */
export interface MeterOutcome extends RecordOutcome {
  /**
   * The threshold events this call stored, in threshold order (percentages rising, then
   * first-billable): each (scope, period, threshold) is reported by exactly one call ever,
   * across retries, processes and re-runs. [] on a replay. A caller that crashes before
   * acting on them finds them in `events()`, the store's outbox.
   */
  readonly crossed: readonly ThresholdEvent[];
}

export interface Meter {
  /**
   * Decides one request as it happens and records it, atomically with its scope's
   * counter. A retried request (same `request_id`) gets its original decision back and
   * counts once; the same id with another instant, scope or cost is a conflict.
   */
  record(request: UsageRequest): Promise<MeterOutcome>;
  /** The bill built from every decision in the store. */
  bill(): Promise<Bill>;
  records(): AsyncIterable<DecisionRecord>;
  /** The store's threshold events after `afterSeq` (default 0: all), in outbox order. */
  events(afterSeq?: number): AsyncIterable<ThresholdEvent>;
  close(): Promise<void>;
}

/** A stored decision returned for a request_id must be of the same request. */
function checkReplay(r: DecisionRecord, placement: Placement, request: UsageRequest): void {
  if (r.instant !== formatInstant(request.instant) || r.scope !== placement.scope || r.costUsd !== request.cost.toString()) {
    throw new ConflictingDuplicateError(`request_id ${JSON.stringify(request.requestId)} was already recorded with different content`);
  }
}

/**
 * The online meter: each request is decided when it arrives, and the decision is final.
 * That is how real-time billing works, and it differs from a batch bill in one way: the
 * allowance is consumed in ARRIVAL order. A request that arrives late (after requests
 * with later timestamps) takes the next ordinal of its period instead of the one its
 * timestamp would give it; it is still billed in the period its timestamp falls in.
 * On a log in timestamp order, the meter's bill is exactly the batch bill.
 *
 * @example
 * const meter = createMeter({ policy: defaultPolicy() });
 * (await meter.record(request)).record.status //=> 'free'
 */
export function createMeter(options: MeterOptions): Meter {
  const { policy, accounts } = options;
  const store = options.store ?? createMemoryStore();
  const thresholds: readonly Threshold[] = parseThresholds(options.thresholds ?? DEFAULT_THRESHOLD_NAMES);
  const wantsFirstBillable = thresholds.some((t) => t.kind === 'first-billable');
  // Counters whose first billable request is known stored (by this process or another):
  // their billable requests offer the store no candidate. Only saves the store a write:
  // the store's uniqueness is what makes first-billable once.
  const billableSeen = new Set<string>();
  // The highest percentage target per allowance (allowances are few: the policy's and the accounts').
  const highest = new Map<bigint, bigint>();
  const highestFor = (allowance: ThresholdAllowance): bigint => {
    let h = highest.get(allowance.quantity);
    if (h === undefined) highest.set(allowance.quantity, (h = highestTarget(thresholds, allowance.quantity)));
    return h;
  };
  /** Whether a decision may cross anything: most do not, and need no crossings looked for. */
  const mayCross = (before: bigint, after: bigint, top: bigint, billable: boolean, seen: boolean): boolean =>
    (after > before && before < top) || (billable && wantsFirstBillable && !seen);
  return {
    record(request) {
      // Not an async function: a call is made for every request, and the frame an
      // `await` keeps alive until the store answers is most of what a call allocates.
      // Errors still reach the caller as a rejected promise, as from an async function.
      try {
        validateRequest(request);
        const placement = placeRequest(policy, accounts, request);
        const counterKey = `${placement.scope}\n${placement.period}`;
        const allowance = thresholds.length > 0 ? thresholdAllowance(placement) : undefined;
        const top = allowance === undefined ? 0n : highestFor(allowance);
        const seen = billableSeen.has(counterKey);
        // A pricing-language scope is decided from its fee state too (tiers in list-usd, the
        // cap), and its new fee state is stored with the count; a shorthand one needs neither.
        // Either step offers the store the thresholds its decision crosses (thresholds.ts).
        const decide: DecideStep =
          placement.fees === undefined
            ? (counted) => {
                const decision = decideRequest(placement, counted, request);
                const record = toDecisionRecord(decision);
                const after = decision.ordinal ?? counted;
                if (allowance === undefined || !mayCross(BigInt(counted), BigInt(after), top, record.status === 'billable', seen)) return { record, counted: after };
                const move = { countBefore: counted, countAfter: after, feesBefore: NO_FEES, feesAfter: NO_FEES };
                const crossings = crossingsOf(thresholds, allowance, move, record, seen);
                return crossings.length === 0 ? { record, counted: after } : { record, counted: after, crossings };
              }
            : (counted, fees) => {
                const decision = decideRequest(placement, counted, request, fees);
                const record = toDecisionRecord(decision);
                const after = decision.ordinal ?? counted;
                const feesAfter = nextFeeState(fees, decision);
                if (allowance === undefined) return { record, counted: after, fees: feesAfter };
                const [before, now] = allowance.unit === 'list-usd' ? [fees.listUsdSoFar, feesAfter.listUsdSoFar] : [BigInt(counted), BigInt(after)];
                if (!mayCross(before, now, top, record.status === 'billable', seen)) return { record, counted: after, fees: feesAfter };
                const crossings = crossingsOf(thresholds, allowance, { countBefore: counted, countAfter: after, feesBefore: fees, feesAfter }, record, seen);
                return { record, counted: after, fees: feesAfter, ...(crossings.length === 0 ? {} : { crossings }) };
              };
        return store.record(counterKey, request.requestId, decide).then((outcome): MeterOutcome => {
          if (outcome.replayed) {
            checkReplay(outcome.record, placement, request);
            // A replay reports nothing, whatever a store says (its contract: nothing new).
            return outcome.crossed === NO_CROSSINGS ? (outcome as MeterOutcome) : { ...outcome, crossed: NO_CROSSINGS };
          }
          // Stored now, or refused by the store because another decision stored it first.
          if (wantsFirstBillable && outcome.record.status === 'billable') billableSeen.add(counterKey);
          // Stores of this project always say: no object is copied per request.
          return outcome.crossed !== undefined ? (outcome as MeterOutcome) : { ...outcome, crossed: NO_CROSSINGS };
        });
      } catch (error) {
        return Promise.reject(error);
      }
    },
    bill() {
      return store.billedPages ? billFromPages(store.billedPages(), policy) : billFromRecords(store.records(), policy);
    },
    records() {
      return store.records();
    },
    events(afterSeq = 0) {
      if (store.events === undefined) throw new TypeError('this meter store keeps no threshold events (MeterStore.events)');
      return store.events(afterSeq);
    },
    close() {
      return store.close();
    },
  };
}
