import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DecisionRecord,
  InvalidThresholdError,
  type ThresholdEvent,
  type UsageRequest,
  createMemoryStore,
  createMeter,
  crossingsOf,
  defaultPolicyDocument,
  loadPolicy,
  parseAccounts,
  parseMoney,
  parseThresholds,
  parseTimestamp,
  percentTarget,
} from '@byok-billing/core';
import { eventCore, expectedThresholdEvents, sortEvents } from '../../../../test/support/expectedThresholdEvents.js';

const doc = JSON.parse(JSON.stringify(defaultPolicyDocument));
doc.parameters.allowance = 10;
const policy = loadPolicy(doc);

const req = (id: string, day: number, org = 'acme', keyResult: UsageRequest['keyResult'] = 'ok', cost = '0.10', month = '10'): UsageRequest => ({
  requestId: id,
  instant: parseTimestamp(`2025-${month}-${String(day).padStart(2, '0')}T12:00:00Z`),
  userId: 'u',
  orgId: org,
  cost: parseMoney(cost),
  keyResult,
});

const percent = (name: string) => {
  const t = parseThresholds([name])[0]!;
  if (t.kind !== 'percent') throw new Error('not a percentage');
  return t;
};

describe('threshold names', () => {
  it('are made canonical and ordered: percentages rising, then first-billable', () => {
    expect(parseThresholds(['first-billable', '100%', '050.0%', '12.50%', '0.5%']).map((t) => t.name)).toEqual(['0.5%', '12.5%', '50%', '100%', 'first-billable']);
  });

  it.each(['0%', '0.0%', '50', '%', '-5%', '1000.5%', '1001%', 'first_billable', '5e1%', ' 50%', '1.0000001%'])('refuses %j', (name) => {
    expect(() => parseThresholds([name])).toThrow(InvalidThresholdError);
  });

  it('refuses a threshold given twice, however spelled', () => {
    expect(() => parseThresholds(['50%', '50.0%'])).toThrow(/given twice/);
  });
});

describe('the threshold rule', () => {
  it('a percentage is reached at ceil(p × allowance), at least 1', () => {
    expect(percentTarget(percent('50%'), 1_000_000n)).toBe(500_000n);
    expect(percentTarget(percent('80%'), 7n)).toBe(6n); // 5.6 rounds up
    expect(percentTarget(percent('50%'), 7n)).toBe(4n); // 3.5
    expect(percentTarget(percent('100%'), 7n)).toBe(7n);
    expect(percentTarget(percent('50%'), 1n)).toBe(1n);
    expect(percentTarget(percent('0.5%'), 100n)).toBe(1n);
    expect(percentTarget(percent('150%'), 10n)).toBe(15n);
    // No allowance: every percentage is reached by the first unit counted.
    expect(percentTarget(percent('50%'), 0n)).toBe(1n);
    expect(percentTarget(percent('100%'), 0n)).toBe(1n);
  });

  it('law: the target is the least k ≥ 1 with k × 100 ≥ p × allowance', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 5000 }), (p, a) => {
        const k = Number(percentTarget(percent(`${p}%`), BigInt(a)));
        expect(k).toBeGreaterThanOrEqual(1);
        expect(k * 100).toBeGreaterThanOrEqual(p * a);
        if (k > 1) expect((k - 1) * 100).toBeLessThan(p * a);
      }),
      { numRuns: 300 },
    );
  });

  const record = (status: DecisionRecord['status'], ordinal: number | null) =>
    ({ scope: 'org:a', period: '2025-10', requestId: 'r', instant: '2025-10-01T00:00:00Z', status, ordinal }) as DecisionRecord;
  const fees = { listUsdSoFar: 0n, feesSoFar: 0n };
  const all = parseThresholds(['50%', '80%', '100%', 'first-billable']);
  const names = (before: number, after: number, allowance: bigint, status: DecisionRecord['status'] = 'free', seen = false) =>
    crossingsOf(all, { unit: 'requests', quantity: allowance }, { countBefore: before, countAfter: after, feesBefore: fees, feesAfter: fees }, record(status, after > before ? after : null), seen).map(
      (c) => c.threshold,
    );

  it('a request crosses the percentages whose target its count reaches, and only when it counts', () => {
    expect(names(4, 5, 10n)).toEqual(['50%']);
    expect(names(5, 6, 10n)).toEqual([]);
    expect(names(7, 8, 10n)).toEqual(['80%']);
    expect(names(9, 10, 10n)).toEqual(['100%']);
    expect(names(10, 10, 10n)).toEqual([]); // did not count
    // A tiny allowance: one request crosses all three (and they are reported in rising order).
    expect(names(0, 1, 1n)).toEqual(['50%', '80%', '100%']);
    expect(names(0, 1, 2n)).toEqual(['50%']);
    expect(names(1, 2, 2n)).toEqual(['80%', '100%']);
    // No allowance: the first counted request crosses every percentage and is the first billable.
    expect(names(0, 1, 0n, 'billable')).toEqual(['50%', '80%', '100%', 'first-billable']);
    expect(names(1, 2, 0n, 'billable', true)).toEqual([]);
  });

  it('list-usd: percentages of the free tier in dollars, crossed by the request whose list cost reaches the target', () => {
    const listUsd = (before: bigint, after: bigint) =>
      crossingsOf(
        all,
        { unit: 'list-usd', quantity: 5_000_000_000_000n }, // $5 free
        { countBefore: 3, countAfter: 4, feesBefore: { listUsdSoFar: before, feesSoFar: 0n }, feesAfter: { listUsdSoFar: after, feesSoFar: 0n } },
        record('free', 4),
        false,
      );
    expect(listUsd(2_400_000_000_000n, 2_500_000_000_000n).map((c) => [c.threshold, c.listUsd, c.count])).toEqual([['50%', '2.5', 4]]);
    expect(listUsd(2_500_000_000_000n, 2_600_000_000_000n)).toEqual([]);
    // One expensive request past the whole free tier crosses all three.
    expect(listUsd(0n, 7_000_000_000_000n).map((c) => c.threshold)).toEqual(['50%', '80%', '100%']);
  });
});

describe('meter: thresholds reported by record', () => {
  it('reports each threshold once, on the request that crosses it, and nothing on replays', async () => {
    const meter = createMeter({ policy });
    const crossed: string[] = [];
    for (let i = 1; i <= 12; i++) {
      const outcome = await meter.record(req(`r${i}`, i));
      crossed.push(...outcome.crossed.map((e) => `${e.threshold}@${e.requestId}#${e.count}`));
      // A retry at once reports nothing new.
      expect((await meter.record(req(`r${i}`, i))).crossed).toEqual([]);
    }
    expect(crossed).toEqual(['50%@r5#5', '80%@r8#8', '100%@r10#10', 'first-billable@r11#11']);
    const events: ThresholdEvent[] = [];
    for await (const e of meter.events()) events.push(e);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(events[0]).toEqual({ seq: 1, scope: 'org:acme', period: '2025-10', threshold: '50%', requestId: 'r5', instant: '2025-10-05T12:00:00Z', count: 5, listUsd: null });
    const after2: number[] = [];
    for await (const e of meter.events(2)) after2.push(e.seq);
    expect(after2).toEqual([3, 4]);
  });

  it('an account\'s free_requests is the allowance; thresholds: [] reports none; custom thresholds', async () => {
    const accounts = parseAccounts([{ scope: 'org:big', free_requests: '4' }]);
    const meter = createMeter({ policy, accounts, thresholds: ['25%', '100%'] });
    const crossed: string[] = [];
    for (let i = 1; i <= 6; i++) crossed.push(...(await meter.record(req(`b${i}`, i, 'big'))).crossed.map((e) => `${e.threshold}@${e.requestId}`));
    expect(crossed).toEqual(['25%@b1', '100%@b4']);
    const none = createMeter({ policy, thresholds: [] });
    for (let i = 1; i <= 12; i++) expect((await none.record(req(`n${i}`, i))).crossed).toEqual([]);
  });

  it('pricing language, list-usd: percentages of the free tier in dollars, crossed by the request whose list cost reaches them', async () => {
    const { allowance: _a, feeRate: _f, ...rest } = doc.parameters;
    const fees = { unit: 'list-usd', schedules: { standard: [{ upTo: '1', rate: '0' }, { rate: '0.05' }] } };
    const dollars = loadPolicy({ ...doc, parameters: { ...rest, fees }, versions: doc.versions.map(({ parameters: _p, ...v }: { parameters?: unknown }) => v) });
    const meter = createMeter({ policy: dollars });
    const crossed: string[] = [];
    // $0.30 each: $0.30, $0.60 (50% of $1), $0.90 (80%), $1.20 (100%; the first not all free).
    for (let i = 1; i <= 5; i++) crossed.push(...(await meter.record(req(`d${i}`, i, 'acme', 'ok', '0.30'))).crossed.map((e) => `${e.threshold}@${e.requestId} $${e.listUsd} #${e.count}`));
    expect(crossed).toEqual(['50%@d2 $0.6 #2', '80%@d3 $0.9 #3', '100%@d4 $1.2 #4', 'first-billable@d4 $1.2 #4']);
  });

  it('a store that already holds a first-billable refuses it again (the store, not the meter, makes it once)', async () => {
    const store = createMemoryStore();
    const first = createMeter({ policy, store, thresholds: ['first-billable'] });
    for (let i = 1; i <= 11; i++) await first.record(req(`f${i}`, i));
    // A second meter on the same store (another process) does not know it: the store refuses it.
    const second = createMeter({ policy, store, thresholds: ['first-billable'] });
    expect((await second.record(req('f12', 12))).crossed).toEqual([]);
    const all: string[] = [];
    for await (const e of second.events()) all.push(`${e.threshold}@${e.requestId}`);
    expect(all).toEqual(['first-billable@f11']);
  });

  it('law: whatever the order, retries and allowances, each threshold of each scope-month is reported once, by the request whose ordinal first reaches it', async () => {
    // catches: a threshold reported on a replay or twice (a count crossing it again under
    // another path), off-by-one targets, a first-billable that is not the first.
    const orgs = ['a', 'b', 'c'];
    const arb = fc.record({
      free: fc.tuple(fc.constantFrom('', '0', '1', '2', '3', '7'), fc.constantFrom('', '0', '1', '5'), fc.constantFrom('', '2', '9')),
      requests: fc.array(fc.record({ id: fc.integer({ min: 0, max: 60 }), org: fc.integer({ min: 0, max: 2 }), key: fc.constantFrom('ok', 'ok', 'ok', 'none'), month: fc.constantFrom('10', '11') }), {
        maxLength: 80,
      }),
    });
    await fc.assert(
      fc.asyncProperty(arb, async ({ free, requests }) => {
        const rows = orgs.flatMap((org, i) => (free[i] === '' ? [] : [{ scope: `org:${org}`, free_requests: free[i]! }]));
        const accounts = parseAccounts(rows);
        const meter = createMeter({ policy, accounts });
        // A request id always names the same request (a retry repeats it).
        const byId = new Map<number, UsageRequest>();
        const reported: ThresholdEvent[] = [];
        for (const r of requests) {
          let request = byId.get(r.id);
          if (request === undefined) {
            request = req(`q${r.id}`, 1 + (r.id % 28), orgs[r.org], r.key as UsageRequest['keyResult'], '0.10', r.month);
            byId.set(r.id, request);
          }
          const outcome = await meter.record(request);
          if (outcome.replayed) expect(outcome.crossed).toEqual([]);
          reported.push(...outcome.crossed);
        }
        const records: DecisionRecord[] = [];
        for await (const r of meter.records()) records.push(r);
        const allowanceOf = (scope: string) => {
          const i = orgs.indexOf(scope.slice('org:'.length));
          return free[i] === '' ? 10 : Number(free[i]);
        };
        expect(sortEvents(reported).map(eventCore)).toEqual(expectedThresholdEvents(records, [50, 80, 100], allowanceOf, true));
        const outbox: ThresholdEvent[] = [];
        for await (const e of meter.events()) outbox.push(e);
        expect(outbox).toEqual(reported);
        expect(outbox.map((e) => e.seq)).toEqual(outbox.map((_, i) => i + 1));
      }),
      { numRuns: 150 },
    );
  });
});
