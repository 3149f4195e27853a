import { type DecisionRecord, type DecisionShape, shapeOf } from './decisionRecord.js';
import type { FeeState } from '../ledger/decideRequest.js';
import { type MeterStore, NO_CROSSINGS, NO_FEES } from './meterStore.js';
import type { ThresholdEvent } from './thresholds.js';

/**
 * The default store: counters and decisions in memory. `record` runs synchronously
 * inside one call, so it is atomic within the process; it is not durable.
 *
 * It must keep every decision (for idempotency and for the bill), so it keeps each one
 * compactly rather than as an object graph: a million retained objects with a dozen
 * string fields each cost over a kilobyte a decision and make every garbage collection
 * walk them. Here a decision is its few per-request strings (id, instant, amounts)
 * packed into one byte pool, four integers in typed arrays (pool offset, scope, period,
 * ordinal) and the index of its "shape" (every field that takes few values: policy
 * version, route, rules, status, ...), interned once. The id index is an open-addressing
 * hash table over the pool, so no per-request object survives a call. Records are
 * rebuilt as plain objects only when they are read back.
 */
export function createMemoryStore(): MeterStore {
  const decisions = new CompactDecisions();
  const counters = new Map<string, number>();
  // Fee states only of the counters a pricing-language decision moved: shorthand keeps none.
  const feeStates = new Map<string, FeeState>();
  // The threshold outbox: events in the order they were stored, and their keys.
  const events: ThresholdEvent[] = [];
  const eventKeys = new Set<string>();
  return {
    async record(counterKey, requestId, decide) {
      const found = decisions.find(requestId);
      if (found >= 0) return { record: decisions.get(found), replayed: true, seq: found + 1, crossed: NO_CROSSINGS };
      const step = decide(counters.get(counterKey) ?? 0, feeStates.get(counterKey) ?? NO_FEES);
      counters.set(counterKey, step.counted);
      if (step.fees !== undefined) feeStates.set(counterKey, step.fees);
      decisions.add(requestId, step.record);
      let crossed = NO_CROSSINGS;
      if (step.crossings !== undefined && step.crossings.length > 0) {
        const kept: ThresholdEvent[] = [];
        for (const crossing of step.crossings) {
          // One event per (scope, period, threshold), as the durable stores' unique index says.
          const key = `${crossing.scope}\n${crossing.period}\n${crossing.threshold}`;
          if (eventKeys.has(key)) continue;
          eventKeys.add(key);
          const event: ThresholdEvent = { seq: events.length + 1, ...crossing };
          events.push(event);
          kept.push(event);
        }
        if (kept.length > 0) crossed = kept;
      }
      return { record: step.record, replayed: false, seq: decisions.size, crossed };
    },
    async *events(afterSeq) {
      // seq is the index + 1: start right after the cursor; events added meanwhile are read too.
      for (let i = Math.max(0, Math.floor(afterSeq)); i < events.length; i++) yield events[i]!;
    },
    async *records() {
      // Bounded by the count at each step: records added while iterating are read too, in order.
      for (let i = 0; i < decisions.size; i++) yield decisions.get(i);
    },
    async close() {},
  };
}


/** Separates the strings of one record in the pool; the encoding below never writes it inside one. */
const SEP = 0xff;
/** Marks a null `chargedUsd` (the encoding never starts a string with it). */
const NULL_MARK = 0xfe;
const EMPTY_SLOT = -1;

/** Interns values to small integers. */
class Interner<T> {
  readonly values: T[] = [];
  private readonly index = new Map<string, number>();
  of(key: string, value: T): number {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(value);
      this.index.set(key, i);
    }
    return i;
  }
}

class CompactDecisions {
  size = 0;
  /** The strings of every record: id, instant, cost, fee, charge, charged; SEP after each. */
  private pool = new Uint8Array(1 << 16);
  private used = 0;
  private start = new Float64Array(1024);
  private scope = new Int32Array(1024);
  private period = new Int32Array(1024);
  private shape = new Int32Array(1024);
  /** The ordinal, 0 for none (ordinals start at 1). */
  private ordinal = new Int32Array(1024);
  private idHash = new Int32Array(1024);
  /** Open addressing, linear probing: record index or EMPTY_SLOT; kept at most half full. */
  private slots = new Int32Array(1 << 11).fill(EMPTY_SLOT);
  private readonly scopes = new Interner<string>();
  private readonly periods = new Interner<string>();
  private readonly kept = new Map<number, DecisionRecord>();
  private readonly shapes: DecisionShape[] = [];
  private readonly shapeIndex = new Map<string, number>();

  find(requestId: string): number {
    const mask = this.slots.length - 1;
    const h = hashOf(requestId);
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const i = this.slots[s]!;
      if (i === EMPTY_SLOT) return -1;
      if (this.idHash[i] === h && this.idEquals(i, requestId)) return i;
    }
  }

  add(requestId: string, r: DecisionRecord): void {
    const i = this.size;
    if (i === this.start.length) this.growRecords();
    if ((i + 1) * 2 > this.slots.length) this.growSlots();
    const h = hashOf(requestId);
    this.start[i] = this.used;
    // The id is indexed as it was recorded under; anything that is not a complete decision
    // record (a store's contract takes whatever `decide` gives) is kept as given.
    this.write(requestId);
    if (!isCompact(requestId, r)) {
      this.reserve(1);
      this.pool[this.used++] = NULL_MARK;
      this.kept.set(i, r);
      this.idHash[i] = h;
      this.size = i + 1;
      this.insertSlot(i, h);
      return;
    }
    this.write(r.instant);
    this.write(r.costUsd);
    this.write(r.feeUsd);
    this.write(r.chargeUsd);
    if (r.chargedUsd === null) {
      this.reserve(2);
      this.pool[this.used++] = NULL_MARK;
      this.pool[this.used++] = SEP;
    } else {
      this.write(r.chargedUsd);
    }
    this.scope[i] = this.scopes.of(r.scope, r.scope);
    this.period[i] = this.periods.of(r.period, r.period);
    // The key is built by concatenation and the shape object made only for a new shape:
    // this runs once per decision. Rules and versions are policy text without NUL.
    const key = `${r.policyVersion}\0${r.failoverMode}\0${r.route}\0${r.routeRule}\0${r.recordedRoute}\0${r.routeMismatch}\0${r.counted}\0${r.allowance}\0${r.status}\0${r.chargeKind}\0${r.chargeRule}`;
    let shape = this.shapeIndex.get(key);
    if (shape === undefined) {
      shape = this.shapes.length;
      this.shapes.push(shapeOf(r));
      this.shapeIndex.set(key, shape);
    }
    this.shape[i] = shape;
    this.ordinal[i] = r.ordinal ?? 0;
    this.idHash[i] = h;
    this.size = i + 1;
    this.insertSlot(i, h);
  }

  get(i: number): DecisionRecord {
    const kept = this.kept.size > 0 ? this.kept.get(i) : undefined;
    if (kept !== undefined) return kept;
    let at = this.start[i]!;
    const next = (): string => {
      const [text, end] = this.read(at);
      at = end + 1;
      return text;
    };
    const requestId = next();
    const instant = next();
    const costUsd = next();
    const feeUsd = next();
    const chargeUsd = next();
    const chargedUsd = this.pool[at] === NULL_MARK ? null : next();
    const s = this.shapes[this.shape[i]!]!;
    const ordinal = this.ordinal[i]!;
    // The same keys in the same order as toDecisionRecord gives.
    return {
      requestId,
      instant,
      scope: this.scopes.values[this.scope[i]!]!,
      period: this.periods.values[this.period[i]!]!,
      policyVersion: s.policyVersion,
      failoverMode: s.failoverMode,
      route: s.route,
      routeRule: s.routeRule,
      recordedRoute: s.recordedRoute,
      routeMismatch: s.routeMismatch,
      counted: s.counted,
      ordinal: ordinal === 0 ? null : ordinal,
      allowance: s.allowance,
      status: s.status,
      chargeKind: s.chargeKind,
      chargeRule: s.chargeRule,
      costUsd,
      feeUsd,
      chargeUsd,
      chargedUsd,
    };
  }

  /**
   * Writes a string's UTF-16 code units, each as 1 to 3 bytes in UTF-8's layout (lone
   * surrogates included, so every JS string round-trips), then SEP. UTF-8 layout never
   * produces 0xfe or 0xff, so SEP and NULL_MARK cannot occur inside a string.
   */
  private write(text: string): void {
    this.reserve(text.length * 3 + 1);
    const pool = this.pool;
    let at = this.used;
    for (let k = 0; k < text.length; k++) {
      const c = text.charCodeAt(k);
      if (c < 0x80) {
        pool[at++] = c;
      } else if (c < 0x800) {
        pool[at++] = 0xc0 | (c >> 6);
        pool[at++] = 0x80 | (c & 0x3f);
      } else {
        pool[at++] = 0xe0 | (c >> 12);
        pool[at++] = 0x80 | ((c >> 6) & 0x3f);
        pool[at++] = 0x80 | (c & 0x3f);
      }
    }
    pool[at++] = SEP;
    this.used = at;
  }

  /** The string at `at` and the position of its SEP. */
  private read(at: number): [string, number] {
    const pool = this.pool;
    let end = at;
    let ascii = true;
    while (pool[end] !== SEP) {
      if (pool[end]! >= 0x80) ascii = false;
      end++;
    }
    if (ascii) return [fromCodeUnits(pool.subarray(at, end)), end];
    const units: number[] = [];
    for (let k = at; k < end; ) {
      const b = pool[k]!;
      if (b < 0x80) {
        units.push(b);
        k += 1;
      } else if (b < 0xe0) {
        units.push(((b & 0x1f) << 6) | (pool[k + 1]! & 0x3f));
        k += 2;
      } else {
        units.push(((b & 0x0f) << 12) | ((pool[k + 1]! & 0x3f) << 6) | (pool[k + 2]! & 0x3f));
        k += 3;
      }
    }
    return [fromCodeUnits(units), end];
  }

  private idEquals(i: number, requestId: string): boolean {
    const pool = this.pool;
    let at = this.start[i]!;
    for (let k = 0; k < requestId.length; k++) {
      const c = requestId.charCodeAt(k);
      if (c < 0x80) {
        if (pool[at++] !== c) return false;
      } else if (c < 0x800) {
        if (pool[at++] !== (0xc0 | (c >> 6)) || pool[at++] !== (0x80 | (c & 0x3f))) return false;
      } else if (pool[at++] !== (0xe0 | (c >> 12)) || pool[at++] !== (0x80 | ((c >> 6) & 0x3f)) || pool[at++] !== (0x80 | (c & 0x3f))) {
        return false;
      }
    }
    return pool[at] === SEP;
  }

  private insertSlot(i: number, h: number): void {
    const mask = this.slots.length - 1;
    let s = h & mask;
    while (this.slots[s] !== EMPTY_SLOT) s = (s + 1) & mask;
    this.slots[s] = i;
  }

  private reserve(bytes: number): void {
    if (this.used + bytes <= this.pool.length) return;
    let length = this.pool.length * 2;
    while (length < this.used + bytes) length *= 2;
    const pool = new Uint8Array(length);
    pool.set(this.pool.subarray(0, this.used));
    this.pool = pool;
  }

  private growRecords(): void {
    const n = this.start.length * 2;
    this.start = grown(this.start, new Float64Array(n));
    this.scope = grown(this.scope, new Int32Array(n));
    this.period = grown(this.period, new Int32Array(n));
    this.shape = grown(this.shape, new Int32Array(n));
    this.ordinal = grown(this.ordinal, new Int32Array(n));
    this.idHash = grown(this.idHash, new Int32Array(n));
  }

  private growSlots(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(EMPTY_SLOT);
    for (let i = 0; i < this.size; i++) this.insertSlot(i, this.idHash[i]!);
  }
}

const STRINGS = ['instant', 'scope', 'period', 'policyVersion', 'failoverMode', 'route', 'routeRule', 'chargeKind', 'chargeRule', 'costUsd', 'feeUsd', 'chargeUsd'] as const;

/** A decision record the compact layout rebuilds exactly (every field of its type, nothing else). */
function isCompact(requestId: string, r: DecisionRecord): boolean {
  if (r === null || typeof r !== 'object' || r.requestId !== requestId || Object.keys(r).length !== 20) return false;
  for (const k of STRINGS) if (typeof r[k] !== 'string') return false;
  if (typeof r.routeMismatch !== 'boolean' || typeof r.counted !== 'boolean' || typeof r.allowance !== 'number') return false;
  if (r.recordedRoute !== null && typeof r.recordedRoute !== 'string') return false;
  if (r.status !== null && typeof r.status !== 'string') return false;
  if (r.chargedUsd !== null && typeof r.chargedUsd !== 'string') return false;
  return r.ordinal === null || (Number.isInteger(r.ordinal) && r.ordinal > 0 && r.ordinal <= 0x7fffffff);
}

/** A string of code units, in slices: spreading a long id into one call would overflow the stack. */
function fromCodeUnits(units: ArrayLike<number>): string {
  const SLICE = 8192;
  if (units.length <= SLICE) return String.fromCharCode.apply(null, units as number[]);
  let text = '';
  for (let k = 0; k < units.length; k += SLICE) {
    const part = Array.prototype.slice.call(units, k, k + SLICE) as number[];
    text += String.fromCharCode.apply(null, part);
  }
  return text;
}

function grown<T extends Float64Array | Int32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** FNV-1a over the UTF-16 code units, mixed at the end so low bits spread for the table mask. */
function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < text.length; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h;
}
