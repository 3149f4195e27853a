import type { DuckDBConnection } from '@duckdb/node-api';
import type { Accounts, KeyResult, PlatformResult, Policy } from '@byok-billing/core';
import { ACCEPTED_ROWS } from './arrivalsSql.js';

/**
 * How many requests carry a recorded route that differs from the route their failover
 * mode gives (the bill's `routeMismatches`, a warning and a note of the table). The
 * route depends only on the policy version, the failover mode of whose keys serve the
 * request (its org's account for an org member, else its user's, whatever the version's
 * scope mode: `keyOwnerOf`) and the two results, so SQL groups the requests that record
 * a route beside a key_result by those, and each group is routed once by the policy's own
 * router: the same decision as the default engine's, without a second implementation of
 * routing.
 */
export async function countRouteMismatches(connection: DuckDBConnection, policy: Policy, accounts: Accounts | undefined): Promise<number> {
  const versions = policy.versions;
  const versionIndex =
    versions.length === 1
      ? '0'
      : `CASE ${versions
          .map((v, i) => ({ v, i }))
          .slice(1)
          .reverse()
          .map(({ v, i }) => `WHEN epoch_ms >= ${v.effectiveFromMs} THEN ${i}`)
          .join(' ')} ELSE 0 END`;
  const keyOwner = `CASE WHEN coalesce(org_id, '') <> '' THEN 'org:' || org_id ELSE 'user:' || user_id END`;
  const reader = await connection.runAndReadAll(`
SELECT version_index, ${keyOwner} AS key_owner, key_result, coalesce(NULLIF(platform_result, ''), 'ok') AS platform_result, route, count(*)::BIGINT AS n
FROM (SELECT *, ${versionIndex} AS version_index FROM ${ACCEPTED_ROWS} WHERE NOT before_policy AND key_result <> '' AND route <> '')
GROUP BY ALL`);
  let mismatches = 0;
  for (const group of reader.getRowObjectsJson()) {
    const version = versions[Number(group.version_index)]!;
    const mode = accounts?.get(String(group.key_owner))?.failoverMode ?? version.parameters.defaultFailoverMode;
    const derived = version.router.route(mode, group.key_result as KeyResult, group.platform_result as PlatformResult).route;
    if (derived !== group.route) mismatches += Number(group.n);
  }
  return mismatches;
}
