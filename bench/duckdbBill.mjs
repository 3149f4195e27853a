// DuckDB's side of replay.mjs: the bill of a request log computed by the SQL that
// `byok sql --dialect duckdb` compiles from the policy, over the CSV read by DuckDB itself,
// printed as `byok bill --format csv` prints it. Also writes the Parquet copy of a log.
//   csv FILE              — the bill, by the compiled query (every rule, version and check)
//   lean FILE             — the bill by a hand-written window query for this log's case only
//                           (default policy, no accounts, October 2025, no duplicates): what an
//                           analyst would write, without the compiled query's checks
//   to-parquet FILE OUT   — COPY the typed log to Parquet
import { DuckDBInstance } from '@duckdb/node-api';
import { compileBillQuery, defaultPolicy } from '@byok-billing/core';

const [mode, file, out] = process.argv.slice(2);
const quote = (text) => `'${text.replace(/'/g, "''")}'`;
const instance = await DuckDBInstance.create(':memory:');
const db = await instance.connect();
// All text, cast exactly (DuckDB's type sniffer would read costs as DOUBLE).
await db.run(`CREATE VIEW requests AS
SELECT request_id,
       CASE WHEN regexp_full_match("timestamp", '-?[0-9]+') THEN make_timestamptz(CAST("timestamp" AS BIGINT) * 1000)
            ELSE CAST("timestamp" AS TIMESTAMPTZ) END AS "timestamp",
       user_id, org_id, model, provider,
       CAST(cost_usd AS DECIMAL(38,12)) AS cost_usd,
       key_result, platform_result
FROM read_csv(${quote(file)}, header = true, all_varchar = true)`);
if (mode === 'to-parquet') {
  await db.run(`COPY (SELECT * FROM requests) TO ${quote(out)} (FORMAT parquet)`);
} else if (mode === 'csv') {
  const query = compileBillQuery(defaultPolicy(), undefined, { dialect: 'duckdb', absentColumns: ['route'] });
  const reader = await db.runAndReadAll(query);
  const columns = reader.columnNames();
  const lines = [columns.join(',')];
  for (const row of reader.getRows()) lines.push(row.map((v) => String(v)).join(','));
  process.stdout.write(`${lines.join('\n')}\n`);
} else if (mode === 'lean') {
  const reader = await db.runAndReadAll(`
WITH routed AS (
  SELECT request_id, "timestamp" AS t, cost_usd AS cost,
         CASE WHEN org_id <> '' THEN 'org:' || org_id ELSE 'user:' || user_id END AS scope,
         strftime("timestamp" AT TIME ZONE 'UTC', '%Y-%m') AS period,
         CASE WHEN key_result = 'ok' THEN 'byok' WHEN coalesce(platform_result, 'ok') = 'ok' THEN 'platform' ELSE 'failed' END AS route
  FROM requests),
ranked AS (
  SELECT *, row_number() OVER (PARTITION BY scope, period, route ORDER BY t, request_id) AS ordinal FROM routed)
SELECT scope, period,
  count(*) FILTER (WHERE route = 'byok') AS byok_requests,
  count(*) FILTER (WHERE route = 'byok' AND ordinal <= 1000000) AS free_requests,
  count(*) FILTER (WHERE route = 'byok' AND ordinal > 1000000) AS billable_requests,
  coalesce(sum(cost) FILTER (WHERE route = 'byok'), 0) AS byok_cost_usd,
  coalesce(sum(cost * 0.05) FILTER (WHERE route = 'byok' AND ordinal > 1000000), 0) AS fee_usd,
  count(*) FILTER (WHERE route = 'platform') AS platform_requests,
  coalesce(sum(cost) FILTER (WHERE route = 'platform'), 0) AS platform_cost_usd,
  count(*) FILTER (WHERE route = 'failed') AS failed_requests,
  coalesce(sum(cost * 0.05) FILTER (WHERE route = 'byok' AND ordinal > 1000000), 0) + coalesce(sum(cost) FILTER (WHERE route = 'platform'), 0) AS total_usd
FROM ranked GROUP BY scope, period ORDER BY scope COLLATE "binary", period`);
  // Exact DECIMALs printed canonically (no trailing zeros), as byok bill prints money.
  const canonical = (v) => {
    const text = String(v);
    return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
  };
  const lines = [reader.columnNames().join(',')];
  for (const row of reader.getRows()) lines.push(row.map(canonical).join(','));
  process.stdout.write(`${lines.join('\n')}\n`);
} else {
  throw new Error(`unknown mode ${mode}`);
}
