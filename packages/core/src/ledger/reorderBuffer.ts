import { ConflictingDuplicateError, LateArrivalError } from '../errors.js';
import { type Instant, formatInstant } from '../time/instant.js';
import { compareRequests } from './ledger.js';
import { type UsageRequest, sameContent } from './usageRequest.js';

/** Why a row repeating a held request's id with other content is refused (every replay says it alike). */
export function conflictingDuplicateReason(requestId: string, seenAt: string): string {
  return `request_id ${JSON.stringify(requestId)} was already seen at ${seenAt} with different content`;
}

/** Why a row more than the reorder window behind the latest one is refused. */
export function lateArrivalReason(instant: Instant, latest: Instant, latestAt: string): string {
  return (
    `${formatInstant(instant)} is more than the reorder window behind ${formatInstant(latest)} at ` +
    `${latestAt}; widen the window (--reorder-window) or sort the input (--sort)`
  );
}

/** A request as it arrived, with the caller's tag (file and line, say) for messages. */
export interface Arrival<T> {
  readonly request: UsageRequest;
  readonly source: T;
}

export type PushOutcome<T> =
  | { readonly kind: 'accepted' }
  | { readonly kind: 'duplicate'; readonly of: Arrival<T> }
  /**
   * The same id as a held request, other content, and an earlier instant: the arrival is the
   * request (POLICY.md D6, the earliest row of an id) and the held one is to be refused. The
   * buffer is left as it was (the caller replays the input refusing the held row).
   */
  | { readonly kind: 'displaces'; readonly of: Arrival<T> };

export interface ReorderBufferOptions<T> {
  /**
   * How far (ms) a request may arrive behind the latest one seen and still be put in
   * its place. `Infinity` holds everything until `flush` (a full sort).
   */
  readonly windowMs: number;
  /** Receives requests in allowance order, once nothing can arrive before them. */
  readonly release: (arrival: Arrival<T>) => void;
  /** Describes a source in error messages. */
  readonly describe?: (source: T) => string;
}

export interface ReorderBuffer<T> {
  /**
   * Takes one arrival. A repeat of a request still held (same id, same content) is
   * reported as a duplicate and not released again; the same id with other
   * content throws `ConflictingDuplicateError`, or displaces the held request when it is
   * earlier; a request more than the window behind the latest one throws `LateArrivalError`.
   * Neither error changes the buffer.
   */
  push(arrival: Arrival<T>): PushOutcome<T>;
  /** Whether a request at this instant would be more than the window behind the latest one. */
  isLate(epochMs: number): boolean;
  /** Whether a request with this id is held. */
  holds(requestId: string): boolean;
  /** The latest arrival so far (the first of the greatest millisecond), if any. */
  readonly latest: Arrival<T> | undefined;
  /** Releases everything still held (end of input), in allowance order. */
  flush(): void;
  /** Requests currently held. */
  readonly size: number;
}

/**
 * Puts nearly-sorted arrivals (logs merged from several gateway nodes) in allowance
 * order with memory bounded by the window: a min-heap of the requests that a later
 * arrival could still precede, and the ids seen within the window for duplicates.
 */
export function createReorderBuffer<T>(options: ReorderBufferOptions<T>): ReorderBuffer<T> {
  const { windowMs, release } = options;
  const describe = options.describe ?? (() => 'an earlier row');
  const heap: Arrival<T>[] = [];
  // Ids of the arrivals still held. A repeat has its original's instant, so once the
  // original is released any repeat of it is later than the window allows anyway.
  const held = new Map<string, Arrival<T>>();
  let latest: Arrival<T> | undefined;

  const less = (a: Arrival<T>, b: Arrival<T>) => compareRequests(a.request, b.request) < 0;

  function siftUp(i: number): void {
    const item = heap[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(item, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = item;
  }

  function siftDown(i: number): void {
    const n = heap.length;
    const item = heap[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && less(heap[r]!, heap[l]!) ? r : l;
      if (!less(heap[c]!, item)) break;
      heap[i] = heap[c]!;
      i = c;
    }
    heap[i] = item;
  }

  function pop(): Arrival<T> {
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      siftDown(0);
    }
    return top;
  }

  function releaseBefore(thresholdMs: number): void {
    while (heap.length > 0 && heap[0]!.request.instant.epochMs < thresholdMs) {
      const arrival = pop();
      held.delete(arrival.request.requestId);
      release(arrival);
    }
  }

  const isLate = (epochMs: number): boolean => latest !== undefined && epochMs < latest.request.instant.epochMs - windowMs;

  return {
    push(arrival) {
      const { request } = arrival;
      const seen = held.get(request.requestId);
      if (seen !== undefined) {
        if (sameContent(seen.request, request)) return { kind: 'duplicate', of: seen };
        const earlier =
          request.instant.epochMs < seen.request.instant.epochMs ||
          (request.instant.epochMs === seen.request.instant.epochMs && request.instant.nanos < seen.request.instant.nanos);
        if (earlier && !isLate(request.instant.epochMs)) return { kind: 'displaces', of: seen };
        throw new ConflictingDuplicateError(conflictingDuplicateReason(request.requestId, describe(seen.source)), seen.source);
      }
      const ms = request.instant.epochMs;
      if (latest !== undefined && ms < latest.request.instant.epochMs - windowMs) {
        throw new LateArrivalError(lateArrivalReason(request.instant, latest.request.instant, describe(latest.source)), latest.source);
      }
      held.set(request.requestId, arrival);
      heap.push(arrival);
      siftUp(heap.length - 1);
      if (latest === undefined || ms > latest.request.instant.epochMs) {
        latest = arrival;
        releaseBefore(ms - windowMs);
      }
      return { kind: 'accepted' };
    },
    isLate,
    holds(requestId) {
      return held.has(requestId);
    },
    flush() {
      while (heap.length > 0) release(pop());
      held.clear();
    },
    get size() {
      return heap.length;
    },
    get latest() {
      return latest;
    },
  };
}
