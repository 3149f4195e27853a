import { describe, it } from 'vitest';

/*
 * The ClickHouse cluster the tests bill on: the shards' HTTP URLs in
 * BYOK_TEST_CLICKHOUSE_URLS, space-separated (`.ci/clickhouse.sh` starts two on loopback
 * and prints them). Locally a missing variable skips the ClickHouse tests with a note; under
 * CI it fails them, so a broken cluster can never pass as green.
 *
 * Plain HTTP (fetch), not the CLI's client: the tests check the query, and what reaches the
 * server is exactly the text they send.
 */
export const CLICKHOUSE_URLS = (process.env.BYOK_TEST_CLICKHOUSE_URLS ?? '').split(/\s+/u).filter((u) => u !== '');
const IN_CI = process.env.CI === 'true';

/** `describe` for ClickHouse tests: runs them with the shards, or skips (locally) / fails (CI) without them. */
export function describeClickhouse(name: string, body: (urls: readonly string[]) => void): void {
  if (CLICKHOUSE_URLS.length > 0) {
    describe(name, () => body(CLICKHOUSE_URLS));
    return;
  }
  if (IN_CI) {
    describe(name, () => {
      it('has a ClickHouse cluster (BYOK_TEST_CLICKHOUSE_URLS)', () => {
        throw new Error('BYOK_TEST_CLICKHOUSE_URLS is not set; CI must start ClickHouse with .ci/clickhouse.sh');
      });
    });
    return;
  }
  describe.skip(`${name} (set BYOK_TEST_CLICKHOUSE_URLS to run: export BYOK_TEST_CLICKHOUSE_URLS="$(bash .ci/clickhouse.sh | tail -1)")`, () => body([]));
}

/** Runs one statement; the server's error text is thrown as is. */
export async function clickhouse(url: string, sql: string): Promise<string> {
  const response = await fetch(`${url}/`, { method: 'POST', body: sql });
  const text = await response.text();
  if (!response.ok) throw new Error(text.trim());
  return text;
}

/** Rows of a SELECT, as JSON objects (64-bit integers come back as text). */
export async function clickhouseRows(url: string, query: string): Promise<Record<string, unknown>[]> {
  // A script's closing semicolon would make the FORMAT clause a second statement.
  const text = await clickhouse(url, `${query.trimEnd().replace(/;$/u, '')}\nFORMAT JSONEachRow`);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** One row of the ClickHouse `requests` relation: text, NULL as undefined; `timestamp` in epoch nanoseconds. */
export type ClickhouseRow = Readonly<Record<string, string | bigint | undefined>>;

/** A TabSeparated field: backslash escapes for the four characters the format reserves, \N for NULL. */
function tsvField(value: string | bigint | undefined): string {
  if (value === undefined) return '\\N';
  return String(value).replace(/[\\\t\n\r]/gu, (ch) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[ch]!);
}

let tables = 0;
/** A table name no other test process uses. */
export function uniqueTable(label: string): string {
  tables++;
  return `t${process.pid}_${Date.now().toString(36)}_${tables}_${label}`;
}

/**
 * Creates `table` on every shard (`columns`: name → ClickHouse type) and puts each row on the
 * shard `shardOf` gives.
 */
export async function loadShards(urls: readonly string[], table: string, columns: Readonly<Record<string, string>>, rows: readonly ClickhouseRow[], shardOf: (row: ClickhouseRow) => number): Promise<void> {
  const names = Object.keys(columns);
  const definition = names.map((n) => `\`${n}\` ${columns[n]}`).join(', ');
  const perShard = urls.map(() => [] as string[]);
  for (const row of rows) perShard[shardOf(row) % urls.length]!.push(names.map((n) => tsvField(row[n])).join('\t'));
  await Promise.all(
    urls.map(async (url, i) => {
      await clickhouse(url, `CREATE TABLE ${table} (${definition}) ENGINE = Memory`);
      if (perShard[i]!.length > 0) await clickhouse(url, `INSERT INTO ${table} FORMAT TabSeparated\n${perShard[i]!.join('\n')}\n`);
    }),
  );
}

export async function dropShards(urls: readonly string[], table: string): Promise<void> {
  await Promise.all(urls.map((url) => clickhouse(url, `DROP TABLE IF EXISTS ${table}`)));
}

/**
 * Each shard bills its own rows (the query over its local table); the lines are put together
 * and sorted as one bill. A scope and period billed on two shards is refused: the table was
 * not sharded by scope, and adding the two lines would be wrong (each shard used the whole
 * allowance).
 */
export async function billOnShards(urls: readonly string[], query: string): Promise<Record<string, unknown>[]> {
  const perShard = await Promise.all(urls.map((url) => clickhouseRows(url, query)));
  const seen = new Map<string, number>();
  const lines: Record<string, unknown>[] = [];
  perShard.forEach((rows, shard) => {
    for (const row of rows) {
      const key = `${String(row.scope)}\u0000${String(row.period)}`;
      const other = seen.get(key);
      if (other !== undefined) throw new Error(`scope ${String(row.scope)} period ${String(row.period)} is billed on shards ${other + 1} and ${shard + 1}: the table is not sharded by scope`);
      seen.set(key, shard);
      lines.push(row);
    }
  });
  const bytes = (text: unknown) => Buffer.from(String(text), 'utf8');
  return lines.sort((a, b) => Buffer.compare(bytes(a.scope), bytes(b.scope)) || Buffer.compare(bytes(a.period), bytes(b.period)));
}

/** The ClickHouse types of the relation's columns in the tests: optional text Nullable (NULL and '' both occur). */
export function clickhouseColumns(options: { readonly costAsText?: boolean; readonly facts?: boolean } = {}): Record<string, string> {
  const optional = 'Nullable(String)';
  return {
    request_id: 'String',
    timestamp: 'Int64',
    user_id: 'String',
    org_id: optional,
    cost_usd: options.costAsText ? 'String' : 'Decimal(38, 12)',
    key_result: optional,
    platform_result: optional,
    route: optional,
    ...(options.facts ? { model: optional, provider: optional } : {}),
    scope: 'String',
  };
}

/** An instant in the relation's Int64 epoch nanoseconds. */
export function epochNanos(instant: { readonly epochMs: number; readonly nanos: number }): bigint {
  return BigInt(instant.epochMs) * 1_000_000n + BigInt(instant.nanos);
}

/**
 * The scope a row belongs to under `policy`: the scope mode of the version in force at its
 * instant (read from the policy's versions, not from the engine's decisions), as a loader
 * computes the sharding key.
 */
export function scopeUnder(policy: { readonly versions: readonly { readonly effectiveFromMs: number | null; readonly parameters: { readonly scopeMode: string } }[] }, epochMs: number, userId: string, orgId: string | undefined): string {
  let mode = policy.versions[0]!.parameters.scopeMode;
  for (const v of policy.versions) if (v.effectiveFromMs === null || v.effectiveFromMs <= epochMs) mode = v.parameters.scopeMode;
  return mode === 'org' && orgId !== undefined && orgId !== '' ? `org:${orgId}` : `user:${userId}`;
}

/** A shard number from a scope: FNV-1a over its UTF-8 bytes (any function of the scope alone shards by scope). */
export function shardOfScope(scope: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(scope, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash;
}

/** Loads `rows` sharded by their `scope` column, bills each shard with `queryOf(table)`, merges, drops the tables. */
export async function billShardedByScope(urls: readonly string[], columns: Readonly<Record<string, string>>, rows: readonly ClickhouseRow[], queryOf: (table: string) => string): Promise<Record<string, unknown>[]> {
  const table = uniqueTable('bill');
  try {
    await loadShards(urls, table, columns, rows, (row) => shardOfScope(String(row.scope)));
    return await billOnShards(urls, queryOf(table));
  } finally {
    await dropShards(urls, table);
  }
}
