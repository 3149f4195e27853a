/*
 * The test's own reading of POLICY.md and FORMATS.md, written from the documents and
 * sharing no code with the core: UTF-8 order, UTC months, exact decimals as bigint,
 * the routing table. The properties and the reference bill are computed with these.
 */

export type OracleRoute = 'byok' | 'platform' | 'failed';
export type OracleMode = 'fallback' | 'strict' | 'credits-first';
export type OracleKey = 'ok' | 'rate_limited' | 'error' | 'none';
export type OraclePlatform = 'ok' | 'error';

/** POLICY.md F3: from this instant the free allowance exists; before it every BYOK request pays. */
export const FREE_TIER_FROM_MS = Date.UTC(2025, 9, 1, 0, 0, 0, 0);

/** Costs carry at most 12 fractional digits (FORMATS.md): every cost is an integer of 10^-12 dollars. */
export const COST_SCALE = 12;

/** UTF-8 byte order of two strings (POLICY.md D1), by encoding them. */
export function utf8Compare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The UTC month `YYYY-MM` of an epoch millisecond (POLICY.md F6), by Date. */
export function utcMonth(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 7);
}

/** D1's allowance order of two requests. */
export function allowanceOrder(
  a: { epochMs: number; nanos: number; requestId: string },
  b: { epochMs: number; nanos: number; requestId: string },
): number {
  if (a.epochMs !== b.epochMs) return a.epochMs < b.epochMs ? -1 : 1;
  if (a.nanos !== b.nanos) return a.nanos < b.nanos ? -1 : 1;
  return utf8Compare(a.requestId, b.requestId);
}

export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

/** A plain decimal (`-`? digits, optional `.digits`) read exactly. */
export function readDecimal(text: string): Decimal {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new Error(`test oracle: not a plain decimal: ${text}`);
  const frac = m[3] ?? '';
  const magnitude = BigInt(m[2]! + frac);
  return { units: m[1] === '-' ? -magnitude : magnitude, scale: frac.length };
}

/** The decimal as an integer at a finer (or equal) scale. */
export function unitsAt(d: Decimal, scale: number): bigint {
  if (scale < d.scale) throw new Error('test oracle: scale too coarse');
  return d.units * 10n ** BigInt(scale - d.scale);
}

/** Canonical text of `units × 10^-scale`: no exponent, no trailing fractional zeros, `0` for zero. */
export function formatDecimal(units: bigint, scale: number): string {
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    const int = digits.slice(0, digits.length - scale);
    const frac = digits.slice(digits.length - scale).replace(/0+$/, '');
    digits = frac === '' ? int : `${int}.${frac}`;
  }
  return negative && units !== 0n ? `-${digits}` : digits;
}

/** Exact comparison of two decimal texts: -1, 0 or 1. */
export function compareDecimalText(a: string, b: string): number {
  const x = readDecimal(a);
  const y = readDecimal(b);
  const scale = Math.max(x.scale, y.scale);
  const p = unitsAt(x, scale);
  const q = unitsAt(y, scale);
  return p < q ? -1 : p > q ? 1 : 0;
}

/** Canonical text of a decimal's text (what a parse-then-format must give). */
export function canonicalText(text: string): string {
  const d = readDecimal(text);
  return formatDecimal(d.units, d.scale);
}

/**
 * POLICY.md "Routing under the failover modes", written out: mode → key_result →
 * platform_result → route. (Strict with no key and the platform down: failed, as nothing served it.)
 */
export const ROUTING: Readonly<Record<OracleMode, Readonly<Record<OracleKey, Readonly<Record<OraclePlatform, OracleRoute>>>>>> = {
  fallback: {
    ok: { ok: 'byok', error: 'byok' },
    rate_limited: { ok: 'platform', error: 'failed' },
    error: { ok: 'platform', error: 'failed' },
    none: { ok: 'platform', error: 'failed' },
  },
  strict: {
    ok: { ok: 'byok', error: 'byok' },
    rate_limited: { ok: 'failed', error: 'failed' },
    error: { ok: 'failed', error: 'failed' },
    none: { ok: 'platform', error: 'failed' },
  },
  'credits-first': {
    ok: { ok: 'platform', error: 'byok' },
    rate_limited: { ok: 'platform', error: 'failed' },
    error: { ok: 'platform', error: 'failed' },
    none: { ok: 'platform', error: 'failed' },
  },
};

/**
 * Whether the gateway tried the customer's key (what POLICY.md D2's alternative,
 * `counts: attempted`, counts): there is a key, and the mode got as far as trying it
 * (credits-first tries it only when the platform failed).
 */
export function keyTried(mode: OracleMode, key: OracleKey, platform: OraclePlatform): boolean {
  if (key === 'none') return false;
  return mode !== 'credits-first' || platform === 'error';
}

/** POLICY.md D3 (scopeMode `org`) and its alternative (`user`). */
export function scopeFor(userId: string, orgId: string | undefined, scopeMode: 'org' | 'user'): string {
  return scopeMode === 'org' && orgId !== undefined && orgId !== '' ? `org:${orgId}` : `user:${userId}`;
}
