import { AliasTable } from './alias.js';
import { OFFERINGS } from './catalog.js';
import { csvField } from './format.js';
import { STREAM, Xoshiro128, fmix32, hash32, splitSeed } from './prng.js';

/** Heavy orgs aim at this many BYOK requests a month (the k-th heavy org: + k × the step). */
export const HEAVY_TARGET_BYOK = 1_500_000;
export const HEAVY_TARGET_STEP = 500_000;
/** Heavy orgs together never take more than this share of the traffic. */
export const MAX_HEAVY_SHARE = 0.7;
/** Key results of heavy orgs (BYOK at scale: their keys almost always work). */
export const HEAVY_KEY_OK = 0.96;
/** The longest month, for a conservative "rows in a month" estimate. */
const MONTH_MS = 31 * 86_400_000;

/** Share of org members that also make personal requests (POLICY.md D3: both scopes in one month). */
const MEMBER_ALSO_PERSONAL = 0.25;
/** Share of users (beyond one per org) that are members of an org. */
const MEMBER_SHARE = 0.55;
/** Scopes that use no BYOK key at all (all their requests have key_result `none`). */
const NO_BYOK_ORG = 0.1;
const NO_BYOK_USER = 0.15;
/** Per (scope, provider): the scope has no key for that provider. */
const MISSING_KEY_PERCENT = 10;

const ORG_NAMES = [
  'acme', 'globex', 'initech', 'umbrella', 'hooli', 'piedpiper', 'stark', 'wayne', 'wonka', 'tyrell',
  'cyberdyne', 'soylent', 'vandelay', 'oscorp', 'aperture', 'blackmesa', 'massive-dynamic', 'dunder-mifflin',
  'prestige', 'monarch', 'nakatomi', 'virtucon', 'weyland', 'gringotts', 'bluth', 'krusty', 'sterling-cooper',
  'wernham-hogg', 'gekko', 'duff', 'planet-express', 'momcorp', 'vehement', 'cogswell', 'spacely', 'ollivanders',
  'rekall', 'omni', 'zorg', 'yoyodyne',
];

/** The least BYOK requests a month a heavy org is planned for (a margin over the allowance). */
export const HEAVY_MIN_BYOK = 1_150_000;

/**
 * The share of all rows each heavy org gets. The k-th aims at HEAVY_TARGET_BYOK + k ×
 * HEAVY_TARGET_STEP BYOK requests in a 31-day month at the log's average rate. When that
 * would take more than MAX_HEAVY_SHARE of the traffic, targets shrink towards
 * HEAVY_MIN_BYOK; when even that is too much, as many heavy orgs as fit get HEAVY_MIN_BYOK
 * and the others split the rest (big, but within the allowance).
 */
export function planHeavyShares(rows: number, rangeMs: number, heavyOrgs: number): number[] {
  if (heavyOrgs === 0) return [];
  const rowsPerMonth = rows * Math.min(1, MONTH_MS / rangeMs);
  if (rowsPerMonth === 0) return new Array<number>(heavyOrgs).fill(MAX_HEAVY_SHARE / heavyOrgs);
  const need: number[] = [];
  let total = 0;
  for (let k = 0; k < heavyOrgs; k++) {
    need.push((HEAVY_TARGET_BYOK + k * HEAVY_TARGET_STEP) / HEAVY_KEY_OK / rowsPerMonth);
    total += need[k]!;
  }
  if (total <= MAX_HEAVY_SHARE) return need;
  const min = HEAVY_MIN_BYOK / HEAVY_KEY_OK / rowsPerMonth;
  if (heavyOrgs * min <= MAX_HEAVY_SHARE) {
    const lambda = (MAX_HEAVY_SHARE - heavyOrgs * min) / (total - heavyOrgs * min);
    return need.map((n) => min + lambda * (n - min));
  }
  const fit = Math.floor(MAX_HEAVY_SHARE / min);
  const rest = (MAX_HEAVY_SHARE - fit * min) / (heavyOrgs - fit);
  return need.map((_, k) => (k < fit ? min : rest));
}

export interface PopulationOptions {
  readonly seed: number;
  readonly users: number;
  readonly orgs: number;
  readonly heavyOrgs: number;
  readonly heavyShares: readonly number[];
  /** One org makes every request (`--single-org`). */
  readonly singleOrg?: string | undefined;
}

/**
 * Who makes the requests: users (some in no org, some in an org and also personal),
 * orgs (a few heavy, the rest with Zipf-distributed traffic), the BYOK keys each scope has.
 * Scope numbers: org j is j, the personal scope of user u is orgs + u.
 */
export class Population {
  readonly userCount: number;
  /** All user ids, USER_ID_BYTES each (ASCII): user u's id is bytes [u × 12, u × 12 + 12). */
  readonly userIdBytes: Uint8Array;
  /** CSV-ready org ids. */
  readonly orgIds: string[];
  readonly orgCount: number;
  /** Orgs 0 .. heavyCount-1 are the heavy ones. */
  readonly heavyCount: number;
  /** Members of org j: memberList[memberStart[j] .. memberStart[j+1]). */
  private readonly memberStart: Int32Array;
  private readonly memberList: Int32Array;
  /** Draw entries: entry < orgCount is that org, else the personal scope of personal[entry - orgCount]. */
  private readonly scopeTable: AliasTable;
  private readonly personal: Int32Array;
  /** Per scope: 1 if it uses no BYOK key at all. */
  private readonly noByok: Uint8Array;
  /** Per user: the offering they use most. */
  readonly favourite: Int32Array;
  private readonly seedLo: number;
  private readonly seedHi: number;

  constructor(options: PopulationOptions) {
    const rng = new Xoshiro128(options.seed, STREAM.population);
    [this.seedLo, this.seedHi] = splitSeed(options.seed);
    const single = options.singleOrg !== undefined;
    const users = options.users;
    const orgs = single ? 1 : options.orgs;
    const heavy = single ? 0 : options.heavyOrgs;
    this.orgCount = orgs;

    this.userCount = users;
    this.userIdBytes = makeUserIds(users, this.seedLo, this.seedHi);
    this.orgIds = single ? [csvField(options.singleOrg!)] : makeOrgIds(orgs, rng);

    // Roles: a random permutation of users; the first `orgs` each found an org.
    const perm = new Int32Array(users);
    for (let i = 0; i < users; i++) perm[i] = i;
    for (let i = users - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      const t = perm[i]!;
      perm[i] = perm[j]!;
      perm[j] = t;
    }
    const orgOf = new Int32Array(users).fill(-1);
    const alsoPersonal = new Uint8Array(users);
    // Member counts follow org size: heavy orgs are big, the rest Zipf.
    const memberWeights = new Float64Array(orgs);
    for (let j = 0; j < orgs; j++) memberWeights[j] = j < heavy ? 4 : 1 / (j - heavy + 1);
    const memberTable = orgs > 0 ? new AliasTable(memberWeights) : undefined;
    for (let i = 0; i < users; i++) {
      const u = perm[i]!;
      if (i < orgs) orgOf[u] = i;
      else if (memberTable !== undefined && (single || rng.float() < MEMBER_SHARE)) orgOf[u] = single ? 0 : memberTable.sample(rng);
      alsoPersonal[u] = !single && (orgOf[u] === -1 || rng.float() < MEMBER_ALSO_PERSONAL) ? 1 : 0;
    }
    // Member lists (CSR), in permutation order.
    this.memberStart = new Int32Array(orgs + 1);
    for (let u = 0; u < users; u++) if (orgOf[u]! >= 0) this.memberStart[orgOf[u]! + 1]!++;
    for (let j = 0; j < orgs; j++) this.memberStart[j + 1]! += this.memberStart[j]!;
    this.memberList = new Int32Array(this.memberStart[orgs]!);
    const fill = this.memberStart.slice(0, orgs);
    for (let i = 0; i < users; i++) {
      const u = perm[i]!;
      const j = orgOf[u]!;
      if (j >= 0) this.memberList[fill[j]!++] = u;
    }
    const personal: number[] = [];
    for (let i = 0; i < users; i++) if (alsoPersonal[perm[i]!]) personal.push(perm[i]!);
    this.personal = Int32Array.from(personal);

    // Traffic: heavy orgs their planned shares; the rest split between regular orgs and
    // personal use, each Zipf (s = 1) by rank: a few big scopes, a long tail of small ones.
    const regular = orgs - heavy;
    let heavyTotal = 0;
    for (let k = 0; k < heavy; k++) heavyTotal += options.heavyShares[k] ?? 0;
    const rest = 1 - heavyTotal;
    const orgPart = regular > 0 ? (personal.length > 0 ? 0.5 : 1) : 0;
    const weights = new Float64Array(orgs + personal.length);
    let zipfOrgs = 0;
    for (let j = 0; j < regular; j++) zipfOrgs += 1 / (j + 1);
    let zipfUsers = 0;
    for (let p = 0; p < personal.length; p++) zipfUsers += 1 / (p + 1);
    for (let j = 0; j < orgs; j++) {
      weights[j] = single ? 1 : j < heavy ? options.heavyShares[j]! : (rest * orgPart) / (j - heavy + 1) / zipfOrgs;
    }
    for (let p = 0; p < personal.length; p++) weights[orgs + p] = (rest * (1 - orgPart)) / (p + 1) / zipfUsers;
    // (The table normalizes: when a group is empty, the others share its part.)
    this.scopeTable = new AliasTable(weights);

    this.noByok = new Uint8Array(orgs + users);
    for (let s = 0; s < orgs + users; s++) {
      const isOrg = s < orgs;
      this.noByok[s] = single || (isOrg && s < heavy) ? 0 : rng.float() < (isOrg ? NO_BYOK_ORG : NO_BYOK_USER) ? 1 : 0;
    }
    const offerTable = new AliasTable(OFFERINGS.map((o) => o.weight));
    this.favourite = new Int32Array(users);
    for (let u = 0; u < users; u++) this.favourite[u] = offerTable.sample(rng);
    this.heavyCount = heavy;
  }

  /** Draws who makes a request: sets `scope` (scope number), `user`, `org` (-1: personal). */
  draw(rng: Xoshiro128, out: { scope: number; user: number; org: number }): void {
    const e = this.scopeTable.sample(rng);
    if (e < this.orgCount) {
      const from = this.memberStart[e]!;
      const n = this.memberStart[e + 1]! - from;
      const u = rng.float();
      out.user = this.memberList[from + Math.floor(n * u * u)]!;
      out.org = e;
      out.scope = e;
    } else {
      const user = this.personal[e - this.orgCount]!;
      out.user = user;
      out.org = -1;
      out.scope = this.orgCount + user;
    }
  }

  isHeavy(scope: number): boolean {
    return scope < this.heavyCount;
  }

  /** Whether the scope has a BYOK key for the provider (`none` when not). */
  hasKey(scope: number, provider: number): boolean {
    if (this.noByok[scope]) return false;
    if (scope < this.heavyCount) return true;
    return hash32(this.seedLo, this.seedHi, scope, provider, 0x6b) % 100 >= MISSING_KEY_PERCENT;
  }

  /** Scope count (orgs + personal scopes of all users), for per-scope counters. */
  get scopeCount(): number {
    return this.orgCount + this.userCount;
  }
}

/** Length of every user id: `user_` and 7 base-36 digits. */
export const USER_ID_BYTES = 12;

/** User u's id as text (for tests and messages). */
export function userIdText(population: Population, u: number): string {
  return String.fromCharCode(...population.userIdBytes.subarray(u * USER_ID_BYTES, (u + 1) * USER_ID_BYTES));
}

/**
 * User ids `user_` + 7 base-36 digits of a seed-keyed bijection of the user number
 * (xor, then murmur3's invertible finalizer; the leading digit's parity is the top bit):
 * distinct by construction, opaque-looking,
 * and built without one string per user (logs may have millions of users).
 */
function makeUserIds(users: number, lo: number, hi: number): Uint8Array {
  const key = hash32(lo, hi, 0x75);
  const bytes = new Uint8Array(users * USER_ID_BYTES);
  const head = [117, 115, 101, 114, 95]; // 'user_'
  for (let u = 0; u < users; u++) {
    let v = fmix32((u ^ key) >>> 0);
    const at = u * USER_ID_BYTES;
    for (let i = 0; i < 5; i++) bytes[at + i] = head[i]!;
    for (let i = USER_ID_BYTES - 1; i >= 5; i--) {
      // The leading digit carries v's top bit (0 or 1) plus an even filler, so it varies too.
      const d = i > 5 ? v % 36 : v + 2 * (fmix32(u + key) % 18);
      bytes[at + i] = d < 10 ? 48 + d : 87 + d;
      v = (v - (v % 36)) / 36;
    }
  }
  return bytes;
}

function makeOrgIds(orgs: number, rng: Xoshiro128): string[] {
  const names = [...ORG_NAMES];
  for (let i = names.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [names[i], names[j]] = [names[j]!, names[i]!];
  }
  const ids: string[] = [];
  for (let j = 0; j < orgs; j++) {
    const name = names[j % names.length]!;
    ids.push(j < names.length ? name : `${name}-${Math.floor(j / names.length) + 1}`);
  }
  return ids;
}
