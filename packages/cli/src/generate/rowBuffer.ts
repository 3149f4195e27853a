import { civilFromDays } from '@byok-billing/core/internal';

const PICO_DIGITS = 12;
const PICO = 1_000_000_000_000;

/** Writes `n` (a non-negative safe integer below 10^width) as `width` decimal digits at `at`. */
function writePadded(b: Uint8Array, at: number, n: number, width: number): void {
  let p = at + width;
  for (let i = 0; i < width; i++) {
    const q = Math.floor(n / 10);
    b[--p] = 48 + (n - q * 10);
    n = q;
  }
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}
const encoder = new TextEncoder();

/**
 * One CSV line under construction, as UTF-8 bytes. Writing bytes into a reused buffer
 * (rather than concatenating strings) keeps the generator free of per-row garbage.
 */
export class RowBuffer {
  bytes: Uint8Array;
  length = 0;
  private readonly digits = new Uint8Array(24);
  // Timestamp cache: the "YYYY-MM-DDTHH:MM:" bytes of the last minute written.
  private minuteKey = Number.NaN;
  private readonly minutePrefix = new Uint8Array(17);

  constructor(capacity: number) {
    this.bytes = new Uint8Array(capacity);
  }

  /** Hands out the bytes written so far and continues in a fresh buffer of the same capacity. */
  take(): Uint8Array {
    const full = this.bytes.subarray(0, this.length);
    this.bytes = new Uint8Array(this.bytes.length);
    this.length = 0;
    return full;
  }

  /** Appends `src[from, to)` (native copy; `src` may be this buffer). */
  copyFrom(src: Uint8Array, from: number, to: number): void {
    if (src === this.bytes) this.bytes.copyWithin(this.length, from, to);
    else this.bytes.set(src.subarray(from, to), this.length);
    this.length += to - from;
  }

  byte(b: number): void {
    this.bytes[this.length++] = b;
  }

  /** Copies pre-encoded bytes. The buffer has no bounds checks: its owner keeps room for a whole row. */
  put(src: Uint8Array): void {
    const b = this.bytes;
    let p = this.length;
    for (let i = 0; i < src.length; i++) b[p++] = src[i]!;
    this.length = p;
  }

  /** Copies `length` bytes of `src` from `from`. */
  putRange(src: Uint8Array, from: number, length: number): void {
    const b = this.bytes;
    let p = this.length;
    for (let i = from, end = from + length; i < end; i++) b[p++] = src[i]!;
    this.length = p;
  }

  /** A non-negative safe integer in decimal. */
  uint(n: number): void {
    const d = this.digits;
    let k = 0;
    do {
      const q = Math.floor(n / 10);
      d[k++] = 48 + (n - q * 10);
      n = q;
    } while (n > 0);
    const b = this.bytes;
    let p = this.length;
    while (k > 0) b[p++] = d[--k]!;
    this.length = p;
  }

  /** A non-negative safe integer in `width` zero-padded decimal digits (n < 10^width). */
  private padded(n: number, width: number): void {
    writePadded(this.bytes, this.length, n, width);
    this.length += width;
  }

  /**
   * An integer amount of picodollars as a plain decimal (no exponent, no trailing
   * fractional zeros, `0` for zero): same text as `formatPicoUsd`.
   */
  picoUsd(pico: number): void {
    let whole = Math.floor(pico / PICO);
    let frac = pico - whole * PICO;
    if (frac < 0) {
      whole -= 1;
      frac += PICO;
    } else if (frac >= PICO) {
      whole += 1;
      frac -= PICO;
    }
    this.uint(whole);
    if (frac === 0) return;
    let digits = PICO_DIGITS;
    let q = Math.floor(frac / 10);
    while (frac - q * 10 === 0) {
      frac = q;
      q = Math.floor(frac / 10);
      digits--;
    }
    this.byte(46); // '.'
    this.padded(frac, digits);
  }

  /** `localMs` (epoch ms already shifted by any UTC offset) as `YYYY-MM-DDTHH:MM:SS.mmm`. */
  wallClock(localMs: number): void {
    const minute = Math.floor(localMs / 60_000);
    if (minute !== this.minuteKey) {
      this.minuteKey = minute;
      const days = Math.floor(minute / 1440);
      const minOfDay = minute - days * 1440;
      const { year, month, day } = civilFromDays(days);
      const m = this.minutePrefix;
      writePadded(m, 0, year, 4);
      m[4] = 45; // '-'
      writePadded(m, 5, month, 2);
      m[7] = 45;
      writePadded(m, 8, day, 2);
      m[10] = 84; // 'T'
      writePadded(m, 11, Math.floor(minOfDay / 60), 2);
      m[13] = 58; // ':'
      writePadded(m, 14, minOfDay % 60, 2);
      m[16] = 58;
    }
    this.put(this.minutePrefix);
    const msOfMinute = localMs - minute * 60_000;
    const s = Math.floor(msOfMinute / 1000);
    this.padded(s, 2);
    this.byte(46);
    this.padded(msOfMinute - s * 1000, 3);
  }
}

/** An odometer of base-36 digits, incremented in place: request-id counters without allocations. */
export class Base36Counter {
  readonly digits: Uint8Array;
  private readonly values: Uint8Array;

  constructor(width: number) {
    this.digits = new Uint8Array(width).fill(48);
    this.values = new Uint8Array(width);
  }

  increment(): void {
    const { digits, values } = this;
    for (let i = digits.length - 1; i >= 0; i--) {
      const v = values[i]! + 1;
      if (v < 36) {
        values[i] = v;
        digits[i] = v < 10 ? 48 + v : 87 + v;
        return;
      }
      values[i] = 0;
      digits[i] = 48;
    }
    throw new RangeError('Base36Counter overflow');
  }
}
