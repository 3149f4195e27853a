import { type MeterStore, createMemoryStore } from '@byok-billing/core';
import { createPostgresStore } from './postgresStore.js';
import { createSqliteStore } from './sqliteStore.js';
import { StoreError } from './storeError.js';

/** Where a meter keeps its decisions, as `byok meter --store` names it. */
export type StoreSpec =
  | { readonly kind: 'memory' }
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string };

/**
 * Reads `memory`, `sqlite:PATH` or `postgres:URL` (a bare `postgres://` or
 * `postgresql://` URL is taken too).
 *
 * @example
 * parseStoreSpec('sqlite:/var/lib/byok/meter.db') //=> { kind: 'sqlite', path: '/var/lib/byok/meter.db' }
 */
export function parseStoreSpec(text: string): StoreSpec {
  if (text === 'memory') return { kind: 'memory' };
  if (text.startsWith('sqlite:')) {
    const path = text.slice('sqlite:'.length);
    if (path === '') throw new StoreError('STORE_OPTION', 'sqlite: needs a file path, e.g. sqlite:meter.db');
    return { kind: 'sqlite', path };
  }
  if (/^postgres(ql)?:\/\//.test(text)) return { kind: 'postgres', url: text };
  if (text.startsWith('postgres:')) {
    const url = text.slice('postgres:'.length);
    if (!/^postgres(ql)?:\/\//.test(url)) {
      throw new StoreError('STORE_OPTION', 'postgres: needs a connection URL, e.g. postgres:postgres://user:password@localhost:5432/billing');
    }
    return { kind: 'postgres', url };
  }
  throw new StoreError('STORE_OPTION', `unknown store ${JSON.stringify(text)}; use memory, sqlite:PATH or postgres:URL`);
}

export interface OpenStoreOptions {
  /** Calls per transaction for the durable stores (see `SqliteStoreOptions.maxBatch`). */
  readonly maxBatch?: number;
  /** Table-name prefix for the durable stores. */
  readonly tablePrefix?: string;
}

/** Opens the store a spec names. */
export function openStore(spec: StoreSpec, options: OpenStoreOptions = {}): MeterStore {
  switch (spec.kind) {
    case 'memory':
      return createMemoryStore();
    case 'sqlite':
      return createSqliteStore(spec.path, options);
    case 'postgres':
      return createPostgresStore(spec.url, options);
    default: {
      const unknown: never = spec;
      throw new Error(`unhandled store kind ${JSON.stringify(unknown)}`);
    }
  }
}
