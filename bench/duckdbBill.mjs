// DuckDB's side of replay.mjs: the bill of a request log computed by the SQL that
// `byok sql --dialect duckdb` compiles from the policy, over the CSV read by DuckDB itself,
// printed as `byok bill --format csv` prints it. Also writes the Parquet copy of a log.
//   csv FILE              — the bill
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
} else {
  throw new Error(`unknown mode ${mode}`);
}
