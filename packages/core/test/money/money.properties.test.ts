import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Money, Rate, halfEven, halfUp, parseMoney, parseRate, roundMoney, sumMoney } from '@byok-billing/core';

const LIMIT = 10n ** 24n;

/** Any amount, negative included, at scales 0–12 (what a log or a difference can hold). */
const moneyArb = fc
  .record({ units: fc.bigInt({ min: -LIMIT, max: LIMIT }), scale: fc.integer({ min: 0, max: 12 }) })
  .map(({ units, scale }) => new Money(units, scale));

/** Amounts whose scale may exceed 12 (products of money and rates). */
const wideMoneyArb = fc
  .record({ units: fc.bigInt({ min: -LIMIT, max: LIMIT }), scale: fc.integer({ min: 0, max: 30 }) })
  .map(({ units, scale }) => new Money(units, scale));

const rateArb = fc
  .record({ units: fc.bigInt({ min: 0n, max: 10n ** 8n }), scale: fc.integer({ min: 0, max: 12 }) })
  .map(({ units, scale }) => new Rate(units, scale));

/** A plain decimal as a log writes it: no leading zeros, 0–12 fractional digits. */
const decimalTextArb = fc
  .tuple(
    fc.boolean(),
    fc.stringMatching(/^(0|[1-9][0-9]{0,20})$/),
    fc.option(fc.stringMatching(/^[0-9]{1,12}$/), { nil: undefined }),
  )
  .map(([negative, int, frac]) => `${negative ? '-' : ''}${int}${frac === undefined ? '' : `.${frac}`}`);

/** Value of a Money as an exact rational units / 10^scale, brought to a common scale. */
function atScale(x: Money, scale: number): bigint {
  return x.units * 10n ** BigInt(scale - x.scale);
}

describe('Money laws', () => {
  it('parse/format round-trips: parseMoney(x.toString()) equals x', () => {
    fc.assert(
      fc.property(moneyArb, (x) => {
        const back = parseMoney(x.toString(), { allowNegative: true });
        expect(back.equals(x)).toBe(true);
        expect(back.toString()).toBe(x.toString());
        // The canonical form is already normal: same units and scale as normalize().
        const n = x.normalize();
        expect(back.units).toBe(n.units);
        expect(back.scale).toBe(n.scale);
      }),
    );
  });

  it('format/parse round-trips: a written decimal comes back digit for digit at its own scale', () => {
    fc.assert(
      fc.property(decimalTextArb, (text) => {
        const x = parseMoney(text, { allowNegative: true });
        const fracDigits = text.includes('.') ? text.length - text.indexOf('.') - 1 : 0;
        expect(x.scale).toBe(fracDigits);
        const expected = text === '-0' || /^-0\.0+$/.test(text) ? text.slice(1) : text;
        expect(x.toFixedScale(fracDigits)).toBe(expected);
      }),
    );
  });

  it('toString is canonical: no trailing fractional zero, no bare point, no exponent', () => {
    fc.assert(
      fc.property(wideMoneyArb, (x) => {
        const s = x.toString();
        expect(s).toMatch(/^-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$/);
        expect(s === '0').toBe(x.isZero());
        expect(s.startsWith('-')).toBe(x.isNegative());
      }),
    );
  });

  it('toFixedScale at any scale ≥ the amount’s keeps the value', () => {
    fc.assert(
      fc.property(moneyArb, fc.integer({ min: 0, max: 6 }), (x, extra) => {
        const scale = x.scale + extra;
        const text = x.toFixedScale(scale);
        expect(text).toMatch(scale === 0 ? /^-?(0|[1-9][0-9]*)$/ : /^-?(0|[1-9][0-9]*)\.[0-9]+$/);
        const point = text.indexOf('.');
        expect(point === -1 ? 0 : text.length - point - 1).toBe(scale);
        expect(BigInt(text.replace('.', ''))).toBe(atScale(x, scale));
      }),
    );
  });

  it('normalize keeps the value and leaves no trailing zero', () => {
    fc.assert(
      fc.property(wideMoneyArb, (x) => {
        const n = x.normalize();
        expect(n.equals(x)).toBe(true);
        expect(n.scale).toBeLessThanOrEqual(x.scale);
        if (n.scale > 0) expect(n.units % 10n).not.toBe(0n);
      }),
    );
  });

  it('addition is commutative', () => {
    fc.assert(
      fc.property(moneyArb, moneyArb, (a, b) => {
        const ab = a.add(b);
        const ba = b.add(a);
        expect(ab.units).toBe(ba.units);
        expect(ab.scale).toBe(ba.scale);
      }),
    );
  });

  it('addition is associative', () => {
    fc.assert(
      fc.property(moneyArb, moneyArb, moneyArb, (a, b, c) => {
        expect(a.add(b).add(c).equals(a.add(b.add(c)))).toBe(true);
      }),
    );
  });

  it('addition is exact: the sum equals the integer sum at the common scale', () => {
    fc.assert(
      fc.property(wideMoneyArb, wideMoneyArb, (a, b) => {
        const s = a.add(b);
        const scale = Math.max(a.scale, b.scale);
        expect(s.scale).toBe(scale);
        expect(s.units).toBe(atScale(a, scale) + atScale(b, scale));
      }),
    );
  });

  it('zero is the identity of addition', () => {
    fc.assert(
      fc.property(moneyArb, (a) => {
        expect(a.add(Money.ZERO).equals(a)).toBe(true);
        expect(Money.ZERO.add(a).equals(a)).toBe(true);
      }),
    );
  });

  it('subtraction undoes addition, and a − a is zero', () => {
    fc.assert(
      fc.property(moneyArb, moneyArb, (a, b) => {
        expect(a.add(b).subtract(b).equals(a)).toBe(true);
        expect(a.subtract(a).isZero()).toBe(true);
        expect(a.subtract(b).equals(b.subtract(a).negate())).toBe(true);
      }),
    );
  });

  it('the sum is independent of order', () => {
    fc.assert(
      fc.property(
        fc.array(moneyArb, { maxLength: 20 }).chain((xs) =>
          fc.tuple(fc.constant(xs), fc.shuffledSubarray(xs, { minLength: xs.length, maxLength: xs.length })),
        ),
        ([xs, shuffled]) => {
          const a = sumMoney(xs);
          const b = sumMoney(shuffled);
          expect(a.equals(b)).toBe(true);
          expect(a.toString()).toBe(b.toString());
        },
      ),
    );
  });

  it('sumMoney equals folding add', () => {
    fc.assert(
      fc.property(fc.array(moneyArb, { maxLength: 20 }), (xs) => {
        const folded = xs.reduce((acc, x) => acc.add(x), Money.ZERO);
        expect(sumMoney(xs).equals(folded)).toBe(true);
      }),
    );
  });

  it('multiplication by a rate distributes over addition', () => {
    fc.assert(
      fc.property(moneyArb, moneyArb, rateArb, (a, b, r) => {
        expect(a.add(b).multiply(r).equals(a.multiply(r).add(b.multiply(r)))).toBe(true);
      }),
    );
  });

  it('multiplication is exact: units multiply and scales add', () => {
    fc.assert(
      fc.property(moneyArb, rateArb, (a, r) => {
        const p = a.multiply(r);
        expect(p.units).toBe(a.units * r.units);
        expect(p.scale).toBe(a.scale + r.scale);
      }),
    );
  });

  it('compare is antisymmetric and agrees with equals and with subtraction’s sign', () => {
    fc.assert(
      fc.property(moneyArb, moneyArb, (a, b) => {
        const c = a.compare(b);
        expect(b.compare(a)).toBe(c === 0 ? 0 : -c);
        expect(a.equals(b)).toBe(c === 0);
        const d = a.subtract(b);
        expect(c).toBe(d.isZero() ? 0 : d.isNegative() ? -1 : 1);
      }),
    );
  });

  it('the value does not depend on the scale it is written at', () => {
    fc.assert(
      fc.property(moneyArb, fc.integer({ min: 1, max: 8 }), (a, extra) => {
        const widened = new Money(a.units * 10n ** BigInt(extra), a.scale + extra);
        expect(widened.equals(a)).toBe(true);
        expect(widened.compare(a)).toBe(0);
        expect(widened.toString()).toBe(a.toString());
      }),
    );
  });
});

describe('Rate laws', () => {
  it('parse/format round-trips: parseRate(r.toString()) equals r', () => {
    fc.assert(
      fc.property(rateArb, (r) => {
        expect(parseRate(r.toString()).equals(r)).toBe(true);
      }),
    );
  });

  it('the percentage is the rate × 100', () => {
    fc.assert(
      fc.property(rateArb, (r) => {
        const percent = r.toPercentString();
        expect(percent.endsWith('%')).toBe(true);
        const hundredfold = parseMoney('100').multiply(r);
        expect(parseMoney(percent.slice(0, -1)).equals(hundredfold)).toBe(true);
      }),
    );
  });
});

describe('rounding laws', () => {
  const target = fc.integer({ min: 0, max: 14 });

  it('rounded + remainder is the exact amount, at exactly the requested scale', () => {
    fc.assert(
      fc.property(wideMoneyArb, target, fc.constantFrom(halfEven, halfUp), (x, scale, mode) => {
        const { rounded, remainder } = roundMoney(x, scale, mode);
        expect(rounded.scale).toBe(scale);
        expect(rounded.add(remainder).equals(x)).toBe(true);
      }),
    );
  });

  it('rounding is within half a unit of the last kept digit', () => {
    fc.assert(
      fc.property(wideMoneyArb, target, fc.constantFrom(halfEven, halfUp), (x, scale, mode) => {
        const { remainder } = roundMoney(x, scale, mode);
        const twice = remainder.add(remainder);
        const abs = twice.isNegative() ? twice.negate() : twice;
        expect(abs.compare(new Money(1n, scale))).toBeLessThanOrEqual(0);
      }),
    );
  });

  it('rounding to a scale ≥ the amount’s scale is exact (remainder zero)', () => {
    fc.assert(
      fc.property(wideMoneyArb, fc.integer({ min: 0, max: 5 }), (x, extra) => {
        const { rounded, remainder } = roundMoney(x, x.scale + extra, halfEven);
        expect(remainder.isZero()).toBe(true);
        expect(rounded.equals(x)).toBe(true);
      }),
    );
  });

  it('half-even and half-up differ only on ties, and then by one unit', () => {
    fc.assert(
      fc.property(wideMoneyArb, target, (x, scale) => {
        const even = roundMoney(x, scale, halfEven);
        const up = roundMoney(x, scale, halfUp);
        const half = new Money(5n, scale + 1);
        const isTie = even.remainder.equals(half) || even.remainder.equals(half.negate());
        if (!isTie) {
          expect(even.rounded.equals(up.rounded)).toBe(true);
        } else {
          // half-up goes away from zero; half-even to the even neighbour.
          expect(up.rounded.compare(Money.ZERO)).toBe(x.compare(Money.ZERO));
          const evenUnits = even.rounded.units;
          expect(evenUnits % 2n).toBe(0n);
          const diff = up.rounded.subtract(even.rounded);
          expect(diff.isZero() || diff.equals(new Money(1n, scale)) || diff.equals(new Money(-1n, scale))).toBe(true);
        }
      }),
    );
  });

  it('ties appear as ties: x.5 units round both ways as documented', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.integer({ min: 0, max: 10 }), (k, scale) => {
        // (k + ½) units at `scale`: exactly halfway between k and k + 1 (or k − 1 and k when negative).
        const x = new Money(k * 10n + (k < 0n ? -5n : 5n), scale + 1);
        const up = roundMoney(x, scale, halfUp).rounded;
        const even = roundMoney(x, scale, halfEven).rounded;
        const away = k < 0n ? k - 1n : k + 1n;
        expect(up.units).toBe(away);
        expect(even.units).toBe(k % 2n === 0n ? k : away);
      }),
    );
  });

  it('halfEven never differs from halfUp off a tie (mode functions directly)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -1000n, max: 1000n }),
        fc.integer({ min: 1, max: 6 }),
        fc.bigInt({ min: 0n, max: 10n ** 6n - 1n }),
        (q, digits, r0) => {
          const divisor = 10n ** BigInt(digits);
          const magnitude = r0 % divisor;
          const remainder = q < 0n ? -magnitude : magnitude;
          const e = halfEven(q, remainder, divisor);
          const u = halfUp(q, remainder, divisor);
          if (magnitude * 2n !== divisor) expect(e).toBe(u);
          if (magnitude * 2n < divisor) expect(u).toBe(q);
          if (magnitude * 2n > divisor) expect(u).toBe(q < 0n ? q - 1n : q + 1n);
        },
      ),
    );
  });
});
