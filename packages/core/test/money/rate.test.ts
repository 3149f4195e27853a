import { describe, expect, it } from 'vitest';
import { ByokError, InvalidArgumentError, InvalidRateError, MAX_RATE_FRACTION_DIGITS, Rate, parseRate } from '@byok-billing/core';

function rateError(fn: () => unknown): InvalidRateError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidRateError);
    expect(e).toBeInstanceOf(ByokError);
    return e as InvalidRateError;
  }
  throw new Error('expected the call to throw');
}

describe('parseRate', () => {
  it.each([
    ['0.05', 5n, 2],
    ['0', 0n, 0],
    ['1', 1n, 0],
    ['0.050', 50n, 3],
    ['2.5', 25n, 1],
    ['0.000000000001', 1n, 12],
  ])('reads %j as units %s at scale %s', (text, units, scale) => {
    const r = parseRate(text);
    expect(r).toBeInstanceOf(Rate);
    expect(r.units).toBe(units);
    expect(r.scale).toBe(scale);
  });

  it('accepts at most MAX_RATE_FRACTION_DIGITS (12) fractional digits', () => {
    expect(MAX_RATE_FRACTION_DIGITS).toBe(12);
    const e = rateError(() => parseRate('0.0000000000001'));
    expect(e.message).toBe('"0.0000000000001": has 13 fractional digits; at most 12 are accepted');
  });

  it.each([
    ['-0.05', 'must not be negative'],
    ['', 'empty value'],
    ['+0.05', 'must not carry a "+" sign'],
    ['5e-2', 'exponent notation is not accepted; write a plain decimal'],
    ['.05', 'digits are required before the decimal point'],
    ['5%', 'unexpected character "%" at position 2; expected a plain decimal like 0.0125'],
  ])('refuses %j: %s', (text, reason) => {
    const e = rateError(() => parseRate(text));
    expect(e.code).toBe('INVALID_RATE');
    expect(e.name).toBe('InvalidRateError');
    expect(e.message).toBe(`${JSON.stringify(text)}: ${reason}`);
    expect(e.field).toBeUndefined();
  });

  it('names the field when given', () => {
    const e = rateError(() => parseRate('5%', 'feeRate'));
    expect(e.field).toBe('feeRate');
    expect(e.message).toBe('feeRate "5%": unexpected character "%" at position 2; expected a plain decimal like 0.0125');
  });
});

describe('Rate', () => {
  it('refuses a negative coefficient with InvalidRateError', () => {
    const e = rateError(() => new Rate(-1n, 2));
    expect(e.code).toBe('INVALID_RATE');
    expect(e.message).toBe('a rate must not be negative');
  });

  it('accepts zero', () => {
    expect(new Rate(0n, 2).toString()).toBe('0');
  });

  it.each([-1, 0.5, Number.NaN])('refuses scale %s with an InvalidArgumentError', (scale) => {
    expect(() => new Rate(1n, scale)).toThrow(InvalidArgumentError);
    expect(() => new Rate(1n, scale)).toThrow(RangeError);
    expect(() => new Rate(1n, scale)).toThrow(`byok-billing: scale must be a non-negative integer, got ${scale}`);
  });

  it.each([
    [5n, 2, '0.05'],
    [50n, 3, '0.05'],
    [5n, 1, '0.5'],
    [5n, 0, '5'],
    [150n, 2, '1.5'],
    [100n, 2, '1'],
    [10n, 0, '10'],
    [0n, 4, '0'],
    [25n, 3, '0.025'],
    [1n, 12, '0.000000000001'],
    [12345n, 2, '123.45'],
  ])('Rate(%s, %s).toString() is %j', (units, scale, text) => {
    expect(new Rate(units, scale).toString()).toBe(text);
    expect(new Rate(units, scale).toJSON()).toBe(text);
  });

  it.each([
    ['0.05', '5%'],
    ['0.025', '2.5%'],
    ['0.00001', '0.001%'],
    ['1', '100%'],
    ['1.5', '150%'],
    ['0', '0%'],
    ['0.5', '50%'],
  ])('%s as a percentage is %s', (text, percent) => {
    expect(parseRate(text).toPercentString()).toBe(percent);
  });

  it('equals compares values, not representations', () => {
    expect(new Rate(5n, 2).equals(new Rate(50n, 3))).toBe(true);
    expect(new Rate(5n, 2).equals(new Rate(5n, 2))).toBe(true);
    expect(new Rate(5n, 2).equals(new Rate(5n, 3))).toBe(false);
    expect(new Rate(0n, 0).equals(new Rate(0n, 5))).toBe(true);
  });

  it('serialises to JSON as its canonical string', () => {
    expect(JSON.stringify({ feeRate: parseRate('0.050') })).toBe('{"feeRate":"0.05"}');
  });
});
