/**
 * An exact sum of non-negative integer money units. Adding plain numbers is several times
 * cheaper than adding bigints, so the sum is kept in a number while it stays a safe
 * integer and carried into a bigint before it could stop being one.
 */
export class UnitSum {
  private small = 0;
  private big = 0n;

  /** Adds a safe integer ≥ 0. */
  add(units: number): void {
    if (this.small > Number.MAX_SAFE_INTEGER - units) {
      this.big += BigInt(this.small);
      this.small = 0;
    }
    this.small += units;
  }

  addBig(units: bigint): void {
    this.big += units;
  }

  total(): bigint {
    return this.big + BigInt(this.small);
  }
}
