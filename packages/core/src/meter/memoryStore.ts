import type { DecisionRecord } from './decisionRecord.js';
import type { MeterStore } from './meterStore.js';

/**
 * The default store: counters and decisions in memory. `record` runs synchronously
 * inside one call, so it is atomic within the process; it is not durable.
 */
export function createMemoryStore(): MeterStore {
  const counters = new Map<string, number>();
  const byId = new Map<string, DecisionRecord>();
  const order: DecisionRecord[] = [];
  return {
    async record(counterKey, requestId, decide) {
      const existing = byId.get(requestId);
      if (existing !== undefined) return { record: existing, replayed: true };
      const step = decide(counters.get(counterKey) ?? 0);
      counters.set(counterKey, step.counted);
      byId.set(requestId, step.record);
      order.push(step.record);
      return { record: step.record, replayed: false };
    },
    async *records() {
      yield* order;
    },
    async close() {},
  };
}
