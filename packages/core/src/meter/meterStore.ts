import type { DecisionRecord } from './decisionRecord.js';

/** The fields of a stored decision that its bill line is built from (`billFromRecords`). */
export type BilledDecision = Pick<
  DecisionRecord,
  'scope' | 'period' | 'policyVersion' | 'failoverMode' | 'allowance' | 'route' | 'chargeKind' | 'ordinal' | 'status' | 'costUsd' | 'feeUsd' | 'routeMismatch'
>;

/** What deciding a request from its scope's counter gives: the record and the new count. */
export interface CounterStep {
  readonly record: DecisionRecord;
  readonly counted: number;
}

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
}

/**
 * Where a meter keeps its counters and decisions. Every implementation must make
 * `record` one atomic step — look the request up by id, read its scope-period counter,
 * decide, save the decision and the counter — so that concurrent gateway instances and
 * crashes can neither count a request twice nor lose one.
 */
export interface MeterStore {
  /**
   * If `requestId` is already recorded, returns its stored record (`replayed`). Otherwise
   * reads the counter named `counterKey` (0 when new), calls `decide` with it, and stores
   * the record and the new count together.
   */
  record(counterKey: string, requestId: string, decide: (counted: number) => CounterStep): Promise<RecordOutcome>;
  /** Every stored record, in the order they were recorded. */
  records(): AsyncIterable<DecisionRecord>;
  /**
   * Optional: what a bill reads of every stored record (whole records, or those fields
   * alone), in the order of `records()`, a page at a time. A store that reads records in
   * pages offers it so that a bill of millions of decisions waits once per page rather
   * than once per record, and reads no more of them than it needs.
   */
  billedPages?(): AsyncIterable<readonly BilledDecision[]>;
  close(): Promise<void>;
}
