import { parseStoreSpec } from '@byok-billing/stores';
import { describe, expect, it } from 'vitest';

describe('store specs (byok meter --store)', () => {
  it('reads memory, sqlite:PATH and postgres:URL, and a bare PostgreSQL URL', () => {
    expect(parseStoreSpec('memory')).toEqual({ kind: 'memory' });
    expect(parseStoreSpec('sqlite:/var/lib/byok/meter.db')).toEqual({ kind: 'sqlite', path: '/var/lib/byok/meter.db' });
    expect(parseStoreSpec('sqlite:C:\\meter.db')).toEqual({ kind: 'sqlite', path: 'C:\\meter.db' });
    expect(parseStoreSpec('postgres:postgres://u:p@h:5432/d')).toEqual({ kind: 'postgres', url: 'postgres://u:p@h:5432/d' });
    expect(parseStoreSpec('postgresql://h/d')).toEqual({ kind: 'postgres', url: 'postgresql://h/d' });
  });

  it('refuses anything else with STORE_OPTION', () => {
    for (const bad of ['', 'sqlite:', 'postgres:', 'postgres:h/d', 'redis://h', 'Memory', 'meter.db']) {
      expect(() => parseStoreSpec(bad), bad).toThrow(expect.objectContaining({ code: 'STORE_OPTION' }));
    }
  });
});
