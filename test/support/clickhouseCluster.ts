import { randomBytes } from 'node:crypto';
import { describe, it } from 'vitest';

/*
 * The ClickHouse servers the tests use: BYOK_TEST_CLICKHOUSE_URLS, the shards' HTTP URLs
 * space-separated in the order of the cluster `byok_two_shards` (`.ci/clickhouse.sh` starts
 * them and prints the line). As describePostgres: locally a missing variable skips the
 * tests with a note; under CI (CI=true) it fails them, so a broken cluster never passes
 * as green. Other sessions share the servers: every table has a random suffix and is
 * dropped afterwards.
 */
export const CLICKHOUSE_URLS = (process.env.BYOK_TEST_CLICKHOUSE_URLS ?? '').split(/\s+/).filter((u) => u !== '');
export const CLICKHOUSE_CLUSTER = 'byok_two_shards';
const IN_CI = process.env.CI === 'true';

/** `describe` for ClickHouse tests: runs them with the URLs, or skips (locally) / fails (CI) without them. */
export function describeClickhouse(name: string, body: (urls: readonly string[]) => void): void {
  if (CLICKHOUSE_URLS.length > 0) {
    describe(name, () => body(CLICKHOUSE_URLS));
    return;
  }
  if (IN_CI) {
    describe(name, () => {
      it('has a ClickHouse cluster (BYOK_TEST_CLICKHOUSE_URLS)', () => {
        throw new Error('BYOK_TEST_CLICKHOUSE_URLS is not set; CI must start the cluster with .ci/clickhouse.sh');
      });
    });
    return;
  }
  describe.skip(`${name} (set BYOK_TEST_CLICKHOUSE_URLS to run: export BYOK_TEST_CLICKHOUSE_URLS="$(bash .ci/clickhouse.sh | tail -1)")`, () => body([]));
}

/** A table name no other test or session uses. */
export function uniqueTable(label: string): string {
  return `t_${label}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** Runs one statement over HTTP and returns the response text (tab-separated for SELECTs). */
export async function clickhouse(url: string, statement: string, settings: Record<string, string> = {}): Promise<string> {
  const query = new URLSearchParams(settings).toString();
  const response = await fetch(`${url}/${query === '' ? '' : `?${query}`}`, { method: 'POST', body: statement });
  const text = await response.text();
  if (!response.ok) throw new Error(`ClickHouse at ${url}: ${text}`);
  return text;
}

/** Drops tables on every server (gone already is fine). */
export async function dropEverywhere(urls: readonly string[], tables: readonly string[]): Promise<void> {
  for (const url of urls) for (const table of tables) await clickhouse(url, `DROP TABLE IF EXISTS ${table}`);
}
