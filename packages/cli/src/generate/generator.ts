import { AliasTable } from './alias.js';
import { OFFERINGS, PROVIDERS } from './catalog.js';
import { TimestampFormatter, formatPicoUsd, utcMonthBounds } from './format.js';
import type { GenerateColumn, GenerateConfig } from './options.js';
import { HEAVY_KEY_OK, Population, planHeavyShares } from './population.js';
import { STREAM, Xoshiro128, hash32, splitSeed } from './prng.js';
import { Timeline } from './timeline.js';

/** The BYOK free tier's start and size (POLICY.md F3), for `charged_usd`. */
const FREE_TIER_START_MS = Date.UTC(2025, 9, 1);
const FREE_REQUESTS = 1_000_000;
/** Text is handed out in chunks of about this many UTF-16 units. */
export const CHUNK_CHARS = 1 << 18;

/** Timestamps in `--offsets` mode: a UTC offset (minutes) and how it is written. */
const OFFSETS: readonly (readonly [number, string])[] = [
  [0, 'Z'], [0, '+00:00'], [-300, '-05:00'], [-240, '-04:00'], [-420, '-07:00'], [-480, '-08:00'],
  [-180, '-03:00'], [-600, '-10:00'], [-570, '-09:30'], [-720, '-12:00'], [60, '+01:00'], [120, '+02:00'],
  [120, '+0200'], [330, '+05:30'], [345, '+05:45'], [480, '+08:00'], [540, '+09:00'], [540, '+09'],
  [600, '+10:00'], [780, '+13:00'], [840, '+14:00'],
];
/** Share of timestamps written as epoch milliseconds in `--offsets` mode. */
const EPOCH_MS_SHARE = 0.1;
/** Share of requests that use the user's favourite model rather than a fresh draw. */
const FAVOURITE_SHARE = 0.5;

const enum Col {
  RequestId,
  Timestamp,
  UserId,
  OrgId,
  Model,
  Provider,
  Cost,
  KeyResult,
  PlatformResult,
  Route,
  Charged,
}
const COLUMN_CODES: Record<GenerateColumn, Col> = {
  request_id: Col.RequestId,
  timestamp: Col.Timestamp,
  user_id: Col.UserId,
  org_id: Col.OrgId,
  model: Col.Model,
  provider: Col.Provider,
  cost_usd: Col.Cost,
  key_result: Col.KeyResult,
  platform_result: Col.PlatformResult,
  route: Col.Route,
  charged_usd: Col.Charged,
};

/** The request-id prefix of a seed: `req-` and four base-36 characters, so logs of different seeds can be merged. */
export function requestIdPrefix(seed: number): string {
  const [lo, hi] = splitSeed(seed);
  return `req-${(hash32(lo, hi, 0x1d) % 1_679_616).toString(36).padStart(4, '0')}-`;
}

/**
 * Min-heap of pending rows keyed by (sort key, sequence): `--shuffle-window` gives each row
 * a key in [t, t + window] and releases rows in key order once no later row can precede them.
 */
class PendingRows {
  private keys: number[] = [];
  private seqs: number[] = [];
  private lines: string[] = [];

  get size(): number {
    return this.keys.length;
  }

  minKey(): number {
    return this.keys[0]!;
  }

  push(key: number, seq: number, line: string): void {
    const { keys, seqs, lines } = this;
    let i = keys.length;
    keys.push(key);
    seqs.push(seq);
    lines.push(line);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (keys[p]! < key || (keys[p] === key && seqs[p]! < seq)) break;
      keys[i] = keys[p]!;
      seqs[i] = seqs[p]!;
      lines[i] = lines[p]!;
      i = p;
    }
    keys[i] = key;
    seqs[i] = seq;
    lines[i] = line;
  }

  pop(): string {
    const { keys, seqs, lines } = this;
    const top = lines[0]!;
    const key = keys.pop()!;
    const seq = seqs.pop()!;
    const line = lines.pop()!;
    const n = keys.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && (keys[c + 1]! < keys[c]! || (keys[c + 1] === keys[c] && seqs[c + 1]! < seqs[c]!))) c++;
      if (key < keys[c]! || (key === keys[c] && seq < seqs[c]!)) break;
      keys[i] = keys[c]!;
      seqs[i] = seqs[c]!;
      lines[i] = lines[c]!;
      i = c;
    }
    keys[i] = key;
    seqs[i] = seq;
    lines[i] = line;
    return top;
  }
}

/**
 * The request log as CSV text, in chunks: the header line, then `config.rows` data lines
 * (LF line ends). Pure: no I/O, no clock, no `Math.random`; the same config gives the same
 * text on every machine.
 *
 * Each request is drawn from independent seeded streams (who, what, results, time), so
 * `--offsets`, `--columns` and `--shuffle-window` change how rows are written and ordered,
 * never what they say.
 */
export function* generateCsv(config: GenerateConfig): Generator<string, void, undefined> {
  const { rows, seed, startMs, endMs } = config;
  const single = config.singleOrg !== undefined;
  const population = new Population({
    seed,
    users: config.users,
    orgs: config.orgs,
    heavyOrgs: config.heavyOrgs,
    heavyShares: planHeavyShares(rows, endMs - startMs, config.heavyOrgs),
    singleOrg: config.singleOrg,
  });
  const timeline = new Timeline(rows, startMs, endMs, new Xoshiro128(seed, STREAM.timeline));
  const who = new Xoshiro128(seed, STREAM.who);
  const what = new Xoshiro128(seed, STREAM.what);
  const results = new Xoshiro128(seed, STREAM.results);
  const dupRng = new Xoshiro128(seed, STREAM.duplicates);
  const shuffleRng = new Xoshiro128(seed, STREAM.shuffle);
  const offsetRng = new Xoshiro128(seed, STREAM.offsets);
  const offerTable = new AliasTable(OFFERINGS.map((o) => o.weight));
  const providerOf = Int32Array.from(OFFERINGS, (o) => PROVIDERS.indexOf(o.provider));
  const formatter = new TimestampFormatter();
  const idHead = requestIdPrefix(seed);

  const codes = config.columns.map((c) => COLUMN_CODES[c]);
  const ncols = codes.length;
  const window = config.shuffleWindowMs;
  const pending = window > 0 ? new PendingRows() : undefined;
  const dupRate = config.duplicateRate;
  const offsets = config.offsets;
  const userIds = population.userIds;
  const orgIds = population.orgIds;

  // Allowance counters for charged_usd, per scope, reset at each UTC month.
  const counts = new Float64Array(population.scopeCount);
  let monthEnd = Number.NEGATIVE_INFINITY;
  let freeTier = false;

  const w = { scope: 0, user: 0, org: -1 };
  let counter = 0;
  let seq = 0;
  let prevLine = '';
  let prevTs = 0;
  let chunk = `${config.columns.join(',')}\n`;

  for (let slot = 0; slot < rows; slot++) {
    const slotTs = timeline.next();
    let line: string;
    let ts: number;
    if (slot > 0 && dupRate > 0 && dupRng.float() < dupRate) {
      // A retried shipment: the previous request again, identical.
      line = prevLine;
      ts = prevTs;
    } else {
      ts = slotTs;
      counter++;
      population.draw(who, w);
      const oi = what.float() < FAVOURITE_SHARE ? population.favourite[w.user]! : offerTable.sample(what);
      const offering = OFFERINGS[oi]!;
      // Token counts: uniform × Pareto(α = 2) around the model's typical sizes, capped.
      let inTok = Math.floor((offering.typicalInput * (0.05 + 0.95 * what.float())) / Math.sqrt(what.floatOpen0()));
      let outTok = Math.floor((offering.typicalOutput * (0.05 + 0.95 * what.float())) / Math.sqrt(what.floatOpen0()));
      inTok = inTok < 1 ? 1 : inTok > offering.maxInput ? offering.maxInput : inTok;
      outTok = outTok < 1 ? 1 : outTok > offering.maxOutput ? offering.maxOutput : outTok;
      const costPico = inTok * offering.inputPrice + outTok * offering.outputPrice; // exact integer pUSD

      let keyResult: string;
      let platformOk: boolean;
      if (single) {
        keyResult = 'ok';
        platformOk = true;
      } else {
        const u = results.float();
        if (population.isHeavy(w.scope)) {
          keyResult = u < HEAVY_KEY_OK ? 'ok' : u < 0.985 ? 'rate_limited' : u < 0.995 ? 'error' : 'none';
        } else if (!population.hasKey(w.scope, providerOf[oi]!)) {
          keyResult = 'none';
        } else {
          keyResult = u < 0.92 ? 'ok' : u < 0.97 ? 'rate_limited' : 'error';
        }
        platformOk = results.float() < 0.99;
      }
      // Route under the default failover mode (fallback), and what the default policy charges.
      const route = keyResult === 'ok' ? 'byok' : platformOk ? 'platform' : 'failed';
      if (ts >= monthEnd) {
        const [from, to] = utcMonthBounds(ts);
        monthEnd = to;
        freeTier = from >= FREE_TIER_START_MS;
        counts.fill(0);
      }
      let chargedPico = 0;
      if (route === 'byok') {
        const n = ++counts[w.scope]!;
        if (!freeTier || n > FREE_REQUESTS) chargedPico = costPico / 20; // 5%: exact, costs are multiples of 100 pUSD
      } else if (route === 'platform') {
        chargedPico = costPico;
      }

      line = '';
      for (let c = 0; c < ncols; c++) {
        if (c > 0) line += ',';
        switch (codes[c]) {
          case Col.RequestId: {
            const digits = counter.toString(36);
            line += idHead + (digits.length < 8 ? '00000000'.slice(digits.length) + digits : digits);
            break;
          }
          case Col.Timestamp:
            if (!offsets) line += formatter.utc(ts);
            else if (offsetRng.float() < EPOCH_MS_SHARE) line += String(ts);
            else {
              const [minutes, suffix] = OFFSETS[offsetRng.int(OFFSETS.length)]!;
              line += formatter.wallClock(ts + minutes * 60_000) + suffix;
            }
            break;
          case Col.UserId:
            line += userIds[w.user]!;
            break;
          case Col.OrgId:
            if (w.org >= 0) line += orgIds[w.org]!;
            break;
          case Col.Model:
            line += offering.model;
            break;
          case Col.Provider:
            line += offering.provider;
            break;
          case Col.Cost:
            line += formatPicoUsd(costPico);
            break;
          case Col.KeyResult:
            line += keyResult;
            break;
          case Col.PlatformResult:
            line += platformOk ? 'ok' : 'error';
            break;
          case Col.Route:
            line += route;
            break;
          case Col.Charged:
            line += formatPicoUsd(chargedPico);
            break;
        }
      }
      line += '\n';
      prevLine = line;
      prevTs = ts;
    }

    if (pending === undefined) {
      chunk += line;
    } else {
      pending.push(ts + shuffleRng.int(window + 1), seq++, line);
      // Every later row is a new request (at or after this slot's time) or a copy of the
      // latest new one (at prevTs ≤ slotTs): none can get a key below prevTs. Release up to it.
      while (pending.size > 0 && pending.minKey() <= prevTs) chunk += pending.pop();
    }
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (pending !== undefined) {
    while (pending.size > 0) {
      chunk += pending.pop();
      if (chunk.length >= CHUNK_CHARS) {
        yield chunk;
        chunk = '';
      }
    }
  }
  if (chunk.length > 0) yield chunk;
}
