/**
 * The counters and exact money sums of many bill lines as columns of numbers: `stride`
 * numbers per line in one Float64Array, indexed by line number × stride + field, and
 * `intStride` integers per line (what the line is: scope, terms, links) beside. A line is
 * a few dozen bytes instead of an object graph (an accumulator, its sums, their boxed
 * numbers), which is what lets a month of hundreds of thousands of scopes fit in memory.
 *
 * A sum field holds a safe integer of money units; a sum that would stop being one is
 * carried into a bigint first (`carries`, sparse: almost no line ever needs one), so sums
 * stay exact in any order, as `UnitSum` keeps them.
 */
export class LineColumns {
  /** `stride` numbers per line. */
  values: Float64Array;
  /** `intStride` integers per line. */
  ints: Int32Array;
  /** Lines allocated so far. */
  count = 0;
  /** The part of a sum carried out of its number, by index (line × stride + field). */
  private readonly carries = new Map<number, bigint>();

  constructor(
    readonly stride: number,
    readonly intStride: number,
    private capacity = 1024,
  ) {
    this.values = new Float64Array(capacity * stride);
    this.ints = new Int32Array(capacity * intStride);
  }

  /** A new line with every field 0: its number. */
  allocate(): number {
    if (this.count === this.capacity) this.grow();
    return this.count++;
  }

  /** Adds a safe integer ≥ 0 to the sum at `index`, carrying first when it could overflow. */
  addUnits(index: number, units: number): void {
    const values = this.values;
    const small = values[index]!;
    if (small > Number.MAX_SAFE_INTEGER - units) {
      this.addBig(index, BigInt(small));
      values[index] = units;
    } else {
      values[index] = small + units;
    }
  }

  addBig(index: number, units: bigint): void {
    this.carries.set(index, (this.carries.get(index) ?? 0n) + units);
  }

  /** The exact sum at `index`. */
  total(index: number): bigint {
    const small = BigInt(this.values[index]!);
    const carried = this.carries.size > 0 ? this.carries.get(index) : undefined;
    return carried === undefined ? small : carried + small;
  }

  /** Whether the sum at `index` is its number alone (no carry), so it can be read as one. */
  isSmall(index: number): boolean {
    return this.carries.size === 0 || !this.carries.has(index);
  }

  /** Doubles the capacity: amortised, and no line object is ever moved or boxed. */
  private grow(): void {
    this.capacity *= 2;
    const values = new Float64Array(this.capacity * this.stride);
    values.set(this.values);
    this.values = values;
    const ints = new Int32Array(this.capacity * this.intStride);
    ints.set(this.ints);
    this.ints = ints;
  }
}
