import pg from 'pg';
import { describe, it } from 'vitest';

/*
 * The PostgreSQL server the tests use: BYOK_TEST_POSTGRES_URL (`.ci/postgres.sh` starts
 * one and prints it). Locally a missing URL skips the PostgreSQL tests with a note; in
 * CI (CI=true) it fails them, so a broken server set-up can never pass as green.
 */
export const POSTGRES_URL = process.env.BYOK_TEST_POSTGRES_URL;
const IN_CI = process.env.CI === 'true';

/** `describe` for PostgreSQL tests: runs them with the URL, or skips (locally) / fails (CI) without it. */
export function describePostgres(name: string, body: (url: string) => void): void {
  if (POSTGRES_URL !== undefined && POSTGRES_URL !== '') {
    describe(name, () => body(POSTGRES_URL));
    return;
  }
  if (IN_CI) {
    describe(name, () => {
      it('has a PostgreSQL server (BYOK_TEST_POSTGRES_URL)', () => {
        throw new Error('BYOK_TEST_POSTGRES_URL is not set; CI must start PostgreSQL with .ci/postgres.sh');
      });
    });
    return;
  }
  describe.skip(`${name} (set BYOK_TEST_POSTGRES_URL to run: export BYOK_TEST_POSTGRES_URL="$(bash .ci/postgres.sh)")`, () => body(''));
}

let prefixes = 0;
/** A table prefix no other test (or test process) uses, so tests share one database safely. */
export function uniquePrefix(label: string): string {
  prefixes++;
  return `t${process.pid}_${Date.now().toString(36)}_${prefixes}_${label}_`.toLowerCase();
}

/** Drops a prefixed store's tables. */
export async function dropTables(url: string, prefix: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP TABLE IF EXISTS ${prefix}decisions, ${prefix}counters, ${prefix}threshold_events`);
  } finally {
    await client.end();
  }
}

/** Runs one query on its own connection (for checks from outside a store). */
export async function queryOnce<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}
