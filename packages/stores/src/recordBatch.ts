import type { DecideStep, RecordOutcome } from '@byok-billing/core';

/** One `record` call waiting for its transaction. */
export interface PendingRecord {
  readonly counterKey: string;
  readonly requestId: string;
  readonly decide: DecideStep;
  readonly resolve: (outcome: RecordOutcome) => void;
  readonly reject: (error: unknown) => void;
}

/** Writes one batch in one transaction and settles each of its calls (after the commit). */
export type BatchWriter = (batch: readonly PendingRecord[]) => void | Promise<void>;

export interface RecordQueue {
  push(counterKey: string, requestId: string, decide: DecideStep): Promise<RecordOutcome>;
  /** Resolves once every call pushed so far is settled. */
  drain(): Promise<void>;
}

/**
 * Group commit: `record` calls that arrive while the event loop is busy (a CSV chunk, a
 * burst of gateway requests) are written together, up to `maxBatch` per transaction, one
 * transaction at a time and in call order. One transaction at a time keeps the store's
 * order the arrival order; a batch per transaction is what makes a durable commit cheap.
 * Nobody learns a decision before its transaction commits, so a crash loses only calls
 * that were never answered, and a re-run records those.
 */
export function createRecordQueue(write: BatchWriter, maxBatch: number): RecordQueue {
  let queue: PendingRecord[] = [];
  let running: Promise<void> | undefined;

  async function run(): Promise<void> {
    // Let the caller's synchronous burst finish queueing before the first transaction.
    await new Promise<void>((resolve) => setImmediate(resolve));
    while (queue.length > 0) {
      const taken = queue;
      queue = [];
      for (let i = 0; i < taken.length; i += maxBatch) {
        const batch = taken.slice(i, i + maxBatch);
        try {
          await write(batch);
        } catch (error) {
          // The transaction rolled back: none of its calls was recorded.
          for (const item of batch) item.reject(error);
        }
      }
    }
  }

  function schedule(): void {
    if (running !== undefined) return;
    running = run().finally(() => {
      running = undefined;
      if (queue.length > 0) schedule();
    });
  }

  return {
    push(counterKey, requestId, decide) {
      return new Promise<RecordOutcome>((resolve, reject) => {
        queue.push({ counterKey, requestId, decide, resolve, reject });
        schedule();
      });
    },
    async drain() {
      while (running !== undefined) await running.catch(() => undefined);
    },
  };
}
