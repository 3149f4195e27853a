import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryStore } from '@byok-billing/core';
import { createPostgresStore, createSqliteStore } from '@byok-billing/stores';
import { describePostgres, dropTables, uniquePrefix } from './support/postgresTarget.js';
import { storeConformance } from './support/storeConformance.js';

// The same contract, three stores: the reference in memory, SQLite, PostgreSQL.

storeConformance('memory', () => {
  const store = createMemoryStore();
  return { durable: false, open: () => store, cleanup: async () => undefined };
});

storeConformance('sqlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'byok-sqlite-'));
  const path = join(dir, 'meter.db');
  return { durable: true, open: () => createSqliteStore(path), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

storeConformance('sqlite, one request per transaction', () => {
  const dir = mkdtempSync(join(tmpdir(), 'byok-sqlite-'));
  const path = join(dir, 'meter.db');
  return {
    durable: true,
    open: () => createSqliteStore(path, { maxBatch: 1, synchronous: 'normal' }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describePostgres('postgres', (url) => {
  storeConformance('postgres', () => {
    const prefix = uniquePrefix('conf');
    return { durable: true, open: () => createPostgresStore(url, { tablePrefix: prefix }), cleanup: () => dropTables(url, prefix) };
  });
});
