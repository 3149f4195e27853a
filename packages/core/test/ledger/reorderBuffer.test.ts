import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConflictingDuplicateError, LateArrivalError, compareRequests, instantFromEpochMs, parseMoney, type UsageRequest } from '@byok-billing/core';
import { createReorderBuffer, type Arrival } from '@byok-billing/core/internal';

const MINUTE = 60_000;
const req = (id: string, ms: number, cost = '0.1'): UsageRequest => ({
  requestId: id,
  instant: instantFromEpochMs(ms),
  userId: 'u',
  cost: parseMoney(cost),
  keyResult: 'ok',
});

function collect(windowMs: number) {
  const out: Arrival<number>[] = [];
  const buffer = createReorderBuffer<number>({ windowMs, release: (a) => out.push(a), describe: (line) => `line ${line}` });
  return { buffer, out, ids: () => out.map((a) => a.request.requestId) };
}

describe('reorder buffer', () => {
  it('puts rows displaced by less than the window in allowance order, ties by request_id', () => {
    const { buffer, ids } = collect(15 * MINUTE);
    buffer.push({ request: req('b', 10 * MINUTE), source: 1 });
    buffer.push({ request: req('c', 5 * MINUTE), source: 2 });
    buffer.push({ request: req('a', 10 * MINUTE), source: 3 });
    buffer.flush();
    expect(ids()).toEqual(['c', 'a', 'b']);
  });

  it('releases a row only once nothing acceptable can precede it (memory bounded by the window)', () => {
    const { buffer, ids } = collect(15 * MINUTE);
    buffer.push({ request: req('r1', 0), source: 1 });
    buffer.push({ request: req('r2', 15 * MINUTE), source: 2 });
    expect(ids()).toEqual([]);
    buffer.push({ request: req('r3', 15 * MINUTE + 1), source: 3 });
    expect(ids()).toEqual(['r1']);
    expect(buffer.size).toBe(2);
  });

  it('a row exactly at the window edge is still accepted; one millisecond more is late, naming the latest row', () => {
    const { buffer } = collect(15 * MINUTE);
    buffer.push({ request: req('r1', 20 * MINUTE), source: 7 });
    expect(buffer.push({ request: req('r2', 5 * MINUTE), source: 8 })).toEqual({ kind: 'accepted' });
    let error: unknown;
    try {
      buffer.push({ request: req('r3', 5 * MINUTE - 1), source: 9 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LateArrivalError);
    expect((error as LateArrivalError).latest).toBe(7);
    expect((error as Error).message).toContain('line 7');
    expect((error as LateArrivalError).code).toBe('LATE_ARRIVAL');
  });

  it('a repeat within the window is a duplicate of the first arrival; other content under the same id is a conflict', () => {
    const { buffer, ids } = collect(15 * MINUTE);
    buffer.push({ request: req('r1', MINUTE), source: 1 });
    buffer.push({ request: req('r2', 2 * MINUTE), source: 2 });
    const dup = buffer.push({ request: req('r1', MINUTE, '0.10'), source: 3 });
    expect(dup).toEqual({ kind: 'duplicate', of: expect.objectContaining({ source: 1 }) });
    expect(() => buffer.push({ request: req('r1', MINUTE, '0.2'), source: 4 })).toThrow(ConflictingDuplicateError);
    try {
      buffer.push({ request: req('r2', 3 * MINUTE), source: 5 });
    } catch (e) {
      expect((e as ConflictingDuplicateError).first).toBe(2);
      expect((e as Error).message).toContain('line 2');
    }
    buffer.flush();
    expect(ids()).toEqual(['r1', 'r2']);
  });

  it('knows the ids it holds; a repeat of a released row is later than the window', () => {
    const { buffer, ids } = collect(10);
    buffer.push({ request: req('r1', 0), source: 1 });
    buffer.push({ request: req('r2', 10), source: 2 }); // r1 is still held (0 is not < 10 - 10)
    expect(buffer.push({ request: req('r1', 0), source: 3 }).kind).toBe('duplicate');
    buffer.push({ request: req('r3', 11), source: 4 }); // releases r1
    expect(ids()).toEqual(['r1']);
    expect(() => buffer.push({ request: req('r1', 0), source: 5 })).toThrow(LateArrivalError);
  });

  it('law: with an infinite window (--sort) any permutation comes out in allowance order, duplicates removed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 1_000_000 })), { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (rows, dupIndexes) => {
          const unique = [...new Map(rows.map(([id, ms]) => [id, req(`r${id}`, ms)])).values()];
          const withDups = [...unique, ...dupIndexes.filter(() => unique.length > 0).map((i) => unique[i % unique.length]!)];
          const { buffer, out } = collect(Number.POSITIVE_INFINITY);
          let duplicates = 0;
          withDups.forEach((request, i) => {
            if (buffer.push({ request, source: i }).kind === 'duplicate') duplicates++;
          });
          buffer.flush();
          expect(duplicates).toBe(withDups.length - unique.length);
          expect(out.map((a) => a.request)).toEqual([...unique].sort(compareRequests));
        },
      ),
    );
  });

  it('law: rows displaced by at most the window come out sorted, whatever the displacement', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 * MINUTE }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 0, max: MINUTE }), (gaps, jitterSeed) => {
        let t = 0;
        const sorted = gaps.map((g, i) => req(`r${String(i).padStart(3, '0')}`, (t += g)));
        // Displace each row by up to one minute, then read in displaced order (stable).
        const displaced = sorted
          .map((r, i) => ({ r, key: r.instant.epochMs + ((i * 7919 + jitterSeed) % MINUTE) }))
          .sort((a, b) => a.key - b.key)
          .map((x) => x.r);
        const { buffer, out } = collect(MINUTE);
        displaced.forEach((request, i) => buffer.push({ request, source: i }));
        buffer.flush();
        expect(out.map((a) => a.request.requestId)).toEqual(sorted.map((r) => r.requestId));
      }),
    );
  });
});
