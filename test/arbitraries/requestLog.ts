import fc from 'fast-check';
import {
  type KeyResult,
  type PlatformResult,
  type Route,
  type UsageRequest,
  parseMoney,
  parseTimestamp,
} from '@byok-billing/core';
import { costText, withTrailingZero } from './money.js';
import { type GenInstant, MONTHS, instantIn, renderedTimestamp } from './timestamps.js';

/** Users, one of them non-ASCII, one astral (its scope sorts differently in UTF-16). */
export const USERS: readonly string[] = ['u1', 'u2', 'u3', '\u00fc', '\u{1F600}'];
/** Orgs; `undefined` and `''` both mean an individual. `u1` as an org tests `org:u1` ≠ `user:u1`. */
export const ORGS: readonly (string | undefined)[] = [undefined, '', 'acme', 'beta', '\uE000co', 'u1'];
export const SCOPES: readonly string[] = [
  ...USERS.map((u) => `user:${u}`),
  ...ORGS.filter((o): o is string => o !== undefined && o !== '').map((o) => `org:${o}`),
];

const ID_UNITS = ['a', 'b', 'B', '0', '9', '-', '\u00e9', '\uE000', '\uFFFD', '\u{1F600}', '\u{10000}'];
/** Request ids, mixing ASCII, BMP above the surrogates and astral characters (UTF-8 vs UTF-16 order). */
export const requestIdArb: fc.Arbitrary<string> = fc.string({ unit: fc.constantFrom(...ID_UNITS), minLength: 1, maxLength: 5 });

/** One row of a request log, as generated: the true instant and how it was written. */
export interface LogRow {
  readonly requestId: string;
  /** The generated instant: `timestamp` must parse back to it. */
  readonly instant: GenInstant;
  readonly timestamp: string;
  readonly userId: string;
  readonly orgId: string | undefined;
  readonly cost: string;
  readonly keyResult: KeyResult | undefined;
  readonly platformResult: PlatformResult | undefined;
  readonly recordedRoute: Route | undefined;
  readonly model: string | undefined;
}

const KEY_RESULTS: readonly KeyResult[] = ['ok', 'rate_limited', 'error', 'none'];
const ROUTES: readonly Route[] = ['byok', 'platform', 'failed'];

/** key_result and/or route: derived, derived and checked against a recorded route, or recorded only. */
const routingArb = fc.oneof(
  { weight: 6, arbitrary: fc.record({ keyResult: fc.constantFrom(...KEY_RESULTS), recordedRoute: fc.constant(undefined) }) },
  { weight: 2, arbitrary: fc.record({ keyResult: fc.constantFrom(...KEY_RESULTS), recordedRoute: fc.constantFrom(...ROUTES) }) },
  { weight: 2, arbitrary: fc.record({ keyResult: fc.constant(undefined), recordedRoute: fc.constantFrom(...ROUTES) }) },
);

/** What one log draws from: a few months, users and orgs, so lines fill up and allowances are crossed. */
interface LogContext {
  readonly months: readonly string[];
  readonly users: readonly string[];
  readonly orgs: readonly (string | undefined)[];
  readonly tiePool: GenInstant[];
}

const contextArb: fc.Arbitrary<LogContext> = fc
  .record({
    months: fc.oneof(
      { weight: 1, arbitrary: fc.constant<readonly string[]>(['2025-09', '2025-10']) },
      { weight: 1, arbitrary: fc.constant<readonly string[]>(['2025-09', '2025-10', '2025-11']) },
      { weight: 3, arbitrary: fc.subarray<string>([...MONTHS], { minLength: 1, maxLength: 3 }) },
    ),
    users: fc.subarray([...USERS], { minLength: 1, maxLength: 3 }),
    orgs: fc.subarray([...ORGS], { minLength: 1, maxLength: 3 }),
  })
  .chain((ctx) => fc.array(instantIn(ctx.months), { minLength: 1, maxLength: 3 }).map((tiePool) => ({ ...ctx, tiePool })));

function rowBodyArb(ctx: LogContext): fc.Arbitrary<Omit<LogRow, 'requestId'>> {
  const instant = fc.oneof({ weight: 4, arbitrary: instantIn(ctx.months) }, { weight: 1, arbitrary: fc.constantFrom(...ctx.tiePool) });
  return fc
    .record({
      instant,
      userId: fc.constantFrom(...ctx.users),
      orgId: fc.constantFrom(...ctx.orgs),
      cost: costText,
      routing: routingArb,
      platformResult: fc.constantFrom<PlatformResult | undefined>(undefined, 'ok', 'ok', 'error', 'error'),
      model: fc.constantFrom(undefined, 'm1', 'm2'),
    })
    .chain((body) =>
      renderedTimestamp(body.instant).map((timestamp) => ({
        instant: body.instant,
        timestamp,
        userId: body.userId,
        orgId: body.orgId,
        cost: body.cost,
        keyResult: body.routing.keyResult,
        platformResult: body.platformResult,
        recordedRoute: body.routing.recordedRoute,
        model: body.model,
      })),
    );
}

export interface LogOptions {
  readonly minLength?: number;
  readonly maxLength?: number;
}

/** A log of distinct requests (unique ids), in random order. */
export function logArb(options: LogOptions = {}): fc.Arbitrary<LogRow[]> {
  const minLength = options.minLength ?? 0;
  const maxLength = options.maxLength ?? 45;
  // The length is drawn explicitly: fast-check's default size would keep logs under ~10
  // rows, too few to cross an allowance of 5 in one scope-month.
  const length = fc.oneof(
    fc.integer({ min: minLength, max: Math.min(maxLength, Math.max(minLength, 10)) }),
    fc.integer({ min: minLength, max: maxLength }),
  );
  return fc.tuple(contextArb, length).chain(([ctx, n]) =>
    fc
      .uniqueArray(requestIdArb, { minLength: n, maxLength: n })
      .chain((ids) =>
        fc.tuple(...ids.map(() => rowBodyArb(ctx))).map((bodies) => bodies.map((body, i) => ({ requestId: ids[i]!, ...body }))),
      ),
  );
}

/** A repeat of a row: same content, its timestamp maybe written another way and its cost with a trailing zero. */
export function repeatOf(row: LogRow): fc.Arbitrary<LogRow> {
  return fc
    .tuple(renderedTimestamp(row.instant), fc.boolean())
    .map(([timestamp, zero]) => ({ ...row, timestamp, cost: zero ? withTrailingZero(row.cost) : row.cost }));
}

/** A log with some rows repeated (retried log shipping, POLICY.md D6), shuffled; at most 60 rows. */
export function logWithDuplicatesArb(options: LogOptions = {}): fc.Arbitrary<LogRow[]> {
  return logArb(options).chain((rows) => {
    if (rows.length === 0) return fc.constant(rows);
    return fc
      .array(fc.nat(rows.length - 1), { maxLength: Math.min(15, 60 - rows.length) })
      .chain((picks) => fc.tuple(...picks.map((i) => repeatOf(rows[i]!))))
      .chain((repeats) => {
        const all = [...rows, ...repeats];
        return fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length });
      });
  });
}

/** The row as the core reads it: timestamp and cost parsed from their text. */
export function toUsageRequest(row: LogRow): UsageRequest {
  return {
    requestId: row.requestId,
    instant: parseTimestamp(row.timestamp),
    userId: row.userId,
    orgId: row.orgId,
    model: row.model,
    cost: parseMoney(row.cost),
    keyResult: row.keyResult,
    platformResult: row.platformResult,
    recordedRoute: row.recordedRoute,
  };
}
