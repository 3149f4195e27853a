import { InvalidRequestError } from '../errors.js';
import { CHARGE_KINDS, type ChargeKind } from '../policy/chargeTypes.js';
import { KEY_RESULTS, PLATFORM_RESULTS, ROUTES, type Route } from '../routing/routeTypes.js';

/**
 * The kernel decides on small integers, never on strings: each vocabulary of the core is
 * numbered by its position, so a code is an index into the vocabulary and back.
 */
export const KEY_CODE = Object.fromEntries(KEY_RESULTS.map((k, i) => [k, i])) as Record<(typeof KEY_RESULTS)[number], number>;
export const PLATFORM_CODE = Object.fromEntries(PLATFORM_RESULTS.map((p, i) => [p, i])) as Record<(typeof PLATFORM_RESULTS)[number], number>;
export const ROUTE_CODE = Object.fromEntries(ROUTES.map((r, i) => [r, i])) as Record<Route, number>;
export const CHARGE_CODE = Object.fromEntries(CHARGE_KINDS.map((c, i) => [c, i])) as Record<ChargeKind, number>;

/** A field the row did not give. */
export const ABSENT = 255;

export const ROUTE_BYOK = ROUTE_CODE.byok;
export const ROUTE_PLATFORM = ROUTE_CODE.platform;
export const ROUTE_FAILED = ROUTE_CODE.failed;
export const CHARGE_NONE = CHARGE_CODE.none;
export const CHARGE_FEE = CHARGE_CODE.fee;
export const CHARGE_LIST = CHARGE_CODE.list;

/** Where routes taken as recorded start among the route indexes (after every key × platform outcome). */
export const RECORDED_BASE = KEY_RESULTS.length * PLATFORM_RESULTS.length;
/** How many route indexes a version's tables have. */
export const ROUTE_INDEXES = RECORDED_BASE + ROUTES.length;

/**
 * The index of a request's routing facts in a version's tables: its key and platform
 * outcomes (the platform defaults to `ok`), or, without a key outcome, the route the
 * gateway recorded. The caller has checked that one of the two is present.
 */
export function routeIndex(key: number, platform: number, recorded: number): number {
  return key !== ABSENT ? key * PLATFORM_RESULTS.length + (platform === ABSENT ? 0 : platform) : RECORDED_BASE + recorded;
}

/** `routeIndex` of a request given by name, refusing names outside the core's vocabularies. */
export function routeIndexOfNames(keyResult: string | undefined, platformResult: string | undefined, recordedRoute: string | undefined): number {
  const key = keyResult === undefined ? ABSENT : codeOf(KEY_CODE, keyResult);
  const platform = platformResult === undefined ? ABSENT : codeOf(PLATFORM_CODE, platformResult);
  const recorded = recordedRoute === undefined ? ABSENT : codeOf(ROUTE_CODE, recordedRoute);
  // Only an untyped caller can pass a value outside the domain; say so instead of routing nowhere.
  if (key === undefined || platform === undefined || (keyResult === undefined && recorded === undefined)) {
    throw new InvalidRequestError(
      `cannot route key_result ${JSON.stringify(keyResult)}, platform_result ${JSON.stringify(platformResult)}, route ${JSON.stringify(recordedRoute)}`,
      'key_result',
    );
  }
  return routeIndex(key, platform, recorded ?? ABSENT);
}

function codeOf(codes: Readonly<Record<string, number>>, name: string): number | undefined {
  return Object.hasOwn(codes, name) ? codes[name] : undefined;
}
