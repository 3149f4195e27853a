import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Money, parseMoney, sumMoney } from '@byok-billing/core';
import { signedMoneyText } from '../arbitraries/money.js';
import { canonicalText, formatDecimal, readDecimal } from './policyOracle.js';

describe('money', () => {
  // catches: normalize stripping zeros of the integer part ('10' → '1'); a lost leading
  // zero ('0.05' → '.05'); '-0'; digits lost past 15 significant (a float round-trip).
  it('law: parse and format round-trip to the canonical decimal', () => {
    fc.assert(
      fc.property(signedMoneyText, fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 24 }), (text, units, scale) => {
        const parsed = parseMoney(text, { allowNegative: true });
        expect(parsed.toString()).toBe(canonicalText(text));
        expect(parseMoney(parsed.toString(), { allowNegative: true }).equals(parsed)).toBe(true);
        const money = new Money(units, scale);
        expect(money.toString()).toBe(formatDecimal(units, scale));
        if (money.normalize().scale <= 12) {
          const back = parseMoney(money.toString(), { allowNegative: true });
          expect(back.equals(money)).toBe(true);
          expect(back.toString()).toBe(money.toString());
        }
      }),
    );
  });

  // catches: sums accumulated in floating point; the sum given the first addend's scale
  // (digits of finer addends dropped); a result that depends on the order of the addends.
  it('law: sums are exact and independent of order', () => {
    const listAndPermutation = fc
      .array(signedMoneyText, { maxLength: 30 })
      .chain((list) => fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length })));
    fc.assert(
      fc.property(listAndPermutation, ([list, permuted]) => {
        const exact = list.map(readDecimal).reduce((acc, d) => acc + d.units * 10n ** BigInt(12 - d.scale), 0n);
        const sum = sumMoney(list.map((t) => parseMoney(t, { allowNegative: true })));
        expect(sum.toString()).toBe(formatDecimal(exact, 12));
        expect(sumMoney(permuted.map((t) => parseMoney(t, { allowNegative: true }))).toString()).toBe(sum.toString());
        const folded = permuted.reduceRight((acc, t) => parseMoney(t, { allowNegative: true }).add(acc), Money.ZERO);
        expect(folded.equals(sum)).toBe(true);
      }),
    );
  });
});
