import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseMoney, parseTimestamp } from '@byok-billing/core';
import { compareUtf8 } from '@byok-billing/core/internal';
import type { ImportedRequest } from '../src/import/generationToRequest.js';
import { ImportedLog } from '../src/import/importedLog.js';
import { RequestIdIndex } from '../src/import/requestIdIndex.js';
import { requestLogRow } from '../src/import/requestLogRow.js';
import { TextArena } from '../src/import/textArena.js';

/*
 * The compact storage behind `byok import generations`: rows as UTF-8 in arenas, ids in a
 * typed-array hash table. It must behave as the plain arrays and Map it replaced.
 */

function request(fields: Partial<Omit<ImportedRequest, 'instant' | 'cost' | 'charged'>> & { cost?: string; charged?: string } = {}): ImportedRequest {
  const timestamp = fields.timestamp ?? '2025-11-03T10:00:00.123456+00:00';
  return {
    requestId: 'gen-1',
    userId: 'alice',
    orgId: 'acme',
    model: 'openai/gpt-4o',
    provider: 'OpenAI',
    route: 'byok',
    ...fields,
    timestamp,
    instant: parseTimestamp(timestamp),
    cost: parseMoney(fields.cost ?? '0.0125'),
    charged: parseMoney(fields.charged ?? '0'),
  };
}
const at = { file: 'records.jsonl', line: 1 };

describe('TextArena', () => {
  it('law: gives back every string it kept, exactly, whatever its characters and length', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ minLength: 2000, maxLength: 5000 }))), (texts) => {
        const arena = new TextArena();
        texts.forEach((t, i) => expect(arena.add(t)).toBe(i));
        texts.forEach((t, i) => expect(arena.get(i)).toBe(t));
      }),
    );
  });

  it('a string longer than a block gets a block of its own', () => {
    const arena = new TextArena();
    const long = 'é'.repeat((1 << 23) / 2 + 10);
    arena.add('a');
    arena.add(long);
    arena.add('b');
    expect([arena.get(0), arena.get(1) === long, arena.get(2)]).toEqual(['a', true, 'b']);
  });
});

describe('RequestIdIndex', () => {
  it('law: finds exactly the ids added, at the index they were added, as a Map would', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.string({ unit: 'grapheme', maxLength: 40 })), { maxLength: 3000 }), fc.array(fc.string({ maxLength: 4 })), (ids, probes) => {
        const index = new RequestIdIndex();
        const map = new Map<string, number>();
        for (const id of ids) {
          if (map.has(id)) continue;
          expect(index.find(id)).toBe(-1);
          map.set(id, index.add(id));
        }
        expect(index.size).toBe(map.size);
        for (const id of [...ids, ...probes]) expect(index.find(id)).toBe(map.get(id) ?? -1);
        for (const [id, i] of map) expect(index.idAt(i)).toBe(id);
      }),
    );
  });
});

describe('ImportedLog', () => {
  it('a repeat is the same request when it agrees as the log would bill it: one instant in two offsets, amounts by value', () => {
    const log = new ImportedLog();
    log.add(request({ cost: '0.0120' }), at);
    const first = log.find('gen-1')!;
    expect(log.sameContent(first, request({ timestamp: '2025-11-03T05:00:00.123456-05:00', cost: '0.012' }))).toBe(true);
    expect(log.sameContent(first, request({ timestamp: '2025-11-03T10:00:00.123457+00:00' }))).toBe(false);
    expect(log.sameContent(first, request({ charged: '0.0006' }))).toBe(false);
    expect(log.sameContent(first, request({ userId: 'bob' }))).toBe(false);
    expect(log.sameContent(first, request({ route: 'platform' }))).toBe(false);
  });

  it('the log is written exactly, so "=x" and "\'=x" are different rows and different content', () => {
    // catches: the spreadsheet formula guard in a log for programs (both were written '=x).
    const log = new ImportedLog();
    log.add(request({ userId: '=x' }), at);
    const first = log.find('gen-1')!;
    expect(requestLogRow(request({ userId: '=x' }))).not.toBe(requestLogRow(request({ userId: "'=x" })));
    expect(requestLogRow(request({ userId: '=x', orgId: '-o' }))).toContain(',=x,-o,');
    expect(log.sameContent(first, request({ userId: "'=x" }))).toBe(false);
    expect(log.sameContent(first, request({ userId: '=x' }))).toBe(true);
    expect(log.locationOf(first)).toEqual({ file: 'records.jsonl', line: 1, index: undefined });
  });

  it('law: rows come out in the ledger\'s order (by instant, ties by id in UTF-8 order), whatever order they went in', () => {
    const instants = ['2025-11-03T10:00:00.000001Z', '2025-11-03T10:00:00.000002Z', '2025-11-03T09:00:00.000002-01:00'];
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 }), fc.constantFrom(...instants)), { selector: ([id]) => id, maxLength: 30 }), (entries) => {
        const log = new ImportedLog();
        entries.forEach(([id, timestamp], line) => log.add(request({ requestId: id, timestamp }), { file: 'f', line }));
        const expected = [...entries]
          .sort(([a, ta], [b, tb]) => parseTimestamp(ta).epochMs - parseTimestamp(tb).epochMs || parseTimestamp(ta).nanos - parseTimestamp(tb).nanos || compareUtf8(a, b))
          .map(([id, timestamp]) => requestLogRow(request({ requestId: id, timestamp })));
        expect([...log.rowsInLedgerOrder()].map((r) => r.logRow)).toEqual(expected);
      }),
    );
  });
});
