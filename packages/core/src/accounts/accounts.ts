import { InvalidAccountsError } from '../errors.js';
import { FAILOVER_MODES, type FailoverMode } from '../routing/routeTypes.js';
import { type Scope, isScope } from '../scope/scope.js';

/** Per-scope settings (enterprise plans): an absent field means the policy default. */
export interface AccountSettings {
  readonly failoverMode?: FailoverMode | undefined;
  readonly freeRequests?: number | undefined;
}

export type Accounts = ReadonlyMap<Scope, AccountSettings>;

/** One row of the accounts file as text, before validation. */
export interface AccountRow {
  readonly scope: string;
  readonly failover_mode?: string | undefined;
  readonly free_requests?: string | undefined;
}

/**
 * Validates the rows of an accounts file (`scope,failover_mode,free_requests`).
 * `onError` receives the row index and the bad field so the caller can name the line
 * and column; by default the first problem throws.
 *
 * @example
 * parseAccounts([{ scope: 'org:bigco', failover_mode: 'strict', free_requests: '5000000' }])
 *   .get('org:bigco') //=> { failoverMode: 'strict', freeRequests: 5000000 }
 */
export function parseAccounts(rows: Iterable<AccountRow>): Map<Scope, AccountSettings> {
  const accounts = new Map<Scope, AccountSettings>();
  let index = 0;
  for (const row of rows) {
    const fail = (field: string, problem: string): never => {
      throw new InvalidAccountsError(`accounts row ${index + 1}: ${field} ${problem}`, field);
    };
    const scope = row.scope ?? '';
    if (!isScope(scope)) fail('scope', `${JSON.stringify(scope)} is not org:<id> or user:<id>`);
    // A stray space would make a scope that no log row ever matches: refuse it.
    if (scope.trim() !== scope || /^(org|user):\s/.test(scope)) fail('scope', `${JSON.stringify(scope)} has leading or trailing white space`);
    if (accounts.has(scope)) fail('scope', `${JSON.stringify(scope)} appears twice`);
    const settings: { failoverMode?: FailoverMode; freeRequests?: number } = {};
    const mode = row.failover_mode ?? '';
    if (mode !== '') {
      if (!(FAILOVER_MODES as readonly string[]).includes(mode)) {
        fail('failover_mode', `${JSON.stringify(mode)} is not one of ${FAILOVER_MODES.join(', ')}`);
      }
      settings.failoverMode = mode as FailoverMode;
    }
    const free = row.free_requests ?? '';
    if (free !== '') {
      if (!/^\d+$/.test(free) || !Number.isSafeInteger(Number(free))) {
        fail('free_requests', `${JSON.stringify(free)} is not a non-negative whole number`);
      }
      settings.freeRequests = Number(free);
    }
    accounts.set(scope, Object.freeze(settings));
    index++;
  }
  return accounts;
}
