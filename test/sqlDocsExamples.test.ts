import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byok } from './support/runByok.js';
import { DuckDbEngine, describePostgres } from './support/sqlEngines.js';
import { describeClickhouse } from './support/clickhouseShards.js';

/*
 * docs/sql.md's examples, run as written: the `byok sql` command lines, the SQL that
 * defines `requests` over the CSV and over Parquet (in DuckDB, in process: the DuckDB CLI
 * runs the same SQL), and the psql session. Each must print the page's output, which must
 * be what `byok bill --format csv` prints. Paths the examples write (bill.sql,
 * requests.parquet) are moved to a temporary directory.
 */

const page = readFileSync(new URL('../docs/sql.md', import.meta.url), 'utf8');

/** The fenced block right after `<!-- example:NAME -->`. */
function example(name: string): string {
  const m = new RegExp(`<!-- example:${name} -->\\n\`\`\`[a-z]*\\n([\\s\\S]*?)\\n\`\`\``).exec(page);
  if (!m) throw new Error(`docs/sql.md has no example ${name}`);
  return m[1]!;
}

/** The arguments of a `pnpm -s byok …` line, with `--out bill.sql` (or `bill-ansi.sql`) sent to `out`. */
function byokArgs(line: string, out: string): string[] {
  const words = line.trim().split(/\s+/);
  expect(words.slice(0, 3)).toEqual(['pnpm', '-s', 'byok']);
  return words.slice(3).map((word) => (word === 'bill.sql' || word === 'bill-ansi.sql' ? out : word));
}

let dir: string;
let billCsv: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'byok-sql-docs-'));
  const bill = await byok(['bill', 'scenarios/05-failover-modes/requests.csv', '--accounts', 'scenarios/05-failover-modes/accounts.csv', '--format', 'csv']);
  expect(bill.code).toBe(0);
  billCsv = bill.stdout.trimEnd();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

it("the page's expected output is byok bill's", () => {
  expect(example('sql-duckdb-output')).toBe(billCsv);
});

describe('the DuckDB example', () => {
  let duck: DuckDbEngine;
  beforeAll(async () => {
    duck = await DuckDbEngine.open();
  });
  afterAll(() => duck.close());

  /** The query's rows as the DuckDB CLI's -csv mode prints them. */
  async function runAsCsv(sql: string): Promise<string> {
    const rows = await duck.query(sql);
    const header = Object.keys(rows[0]!).join(',');
    return [header, ...rows.map((r) => Object.values(r).map(String).join(','))].join('\n');
  }

  it('bills the CSV log as byok bill does, then the same log converted to Parquet', async () => {
    const out = join(dir, 'duckdb-bill.sql');
    const compiled = await byok(byokArgs(example('sql-duckdb-compile'), out));
    expect(compiled.code).toBe(0);
    const script = readFileSync(out, 'utf8');
    await duck.connection.run(example('sql-duckdb-load'));
    expect(await runAsCsv(script)).toBe(example('sql-duckdb-output'));
    await duck.connection.run(example('sql-duckdb-parquet').replaceAll("'requests.parquet'", `'${join(dir, 'requests.parquet')}'`));
    expect(await runAsCsv(script)).toBe(example('sql-duckdb-output'));
  });

  it('the ansi dialect, run over the same relation, prints the same bill', async () => {
    const out = join(dir, 'duckdb-bill-ansi.sql');
    const compiled = await byok(byokArgs(example('sql-ansi-compile'), out));
    expect(compiled.code).toBe(0);
    const script = readFileSync(out, 'utf8');
    expect(script).not.toMatch(/COLLATE/);
    await duck.connection.run(example('sql-duckdb-load').replace('CREATE VIEW', 'CREATE OR REPLACE VIEW'));
    expect(await runAsCsv(script)).toBe(example('sql-duckdb-output'));
  });
});

describePostgres('the PostgreSQL example', (url) => {
  it('psql with \\copy and \\i prints the same bill', async () => {
    const out = join(dir, 'postgres-bill.sql');
    const compiled = await byok(byokArgs(example('sql-postgres-compile'), out));
    expect(compiled.code).toBe(0);
    const session = example('sql-postgres-run');
    const m = /^psql "\$DATABASE_URL" (.*) <<'SQL'\n([\s\S]*)\nSQL$/.exec(session);
    expect(m).not.toBeNull();
    const input = m![2]!.replace('\\i bill.sql', `\\i ${out}`);
    const stdout = execFileSync('psql', [url, ...m![1]!.split(' ')], { input, encoding: 'utf8' });
    expect(stdout.trimEnd()).toBe(example('sql-duckdb-output'));
  });
});

describeClickhouse('the ClickHouse example', (urls) => {
  it('the staging table, the view and the compiled query print the same bill, tab-separated', async () => {
    // The example's names, in a database of its own.
    const database = `byok_docs_${process.pid}_${Date.now().toString(36)}`;
    const url = urls[0]!;
    const run = async (sql: string, body?: string) => {
      // A statement with data: the statement in the URL, the data as the body; else the statement as the body.
      const response =
        body === undefined
          ? await fetch(`${url}/?database=${database}`, { method: 'POST', body: sql })
          : await fetch(`${url}/?database=${database}&query=${encodeURIComponent(sql)}`, { method: 'POST', body });
      const text = await response.text();
      if (!response.ok) throw new Error(`${response.status} ${text} (${sql.slice(0, 80)})`);
      return text;
    };
    await fetch(`${url}/`, { method: 'POST', body: `CREATE DATABASE ${database}` });
    try {
      await run(example('sql-clickhouse-stage'));
      // `clickhouse-client --query 'INSERT …' < requests.csv`: the same statement, the file as its data.
      await run('INSERT INTO requests_csv FORMAT CSVWithNames', readFileSync('scenarios/05-failover-modes/requests.csv', 'utf8'));
      await run(example('sql-clickhouse-load'));
      const out = join(dir, 'clickhouse-bill.sql');
      const compiled = await byok(byokArgs(example('sql-clickhouse-compile'), out));
      expect(compiled.code).toBe(0);
      // `--multiquery < bill.sql`: the script, its closing semicolon ending the one statement.
      const script = readFileSync(out, 'utf8').trimEnd().replace(/;$/u, '');
      expect((await run(`${script}\nFORMAT TSVWithNames`)).trimEnd()).toBe(example('sql-clickhouse-output'));
      expect(example('sql-clickhouse-output').replaceAll('\t', ',')).toBe(billCsv);
    } finally {
      await fetch(`${url}/`, { method: 'POST', body: `DROP DATABASE IF EXISTS ${database}` });
    }
  });
});
