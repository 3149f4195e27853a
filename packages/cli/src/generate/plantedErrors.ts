import { Money, type Rate, type WrongChargeKind, parseRate } from '@byok-billing/core';
import { UsageError } from '../exitCodes.js';
import type { Xoshiro128 } from './prng.js';

/**
 * The charge errors `byok generate generations` can plant, one per way a gateway's
 * billing can go wrong that the generation records show. Each kind is planted only on
 * records where it is an error a per-request audit must find: a fee on a free request,
 * no fee on a billable one, and so on. (A wrong platform charge cannot be planted: a
 * platform record's list cost *is* its `total_cost`, so the records cannot contradict it.)
 */
export const PLANTED_ERROR_KINDS = ['fee-inside-allowance', 'missing-fee', 'wrong-fee-rate', 'list-price-on-byok', 'charge-on-cancelled'] as const;
export type PlantedErrorKind = (typeof PLANTED_ERROR_KINDS)[number];

/** How many errors of each kind to plant. */
export type PlantedErrorCounts = Readonly<Record<PlantedErrorKind, number>>;

export const NO_PLANTED_ERRORS: PlantedErrorCounts = {
  'fee-inside-allowance': 0,
  'missing-fee': 0,
  'wrong-fee-rate': 0,
  'list-price-on-byok': 0,
  'charge-on-cancelled': 0,
};

/**
 * The records a kind is planted on: BYOK requests inside the allowance, BYOK requests
 * past it, or cancelled records. A list price charged on a free request would look to
 * the audit like any other fee inside the allowance, so that kind is planted past it.
 */
export type PlantingPool = 'inside' | 'past' | 'cancelled';

export const POOL_OF: Readonly<Record<PlantedErrorKind, PlantingPool>> = {
  'fee-inside-allowance': 'inside',
  'missing-fee': 'past',
  'wrong-fee-rate': 'past',
  'list-price-on-byok': 'past',
  'charge-on-cancelled': 'cancelled',
};

/** What `byok audit --per-request` names each kind (its `wrongCharge`). */
export const AUDIT_KIND_OF: Readonly<Record<PlantedErrorKind, WrongChargeKind>> = {
  'fee-inside-allowance': 'fee inside the allowance',
  'missing-fee': 'no fee past the allowance',
  'wrong-fee-rate': 'fee at the wrong rate',
  'list-price-on-byok': 'platform charge on a BYOK request',
  'charge-on-cancelled': 'charge on a failed request',
};

/**
 * Rates a misconfigured gateway charges instead of the policy's: doubled, halved to a
 * slip of the point, a stale 2%, and 15%. At most two decimals each, so that a rate times
 * a list cost (at most 10 decimals) still fits the log's 12 fractional digits.
 */
export const WRONG_FEE_RATES: readonly Rate[] = ['0.1', '0.5', '0.02', '0.15'].map((r) => parseRate(r));

/** What a planted error makes the gateway charge (never what the policy says: see `plantedCharge`'s callers). */
export interface PlantedChargeInput {
  readonly kind: PlantedErrorKind;
  /** The request's list cost (never zero on a planted record: a zero cost makes every fee zero, and no error). */
  readonly listCost: Money;
  readonly isByok: boolean;
  /** The policy's fee rate. */
  readonly feeRate: Rate;
  /** For `wrong-fee-rate`: which rate. */
  readonly wrongRate: Rate;
}

/**
 * The erroneous charge of a planted record, exact.
 *
 * @example
 * plantedCharge({ kind: 'fee-inside-allowance', listCost: parseMoney('0.084'), isByok: true, feeRate: parseRate('0.05'), wrongRate }).toString() //=> '0.0042'
 */
export function plantedCharge(input: PlantedChargeInput): Money {
  const { kind, listCost, isByok, feeRate } = input;
  switch (kind) {
    case 'fee-inside-allowance':
      return listCost.multiply(feeRate);
    case 'missing-fee':
      return Money.ZERO;
    case 'wrong-fee-rate':
      return listCost.multiply(input.wrongRate);
    case 'list-price-on-byok':
      return listCost;
    case 'charge-on-cancelled':
      // The gateway billed a cancelled request as if it had been served.
      return isByok ? listCost.multiply(feeRate) : listCost;
  }
}

/** More errors were asked for than the generated month has records of the kind they go on. */
export class PlantedErrorsDoNotFitError extends UsageError {
  constructor(
    readonly pool: PlantingPool,
    readonly wanted: number,
    readonly available: number,
  ) {
    super(
      `cannot plant ${wanted.toLocaleString('en-US')} error(s) on ${POOL_TEXT[pool]}: the generated records have only ${available.toLocaleString('en-US')}` +
        (pool === 'past' ? ' (give more --records, a larger --byok-share, or fewer errors past the allowance)' : ''),
    );
    this.name = 'PlantedErrorsDoNotFitError';
  }
}

const POOL_TEXT: Readonly<Record<PlantingPool, string>> = {
  inside: 'BYOK requests inside the allowance',
  past: 'BYOK requests past the allowance',
  cancelled: 'cancelled records',
};

/**
 * Picks which records of a pool get which planted error: `kinds.length` distinct
 * positions among the pool's `size` records (Floyd's sampling: uniform, as many draws as
 * errors), then the kinds shuffled over them, so that which kind lands where depends on
 * the seed too. Positions count the pool's records in file order, from 0.
 */
export function choosePlantedPositions(pool: PlantingPool, size: number, kinds: readonly PlantedErrorKind[], rng: Xoshiro128): Map<number, PlantedErrorKind> {
  const k = kinds.length;
  if (k > size) throw new PlantedErrorsDoNotFitError(pool, k, size);
  const chosen = new Set<number>();
  for (let j = size - k; j < size; j++) {
    const t = rng.int(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  const positions = [...chosen].sort((a, b) => a - b);
  const shuffled = [...kinds];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  return new Map(positions.map((p, i) => [p, shuffled[i]!]));
}

/** The planted kinds of one pool, each repeated as often as asked, in PLANTED_ERROR_KINDS order. */
export function kindsOfPool(counts: PlantedErrorCounts, pool: PlantingPool): PlantedErrorKind[] {
  return PLANTED_ERROR_KINDS.filter((kind) => POOL_OF[kind] === pool).flatMap((kind) => new Array<PlantedErrorKind>(counts[kind]).fill(kind));
}

/**
 * `--errors-at-crossing`: where the allowance runs out, the errors an off-by-one or a
 * counter reset in the gateway would make. The last free request is charged the fee, the
 * first billable one is charged nothing, and the second is charged at a wrong rate.
 * Keyed by how far past the allowance the request is (0: the allowance-th, the last free).
 */
export const CROSSING_ERRORS: ReadonlyMap<number, PlantedErrorKind> = new Map([
  [0, 'fee-inside-allowance'],
  [1, 'missing-fee'],
  [2, 'wrong-fee-rate'],
]);
