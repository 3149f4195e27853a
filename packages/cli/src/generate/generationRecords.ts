import { Money, type Rate } from '@byok-billing/core';
import { AliasTable } from './alias.js';
import { OFFERINGS } from './catalog.js';
import { GATEWAY_NUMBER_DIALECTS, type GatewayNumberDialect } from './gatewayNumberText.js';
import { gatewayTimestamp } from './gatewayTimestamp.js';
import { type RecordShape, generationRecordJson } from './generationRecordJson.js';
import type { GenerationRecordsConfig } from './generationRecordsConfig.js';
import { GENERATION_STREAM, type TrafficDraw, TrafficDraws, externalUserName, scopeCountOf, scopeIndexOf, scopeName, takeTrafficCensus } from './generationTraffic.js';
import { CROSSING_ERRORS, type PlantedErrorKind, WRONG_FEE_RATES, plantedCharge } from './plantedErrors.js';
import { planPlantedErrors } from './plantingPlan.js';
import { Xoshiro128 } from './prng.js';
import { Timeline } from './timeline.js';

/** One generated record, with what the generator knows about its charge. */
export interface GeneratedGeneration {
  /** 0-based position in the output. */
  readonly index: number;
  readonly id: string;
  /** The UTC instant, in epoch microseconds (strictly increasing through the output). */
  readonly epochMicros: number;
  /** `created_at` as written: the instant in the record's UTC offset. */
  readonly createdAt: string;
  readonly model: string;
  readonly provider: string;
  readonly externalUser: string;
  readonly isByok: boolean;
  readonly cancelled: boolean;
  /** The list cost: the provider's cost on the key for BYOK, the platform's price otherwise. */
  readonly listCost: Money;
  /** `org:<id>` or `user:<id>`: whose allowance the request uses. */
  readonly scope: string;
  /** The request's place among its scope's served BYOK requests of the month (1-based); null when not a served BYOK request. */
  readonly ordinal: number | null;
  /** What the policy charges: 0 inside the allowance, the fee past it, the list price on platform credits, 0 when cancelled. */
  readonly policyCharge: Money;
  /** What the record says the gateway charged (`total_cost`): the policy's charge unless an error was planted. */
  readonly charged: Money;
  /** The planted error, if any: then `charged` differs from `policyCharge`. */
  readonly planted: PlantedErrorKind | undefined;
  /** The rate a `wrong-fee-rate` error charged. */
  readonly wrongRate: Rate | undefined;
  readonly shape: RecordShape;
  readonly offsetMinutes: number;
  /** The record as one line of JSON, without the line end. */
  readonly json: string;
}

/** How gateways name the catalog's providers in `provider_name`. */
const PROVIDER_NAMES: Readonly<Record<string, string>> = {
  openai: 'OpenAI',
  azure: 'Azure',
  anthropic: 'Anthropic',
  'amazon-bedrock': 'Amazon Bedrock',
  'google-vertex': 'Google Vertex',
  'google-ai-studio': 'Google AI Studio',
  mistral: 'Mistral',
  deepseek: 'DeepSeek',
  fireworks: 'Fireworks',
  together: 'Together',
  groq: 'Groq',
};

/**
 * Catalog prices as exact integers of picodollars per token. They are multiples of
 * 100 pUSD (the catalog promises it, checked here), so a cost has at most 10 fractional
 * digits and any fee of up to two decimals on it fits the log's 12.
 */
const PRICES = OFFERINGS.map((o) => {
  for (const price of [o.inputPrice, o.outputPrice]) {
    if (!Number.isSafeInteger(price) || price % 100 !== 0) throw new Error(`catalog: ${o.model} on ${o.provider}: price ${price} is not a whole multiple of 100 pUSD`);
  }
  return { input: BigInt(o.inputPrice), output: BigInt(o.outputPrice) };
});
const PICO_SCALE = 12;

/** created_at offsets: most exports say +00:00; some are written in the exporter's own zone. */
const OTHER_OFFSETS = [-720, -600, -570, -480, -420, -300, -240, -180, 60, 120, 330, 345, 480, 540, 600, 780, 840];
const UTC_SHARE = 0.6;
const CAMEL_SHARE = 0.3;
const WRAPPED_SHARE = 0.2;
/** plain, javascript, python, java, padded (GATEWAY_NUMBER_DIALECTS order). */
const DIALECT_WEIGHTS = [0.5, 0.15, 0.2, 0.1, 0.05];
const ID_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const ID_RANDOM_CHARS = 20;

/** More records fell into the month's last millisecond than it has microseconds: the instants could not stay strictly increasing. */
export class MonthOverflowError extends Error {
  constructor(month: string) {
    super(`generate generations: the instants ran past the end of ${month}`);
    this.name = 'MonthOverflowError';
  }
}

/**
 * The month's generation records, one at a time (nothing is kept per record, so a month
 * of millions streams). Pure: no I/O, no clock, no `Math.random`; the same config gives
 * the same records on every machine.
 *
 * Records are in strictly increasing instants, so the order the policy consumes the
 * allowance in (POLICY.md D1: by instant, ties by request id) is the output order, and
 * the ordinal the generator charges by is the one `byok bill` will find. Money is exact
 * throughout: costs are integer token counts × integer picodollar prices (bigint), fees
 * are `Money × Rate`; no amount is ever a JavaScript number.
 */
export function* generateGenerationRecords(config: GenerationRecordsConfig): Generator<GeneratedGeneration, void, undefined> {
  const { seed, terms } = config;
  const plan = planPlantedErrors(config, takeTrafficCensus(config));
  const traffic = new TrafficDraws(config);
  const timeline = new Timeline(config.records, config.startMs, config.endMs, new Xoshiro128(seed, GENERATION_STREAM.time));
  const timeRng = new Xoshiro128(seed, GENERATION_STREAM.microseconds);
  const what = new Xoshiro128(seed, GENERATION_STREAM.what);
  const idRng = new Xoshiro128(seed, GENERATION_STREAM.ids);
  const shapeRng = new Xoshiro128(seed, GENERATION_STREAM.shape);
  const offerings = new AliasTable(OFFERINGS.map((o) => o.weight));
  // A planted error needs a non-zero list cost: on a free model every fee is zero, right or wrong.
  const paidOfferings = new AliasTable(OFFERINGS.map((o, i) => (PRICES[i]!.input > 0n && PRICES[i]!.output > 0n ? o.weight : 0)));
  const dialects = new AliasTable(DIALECT_WEIGHTS);
  const userNames = Array.from({ length: config.users }, (_, i) => externalUserName(i));
  const scopeNames = Array.from({ length: scopeCountOf(config) }, (_, i) => scopeName(config, i));
  const served = new Float64Array(scopeCountOf(config));
  const endMicros = config.endMs * 1000;
  const draw: TrafficDraw = { isByok: false, cancelled: false, user: 0 };
  let previousMicros = -1;
  let insideSeen = 0;
  let pastSeen = 0;
  let cancelledSeen = 0;

  for (let index = 0; index < config.records; index++) {
    traffic.next(draw);
    // The timeline gives milliseconds (non-decreasing); gateways keep microseconds. A tie
    // moves up by one microsecond, so instants never repeat.
    let epochMicros = timeline.next() * 1000 + timeRng.int(1000);
    if (epochMicros <= previousMicros) epochMicros = previousMicros + 1;
    if (epochMicros >= endMicros) throw new MonthOverflowError(config.month);
    previousMicros = epochMicros;

    const scope = scopeIndexOf(config, draw.user);
    let ordinal: number | null = null;
    let planted: PlantedErrorKind | undefined;
    if (draw.cancelled) {
      planted = plan.cancelled.get(cancelledSeen++);
    } else if (draw.isByok) {
      ordinal = ++served[scope]!;
      const beyond = ordinal - terms.allowance;
      if (plan.crossing[scope] && CROSSING_ERRORS.has(beyond)) planted = CROSSING_ERRORS.get(beyond);
      else if (ordinal <= terms.allowance) planted = plan.inside.get(insideSeen++);
      else planted = plan.past.get(pastSeen++);
    }

    const oi = (planted === undefined ? offerings : paidOfferings).sample(what);
    const offering = OFFERINGS[oi]!;
    // Token counts (not money): uniform × Pareto(α = 2) around the model's typical sizes, capped.
    const inTok = clamp(Math.floor((offering.typicalInput * (0.05 + 0.95 * what.float())) / Math.sqrt(what.floatOpen0())), 1, offering.maxInput);
    const outTok = clamp(Math.floor((offering.typicalOutput * (0.05 + 0.95 * what.float())) / Math.sqrt(what.floatOpen0())), 1, offering.maxOutput);
    const listCost = new Money(BigInt(inTok) * PRICES[oi]!.input + BigInt(outTok) * PRICES[oi]!.output, PICO_SCALE);

    const policyCharge = draw.cancelled
      ? Money.ZERO
      : !draw.isByok
        ? listCost
        : ordinal! <= terms.allowance
          ? Money.ZERO
          : listCost.multiply(terms.feeRate);
    const wrongRate = planted === 'wrong-fee-rate' ? WRONG_FEE_RATES[plan.rng.int(WRONG_FEE_RATES.length)]! : undefined;
    const charged =
      planted === undefined
        ? policyCharge
        : plantedCharge({ kind: planted, listCost, isByok: draw.isByok, feeRate: terms.feeRate, wrongRate: wrongRate ?? terms.feeRate });

    let id = `gen-${Math.floor(epochMicros / 1_000_000)}-`;
    for (let c = 0; c < ID_RANDOM_CHARS; c++) id += ID_ALPHABET[idRng.int(ID_ALPHABET.length)];
    const offsetMinutes = shapeRng.float() < UTC_SHARE ? 0 : OTHER_OFFSETS[shapeRng.int(OTHER_OFFSETS.length)]!;
    const shape: RecordShape = {
      naming: shapeRng.float() < CAMEL_SHARE ? 'camelCase' : 'snake_case',
      wrapped: shapeRng.float() < WRAPPED_SHARE,
      dialect: GATEWAY_NUMBER_DIALECTS[dialects.sample(shapeRng)] as GatewayNumberDialect,
    };
    const createdAt = gatewayTimestamp(epochMicros, offsetMinutes);
    const provider = PROVIDER_NAMES[offering.provider] ?? offering.provider;
    const externalUser = userNames[draw.user]!;
    // A platform record's list price is its total_cost; a cancelled one was charged nothing
    // (unless an error was planted), so its price shows nowhere.
    const json = generationRecordJson(
      {
        id,
        createdAt,
        model: offering.model,
        provider,
        isByok: draw.isByok,
        totalCost: charged,
        upstreamInferenceCost: draw.isByok ? listCost : null,
        cancelled: draw.cancelled,
        externalUser,
      },
      shape,
    );
    yield {
      index,
      id,
      epochMicros,
      createdAt,
      model: offering.model,
      provider,
      externalUser,
      isByok: draw.isByok,
      cancelled: draw.cancelled,
      listCost,
      scope: scopeNames[scope]!,
      ordinal,
      policyCharge,
      charged,
      planted,
      wrongRate,
      shape,
      offsetMinutes,
      json,
    };
  }
}

function clamp(n: number, min: number, max: number): number {
  return n < min ? min : n > max ? max : n;
}
