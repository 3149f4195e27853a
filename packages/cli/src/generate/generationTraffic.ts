import { AliasTable } from './alias.js';
import type { GenerationRecordsConfig } from './generationRecordsConfig.js';
import { Xoshiro128, hash32, splitSeed } from './prng.js';

/**
 * Stream ids of `byok generate generations` (the CSV generator's are 1–8): each concern
 * draws from its own stream, so how records are written (shape) never changes what they
 * say, and the census below can replay the traffic draws alone.
 */
export const GENERATION_STREAM = {
  traffic: 101,
  who: 102,
  time: 103,
  what: 104,
  ids: 105,
  shape: 106,
  planting: 107,
  population: 108,
  microseconds: 109,
} as const;

const NAMES = [
  'alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy', 'kim', 'leo', 'mallory',
  'niaj', 'olivia', 'peggy', 'quentin', 'rupert', 'sybil', 'trent', 'ursula', 'victor', 'walter', 'xena', 'yusuf', 'zoe',
];

/** The `external_user` of user `i`: a first name, numbered once the names run out (`alice`, …, `zoe`, `alice-2`, …). */
export function externalUserName(i: number): string {
  const round = Math.floor(i / NAMES.length);
  return round === 0 ? NAMES[i]! : `${NAMES[i % NAMES.length]}-${round + 1}`;
}

/** What the traffic draws decide about one record: all the census needs to know. */
export interface TrafficDraw {
  isByok: boolean;
  cancelled: boolean;
  user: number;
}

/**
 * Which user made a record and how it was served, drawn from two streams of their own.
 * Users are heavy-tailed (Zipf: a few people make most requests), and which user is the
 * heaviest depends on the seed.
 */
export class TrafficDraws {
  private readonly kind: Xoshiro128;
  private readonly who: Xoshiro128;
  private readonly users: AliasTable;

  constructor(private readonly config: GenerationRecordsConfig) {
    this.kind = new Xoshiro128(config.seed, GENERATION_STREAM.traffic);
    this.who = new Xoshiro128(config.seed, GENERATION_STREAM.who);
    const [lo, hi] = splitSeed(config.seed);
    // Rank r (1-based) weighs 1/r; user i gets the rank its hash sorts it to.
    const keys = Float64Array.from({ length: config.users }, (_, i) => hash32(lo, hi, GENERATION_STREAM.population, i));
    const order = Array.from({ length: config.users }, (_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);
    const weights = new Float64Array(config.users);
    order.forEach((user, rank) => {
      weights[user] = 1 / (rank + 1);
    });
    this.users = new AliasTable(weights);
  }

  next(out: TrafficDraw): void {
    // Always both draws, whatever the first gives: the streams stay aligned record by record.
    const served = this.kind.float();
    const cancel = this.kind.float();
    out.isByok = served < this.config.byokShare;
    out.cancelled = cancel < this.config.cancelledShare;
    out.user = this.users.sample(this.who);
  }
}

/** The index of a record's allowance pool: the org's one pool, or the user's own. */
export function scopeIndexOf(config: GenerationRecordsConfig, user: number): number {
  return config.org === undefined ? user : 0;
}

export function scopeCountOf(config: GenerationRecordsConfig): number {
  return config.org === undefined ? config.users : 1;
}

/** `org:<id>` or `user:<id>`, as the import and the audit name the scope (POLICY.md D3). */
export function scopeName(config: GenerationRecordsConfig, scopeIndex: number): string {
  return config.org === undefined ? `user:${externalUserName(scopeIndex)}` : `org:${config.org}`;
}

/** How many records of each kind a month holds, counted before any record is written. */
export interface TrafficCensus {
  /** Served (not cancelled) BYOK requests per scope: the allowance counts these (POLICY.md D2). */
  readonly servedByok: Float64Array;
  readonly cancelled: number;
}

/**
 * Replays the traffic draws of the whole month without writing anything: the planted
 * errors are placed by their position among the requests inside or past the allowance,
 * and how many there are is known only once every record is drawn. Two draws and an
 * alias lookup per record: a few milliseconds per million, and nothing kept per record.
 */
export function takeTrafficCensus(config: GenerationRecordsConfig): TrafficCensus {
  const traffic = new TrafficDraws(config);
  const servedByok = new Float64Array(scopeCountOf(config));
  const draw: TrafficDraw = { isByok: false, cancelled: false, user: 0 };
  let cancelled = 0;
  for (let i = 0; i < config.records; i++) {
    traffic.next(draw);
    if (draw.cancelled) cancelled++;
    else if (draw.isByok) servedByok[scopeIndexOf(config, draw.user)]!++;
  }
  return { servedByok, cancelled };
}
