import fc from 'fast-check';
import {
  type AccountRow,
  type CountMode,
  type FailoverMode,
  type KeyResult,
  type PlatformResult,
  type Route,
  type ScopeMode,
  type UsageRequest,
  createPeriodCalendar,
  defaultPolicyDocument,
  formatInstant,
  parseMoney,
  parseTimestamp,
} from '@byok-billing/core';
import type { RelationRow } from '../support/sqlEngines.js';
import { costText, feeRateText, withTrailingZero } from './money.js';
import { type GenInstant, instantIn, renderedTimestamp } from './timestamps.js';

/*
 * Cases for the SQL differential test: a policy document (versions with their own
 * parameters, reset zones, rule variants), an accounts file, and a log drawn so that the
 * small allowances are crossed, ties at the allowance boundary happen, and the engines'
 * parsing of offsets, quotes and non-ASCII text is exercised. Instants are whole
 * microseconds, the precision of both SQL engines' TIMESTAMPTZ (requestsRelation.ts),
 * or, in a case with a nanosecond column, have nanoseconds, ties within one microsecond
 * included, which the relation carries past the timestamp cut to the microsecond.
 */

/** Users and orgs; the org ids with a quote and a backslash test the literals of the accounts list. */
const USERS = ['u1', 'u2', '\u00fc', '\u{1F600}'] as const;
const ORGS = [undefined, '', 'acme', "o'q", 'b\\s', '\uE000co'] as const;
const SCOPES = [...USERS.map((u) => `user:${u}`), ...ORGS.filter((o) => o).map((o) => `org:${o}`), 'org:ghost'];

const ID_UNITS = ['a', 'b', 'B', '0', '-', "'", '"', '\\', ' ', '\u00e9', '\uE000', '\uFFFD', '\u{1F600}', '\u{10000}'];
const requestIdArb = fc.string({ unit: fc.constantFrom(...ID_UNITS), minLength: 1, maxLength: 4 });

/** Reset zones: UTC and zones whose month starts are hours away from UTC's (one with DST, one at +13). */
const ZONES = ['UTC', 'UTC', 'America/New_York', 'Asia/Kolkata', 'Pacific/Apia', 'Australia/Sydney'] as const;
const FAILOVER: readonly FailoverMode[] = ['fallback', 'strict', 'credits-first'];
const MONTHS = ['2025-08', '2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02'] as const;

/** A routing rule that outranks "strict: key failed, no failover" for one combination (priority 2). */
export const STRICT_RATE_LIMIT_FAILS_OVER = {
  name: 'strict: rate limited, platform served',
  priority: 2,
  conditions: { all: [
    { fact: 'failoverMode', operator: 'equal', value: 'strict' },
    { fact: 'keyResult', operator: 'equal', value: 'rate_limited' },
    { fact: 'platformResult', operator: 'equal', value: 'ok' },
  ] },
  event: { type: 'route', params: { route: 'platform', keyTried: true } },
};

export interface SqlCaseRow {
  readonly requestId: string;
  readonly instant: GenInstant;
  /** How the JS engine reads it (any FORMATS.md form). */
  readonly timestamp: string;
  /** How the SQL engines load it: ISO text with a UTC offset. */
  readonly sqlTimestamp: string;
  readonly userId: string;
  readonly orgId: string | undefined;
  readonly cost: string;
  readonly keyResult: KeyResult | undefined;
  readonly platformResult: PlatformResult | undefined;
  readonly route: Route | undefined;
  /** Write absent optional values as '' instead of NULL in the relation (both mean absent). */
  readonly emptyForAbsent: boolean;
  /** In a case with a nanosecond column: the nanoseconds past `sqlTimestamp`'s microsecond. */
  readonly timestampNanos: string | undefined;
}

export interface SqlCase {
  /** The policy, as the parameters its document is built from (`policyDocumentOf`). */
  readonly spec: PolicySpec;
  readonly accounts: readonly AccountRow[];
  readonly rows: readonly SqlCaseRow[];
  /** Whether the relation has a nanosecond column (compileBillSql's `nanosecondColumn`). */
  readonly nanoseconds: boolean;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `YYYY-MM-DD HH:MM:SS.ffffff±HH:MM` of an instant (whole microseconds) in a fixed offset. */
export function isoWithOffset(instant: GenInstant, offsetMinutes: number): string {
  const iso = new Date(instant.epochMs + offsetMinutes * 60_000).toISOString();
  const micros = pad(((instant.epochMs % 1000) + 1000) % 1000, 3) + pad(Math.floor(instant.nanos / 1000), 3);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${micros}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** The first instant of a month in a zone, as an effectiveFrom. */
function monthStart(month: string, zone: string): string {
  return formatInstant({ epochMs: createPeriodCalendar(zone).periodStartMs(month), nanos: 0 });
}

type RuleVariant = 'default' | 'strict-rate-limit-fails-over' | 'credits-first-not' | 'failed-pays-list';

/** The default rules, or a variant written in the same json-rules-engine format. */
function rulesFor(variant: RuleVariant): { routing: unknown[]; charge: unknown[] } {
  const rules = structuredClone(defaultPolicyDocument.rules) as { routing: Record<string, unknown>[]; charge: Record<string, unknown>[] };
  switch (variant) {
    case 'default':
      break;
    case 'strict-rate-limit-fails-over':
      // A higher-priority rule wins over "strict: key failed, no failover" for one combination.
      rules.routing.push(STRICT_RATE_LIMIT_FAILS_OVER);
      break;
    case 'credits-first-not':
      // Two rules merged into one with `not` (and every failed attempt counted as tried).
      rules.routing = rules.routing.filter((r) => r.name !== 'credits-first: platform failed, key failed' && r.name !== 'credits-first: platform failed, no key');
      rules.routing.push({
        name: 'credits-first: platform failed, key not ok',
        conditions: { all: [
          { fact: 'failoverMode', operator: 'equal', value: 'credits-first' },
          { fact: 'platformResult', operator: 'notEqual', value: 'ok' },
          { not: { fact: 'keyResult', operator: 'in', value: ['ok'] } },
        ] },
        event: { type: 'route', params: { route: 'failed', keyTried: true } },
      });
      break;
    case 'failed-pays-list':
      rules.charge = rules.charge.filter((r) => r.name !== 'platform credits: list cost' && r.name !== 'failed: no charge');
      rules.charge.push({
        name: 'platform or failed: list cost',
        conditions: { any: [
          { fact: 'route', operator: 'equal', value: 'platform' },
          { fact: 'route', operator: 'equal', value: 'failed' },
        ] },
        event: { type: 'charge', params: { charge: 'list' } },
      });
      break;
  }
  return rules;
}

const ruleVariantArb = fc.constantFrom<RuleVariant>('default', 'default', 'strict-rate-limit-fails-over', 'credits-first-not', 'failed-pays-list');

export interface PolicySpec {
  readonly zone: string;
  readonly allowance: number;
  readonly feeRate: string;
  readonly beforeFeeRate: string | undefined;
  readonly scopeMode: ScopeMode;
  readonly counts: CountMode;
  readonly defaultFailoverMode: FailoverMode;
  readonly rules: RuleVariant;
  readonly third:
    | {
        readonly zone: string;
        readonly allowance: number;
        readonly feeRate: string;
        readonly scopeMode: ScopeMode;
        readonly counts: CountMode;
        readonly rules: RuleVariant;
      }
    | undefined;
}

const policySpecArb: fc.Arbitrary<PolicySpec> = fc
  .record({
    zone: fc.constantFrom(...ZONES),
    allowance: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 4 }) }, { weight: 1, arbitrary: fc.constant(1_000_000) }),
    feeRate: feeRateText,
    beforeFeeRate: fc.option(feeRateText, { nil: undefined }),
    scopeMode: fc.constantFrom<ScopeMode>('org', 'org', 'user'),
    counts: fc.constantFrom<CountMode>('served', 'served', 'attempted'),
    defaultFailoverMode: fc.constantFrom(...FAILOVER),
    rules: ruleVariantArb,
    third: fc.option(
      fc.record({
        zone: fc.constantFrom('same', 'Europe/London'),
        allowance: fc.integer({ min: 0, max: 3 }),
        feeRate: feeRateText,
        scopeMode: fc.constantFrom<ScopeMode>('org', 'user'),
        counts: fc.constantFrom<CountMode>('served', 'attempted'),
        rules: ruleVariantArb,
      }),
      { nil: undefined },
    ),
  })
  .map((spec) => ({
    ...spec,
    // A version changes its zone only where both zones start a month at the same instant
    // (POLICY.md D5): UTC and London do on 2026-01-01 (winter time).
    third: spec.third === undefined ? undefined : { ...spec.third, zone: spec.third.zone === 'Europe/London' && spec.zone === 'UTC' ? 'Europe/London' : spec.zone },
  }));

/** The policy document of a spec: before the free tier, the free tier from October 2025, maybe a third version in 2026. */
export function policyDocumentOf(spec: PolicySpec): unknown {
  const versions: Record<string, unknown>[] = [
    { version: 'before', parameters: { allowance: 0, ...(spec.beforeFeeRate === undefined ? {} : { feeRate: spec.beforeFeeRate }) } },
    { version: 'free-tier', effectiveFrom: monthStart('2025-10', spec.zone) },
  ];
  if (spec.third !== undefined) {
    const t = spec.third;
    versions.push({
      version: "third 'v3'",
      effectiveFrom: monthStart('2026-01', t.zone),
      parameters: { allowance: t.allowance, feeRate: t.feeRate, scopeMode: t.scopeMode, counts: t.counts, resetTimeZone: t.zone },
      rules: rulesFor(t.rules),
    });
  }
  return {
    format: 'byok-policy/v1',
    id: 'sql-differential',
    parameters: {
      allowance: spec.allowance,
      feeRate: spec.feeRate,
      scopeMode: spec.scopeMode,
      counts: spec.counts,
      defaultFailoverMode: spec.defaultFailoverMode,
      resetTimeZone: spec.zone,
    },
    rules: rulesFor(spec.rules),
    versions,
  };
}

const anyAccountsArb: fc.Arbitrary<AccountRow[]> = fc.uniqueArray(
  fc.record({
    scope: fc.constantFrom(...SCOPES),
    failover_mode: fc.constantFrom('', ...FAILOVER),
    free_requests: fc.constantFrom('', '', '0', '1', '2', '3'),
  }),
  { selector: (row) => row.scope, maxLength: 5 },
);

/**
 * Every org with a failover mode of its own, beside a few other accounts: under scope mode
 * 'user' an org member's request is routed by its org's mode (the second join on the
 * accounts), which any accounts come up with too rarely.
 */
const orgModesArb: fc.Arbitrary<AccountRow[]> = fc
  .tuple(
    fc.tuple(...ORGS.filter((o) => o).map((org) => fc.record({ scope: fc.constant(`org:${org}`), failover_mode: fc.constantFrom(...FAILOVER), free_requests: fc.constantFrom('', '', '1') }))),
    anyAccountsArb,
  )
  .map(([orgs, others]) => [...orgs, ...others.filter((a) => !orgs.some((o) => o.scope === a.scope))]);

const accountsArb: fc.Arbitrary<AccountRow[]> = fc.oneof(anyAccountsArb, orgModesArb);

const routingArb = fc.oneof(
  { weight: 6, arbitrary: fc.record({ keyResult: fc.constantFrom<KeyResult>('ok', 'ok', 'rate_limited', 'error', 'none'), route: fc.constant(undefined) }) },
  { weight: 1, arbitrary: fc.record({ keyResult: fc.constantFrom<KeyResult>('ok', 'rate_limited', 'error', 'none'), route: fc.constantFrom<Route>('byok', 'platform', 'failed') }) },
  { weight: 2, arbitrary: fc.record({ keyResult: fc.constant(undefined), route: fc.constantFrom<Route>('byok', 'byok', 'platform', 'failed') }) },
);

/** An instant cut to its microsecond. */
const toMicrosecond = (i: GenInstant): GenInstant => ({ epochMs: i.epochMs, nanos: i.nanos - (i.nanos % 1000) });

/**
 * Instants in the months, near UTC month ends, near the zone's month ends, or from a tie
 * pool: in whole microseconds, or (`exact`) with nanoseconds, a pool instant then also
 * moved within its microsecond (a tie to the microsecond, not to the nanosecond).
 */
function instantArb(months: readonly string[], zone: string, tiePool: readonly GenInstant[], exact: boolean): fc.Arbitrary<GenInstant> {
  const calendar = createPeriodCalendar(zone);
  const nearZoneBoundary = fc
    .tuple(fc.constantFrom(...months), fc.integer({ min: -3, max: 2 }), exact ? fc.constantFrom(0, 999_999) : fc.constant(0))
    .map(([month, delta, nanos]) => ({ epochMs: calendar.periodStartMs(month) + delta, nanos }));
  const anywhere = exact ? instantIn(months) : instantIn(months).map(toMicrosecond);
  const tie = fc.constantFrom(...tiePool);
  const sameMicrosecond = fc.tuple(tie, fc.constantFrom(0, 1, 2, 500, 999)).map(([i, below]) => ({ epochMs: i.epochMs, nanos: toMicrosecond(i).nanos + below }));
  return fc.oneof({ weight: 4, arbitrary: anywhere }, { weight: 1, arbitrary: nearZoneBoundary }, { weight: 3, arbitrary: exact ? fc.oneof(tie, sameMicrosecond) : tie });
}

const OFFSETS = [0, 0, -300, 330, 780, -720, 345, 840, -570];

function rowArb(months: readonly string[], zone: string, tiePool: readonly GenInstant[], exact: boolean, users: readonly string[], orgs: readonly (string | undefined)[]) {
  return fc
    .record({
      instant: instantArb(months, zone, tiePool, exact),
      userId: fc.constantFrom(...users),
      orgId: fc.constantFrom(...orgs),
      cost: costText,
      routing: routingArb,
      platformResult: fc.constantFrom<PlatformResult | undefined>(undefined, 'ok', 'ok', 'error'),
      offset: fc.constantFrom(...OFFSETS),
      emptyForAbsent: fc.boolean(),
    })
    .chain((body) => renderedTimestamp(body.instant).map((timestamp) => ({ ...body, timestamp })));
}

/** A case: policy, accounts and a log of up to `maxRows` distinct requests plus a few exact repeats. */
export function sqlCaseArb(maxRows = 50): fc.Arbitrary<SqlCase> {
  return fc
    .record({
      spec: policySpecArb,
      accounts: accountsArb,
      months: fc.oneof(
        fc.constant(['2025-09', '2025-10']),
        fc.constant(['2025-12', '2026-01']),
        fc.subarray([...MONTHS], { minLength: 1, maxLength: 3 }),
      ),
      // Now and then one user in one org: ties and crossed allowances crowd into one line.
      users: fc.oneof(fc.subarray([...USERS], { minLength: 1, maxLength: 1 }), fc.subarray([...USERS], { minLength: 1, maxLength: 3 })),
      orgs: fc.oneof(fc.subarray([...ORGS], { minLength: 1, maxLength: 1 }), fc.subarray([...ORGS], { minLength: 1, maxLength: 3 })),
      n: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: maxRows })),
      nanoseconds: fc.boolean(),
    })
    .chain((c) =>
      fc
        .array(c.nanoseconds ? instantIn(c.months) : instantIn(c.months).map(toMicrosecond), { minLength: 1, maxLength: 2 })
        .chain((tiePool) =>
          fc.tuple(
            fc.uniqueArray(requestIdArb, { minLength: c.n, maxLength: c.n }),
            fc.array(rowArb(c.months, c.spec.zone, tiePool, c.nanoseconds, c.users, c.orgs), { minLength: c.n, maxLength: c.n }),
          ),
        )
        .chain(([ids, bodies]) => {
          const rows: SqlCaseRow[] = bodies.map((b, i) => ({
            requestId: ids[i]!,
            instant: b.instant,
            timestamp: b.timestamp,
            sqlTimestamp: isoWithOffset(b.instant, b.offset),
            userId: b.userId,
            orgId: b.orgId,
            cost: b.cost,
            keyResult: b.routing.keyResult,
            platformResult: b.platformResult,
            route: b.routing.route,
            emptyForAbsent: b.emptyForAbsent,
            timestampNanos: c.nanoseconds ? String(b.instant.nanos % 1000) : undefined,
          }));
          // Exact repeats (retried shipping): same content, written with another offset and a trailing zero.
          const repeats = rows.length === 0 ? fc.constant([]) : fc.array(fc.tuple(fc.nat(rows.length - 1), fc.constantFrom(...OFFSETS)), { maxLength: 4 });
          return repeats.map((picks) => [
            ...rows,
            ...picks.map(([i, offset]) => ({ ...rows[i]!, sqlTimestamp: isoWithOffset(rows[i]!.instant, offset), cost: withTrailingZero(rows[i]!.cost) })),
          ]);
        })
        .map((rows) => ({ spec: c.spec, accounts: c.accounts, rows, nanoseconds: c.nanoseconds })),
    );
}

/** The row as the JS engine reads it. */
export function usageRequestOf(row: SqlCaseRow): UsageRequest {
  return {
    requestId: row.requestId,
    instant: parseTimestamp(row.timestamp),
    userId: row.userId,
    orgId: row.orgId,
    cost: parseMoney(row.cost),
    keyResult: row.keyResult,
    platformResult: row.platformResult,
    recordedRoute: row.route,
  };
}

/** The row as the `requests` relation holds it (absent: NULL, or '' when the row says so). */
export function relationRowOf(row: SqlCaseRow): RelationRow {
  const absent = row.emptyForAbsent ? '' : undefined;
  return {
    request_id: row.requestId,
    timestamp: row.sqlTimestamp,
    user_id: row.userId,
    org_id: row.orgId,
    cost_usd: row.cost,
    key_result: row.keyResult ?? absent,
    platform_result: row.platformResult ?? absent,
    route: row.route ?? absent,
    ...(row.timestampNanos === undefined ? {} : { timestamp_nanos: row.timestampNanos }),
  };
}
