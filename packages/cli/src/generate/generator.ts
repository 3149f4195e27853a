import { AliasTable } from './alias.js';
import { OFFERINGS, PROVIDERS } from './catalog.js';
import { csvField, utcMonthBounds } from './format.js';
import type { GenerateColumn, GenerateConfig } from './options.js';
import { HEAVY_KEY_OK, Population, USER_ID_BYTES, planHeavyShares } from './population.js';
import { STREAM, Xoshiro128, hash32, splitSeed } from './prng.js';
import { Base36Counter, RowBuffer, utf8 } from './rowBuffer.js';
import { Timeline } from './timeline.js';

/** The BYOK free tier's start and size (POLICY.md F3), for `charged_usd`. */
const FREE_TIER_START_MS = Date.UTC(2025, 9, 1);
const FREE_REQUESTS = 1_000_000;
/** Output is handed out in chunks of about this many bytes (always whole lines). */
export const CHUNK_BYTES = 1 << 18;

/** Timestamps in `--offsets` mode: a UTC offset (minutes) and how it is written. */
const OFFSETS_TEXT: readonly (readonly [number, string])[] = [
  [0, 'Z'], [0, '+00:00'], [-300, '-05:00'], [-240, '-04:00'], [-420, '-07:00'], [-480, '-08:00'],
  [-180, '-03:00'], [-600, '-10:00'], [-570, '-09:30'], [-720, '-12:00'], [60, '+01:00'], [120, '+02:00'],
  [120, '+0200'], [330, '+05:30'], [345, '+05:45'], [480, '+08:00'], [540, '+09:00'], [540, '+09'],
  [600, '+10:00'], [780, '+13:00'], [840, '+14:00'],
];
const OFFSET_MINUTES = OFFSETS_TEXT.map(([m]) => m);
const OFFSET_SUFFIX = OFFSETS_TEXT.map(([, s]) => utf8(s));
const Z_SUFFIX = utf8('Z');
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

const ARENA_BYTES = 1 << 22;

/**
 * Rows waiting to be written under `--shuffle-window`: each row gets a sort key in
 * [t, t + window] and is released in (key, sequence) order once no later row can precede
 * it. The heap holds numbers only; row bytes live in shared arenas (freed when their last
 * row is released), so pending rows cost no per-row allocations.
 */
class PendingRows {
  private readonly keys: number[] = [];
  private readonly seqs: number[] = [];
  /** arena id × 2^23 + offset (arenas are at most 2^23 bytes). */
  private readonly locs: number[] = [];
  private readonly lens: number[] = [];
  private readonly arenas: (Buffer | undefined)[] = [];
  private readonly live: number[] = [];
  private arenaId = -1;
  private arenaPos = ARENA_BYTES;

  get size(): number {
    return this.keys.length;
  }

  minKey(): number {
    return this.keys[0]!;
  }

  /** Adds a copy of `src[from, to)`; returns its location (for `addRef`). */
  add(key: number, seq: number, src: Uint8Array, from: number, to: number): number {
    const len = to - from;
    if (this.arenaPos + len > ARENA_BYTES) {
      this.arenaId++;
      this.arenas.push(Buffer.allocUnsafe(ARENA_BYTES));
      this.live.push(0);
      this.arenaPos = 0;
    }
    const arena = this.arenas[this.arenaId]!;
    arena.set(src.subarray(from, to), this.arenaPos);
    const loc = this.arenaId * 8_388_608 + this.arenaPos;
    this.arenaPos += len;
    this.addRef(key, seq, loc, len);
    return loc;
  }

  /** Adds another row with the bytes already at `loc` (a duplicate). */
  addRef(key: number, seq: number, loc: number, len: number): void {
    this.live[Math.floor(loc / 8_388_608)]!++;
    const { keys, seqs, locs, lens } = this;
    let i = keys.length;
    keys.push(key);
    seqs.push(seq);
    locs.push(loc);
    lens.push(len);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (keys[p]! < key || (keys[p] === key && seqs[p]! < seq)) break;
      keys[i] = keys[p]!;
      seqs[i] = seqs[p]!;
      locs[i] = locs[p]!;
      lens[i] = lens[p]!;
      i = p;
    }
    keys[i] = key;
    seqs[i] = seq;
    locs[i] = loc;
    lens[i] = len;
  }

  /** Removes the first row and appends its bytes to `row`. */
  popInto(row: RowBuffer): void {
    const { keys, seqs, locs, lens } = this;
    const topLoc = locs[0]!;
    const topLen = lens[0]!;
    const id = Math.floor(topLoc / 8_388_608);
    const offset = topLoc - id * 8_388_608;
    this.arenas[id]!.copy(row.bytes, row.length, offset, offset + topLen);
    row.length += topLen;
    if (--this.live[id]! === 0 && id !== this.arenaId) this.arenas[id] = undefined;

    const key = keys.pop()!;
    const seq = seqs.pop()!;
    const loc = locs.pop()!;
    const len = lens.pop()!;
    const n = keys.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && (keys[c + 1]! < keys[c]! || (keys[c + 1] === keys[c] && seqs[c + 1]! < seqs[c]!))) c++;
      if (key < keys[c]! || (key === keys[c] && seq < seqs[c]!)) break;
      keys[i] = keys[c]!;
      seqs[i] = seqs[c]!;
      locs[i] = locs[c]!;
      lens[i] = lens[c]!;
      i = c;
    }
    keys[i] = key;
    seqs[i] = seq;
    locs[i] = loc;
    lens[i] = len;
  }
}

/**
 * The request log as CSV (UTF-8 bytes), in chunks of whole lines: the header line, then
 * `config.rows` data lines (LF line ends). Pure: no I/O, no clock, no `Math.random`; the
 * same config gives the same bytes on every machine.
 *
 * Each request is drawn from independent seeded streams (who, what, results, time), so
 * `--offsets`, `--columns` and `--shuffle-window` change how rows are written and ordered,
 * never what they say.
 */
export function* generateCsvBytes(config: GenerateConfig): Generator<Uint8Array, void, undefined> {
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

  // Every text a row can contain, pre-encoded.
  const userIds = population.userIdBytes;
  const orgIds = population.orgIds.map(utf8);
  const models = OFFERINGS.map((o) => utf8(csvField(o.model)));
  const providers = OFFERINGS.map((o) => utf8(csvField(o.provider)));
  const KEY = { ok: utf8('ok'), rate_limited: utf8('rate_limited'), error: utf8('error'), none: utf8('none') };
  const PLATFORM_OK = utf8('ok');
  const PLATFORM_ERROR = utf8('error');
  const ROUTE = { byok: utf8('byok'), platform: utf8('platform'), failed: utf8('failed') };
  const idHead = utf8(requestIdPrefix(seed));
  const idCounter = new Base36Counter(8);
  const longest = (list: readonly Uint8Array[]) => list.reduce((m, b) => Math.max(m, b.length), 0);
  const maxRowBytes =
    idHead.length + 8 + 40 + USER_ID_BYTES + longest(orgIds) + longest(models) + longest(providers) + 2 * 32 + 12 + 5 + 8 + 16;

  const codes = config.columns.map((c) => COLUMN_CODES[c]);
  const ncols = codes.length;
  const window = config.shuffleWindowMs;
  const pending = window > 0 ? new PendingRows() : undefined;
  const dupRate = config.duplicateRate;
  const offsets = config.offsets;

  // Allowance counters for charged_usd, per scope, reset at each UTC month.
  const counts = new Float64Array(population.scopeCount);
  let monthEnd = Number.NEGATIVE_INFINITY;
  let freeTier = false;

  const w = { scope: 0, user: 0, org: -1 };
  let seq = 0;
  let prevTs = 0;
  // Rows are written straight into the current output chunk, which is handed out once it
  // holds CHUNK_BYTES (its capacity keeps room for one more row). The latest new row stays
  // readable (prevChunk[prevStart, prevEnd)) for duplicates: chunks are never reused.
  const row = new RowBuffer(CHUNK_BYTES + maxRowBytes);
  const header = utf8(`${config.columns.join(',')}\n`);
  row.put(header);
  let prevChunk = row.bytes;
  let prevStart = 0;
  let prevEnd = 0;
  let prevLoc = 0;

  for (let slot = 0; slot < rows; slot++) {
    const slotTs = timeline.next();
    const isNew = slot === 0 || dupRate === 0 || dupRng.float() >= dupRate;
    if (isNew) {
      // A new request (otherwise: a retried shipment, the previous request again, identical;
      // the row buffer still holds it).
      const ts = slotTs;
      idCounter.increment();
      population.draw(who, w);
      const oi = what.float() < FAVOURITE_SHARE ? population.favourite[w.user]! : offerTable.sample(what);
      const offering = OFFERINGS[oi]!;
      // Token counts: uniform × Pareto(α = 2) around the model's typical sizes, capped.
      let inTok = Math.floor((offering.typicalInput * (0.05 + 0.95 * what.float())) / Math.sqrt(what.floatOpen0()));
      let outTok = Math.floor((offering.typicalOutput * (0.05 + 0.95 * what.float())) / Math.sqrt(what.floatOpen0()));
      inTok = inTok < 1 ? 1 : inTok > offering.maxInput ? offering.maxInput : inTok;
      outTok = outTok < 1 ? 1 : outTok > offering.maxOutput ? offering.maxOutput : outTok;
      const costPico = inTok * offering.inputPrice + outTok * offering.outputPrice; // exact integer pUSD

      let keyResult: keyof typeof KEY;
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
      const route: keyof typeof ROUTE = keyResult === 'ok' ? 'byok' : platformOk ? 'platform' : 'failed';
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

      prevStart = row.length;
      for (let c = 0; c < ncols; c++) {
        if (c > 0) row.byte(44); // ','
        switch (codes[c]) {
          case Col.RequestId:
            row.put(idHead);
            row.put(idCounter.digits);
            break;
          case Col.Timestamp:
            if (!offsets) {
              row.wallClock(ts);
              row.put(Z_SUFFIX);
            } else if (offsetRng.float() < EPOCH_MS_SHARE) {
              row.uint(ts);
            } else {
              const k = offsetRng.int(OFFSET_MINUTES.length);
              row.wallClock(ts + OFFSET_MINUTES[k]! * 60_000);
              row.put(OFFSET_SUFFIX[k]!);
            }
            break;
          case Col.UserId:
            row.putRange(userIds, w.user * USER_ID_BYTES, USER_ID_BYTES);
            break;
          case Col.OrgId:
            if (w.org >= 0) row.put(orgIds[w.org]!);
            break;
          case Col.Model:
            row.put(models[oi]!);
            break;
          case Col.Provider:
            row.put(providers[oi]!);
            break;
          case Col.Cost:
            row.picoUsd(costPico);
            break;
          case Col.KeyResult:
            row.put(KEY[keyResult]);
            break;
          case Col.PlatformResult:
            row.put(platformOk ? PLATFORM_OK : PLATFORM_ERROR);
            break;
          case Col.Route:
            row.put(ROUTE[route]);
            break;
          case Col.Charged:
            row.picoUsd(chargedPico);
            break;
        }
      }
      row.byte(10); // '\n'
      prevTs = ts;
      prevChunk = row.bytes;
      prevEnd = row.length;
    } else if (pending === undefined) {
      // Duplicate, in order: copy the previous row right after itself.
      row.copyFrom(prevChunk, prevStart, prevEnd);
    }

    if (pending !== undefined) {
      // Move a new row from the chunk into the pending rows (a duplicate shares its bytes),
      // then release, in key order, what is due: every later row is a new request (at or
      // after this slot's time) or a copy of the latest new one (at prevTs), so no later
      // key is below prevTs.
      const key = prevTs + shuffleRng.int(window + 1);
      if (isNew) {
        prevLoc = pending.add(key, seq++, row.bytes, prevStart, prevEnd);
        row.length = prevStart;
      } else {
        pending.addRef(key, seq++, prevLoc, prevEnd - prevStart);
      }
      while (pending.size > 0 && pending.minKey() <= prevTs) {
        pending.popInto(row);
        if (row.length >= CHUNK_BYTES) yield row.take();
      }
    }
    if (row.length >= CHUNK_BYTES) yield row.take();
  }
  if (pending !== undefined) {
    while (pending.size > 0) {
      pending.popInto(row);
      if (row.length >= CHUNK_BYTES) yield row.take();
    }
  }
  if (row.length > 0) yield row.bytes.subarray(0, row.length);
}

/** `generateCsvBytes` as text chunks (each chunk is whole lines, so decoding never splits a character). */
export function* generateCsv(config: GenerateConfig): Generator<string, void, undefined> {
  const decoder = new TextDecoder();
  for (const chunk of generateCsvBytes(config)) yield decoder.decode(chunk);
}
