import type { RecordOutcome } from '@byok-billing/core';

/**
 * The request ids this run has already answered, to count a later row with one of them
 * as a duplicate (whether the store decided it in this run or an earlier one). Stores
 * that number their decisions (`RecordOutcome.seq`) need one bit per stored decision,
 * so memory stays flat however long the log; for others every id is kept.
 */
export class RunIds {
  private bits = new Uint32Array(1 << 12);
  private readonly ids = new Set<string>();

  /** True when this id was already answered in this run; marks it answered. */
  repeat(requestId: string, outcome: RecordOutcome): boolean {
    const seq = outcome.seq;
    // Bit positions are 32-bit words' indexes: a number past that (a store with billions of
    // decisions) would alias a smaller one, so such ids are kept as ids.
    if (seq === undefined || seq > 0x7fffffff) {
      if (this.ids.has(requestId)) return true;
      this.ids.add(requestId);
      return false;
    }
    const word = seq >>> 5;
    if (word >= this.bits.length) {
      let length = this.bits.length * 2;
      while (length <= word) length *= 2;
      const bits = new Uint32Array(length);
      bits.set(this.bits);
      this.bits = bits;
    }
    const mask = 1 << (seq & 31);
    if ((this.bits[word]! & mask) !== 0) return true;
    this.bits[word]! |= mask;
    return false;
  }
}
