import { type RowBatch, compareIds } from './rowBatch.js';

const NONE = -1;

/**
 * The requests held in the reorder window, kept as columns of numbers: a slot per held
 * request (reused once it is released), the slots in allowance order, and an index from
 * id hash to slot for duplicates. Nothing is allocated per request, which is what keeps the
 * single thread that orders and decides requests ahead of the scanning threads.
 */
export class HeldRows {
  ms = new Float64Array(1024);
  ns = new Int32Array(1024);
  row = new Int32Array(1024);
  input = new Int32Array(1024);
  user = new Int32Array(1024);
  org = new Int32Array(1024);
  /** Global name numbers of `provider` and `model`, -1 for '' (filled only when the replay reads them). */
  provider = new Int32Array(1024);
  model = new Int32Array(1024);
  line = new Float64Array(1024);
  hash = new Int32Array(1024);
  batch: RowBatch[] = new Array<RowBatch>(1024);
  private free = new Int32Array(1024);
  private freeCount = 0;
  private used = 0;
  /** Slots in allowance order, from `head` to `tail`. */
  private order = new Int32Array(1024);
  private head = 0;
  private tail = 0;
  /** Open addressing (linear probing) from id hash to slot + 1; 0 is empty. */
  private table = new Int32Array(4096);
  private mask = 4095;

  get size(): number {
    return this.tail - this.head;
  }

  /** The earliest held slot, or -1. */
  first(): number {
    return this.head < this.tail ? this.order[this.head]! : NONE;
  }

  /** A free slot for a request (filled by the caller, then `insert`ed). */
  allocate(): number {
    if (this.freeCount > 0) return this.free[--this.freeCount]!;
    if (this.used === this.ms.length) this.grow();
    return this.used++;
  }

  /** The held slot whose request id is that of `batch`'s `row` (at most one is held), or -1. */
  findId(hash: number, batch: RowBatch, row: number): number {
    for (let i = hash & this.mask; ; i = (i + 1) & this.mask) {
      const entry = this.table[i]!;
      if (entry === 0) return NONE;
      const slot = entry - 1;
      if (this.hash[slot] === hash && compareIds(this.batch[slot]!, this.row[slot]!, batch, row) === 0) return slot;
    }
  }

  /** Puts a filled slot in its place in allowance order and in the id index. */
  insert(slot: number): void {
    if (this.tail === this.order.length) this.makeRoom();
    const order = this.order;
    let at = this.tail;
    if (at > this.head && this.compare(order[at - 1]!, slot) > 0) {
      let lo = this.head;
      let hi = at;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.compare(order[mid]!, slot) <= 0) lo = mid + 1;
        else hi = mid;
      }
      order.copyWithin(lo + 1, lo, at);
      at = lo;
    }
    order[at] = slot;
    this.tail++;
    let i = this.hash[slot]! & this.mask;
    while (this.table[i] !== 0) i = (i + 1) & this.mask;
    this.table[i] = slot + 1;
  }

  /** Takes a held slot out of the order and the index, wherever it stands (rare: a refused row); then `recycle` it. */
  remove(slot: number): void {
    let k = this.head;
    while (this.order[k] !== slot) k++;
    this.order.copyWithin(k, k + 1, this.tail);
    this.tail--;
    this.unindex(slot);
  }

  /** Takes the earliest slot out of the order and the index; the caller reads it, then `recycle`s it. */
  shift(): number {
    const slot = this.order[this.head++]!;
    this.unindex(slot);
    return slot;
  }

  recycle(slot: number): void {
    this.batch[slot] = undefined as unknown as RowBatch;
    this.free[this.freeCount++] = slot;
  }

  /** Allowance order (POLICY.md D1): instant, then request id in UTF-8 byte order. */
  compare(a: number, b: number): number {
    if (this.ms[a] !== this.ms[b]) return this.ms[a]! < this.ms[b]! ? -1 : 1;
    if (this.ns[a] !== this.ns[b]) return this.ns[a]! < this.ns[b]! ? -1 : 1;
    return compareIds(this.batch[a]!, this.row[a]!, this.batch[b]!, this.row[b]!);
  }

  private unindex(slot: number): void {
    const mask = this.mask;
    const table = this.table;
    let i = this.hash[slot]! & mask;
    while (table[i] !== slot + 1) i = (i + 1) & mask;
    // Backward-shift deletion keeps every entry reachable from its home without tombstones.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const entry = table[j]!;
      if (entry === 0) break;
      const home = this.hash[entry - 1]! & mask;
      if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
        table[i] = entry;
        i = j;
      }
    }
    table[i] = 0;
  }

  private makeRoom(): void {
    const size = this.tail - this.head;
    if (this.head > 0 && size < this.order.length / 2) {
      this.order.copyWithin(0, this.head, this.tail);
    } else {
      const grown = new Int32Array(this.order.length * 2);
      grown.set(this.order.subarray(this.head, this.tail));
      this.order = grown;
    }
    this.head = 0;
    this.tail = size;
  }

  private grow(): void {
    const n = this.ms.length * 2;
    const growF = (a: Float64Array) => {
      const g = new Float64Array(n);
      g.set(a);
      return g;
    };
    const growI = (a: Int32Array) => {
      const g = new Int32Array(n);
      g.set(a);
      return g;
    };
    this.ms = growF(this.ms);
    this.line = growF(this.line);
    this.ns = growI(this.ns);
    this.row = growI(this.row);
    this.input = growI(this.input);
    this.user = growI(this.user);
    this.org = growI(this.org);
    this.provider = growI(this.provider);
    this.model = growI(this.model);
    this.hash = growI(this.hash);
    this.free = growI(this.free);
    this.batch.length = n;
    const table = new Int32Array(n * 4);
    this.mask = n * 4 - 1;
    for (let k = this.head; k < this.tail; k++) {
      const slot = this.order[k]!;
      let i = this.hash[slot]! & this.mask;
      while (table[i] !== 0) i = (i + 1) & this.mask;
      table[i] = slot + 1;
    }
    this.table = table;
  }
}
