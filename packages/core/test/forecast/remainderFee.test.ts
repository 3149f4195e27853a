import { describe, expect, it } from 'vitest';
import { Ratio, type FeeSchedule, parseMoney, parseRate } from '@byok-billing/core';
import { remainderFee } from '@byok-billing/core/internal';

/*
 * The fee of the projected rest of the month, by hand: graduated tiers over the counter
 * continued from the month so far, then the cap's room.
 */
const r = (text: string) => {
  const [whole, frac = ''] = text.split('.');
  return new Ratio(BigInt(whole! + frac), 10n ** BigInt(frac.length));
};
const requestTiers = (free: number, rate: string): FeeSchedule<number> => ({
  name: 'default',
  free: true,
  tiers: [
    { upTo: free, rate: parseRate('0') },
    { upTo: null, rate: parseRate(rate) },
  ],
});
// list-usd: up to $10 free, $10-$20 at 5%, beyond at 3% (bounds in 10^-12 dollars).
const usdTiers: FeeSchedule<bigint> = {
  name: 'standard',
  free: true,
  tiers: [
    { upTo: 10n * 10n ** 12n, rate: parseRate('0') },
    { upTo: 20n * 10n ** 12n, rate: parseRate('0.05') },
    { upTo: null, rate: parseRate('0.03') },
  ],
};

describe('remainderFee', () => {
  it('requests: only the projected requests past the free tier pay, at the average cost', () => {
    // 900 so far, 300 more at $0.02: 200 past 1,000 pay 5% of $0.02 = $0.001 each.
    const fee = remainderFee('requests', requestTiers(1000, '0.05'), undefined, { count: 900n, listUsd: r('18'), feesUsd: Ratio.ZERO }, Ratio.of(300), r('0.02'));
    expect(fee.toExactDecimal()).toBe('0.2');
  });

  it('requests: a fraction of a projected request pays its fraction', () => {
    const fee = remainderFee('requests', requestTiers(1000, '0.05'), undefined, { count: 999n, listUsd: Ratio.ZERO, feesUsd: Ratio.ZERO }, new Ratio(5n, 2n), r('0.02'));
    // 1.5 requests past 1,000 × $0.001
    expect(fee.toExactDecimal()).toBe('0.0015');
  });

  it('requests already past the free tier: all the remainder pays', () => {
    const fee = remainderFee('requests', requestTiers(1000, '0.05'), undefined, { count: 5000n, listUsd: Ratio.ZERO, feesUsd: Ratio.ZERO }, Ratio.of(100), r('0.1'));
    expect(fee.toExactDecimal()).toBe('0.5');
  });

  it('list-usd: each tier pays its rate on the dollars of the projected interval in it', () => {
    // $8 so far; 100 more at $0.15 = $15: (8, 23] → $10–$20 at 5% = 0.50, $20–$23 at 3% = 0.09.
    const fee = remainderFee('list-usd', usdTiers, undefined, { count: 50n, listUsd: r('8'), feesUsd: Ratio.ZERO }, Ratio.of(100), r('0.15'));
    expect(fee.toExactDecimal()).toBe('0.59');
  });

  it('the cap leaves only its room: cap − fees so far', () => {
    const soFar = { count: 900n, listUsd: r('18'), feesUsd: r('0.05') };
    expect(remainderFee('requests', requestTiers(1000, '0.05'), parseMoney('0.15'), soFar, Ratio.of(300), r('0.02')).toExactDecimal()).toBe('0.1');
    // A cap already reached leaves nothing.
    expect(remainderFee('requests', requestTiers(1000, '0.05'), parseMoney('0.05'), soFar, Ratio.of(300), r('0.02')).toString()).toBe('0');
    // A cap with room to spare changes nothing.
    expect(remainderFee('requests', requestTiers(1000, '0.05'), parseMoney('100'), soFar, Ratio.of(300), r('0.02')).toExactDecimal()).toBe('0.2');
  });

  it('nothing projected, nothing to pay', () => {
    expect(remainderFee('requests', requestTiers(0 + 1, '0.05'), undefined, { count: 10n, listUsd: r('1'), feesUsd: Ratio.ZERO }, Ratio.ZERO, r('0.1')).isZero()).toBe(true);
  });
});
