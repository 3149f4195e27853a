import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, Money, ROUNDING_MODES, halfEven, halfUp, parseMoney, roundMoney } from '@byok-billing/core';

const m = (text: string): Money => parseMoney(text, { allowNegative: true });

describe('halfEven (mode function)', () => {
  it.each([
    [2n, 0n, 10n, 2n],
    [2n, 4n, 10n, 2n],
    [2n, 5n, 10n, 2n],
    [3n, 5n, 10n, 4n],
    [2n, 6n, 10n, 3n],
    [0n, 5n, 10n, 0n],
    [1n, 5n, 10n, 2n],
    [-2n, -4n, 10n, -2n],
    [-2n, -5n, 10n, -2n],
    [-3n, -5n, 10n, -4n],
    [-2n, -6n, 10n, -3n],
    [0n, -5n, 10n, 0n],
    [0n, -6n, 10n, -1n],
    [7n, 49n, 100n, 7n],
    [7n, 50n, 100n, 8n],
    [7n, 51n, 100n, 8n],
    [8n, 50n, 100n, 8n],
  ])('quotient %s, remainder %s, divisor %s → %s', (q, r, d, expected) => {
    expect(halfEven(q, r, d)).toBe(expected);
  });
});

describe('halfUp (mode function)', () => {
  it.each([
    [2n, 0n, 10n, 2n],
    [2n, 4n, 10n, 2n],
    [2n, 5n, 10n, 3n],
    [3n, 5n, 10n, 4n],
    [2n, 6n, 10n, 3n],
    [0n, 5n, 10n, 1n],
    [-2n, -4n, 10n, -2n],
    [-2n, -5n, 10n, -3n],
    [-3n, -5n, 10n, -4n],
    [-2n, -6n, 10n, -3n],
    [0n, -5n, 10n, -1n],
    [7n, 49n, 100n, 7n],
    [7n, 50n, 100n, 8n],
  ])('quotient %s, remainder %s, divisor %s → %s', (q, r, d, expected) => {
    expect(halfUp(q, r, d)).toBe(expected);
  });
});

describe('ROUNDING_MODES', () => {
  it('maps the policy names to the mode functions and is frozen', () => {
    expect(Object.keys(ROUNDING_MODES).sort()).toEqual(['half-even', 'half-up']);
    expect(ROUNDING_MODES['half-even']).toBe(halfEven);
    expect(ROUNDING_MODES['half-up']).toBe(halfUp);
    expect(Object.isFrozen(ROUNDING_MODES)).toBe(true);
  });
});

describe('roundMoney', () => {
  // [exact, scale, half-even, half-up, remainder under half-even]
  it.each([
    ['0.125', 2, '0.12', '0.13', '0.005'],
    ['0.135', 2, '0.14', '0.14', '-0.005'],
    ['0.115', 2, '0.12', '0.12', '-0.005'],
    ['-0.125', 2, '-0.12', '-0.13', '-0.005'],
    ['-0.135', 2, '-0.14', '-0.14', '0.005'],
    ['0.124', 2, '0.12', '0.12', '0.004'],
    ['0.126', 2, '0.13', '0.13', '-0.004'],
    ['-0.124', 2, '-0.12', '-0.12', '-0.004'],
    ['-0.126', 2, '-0.13', '-0.13', '0.004'],
    ['0.0006', 2, '0.00', '0.00', '0.0006'],
    ['0.005', 2, '0.00', '0.01', '0.005'],
    ['0.015', 2, '0.02', '0.02', '-0.005'],
    ['-0.005', 2, '0.00', '-0.01', '-0.005'],
    ['2.5', 0, '2', '3', '0.5'],
    ['3.5', 0, '4', '4', '-0.5'],
    ['-2.5', 0, '-2', '-3', '-0.5'],
    ['-3.5', 0, '-4', '-4', '0.5'],
    ['0.1250000001', 2, '0.13', '0.13', '-0.0049999999'],
    ['0.1249999999', 2, '0.12', '0.12', '0.0049999999'],
    ['1.995', 2, '2.00', '2.00', '-0.005'],
    ['999.9951', 2, '1000.00', '1000.00', '-0.0049'],
  ])('%s to %s digits: half-even %s, half-up %s', (exact, scale, even, up, remainderEven) => {
    const e = roundMoney(m(exact), scale, halfEven);
    expect(e.rounded.toFixedScale(scale)).toBe(even);
    expect(e.rounded.scale).toBe(scale);
    expect(e.remainder.toString()).toBe(remainderEven);
    expect(e.rounded.add(e.remainder).equals(m(exact))).toBe(true);

    const u = roundMoney(m(exact), scale, halfUp);
    expect(u.rounded.toFixedScale(scale)).toBe(up);
    expect(u.rounded.scale).toBe(scale);
    expect(u.remainder.toString()).toBe(m(exact).subtract(m(up)).toString());
  });

  it('the remainder is exact − rounded', () => {
    const { rounded, remainder } = roundMoney(m('0.0125'), 2, halfEven);
    expect(rounded.toFixedScale(2)).toBe('0.01');
    expect(remainder.toString()).toBe('0.0025');
    expect(m('0.0125').subtract(rounded).equals(remainder)).toBe(true);
  });

  it('pads without rounding when the scale is at least the amount’s scale (remainder zero)', () => {
    const same = roundMoney(m('0.12'), 2, halfUp);
    expect(same.rounded.units).toBe(12n);
    expect(same.rounded.scale).toBe(2);
    expect(same.remainder.isZero()).toBe(true);
    expect(same.remainder.scale).toBe(0);

    const wider = roundMoney(m('-0.5'), 4, halfEven);
    expect(wider.rounded.units).toBe(-5000n);
    expect(wider.rounded.scale).toBe(4);
    expect(wider.rounded.toFixedScale(4)).toBe('-0.5000');
    expect(wider.remainder.isZero()).toBe(true);

    const integer = roundMoney(m('7'), 0, halfEven);
    expect(integer.rounded.units).toBe(7n);
    expect(integer.rounded.scale).toBe(0);
  });

  it('rounds at scale 0 and at a scale one below the amount’s', () => {
    expect(roundMoney(m('0.49'), 0, halfUp).rounded.toString()).toBe('0');
    expect(roundMoney(m('0.5'), 0, halfUp).rounded.toString()).toBe('1');
    expect(roundMoney(m('1.25'), 1, halfEven).rounded.toFixedScale(1)).toBe('1.2');
    expect(roundMoney(m('1.25'), 1, halfUp).rounded.toFixedScale(1)).toBe('1.3');
  });

  it('uses the mode it is given (any function)', () => {
    const towardZero = (q: bigint): bigint => q;
    const r = roundMoney(m('0.129'), 2, towardZero);
    expect(r.rounded.toFixedScale(2)).toBe('0.12');
    expect(r.remainder.toString()).toBe('0.009');
  });

  it.each([-1, 1.5, Number.NaN])('refuses rounding scale %s with an InvalidArgumentError', (scale) => {
    expect(() => roundMoney(m('1'), scale, halfEven)).toThrow(InvalidArgumentError);
    expect(() => roundMoney(m('1'), scale, halfEven)).toThrow(RangeError);
    expect(() => roundMoney(m('1'), scale, halfEven)).toThrow(
      `byok-billing: rounding scale must be a non-negative integer, got ${scale}`,
    );
  });
});
