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
import type { DecideStep, MeterStore, RecordOutcome } from './meterStore.js';
import { nextFeeState } from './nextFeeState.js';

export interface MeterOptions {
  readonly policy: Policy;
  readonly accounts?: Accounts | undefined;
  /** Where counters and decisions live; default: in memory. */
  readonly store?: MeterStore;
}

export interface Meter {
  /**
   * Decides one request as it happens and records it, atomically with its scope's
   * counter. A retried request (same `request_id`) gets its original decision back and
   * counts once; the same id with another instant, scope or cost is a conflict.
   */
  record(request: UsageRequest): Promise<RecordOutcome>;
  /** The bill built from every decision in the store. */
  bill(): Promise<Bill>;
  records(): AsyncIterable<DecisionRecord>;
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
  return {
    record(request) {
      // Not an async function: a call is made for every request, and the frame an
      // `await` keeps alive until the store answers is most of what a call allocates.
      // Errors still reach the caller as a rejected promise, as from an async function.
      try {
        validateRequest(request);
        const placement = placeRequest(policy, accounts, request);
        // A pricing-language scope is decided from its fee state too (tiers in list-usd, the
        // cap), and its new fee state is stored with the count; a shorthand one needs neither.
        const decide: DecideStep =
          placement.fees === undefined
            ? (counted) => {
                const decision = decideRequest(placement, counted, request);
                return { record: toDecisionRecord(decision), counted: decision.ordinal ?? counted };
              }
            : (counted, fees) => {
                const decision = decideRequest(placement, counted, request, fees);
                return { record: toDecisionRecord(decision), counted: decision.ordinal ?? counted, fees: nextFeeState(fees, decision) };
              };
        return store.record(`${placement.scope}\n${placement.period}`, request.requestId, decide).then((outcome) => {
          if (outcome.replayed) checkReplay(outcome.record, placement, request);
          return outcome;
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
    close() {
      return store.close();
    },
  };
}
