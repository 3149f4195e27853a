import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { StoreSpec } from './openStore.js';
import { StoreError } from './storeError.js';
import { checkTablePrefix } from './storeOptions.js';

/**
 * Checks, without writing anything, that a durable store already exists: a query over a
 * store (`byok usage`) must not create an empty store where a path or a database was
 * mistyped, as opening one for metering would. `STORE_UNAVAILABLE` when the file or
 * database cannot be reached, `STORE_FORMAT` when it holds no meter store's tables.
 * A memory store never exists outside its process: `STORE_OPTION`.
 */
export async function checkExistingStore(spec: StoreSpec, tablePrefix?: string): Promise<void> {
  const prefix = checkTablePrefix(tablePrefix);
  switch (spec.kind) {
    case 'memory':
      throw new StoreError('STORE_OPTION', 'a memory store holds nothing outside the process that fills it; name a sqlite: or postgres: store');
    case 'sqlite':
      return checkSqlite(spec.path, prefix);
    case 'postgres':
      return checkPostgres(spec.url, prefix);
    default: {
      const unknown: never = spec;
      throw new Error(`unhandled store kind ${JSON.stringify(unknown)}`);
    }
  }
}

function checkSqlite(path: string, prefix: string): void {
  if (!existsSync(path)) throw new StoreError('STORE_UNAVAILABLE', `${path}: no such file`);
  if (!statSync(path).isFile()) throw new StoreError('STORE_UNAVAILABLE', `${path}: not a file`);
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new StoreError('STORE_UNAVAILABLE', `${path}: cannot be opened (${(error as Error).message})`, { cause: error });
  }
  try {
    let type: string | undefined;
    try {
      type = db.prepare<[string], string>('SELECT type FROM sqlite_master WHERE name = ? COLLATE NOCASE').pluck().get(`${prefix}decisions`);
    } catch (error) {
      throw new StoreError('STORE_FORMAT', `${path}: not a SQLite database (${(error as Error).message})`, { cause: error });
    }
    if (type !== 'table' && type !== 'view') throw new StoreError('STORE_FORMAT', `${path}: holds no byok meter store (no ${prefix}decisions table)`);
  } finally {
    db.close();
  }
}

async function checkPostgres(url: string, prefix: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new StoreError('STORE_UNAVAILABLE', `postgres: cannot connect (${(error as Error).message})`, { cause: error });
  }
  try {
    const { rows } = await client.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [`${prefix}decisions`]);
    if (rows[0]?.found === null || rows[0] === undefined) throw new StoreError('STORE_FORMAT', `postgres: the database holds no byok meter store (no ${prefix}decisions table)`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
