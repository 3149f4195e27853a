/**
 * @byok-billing/stores — durable, idempotent meter stores for `createMeter` of
 * @byok-billing/core: SQLite for one machine, PostgreSQL for many.
 */
export { StoreError, type StoreErrorCode } from './storeError.js';
export { DEFAULT_MAX_BATCH, SQLITE_DEFAULT_MAX_BATCH } from './storeOptions.js';
export { createSqliteStore, type SqliteStoreOptions } from './sqliteStore.js';
export { createPostgresStore, type PostgresStoreOptions } from './postgresStore.js';
export { type StoreSpec, openStore, parseStoreSpec, type OpenStoreOptions } from './openStore.js';
export { checkExistingStore } from './existingStore.js';
