import { parseDecimal } from '../money/parseDecimal.js';
import { MAX_MONEY_FRACTION_DIGITS } from '../money/parseMoney.js';
import { MAX_RATE_FRACTION_DIGITS } from '../money/rate.js';

/**
 * One tier of a `--vary tiers=` value: the bound as decimal text (read in the unit of the
 * version it is applied to: a count of requests, or dollars), absent on the last tier.
 */
export interface TierOverride {
  readonly upTo?: string;
  readonly rate: string;
}

/**
 * Reads the what-if syntax of one schedule (docs/pricing-language.md §3): tiers separated
 * by `/`, each `upTo:rate`, the last a rate alone, e.g. `1000000:0/10000000:0.05/0.03`.
 * Returns the tiers, or the reason the text is refused. Bounds must strictly increase;
 * whether a bound suits the unit (a whole number for `requests`) is the loader's check.
 *
 * @example
 * parseTierList('1000000:0/0.05') //=> [{ upTo: '1000000', rate: '0' }, { rate: '0.05' }]
 */
export function parseTierList(text: string): TierOverride[] | string {
  const parts = text.split('/');
  const tiers: TierOverride[] = [];
  let previous: { units: bigint; scale: number } | undefined;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const last = i === parts.length - 1;
    const colon = part.indexOf(':');
    if (last !== (colon === -1)) {
      return last ? `the last tier ${JSON.stringify(part)} is a rate alone (it has no bound)` : `tier ${i + 1} ${JSON.stringify(part)} is not upTo:rate`;
    }
    const rate = last ? part : part.slice(colon + 1);
    const parsedRate = parseDecimal(rate, { maxFractionDigits: MAX_RATE_FRACTION_DIGITS, allowNegative: false });
    if (typeof parsedRate === 'string') return `tier ${i + 1}: rate ${JSON.stringify(rate)}: ${parsedRate}`;
    if (last) {
      tiers.push({ rate });
      continue;
    }
    const upTo = part.slice(0, colon);
    const bound = parseDecimal(upTo, { maxFractionDigits: MAX_MONEY_FRACTION_DIGITS, allowNegative: false });
    if (typeof bound === 'string') return `tier ${i + 1}: bound ${JSON.stringify(upTo)}: ${bound}`;
    if (bound.units === 0n) return `tier ${i + 1}: bound ${JSON.stringify(upTo)} must be greater than 0`;
    if (previous !== undefined && compareDecimals(bound, previous) <= 0) return `tier ${i + 1}: bound ${JSON.stringify(upTo)} must be greater than the previous bound`;
    previous = bound;
    tiers.push({ upTo, rate });
  }
  return tiers;
}

/** Compares two exact decimals. */
export function compareDecimals(a: { units: bigint; scale: number }, b: { units: bigint; scale: number }): -1 | 0 | 1 {
  const scale = Math.max(a.scale, b.scale);
  const x = a.units * 10n ** BigInt(scale - a.scale);
  const y = b.units * 10n ** BigInt(scale - b.scale);
  return x < y ? -1 : x > y ? 1 : 0;
}
