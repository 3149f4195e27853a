import {
  ByokError,
  KEY_RESULTS,
  type KeyResult,
  PLATFORM_RESULTS,
  type PlatformResult,
  ROUTES,
  type Route,
  type UsageRequest,
  parseMoney,
  parseTimestamp,
} from '@byok-billing/core';
import type { LogColumn, LogHeader } from './logColumns.js';

/** Why a row is refused, and in which column (1-based) when it is one cell's fault. */
export class RowProblem extends Error {
  constructor(
    readonly reason: string,
    readonly column?: number,
    readonly columnName?: string,
  ) {
    super(reason);
  }
}

const KEY_SET: ReadonlySet<string> = new Set(KEY_RESULTS);
const PLATFORM_SET: ReadonlySet<string> = new Set(PLATFORM_RESULTS);
const ROUTE_SET: ReadonlySet<string> = new Set(ROUTES);

export interface RowOptions {
  readonly inputTimeZone?: string | undefined;
}

/**
 * Turns one CSV record into a request, or throws a `RowProblem` naming the column.
 * Values are taken exactly as written: no trimming, no guessing of case.
 */
export function rowToRequest(fields: readonly string[], header: LogHeader, options: RowOptions): UsageRequest {
  if (fields.length !== header.width) {
    throw new RowProblem(`the row has ${fields.length} fields; the header has ${header.width}`);
  }
  const { index } = header;
  const cell = (column: LogColumn): string => (index[column] === -1 ? '' : fields[index[column]]!);
  const problem = (column: LogColumn, reason: string): never => {
    throw new RowProblem(reason, index[column] + 1, column);
  };
  const guard = <T>(column: LogColumn, read: () => T): T => {
    try {
      return read();
    } catch (error) {
      if (error instanceof ByokError) problem(column, error.message);
      throw error;
    }
  };

  const requestId = cell('request_id');
  if (requestId === '') problem('request_id', 'request_id is empty');
  const userId = cell('user_id');
  if (userId === '') problem('user_id', 'user_id is empty');
  const instant = guard('timestamp', () => parseTimestamp(cell('timestamp'), { inputTimeZone: options.inputTimeZone }));
  const cost = guard('cost_usd', () => parseMoney(cell('cost_usd'), { field: 'cost_usd' }));

  let keyResult: KeyResult | undefined;
  const key = cell('key_result');
  if (key !== '') {
    if (!KEY_SET.has(key)) problem('key_result', `key_result ${JSON.stringify(key)} is not one of ${KEY_RESULTS.join(', ')}`);
    keyResult = key as KeyResult;
  }
  let platformResult: PlatformResult | undefined;
  const platform = cell('platform_result');
  if (platform !== '') {
    if (!PLATFORM_SET.has(platform)) problem('platform_result', `platform_result ${JSON.stringify(platform)} is not one of ${PLATFORM_RESULTS.join(', ')}`);
    platformResult = platform as PlatformResult;
  }
  let recordedRoute: Route | undefined;
  const route = cell('route');
  if (route !== '') {
    if (!ROUTE_SET.has(route)) problem('route', `route ${JSON.stringify(route)} is not one of ${ROUTES.join(', ')}`);
    recordedRoute = route as Route;
  }
  if (keyResult === undefined && recordedRoute === undefined) {
    problem(index.key_result !== -1 ? 'key_result' : 'route', 'the row has neither a key_result nor a route');
  }
  const chargedText = cell('charged_usd');
  const charged = chargedText === '' ? undefined : guard('charged_usd', () => parseMoney(chargedText, { field: 'charged_usd' }));

  return {
    requestId,
    instant,
    userId,
    orgId: cell('org_id'),
    model: cell('model'),
    provider: cell('provider'),
    cost,
    keyResult,
    platformResult,
    recordedRoute,
    charged,
  };
}
