import type { Pool } from 'pg';

/** The SQL names of one store's tables. */
export interface PostgresTables {
  readonly counters: string;
  readonly decisions: string;
  /** The threshold outbox (issue 17). */
  readonly events: string;
}

export function postgresTables(prefix: string): PostgresTables {
  return { counters: `${prefix}counters`, decisions: `${prefix}decisions`, events: `${prefix}threshold_events` };
}

/**
 * Creates the tables when missing. `record` stays TEXT, the record's own JSON: JSONB
 * would re-format it, and money must come back as the exact strings that went in.
 * CREATE TABLE IF NOT EXISTS is not safe against itself (two sessions can both decide
 * to create), so the creation runs under a transaction-level advisory lock.
 */
export async function createPostgresSchema(pool: Pool, tables: PostgresTables): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`byok-billing schema ${tables.decisions}`]);
    await client.query(`CREATE TABLE IF NOT EXISTS ${tables.counters} (key TEXT PRIMARY KEY, counted BIGINT NOT NULL)`);
    // A counter's fee state (the pricing language: list cost counted in 10^-12 dollars, fees
    // paid in 10^-24 dollars), exact NUMERIC integers beside the count. Tables made before
    // it existed get the columns here, every existing counter at 0: exact, as no fee state
    // was kept (nor any pricing-language policy metered) then.
    // Only when missing: ALTER TABLE takes an exclusive lock even when it has nothing to do,
    // which would stall every writer of the store each time a process opens it.
    const present = await client.query<{ attname: string }>(
      `SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname IN ('list_usd', 'fees') AND NOT attisdropped`,
      [tables.counters],
    );
    const has = new Set(present.rows.map((row) => row.attname));
    for (const column of ['list_usd', 'fees']) {
      if (!has.has(column)) await client.query(`ALTER TABLE ${tables.counters} ADD COLUMN IF NOT EXISTS ${column} NUMERIC NOT NULL DEFAULT 0`);
    }
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${tables.decisions} (seq BIGSERIAL PRIMARY KEY, request_id TEXT NOT NULL UNIQUE, record TEXT NOT NULL)`,
    );
    // Threshold events: one per (scope, period, threshold), written in the decision's
    // transaction (postgresBatch.ts). Stores made before get the table on opening.
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${tables.events} (
         seq BIGSERIAL PRIMARY KEY, scope TEXT NOT NULL, period TEXT NOT NULL, threshold TEXT NOT NULL,
         request_id TEXT NOT NULL, instant TEXT NOT NULL, count BIGINT NOT NULL, list_usd NUMERIC,
         UNIQUE (scope, period, threshold))`,
    );
    await client.query('COMMIT');
    client.release();
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release(true);
    throw error;
  }
}
