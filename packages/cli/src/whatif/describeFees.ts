import { type FeeSchedule, type FeeTerms, type FeeUnit, MAX_MONEY_FRACTION_DIGITS, Money, parseMoney, parseRate, type TierOverride } from '@byok-billing/core';

/*
 * Fee schedules in words people read at a glance (what-if labels and every report format):
 * `0–1M free · 1M–10M 5% · >10M 3%` for requests, `$0–$1,000 free · >$1,000 5%` for list-usd
 * (the bounds are dollars), several schedules as `name: …; name: …`, and `· cap $2,000` for a
 * fee cap per scope-month. Exact: bounds and rates come from their decimal text, no floats.
 */

/** A tier as decimal text: its bound (absent on the last) and its rate. */
interface TierText {
  readonly upTo: string | undefined;
  readonly rate: string;
}

/** `1500000` → `1.5M`, `500000` → `500k`, `1250000` → `1,250k`, `1234` → `1,234`: a count of requests, shortened only when exact with one decimal. */
export function requestCount(text: string): string {
  const short = (digits: number, suffix: string): string | undefined => {
    if (text.length <= digits) return undefined;
    const whole = text.slice(0, -digits);
    const fraction = text.slice(-digits).replace(/0+$/, '');
    return fraction.length <= 1 ? `${groupThousands(whole)}${fraction === '' ? '' : `.${fraction}`}${suffix}` : undefined;
  };
  if (!/^\d+$/.test(text)) return text;
  return short(9, 'B') ?? short(6, 'M') ?? short(3, 'k') ?? groupThousands(text);
}

/** `1000.5` → `$1,000.5`: dollars, exact, the whole part grouped by thousands. */
export function dollars(text: string): string {
  const [whole = '', fraction] = text.split('.');
  return `$${groupThousands(whole)}${fraction === undefined ? '' : `.${fraction}`}`;
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function quantity(text: string, unit: FeeUnit): string {
  return unit === 'list-usd' ? dollars(text) : requestCount(text);
}

/** `0.05` → `5%`, exact (a rate written with up to 12 fractional digits). */
function percent(rate: string): string {
  return parseRate(rate).toPercentString();
}

/** One schedule: each tier's interval and its rate (`free` for the free tier). */
function describeTiers(tiers: readonly TierText[], free: boolean, unit: FeeUnit): string {
  if (tiers.length === 1) return `all ${percent(tiers[0]!.rate)}`;
  let lower = '0';
  return tiers
    .map((tier, i) => {
      const rate = free && i === 0 ? 'free' : percent(tier.rate);
      const from = quantity(lower, unit);
      if (tier.upTo === undefined) return `>${from} ${rate}`;
      lower = tier.upTo;
      return `${from}–${quantity(tier.upTo, unit)} ${rate}`;
    })
    .join(' · ');
}

function tierTextOf(schedule: FeeSchedule<number | bigint>): TierText[] {
  return schedule.tiers.map((tier) => ({
    upTo: tier.upTo === null ? undefined : typeof tier.upTo === 'number' ? String(tier.upTo) : new Money(tier.upTo, MAX_MONEY_FRACTION_DIGITS).toString(),
    rate: tier.rate.toString(),
  }));
}

/** A version's fee terms in words: its schedules (named when several), then its cap. */
export function describeFeeTerms(terms: FeeTerms): string {
  const schedules = terms.schedules as readonly FeeSchedule<number | bigint>[];
  const described = schedules.map((schedule) => describeTiers(tierTextOf(schedule), schedule.free, terms.unit));
  const text = schedules.length === 1 ? described[0]! : schedules.map((schedule, i) => `${schedule.name}: ${described[i]}`).join('; ');
  return terms.capUsd === undefined ? text : `${text} · cap ${dollars(terms.capUsd.toString())}`;
}

/** A `--vary tiers=` value in words, its bounds read in `unit` (the free tier: a first tier of rate 0 with a bound, as the loader reads it). */
export function describeTierOverrides(tiers: readonly TierOverride[], unit: FeeUnit): string {
  const first = tiers[0];
  const free = first !== undefined && first.upTo !== undefined && parseRate(first.rate).units === 0n;
  return describeTiers(
    // Bounds as the loader reads them (`01000000`, `1000.50` → `1000000`, `1000.5`).
    tiers.map((t) => ({ upTo: t.upTo === undefined ? undefined : parseMoney(t.upTo).normalize().toString(), rate: t.rate })),
    free,
    unit,
  );
}
