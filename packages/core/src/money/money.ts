import { ArithmeticError, InvalidArgumentError } from '../errors.js';
import type { Rate } from './rate.js';

const TEN = 10n;

/** 10^n as a bigint, cached for the scales money actually uses. */
const POWERS: bigint[] = [];
export function pow10(n: number): bigint {
  let p = POWERS[n];
  if (p === undefined) {
    p = TEN ** BigInt(n);
    if (n < 64) POWERS[n] = p;
  }
  return p;
}

/**
 * An exact amount of US dollars: an integer number of units at a decimal scale
 * (`units × 10^-scale`). Amounts of different scales combine exactly; nothing here
 * rounds. JavaScript numbers never hold an amount.
 *
 * @example
 * parseMoney('0.0120').multiply(parseRate('0.05')).toString()
 * //=> '0.0006'
 */
export class Money {
  /** The integer coefficient. */
  readonly units: bigint;
  /** Number of decimal places the coefficient carries (≥ 0). */
  readonly scale: number;

  static readonly ZERO = new Money(0n, 0);

  constructor(units: bigint, scale: number) {
    if (!Number.isInteger(scale) || scale < 0) {
      throw new InvalidArgumentError(`byok-billing: scale must be a non-negative integer, got ${scale}`);
    }
    this.units = units;
    this.scale = scale;
  }

  /** Exact sum. The result carries the larger of the two scales. */
  add(other: Money): Money {
    if (this.scale === other.scale) return new Money(this.units + other.units, this.scale);
    if (this.scale > other.scale) {
      return new Money(this.units + other.units * pow10(this.scale - other.scale), this.scale);
    }
    return new Money(this.units * pow10(other.scale - this.scale) + other.units, other.scale);
  }

  /** Exact difference (may be negative: audits report signed differences). */
  subtract(other: Money): Money {
    return this.add(other.negate());
  }

  negate(): Money {
    return new Money(-this.units, this.scale);
  }

  /** Exact product with a rate: the scales add, so no digit is lost. */
  multiply(rate: Rate): Money {
    return new Money(this.units * rate.units, this.scale + rate.scale);
  }

  /** -1, 0 or 1 as this amount is less than, equal to or greater than `other`. */
  compare(other: Money): -1 | 0 | 1 {
    let a = this.units;
    let b = other.units;
    if (this.scale > other.scale) b *= pow10(this.scale - other.scale);
    else if (other.scale > this.scale) a *= pow10(other.scale - this.scale);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** Equal in value, whatever the scales (`1.50` equals `1.5`). */
  equals(other: Money): boolean {
    return this.compare(other) === 0;
  }

  isZero(): boolean {
    return this.units === 0n;
  }

  isNegative(): boolean {
    return this.units < 0n;
  }

  /** The same value at the smallest scale that holds it exactly. */
  normalize(): Money {
    if (this.scale === 0 || this.units % TEN !== 0n) return this;
    // Count the trailing zeros in the digits and drop them with one division: a bigint
    // division per zero made bills of many lines (sums at scale 24) slow to assemble.
    const digits = (this.units < 0n ? -this.units : this.units).toString();
    let zeros = 0;
    while (zeros < this.scale && zeros < digits.length && digits.charCodeAt(digits.length - 1 - zeros) === 48) zeros++;
    if (this.units === 0n) return new Money(0n, 0);
    return new Money(this.units / pow10(zeros), this.scale - zeros);
  }

  /**
   * The canonical decimal string: no exponent, no trailing fractional zeros, no
   * trailing point, `0` for zero, a leading `-` for negatives.
   *
   * @example
   * new Money(1500n, 3).toString() //=> '1.5'
   */
  toString(): string {
    // Format, then drop trailing fractional zeros from the text: cheaper than bigint
    // division per zero, and this runs once per decision record written.
    const text = formatUnits(this.units, this.scale);
    if (this.scale === 0) return text;
    let end = text.length;
    while (text.charCodeAt(end - 1) === 48 /* 0 */) end--;
    if (text.charCodeAt(end - 1) === 46 /* . */) end--;
    const trimmed = text.slice(0, end);
    return trimmed === '-0' ? '0' : trimmed;
  }

  /** The value with exactly `scale` fractional digits (only when no digit is lost). */
  toFixedScale(scale: number): string {
    if (scale < this.scale) {
      const n = this.normalize();
      if (n.scale > scale) {
        throw new ArithmeticError(`byok-billing: ${n.toString()} has more than ${scale} fractional digits`);
      }
      return formatUnits(n.units * pow10(scale - n.scale), scale);
    }
    return formatUnits(this.units * pow10(scale - this.scale), scale);
  }

  toJSON(): string {
    return this.toString();
  }
}

function formatUnits(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString();
  let text: string;
  if (scale === 0) {
    text = digits;
  } else if (digits.length > scale) {
    text = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  } else {
    text = `0.${digits.padStart(scale, '0')}`;
  }
  return negative ? `-${text}` : text;
}

/** Exact sum of amounts, in any order (addition of integers is associative). */
export function sumMoney(amounts: Iterable<Money>): Money {
  let total = Money.ZERO;
  for (const m of amounts) total = total.add(m);
  return total;
}
