import { describe, expect, it } from 'vitest';
import { ArithmeticError, ByokError, InvalidArgumentError, Money, parseMoney, parseRate, sumMoney } from '@byok-billing/core';
import { pow10 } from '../../src/money/money.js';
import { thrown } from '../support/expectErrors.js';

const m = (text: string): Money => parseMoney(text, { allowNegative: true });

describe('pow10', () => {
  it('is 10^n for small and large n, and stable across calls (cache)', () => {
    expect(pow10(0)).toBe(1n);
    expect(pow10(1)).toBe(10n);
    expect(pow10(12)).toBe(1_000_000_000_000n);
    expect(pow10(63)).toBe(10n ** 63n);
    expect(pow10(64)).toBe(10n ** 64n);
    expect(pow10(100)).toBe(10n ** 100n);
    expect(pow10(100)).toBe(10n ** 100n);
    expect(pow10(12)).toBe(1_000_000_000_000n);
  });
});

describe('Money constructor', () => {
  it('holds units and scale', () => {
    const x = new Money(-125n, 3);
    expect(x.units).toBe(-125n);
    expect(x.scale).toBe(3);
  });

  it('accepts scale 0', () => {
    expect(new Money(5n, 0).toString()).toBe('5');
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses scale %s with an InvalidArgumentError naming it', (scale) => {
    const e = thrown(() => new Money(1n, scale));
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect((e as InvalidArgumentError).code).toBe('INVALID_ARGUMENT');
    // A caller's bug, not bad input: still a RangeError, never a ByokError (the CLI would refuse a row for it).
    expect(e).toBeInstanceOf(RangeError);
    expect(e).not.toBeInstanceOf(ByokError);
    expect(() => new Money(1n, scale)).toThrow(`byok-billing: scale must be a non-negative integer, got ${scale}`);
  });

  it('ZERO is 0 at scale 0', () => {
    expect(Money.ZERO.units).toBe(0n);
    expect(Money.ZERO.scale).toBe(0);
    expect(Money.ZERO.toString()).toBe('0');
  });
});

describe('Money.toString (canonical form)', () => {
  it.each([
    [0n, 0, '0'],
    [0n, 5, '0'],
    [12n, 0, '12'],
    [-12n, 0, '-12'],
    [1500n, 3, '1.5'],
    [-1500n, 3, '-1.5'],
    [5n, 1, '0.5'],
    [-5n, 1, '-0.5'],
    [5n, 2, '0.05'],
    [-5n, 2, '-0.05'],
    [120n, 4, '0.012'],
    [1n, 12, '0.000000000001'],
    [10n, 1, '1'],
    [100n, 0, '100'],
    [123456n, 3, '123.456'],
    [-100n, 2, '-1'],
  ])('Money(%s, %s) is %j', (units, scale, text) => {
    expect(new Money(units, scale).toString()).toBe(text);
  });

  it('never writes an exponent, even for huge or tiny amounts', () => {
    expect(new Money(10n ** 30n, 0).toString()).toBe(`1${'0'.repeat(30)}`);
    expect(new Money(1n, 30).toString()).toBe(`0.${'0'.repeat(29)}1`);
  });

  it('toJSON is the canonical string, so JSON carries exact decimal strings', () => {
    expect(new Money(1500n, 3).toJSON()).toBe('1.5');
    expect(JSON.stringify({ fee: new Money(60n, 5), zero: Money.ZERO })).toBe('{"fee":"0.0006","zero":"0"}');
  });
});

describe('Money.toFixedScale', () => {
  it.each([
    ['0.5', 3, '0.500'],
    ['0.5', 1, '0.5'],
    ['1.50', 1, '1.5'],
    ['1.500', 2, '1.50'],
    ['1.00', 0, '1'],
    ['0', 2, '0.00'],
    ['0.000', 0, '0'],
    ['12', 2, '12.00'],
    ['-1.5', 4, '-1.5000'],
    ['-0.05', 2, '-0.05'],
    ['-2.500', 1, '-2.5'],
    ['0.0006', 6, '0.000600'],
  ])('%s at scale %s is %j', (text, scale, expected) => {
    expect(m(text).toFixedScale(scale)).toBe(expected);
  });

  it('throws an ArithmeticError instead of dropping a digit', () => {
    const e = thrown(() => m('1.234').toFixedScale(2));
    expect(e).toBeInstanceOf(ArithmeticError);
    expect((e as ArithmeticError).code).toBe('INEXACT_ARITHMETIC');
    expect((e as Error).name).toBe('ArithmeticError');
    expect(e).toBeInstanceOf(RangeError);
    expect(e).not.toBeInstanceOf(ByokError);
    expect(() => m('1.234').toFixedScale(2)).toThrow('byok-billing: 1.234 has more than 2 fractional digits');
    expect(() => m('1.2340').toFixedScale(2)).toThrow('byok-billing: 1.234 has more than 2 fractional digits');
    expect(() => m('-0.5').toFixedScale(0)).toThrow('byok-billing: -0.5 has more than 0 fractional digits');
  });
});

describe('Money.add / subtract / negate', () => {
  it('adds at equal scales', () => {
    const s = m('1.25').add(m('2.50'));
    expect(s.units).toBe(375n);
    expect(s.scale).toBe(2);
  });

  it('adds when the left operand has the larger scale', () => {
    const s = m('1.25').add(m('1.5'));
    expect(s.units).toBe(275n);
    expect(s.scale).toBe(2);
    expect(s.toString()).toBe('2.75');
  });

  it('adds when the right operand has the larger scale', () => {
    const s = m('1.5').add(m('1.25'));
    expect(s.units).toBe(275n);
    expect(s.scale).toBe(2);
    expect(s.toString()).toBe('2.75');
  });

  it('adds exactly where binary floating point would not', () => {
    expect(m('0.1').add(m('0.2')).toString()).toBe('0.3');
    expect(m('0.000000000001').add(m('1000000000000')).toString()).toBe('1000000000000.000000000001');
  });

  it('subtracts exactly and may go negative', () => {
    expect(m('0.3').subtract(m('0.1')).toString()).toBe('0.2');
    expect(m('0.1').subtract(m('0.3')).toString()).toBe('-0.2');
    expect(m('5').subtract(m('0.0001')).toString()).toBe('4.9999');
    expect(m('0.0001').subtract(m('5')).toString()).toBe('-4.9999');
    const d = m('1.5').subtract(m('1.25'));
    expect(d.units).toBe(25n);
    expect(d.scale).toBe(2);
  });

  it('negate flips the sign and keeps the scale', () => {
    const n = m('1.50').negate();
    expect(n.units).toBe(-150n);
    expect(n.scale).toBe(2);
    expect(n.negate().units).toBe(150n);
  });
});

describe('Money.multiply by a Rate', () => {
  it('the worked example: 5% of $0.0120 is $0.0006', () => {
    const fee = parseMoney('0.0120').multiply(parseRate('0.05'));
    expect(fee.units).toBe(600n);
    expect(fee.scale).toBe(6);
    expect(fee.toString()).toBe('0.0006');
  });

  it('5% of $0.20 is $0.01', () => {
    expect(parseMoney('0.20').multiply(parseRate('0.05')).toString()).toBe('0.01');
  });

  it('keeps every digit (scales add)', () => {
    const p = parseMoney('0.000000000001').multiply(parseRate('0.000000000001'));
    expect(p.scale).toBe(24);
    expect(p.units).toBe(1n);
    expect(p.toString()).toBe(`0.${'0'.repeat(23)}1`);
  });

  it('multiplies negative amounts and by zero and one', () => {
    expect(m('-2.5').multiply(parseRate('0.4')).toString()).toBe('-1');
    expect(m('123.45').multiply(parseRate('0')).toString()).toBe('0');
    expect(m('123.45').multiply(parseRate('1')).toString()).toBe('123.45');
    expect(m('10').multiply(parseRate('2.5')).toString()).toBe('25');
  });
});

describe('Money.compare / equals', () => {
  it('compares at equal scales', () => {
    expect(m('1.25').compare(m('1.26'))).toBe(-1);
    expect(m('1.26').compare(m('1.25'))).toBe(1);
    expect(m('1.25').compare(m('1.25'))).toBe(0);
  });

  it('compares across scales by value, not by raw units', () => {
    // 15 units at scale 1 vs 125 units at scale 2: the raw units would say the opposite.
    expect(m('1.5').compare(m('1.25'))).toBe(1);
    expect(m('1.25').compare(m('1.5'))).toBe(-1);
    expect(m('2').compare(m('1.99'))).toBe(1);
    expect(m('1.99').compare(m('2'))).toBe(-1);
    expect(m('1.50').compare(m('1.5'))).toBe(0);
    expect(m('1.5').compare(m('1.50'))).toBe(0);
  });

  it('orders negatives below zero below positives', () => {
    expect(m('-0.01').compare(Money.ZERO)).toBe(-1);
    expect(Money.ZERO.compare(m('-0.01'))).toBe(1);
    expect(m('-2').compare(m('-1.5'))).toBe(-1);
  });

  it('equals ignores the scale', () => {
    expect(m('1.50').equals(m('1.5'))).toBe(true);
    expect(m('1.5').equals(m('1.500'))).toBe(true);
    expect(m('0').equals(m('0.000'))).toBe(true);
    expect(m('1.5').equals(m('1.51'))).toBe(false);
    expect(m('1.5').equals(m('-1.5'))).toBe(false);
  });
});

describe('Money.isZero / isNegative', () => {
  it('isZero', () => {
    expect(m('0').isZero()).toBe(true);
    expect(m('0.000').isZero()).toBe(true);
    expect(m('0.001').isZero()).toBe(false);
    expect(m('-0.001').isZero()).toBe(false);
  });

  it('isNegative is strict (zero is not negative)', () => {
    expect(m('-0.001').isNegative()).toBe(true);
    expect(m('0').isNegative()).toBe(false);
    expect(m('0.001').isNegative()).toBe(false);
  });
});

describe('Money.normalize', () => {
  it('drops trailing fractional zeros', () => {
    const n = new Money(1500n, 3).normalize();
    expect(n.units).toBe(15n);
    expect(n.scale).toBe(1);
    const neg = new Money(-1500n, 3).normalize();
    expect(neg.units).toBe(-15n);
    expect(neg.scale).toBe(1);
  });

  it('reduces zero to scale 0', () => {
    const z = new Money(0n, 7).normalize();
    expect(z.units).toBe(0n);
    expect(z.scale).toBe(0);
  });

  it('never goes below scale 0 (integers with trailing zeros stay as they are)', () => {
    const x = new Money(100n, 0);
    expect(x.normalize()).toBe(x);
    expect(x.normalize().units).toBe(100n);
    const y = new Money(1000n, 2).normalize();
    expect(y.units).toBe(10n);
    expect(y.scale).toBe(0);
  });

  it('returns the same object when nothing changes', () => {
    const x = new Money(125n, 2);
    expect(x.normalize()).toBe(x);
  });
});

describe('sumMoney', () => {
  it('is ZERO for no amounts', () => {
    const s = sumMoney([]);
    expect(s.isZero()).toBe(true);
    expect(s.toString()).toBe('0');
  });

  it('sums exactly across scales', () => {
    const s = sumMoney([m('0.1'), m('0.2'), m('0.0006'), m('-0.05')]);
    expect(s.toString()).toBe('0.2506');
    expect(s.scale).toBe(4);
  });

  it('accepts any iterable', () => {
    function* amounts(): Generator<Money> {
      yield m('1');
      yield m('2.5');
    }
    expect(sumMoney(amounts()).toString()).toBe('3.5');
    expect(sumMoney(new Set([m('0.01')])).toString()).toBe('0.01');
  });

  it('sums a million cents to exactly 10000', () => {
    const cent = m('0.01');
    const many = Array.from({ length: 1_000_000 }, () => cent);
    expect(sumMoney(many).toString()).toBe('10000');
  });
});
