import type { FeeState } from '../ledger/decideRequest.js';
import type { DecisionRecord } from './decisionRecord.js';
import type { UsageFilter, UsageTotals } from './usageTotals.js';
import type { ThresholdCrossing, ThresholdEvent } from './thresholds.js';

/** The fields of a stored decision that its bill line is built from (`billFromRecords`). */
export type BilledDecision = Pick<
  DecisionRecord,
  'scope' | 'period' | 'policyVersion' | 'failoverMode' | 'allowance' | 'route' | 'chargeKind' | 'ordinal' | 'status' | 'costUsd' | 'feeUsd' | 'routeMismatch'
>;

/** What deciding a request from its scope's counter gives: the record and the new count. */
export interface CounterStep {
  readonly record: DecisionRecord;
  readonly counted: number;
  /**
   * The counter's new fee state (pricing-language scopes: list cost counted, fees paid), or
   * absent when the decision leaves it as it was (every shorthand decision): a store then
   * writes nothing for it, so shorthand metering pays nothing for the pricing language.
   */
  readonly fees?: FeeState | undefined;
  /**
   * The thresholds the decision crosses (`crossingsOf`), as candidates: the store keeps
   * each (scope, period, threshold) at most once, in the same transaction as the decision
   * and the counter, and reports in `RecordOutcome.crossed` only those it kept now.
   */
  readonly crossings?: readonly ThresholdCrossing[] | undefined;
}

/** The fee state of a counter nothing has moved yet, and of every shorthand counter. */
export const NO_FEES: FeeState = Object.freeze({ listUsdSoFar: 0n, feesSoFar: 0n });

/** The `crossed` of an outcome that stored no threshold event (every replay, most decisions): one shared empty list. */
export const NO_CROSSINGS: readonly ThresholdEvent[] = Object.freeze([]);

/** How `record` decides: from the counter's count and fee state as the transaction reads them. */
export type DecideStep = (counted: number, fees: FeeState) => CounterStep;

export interface RecordOutcome {
  readonly record: DecisionRecord;
  /** True when the request was already recorded: its original decision, counted once. */
  readonly replayed: boolean;
  /**
   * The decision's number in the store's order (1, 2, ... as `records()` gives them; gaps
   * allowed), for stores that number them: the same on every replay of the request, so a
   * caller can tell the repeats within its own run with one bit per stored decision
   * instead of a set of every id. Undefined when the store does not number decisions.
   */
  readonly seq?: number;
  /**
   * The threshold events this call stored (the step's crossings no earlier decision had
   * already stored), with their outbox seq. Empty or absent on a replay: a retried request
   * reports nothing new, whatever it crossed when it was first recorded.
   */
  readonly crossed?: readonly ThresholdEvent[];
}

/**
 * Where a meter keeps its counters and decisions. Every implementation must make
 * `record` one atomic step — look the request up by id, read its scope-period counter
 * (its count and its fee state), decide, save the decision and the counter — so that
 * concurrent gateway instances and crashes can neither count a request twice nor lose
 * one, nor lose or double a fee toward a tier or a cap.
 */
export interface MeterStore {
  /**
   * If `requestId` is already recorded, returns its stored record (`replayed`). Otherwise
   * reads the counter named `counterKey` (0 and `NO_FEES` when new), calls `decide` with
   * its count and fee state, and stores the record, the new count and (when the step gives
   * one) the new fee state together. Fee amounts are kept exactly (bigint units). The
   * step's threshold crossings are kept in the same transaction, each (scope, period,
   * threshold) at most once: a crossing already stored is dropped, not reported again.
   */
  record(counterKey: string, requestId: string, decide: DecideStep): Promise<RecordOutcome>;
  /** Every stored record, in the order they were recorded. */
  records(): AsyncIterable<DecisionRecord>;
  /**
   * Optional: what a bill reads of every stored record (whole records, or those fields
   * alone), in the order of `records()`, a page at a time. A store that reads records in
   * pages offers it so that a bill of millions of decisions waits once per page rather
   * than once per record, and reads no more of them than it needs.
   */
  billedPages?(): AsyncIterable<readonly BilledDecision[]>;
  /**
   * Optional: each scope-month's usage totals (meter/usage.ts), summed by the store's own
   * engine in any order; without it a usage query sums `records()`.
   */
  usageTotals?(filter: UsageFilter): Promise<readonly UsageTotals[]>;
  /**
   * The outbox: every stored threshold event with `seq > afterSeq`, in seq order. A store
   * numbers events in the order their transactions commit, so a consumer that remembers
   * the last seq it handled (its cursor) and asks for those after it misses none and sees
   * none twice, whatever other writers do meanwhile. Optional for stores made before
   * threshold events; every store of this project has it.
   */
  events?(afterSeq: number): AsyncIterable<ThresholdEvent>;
  close(): Promise<void>;
}
