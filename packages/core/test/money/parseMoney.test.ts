import { describe, expect, it } from 'vitest';
import { ByokError, InvalidMoneyError, MAX_MONEY_FRACTION_DIGITS, Money, parseMoney } from '@byok-billing/core';
import { parseDecimal } from '../../src/money/parseDecimal.js';
import { thrown } from '../support/expectErrors.js';

function moneyError(text: string, options?: Parameters<typeof parseMoney>[1]): InvalidMoneyError {
  const e = thrown(() => parseMoney(text, options));
  expect(e).toBeInstanceOf(InvalidMoneyError);
  expect(e).toBeInstanceOf(ByokError);
  return e as InvalidMoneyError;
}

describe('parseMoney: accepted plain decimals', () => {
  it.each([
    ['0', 0n, 0],
    ['7', 7n, 0],
    ['0.0120', 120n, 4],
    ['0.20', 20n, 2],
    ['12.5', 125n, 1],
    ['007.50', 750n, 2],
    ['1000000', 1000000n, 0],
    ['0.000000000001', 1n, 12],
    ['123456789012345678901234567890.123456789012', 123456789012345678901234567890123456789012n, 12],
  ])('reads %j exactly as units %s at scale %s', (text, units, scale) => {
    const m = parseMoney(text);
    expect(m).toBeInstanceOf(Money);
    expect(m.units).toBe(units);
    expect(m.scale).toBe(scale);
  });

  it('keeps the scale written (trailing zeros are significant for the scale, not the value)', () => {
    const m = parseMoney('1.500');
    expect(m.scale).toBe(3);
    expect(m.units).toBe(1500n);
    expect(m.toString()).toBe('1.5');
  });

  it('accepts exactly MAX_MONEY_FRACTION_DIGITS (12) fractional digits', () => {
    expect(MAX_MONEY_FRACTION_DIGITS).toBe(12);
    const m = parseMoney('1.999999999999');
    expect(m.scale).toBe(12);
    expect(m.units).toBe(1999999999999n);
  });

  it('accepts a negative amount only with allowNegative', () => {
    const m = parseMoney('-0.05', { allowNegative: true });
    expect(m.units).toBe(-5n);
    expect(m.scale).toBe(2);
    expect(m.toString()).toBe('-0.05');
    expect(parseMoney('-12', { allowNegative: true }).units).toBe(-12n);
  });

  it('reads "-0" with allowNegative as zero', () => {
    const m = parseMoney('-0', { allowNegative: true });
    expect(m.isZero()).toBe(true);
    expect(m.toString()).toBe('0');
  });

  it('allowNegative: false is the same as the default', () => {
    expect(moneyError('-1', { allowNegative: false }).message).toContain('must not be negative');
  });
});

describe('parseMoney: refused text, with the reason in the message', () => {
  it.each([
    ['', 'empty value'],
    ['-1', 'must not be negative'],
    ['-0', 'must not be negative'],
    ['+1', 'must not carry a "+" sign'],
    ['+0.5', 'must not carry a "+" sign'],
    ['1e-3', 'exponent notation is not accepted; write a plain decimal'],
    ['1E3', 'exponent notation is not accepted; write a plain decimal'],
    ['1.5e2', 'exponent notation is not accepted; write a plain decimal'],
    ['e5', 'exponent notation is not accepted; write a plain decimal'],
    ['.5', 'digits are required before the decimal point'],
    ['5.', 'a decimal point must be followed by digits'],
    ['.', 'a decimal point must be followed by digits'],
    ['0.0000000000001', 'has 13 fractional digits; at most 12 are accepted'],
    ['1.1234567890123456', 'has 16 fractional digits; at most 12 are accepted'],
  ])('%j: %s', (text, reason) => {
    const e = moneyError(text);
    expect(e.code).toBe('INVALID_MONEY');
    expect(e.name).toBe('InvalidMoneyError');
    expect(e.message).toBe(`${JSON.stringify(text)}: ${reason}`);
    expect(e.field).toBeUndefined();
  });

  it.each([
    [' 5', ' ', 1],
    ['5 ', ' ', 2],
    ['1 000', ' ', 2],
    ['$5', '$', 1],
    ['5$', '$', 2],
    ['0,5', ',', 2],
    ['1.2.3', '.', 4],
    ['12a', 'a', 3],
    ['0x10', 'x', 2],
    ['1/2', '/', 2],
    ['1:2', ':', 2],
    ['٣', '٣', 1],
    ['-', undefined, 0],
  ])('%j names the unexpected character and its 1-based position', (text, char, position) => {
    const e = moneyError(text, { allowNegative: true });
    if (char === undefined) {
      expect(e.message).toBe('"-": digits are required before the decimal point');
    } else {
      expect(e.message).toBe(
        `${JSON.stringify(text)}: unexpected character ${JSON.stringify(char)} at position ${position}; expected a plain decimal like 0.0125`,
      );
    }
  });

  it('refuses a negative with too many digits for the right reason', () => {
    expect(moneyError('-0.0000000000001', { allowNegative: true }).message).toContain('has 13 fractional digits');
  });

  it('names the field in the message and on the error when given', () => {
    const e = moneyError('1e-3', { field: 'cost_usd' });
    expect(e.field).toBe('cost_usd');
    expect(e.message).toBe('cost_usd "1e-3": exponent notation is not accepted; write a plain decimal');
  });

  it('without a field the message starts with the quoted text', () => {
    expect(moneyError('$1').message).toBe('"$1": unexpected character "$" at position 1; expected a plain decimal like 0.0125');
  });
});

describe('parseDecimal (the shared reader)', () => {
  it('returns units and scale for a valid decimal', () => {
    expect(parseDecimal('3.14', { maxFractionDigits: 2, allowNegative: false })).toEqual({ units: 314n, scale: 2 });
    expect(parseDecimal('-3.14', { maxFractionDigits: 2, allowNegative: true })).toEqual({ units: -314n, scale: 2 });
  });

  it('honours maxFractionDigits exactly at the boundary', () => {
    expect(parseDecimal('0.12', { maxFractionDigits: 2, allowNegative: false })).toEqual({ units: 12n, scale: 2 });
    expect(parseDecimal('0.123', { maxFractionDigits: 2, allowNegative: false })).toBe(
      'has 3 fractional digits; at most 2 are accepted',
    );
    expect(parseDecimal('5', { maxFractionDigits: 0, allowNegative: false })).toEqual({ units: 5n, scale: 0 });
    expect(parseDecimal('5.0', { maxFractionDigits: 0, allowNegative: false })).toBe(
      'has 1 fractional digits; at most 0 are accepted',
    );
  });

  it('returns the reason string rather than throwing', () => {
    expect(parseDecimal('', { maxFractionDigits: 12, allowNegative: true })).toBe('empty value');
    expect(parseDecimal('-.5', { maxFractionDigits: 12, allowNegative: true })).toBe('digits are required before the decimal point');
    expect(parseDecimal('-5.', { maxFractionDigits: 12, allowNegative: true })).toBe('a decimal point must be followed by digits');
    expect(parseDecimal('--5', { maxFractionDigits: 12, allowNegative: true })).toBe(
      'unexpected character "-" at position 2; expected a plain decimal like 0.0125',
    );
    expect(parseDecimal('5-', { maxFractionDigits: 12, allowNegative: true })).toBe(
      'unexpected character "-" at position 2; expected a plain decimal like 0.0125',
    );
  });
});
