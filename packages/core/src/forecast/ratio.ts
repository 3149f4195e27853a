import type { RoundingMode } from '../money/rounding/roundingMode.js';

/**
 * An exact rational number `num / den` (den > 0, lowest terms).
 * Projections divide counts by hours, so they are rarely finite decimals: they stay exact
 * here and are rounded only when presented (`toFixed`), never through a float.
 */
export class Ratio {
  readonly num: bigint;
  readonly den: bigint;

  constructor(num: bigint, den: bigint = 1n) {
    if (den === 0n) throw new RangeError('byok-billing: a ratio with denominator 0');
    if (den < 0n) {
      num = -num;
      den = -den;
    }
    const g = gcd(num < 0n ? -num : num, den);
    this.num = g > 1n ? num / g : num;
    this.den = g > 1n ? den / g : den;
  }

  static readonly ZERO = new Ratio(0n);

  static of(n: bigint | number): Ratio {
    return new Ratio(BigInt(n));
  }

  add(o: Ratio): Ratio {
    return new Ratio(this.num * o.den + o.num * this.den, this.den * o.den);
  }

  subtract(o: Ratio): Ratio {
    return new Ratio(this.num * o.den - o.num * this.den, this.den * o.den);
  }

  multiply(o: Ratio): Ratio {
    return new Ratio(this.num * o.num, this.den * o.den);
  }

  divide(o: Ratio): Ratio {
    return new Ratio(this.num * o.den, this.den * o.num);
  }

  compare(o: Ratio): -1 | 0 | 1 {
    const a = this.num * o.den;
    const b = o.num * this.den;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  isZero(): boolean {
    return this.num === 0n;
  }

  min(o: Ratio): Ratio {
    return this.compare(o) <= 0 ? this : o;
  }

  max(o: Ratio): Ratio {
    return this.compare(o) >= 0 ? this : o;
  }

  /** The largest integer ≤ this. */
  floor(): bigint {
    const q = this.num / this.den;
    return this.num < 0n && q * this.den !== this.num ? q - 1n : q;
  }

  /**
   * Rounded to `scale` fractional digits by `mode`, as a plain decimal string.
   *
   * @example
   * new Ratio(2n, 3n).toFixed(2, halfEven) //=> '0.67'
   */
  toFixed(scale: number, mode: RoundingMode): string {
    const negative = this.num < 0n;
    const scaled = (negative ? -this.num : this.num) * 10n ** BigInt(scale);
    const units = mode(scaled / this.den, scaled % this.den, this.den);
    const digits = units.toString().padStart(scale + 1, '0');
    const body = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
    return negative && units !== 0n ? `-${body}` : body;
  }

  /**
   * The exact value as a plain decimal when it has one (a denominator of only 2s and 5s:
   * sums of amounts), else undefined.
   *
   * @example
   * new Ratio(1n, 8n).toExactDecimal() //=> '0.125'
   */
  toExactDecimal(): string | undefined {
    let d = this.den;
    let twos = 0;
    let fives = 0;
    while (d % 2n === 0n) {
      d /= 2n;
      twos++;
    }
    while (d % 5n === 0n) {
      d /= 5n;
      fives++;
    }
    if (d !== 1n) return undefined;
    const scale = Math.max(twos, fives);
    const text = this.toFixed(scale, (q) => q);
    return scale === 0 ? text : text.replace(/\.?0+$/, '');
  }

  /** `num/den` in lowest terms (`num` when den is 1): the exact value, for machines. */
  toString(): string {
    return this.den === 1n ? this.num.toString() : `${this.num}/${this.den}`;
  }
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}
