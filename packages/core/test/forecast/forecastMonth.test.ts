import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DecisionRecord,
  type Policy,
  type UsageRequest,
  compareRequests,
  createMemoryStore,
  createMeter,
  defaultPolicyDocument,
  forecastMonth,
  instantFromEpochMs,
  loadPolicy,
  parseAccounts,
  parseMoney,
  parseTimestamp,
} from '@byok-billing/core';

/*
 * The forecast of hand-made months, from the meter's decision records: numbers by hand,
 * then the laws every month obeys.
 */
function policyWith(parameters: Record<string, unknown>): Policy {
  // One version, in force from the start: the default's 2024 version (no allowance) is not what these months test.
  const doc = JSON.parse(JSON.stringify(defaultPolicyDocument));
  doc.versions = [{ version: "test" }];
  if ('fees' in parameters) {
    delete doc.parameters.allowance;
    delete doc.parameters.feeRate;
  }
  Object.assign(doc.parameters, parameters);
  return loadPolicy(doc);
}
const allowance10 = policyWith({ allowance: 10 });

const req = (id: string, at: string, org: string, cost = '0.10'): UsageRequest => ({
  requestId: id,
  instant: parseTimestamp(at),
  userId: 'u',
  orgId: org,
  cost: parseMoney(cost),
  keyResult: 'ok',
});

async function recordsOf(policy: Policy, requests: readonly UsageRequest[], accounts?: ReturnType<typeof parseAccounts>): Promise<DecisionRecord[]> {
  const meter = createMeter({ policy, accounts, store: createMemoryStore() });
  for (const r of [...requests].sort(compareRequests)) await meter.record(r);
  const out: DecisionRecord[] = [];
  for await (const r of meter.records()) out.push(r);
  return out;
}

const times = (n: number, at: (i: number) => string, org: string, cost?: string) => Array.from({ length: n }, (_, i) => req(`${org}-${at(i)}`, at(i), org, cost));
const minute = (hour: number, i: number) => `2025-10-01T0${hour}:${String(10 + i).padStart(2, '0')}:00Z`;
const lastInstant = parseTimestamp('2025-10-31T23:59:59.999999999Z');

describe('forecastMonth on a hand-made month', () => {
  // org:acme: 4 requests in each of the first two hours of October at $0.10; allowance 10.
  // org:busy: 12 in the first hour: its 11th crossed the allowance.
  const requests = [...times(4, (i) => minute(0, i), 'acme'), ...times(4, (i) => minute(1, i), 'acme'), ...times(12, (i) => minute(0, i), 'busy')];
  const asOf = parseTimestamp('2025-10-01T01:59:59.999999999Z');

  it('projects every remaining hour at its bucket (4 an hour), prices it, and finds the run-out', async () => {
    const forecast = forecastMonth(await recordsOf(allowance10, requests), { policy: allowance10, asOf, scope: 'org:acme' });
    expect(forecast.period).toBe('2025-10');
    const [acme] = forecast.scopes;
    expect(acme!.requestsSoFar).toBe(8n);
    // 742 remaining hours × 4
    expect(acme!.remainingRequests.toString()).toBe('2968');
    expect(acme!.projectedRequests.toString()).toBe('2976');
    // ordinals 11..2976 pay 5% of $0.10: 2966 × $0.005
    expect(acme!.projectedFee.toExactDecimal()).toBe('14.83');
    expect(acme!.feeSoFar.isZero()).toBe(true);
    // 2 more requests reach the bound of 10; the 3rd (at 4 an hour: half an hour into hour 2) passes it.
    expect(acme!.runOut).toEqual({ kind: 'projected', instantNs: BigInt(Date.UTC(2025, 9, 1, 2, 30)) * 1_000_000n });
    expect(acme!.runOutDay).toBe('2025-10-01');
  });

  it('a scope already past the allowance names the request that crossed it', async () => {
    const forecast = forecastMonth(await recordsOf(allowance10, requests), { policy: allowance10, asOf });
    expect(forecast.scopes.map((s) => s.scope)).toEqual(['org:acme', 'org:busy']);
    const busy = forecast.scopes[1]!;
    expect(busy.runOut).toMatchObject({ kind: 'already', requestId: `busy-${minute(0, 10)}` });
    expect(busy.runOutDay).toBe('2025-10-01');
    // 2 billable requests × 5% × $0.10
    expect(busy.feeSoFar.toExactDecimal()).toBe('0.01');
    // hour 0: 12, hour 1: 0 → the fallback is 6 an hour; Wednesday 00h 4 more × 12, 01h 4 × 0, 734 × 6.
    expect(busy.remainingRequests.toString()).toBe(String(4 * 12 + 734 * 6));
  });

  it('a scope asked for by --scope with no request is there with zeros and does not run out', async () => {
    const forecast = forecastMonth(await recordsOf(allowance10, requests), { policy: allowance10, asOf, scope: 'org:none' });
    expect(forecast.scopes).toHaveLength(1);
    expect(forecast.scopes[0]!.projectedRequests.isZero()).toBe(true);
    expect(forecast.scopes[0]!.runOut).toEqual({ kind: 'not-this-month' });
  });

  it('contract terms: the scope\'s free_requests, fee_rate and cap price the projection', async () => {
    const accounts = parseAccounts([{ scope: 'org:acme', free_requests: '1000', fee_rate: '0.1', fee_cap_usd: '20' }]);
    const forecast = forecastMonth(await recordsOf(allowance10, requests, accounts), { policy: allowance10, accounts, asOf, scope: 'org:acme' });
    const acme = forecast.scopes[0]!;
    // ordinals 1001..2976 at 10% of $0.10 = 1976 × $0.01 = $19.76, under the $20 cap
    expect(acme.projectedFee.toExactDecimal()).toBe('19.76');
    // 992 more requests to reach 1,000; at 4 an hour the bound is passed 248 hours into the rest: Oct 11 02:00.
    expect(acme.runOutDay).toBe('2025-10-11');
    const capped = parseAccounts([{ scope: 'org:acme', free_requests: '1000', fee_rate: '0.1', fee_cap_usd: '5' }]);
    const f2 = forecastMonth(await recordsOf(allowance10, requests, capped), { policy: allowance10, accounts: capped, asOf, scope: 'org:acme' });
    expect(f2.scopes[0]!.projectedFee.toExactDecimal()).toBe('5');
  });

  it('the pricing language: list-usd tiers continue the month\'s list cost', async () => {
    // free up to $1 of list cost, then 10%; 8 requests at $0.10 so far = $0.80
    const policy = policyWith({ fees: { unit: 'list-usd', schedules: { standard: [{ upTo: '1', rate: '0' }, { rate: '0.1' }] } } });
    const forecast = forecastMonth(await recordsOf(policy, requests), { policy, asOf, scope: 'org:acme' });
    const acme = forecast.scopes[0]!;
    expect(acme.freeBound.toExactDecimal()).toBe('1');
    // 2968 more × $0.10 = $296.80 of list cost: (0.80, 297.60] → $296.60 past $1 at 10%
    expect(acme.projectedFee.toExactDecimal()).toBe('29.66');
    // $0.20 to go at $0.40 an hour: half an hour into hour 2
    expect(acme.runOut).toEqual({ kind: 'projected', instantNs: BigInt(Date.UTC(2025, 9, 1, 2, 30)) * 1_000_000n });
  });

  it('the month holding as-of is the reset zone\'s', async () => {
    const berlin = policyWith({ allowance: 10, resetTimeZone: 'Europe/Berlin' });
    // 2025-10-31T23:30Z is November 1st, 00:30 in Berlin.
    const forecast = forecastMonth(await recordsOf(berlin, requests), { policy: berlin, asOf: parseTimestamp('2025-10-31T23:30:00Z') });
    expect(forecast.period).toBe('2025-11');
    expect(forecast.scopes).toEqual([]);
  });
});

// Requests spread over October 2025 (and a few in September and November, which no October forecast sees).
const monthArb = fc.array(
  fc.record({
    minute: fc.integer({ min: -600, max: 31 * 24 * 60 + 600 }),
    org: fc.constantFrom('a', 'b', 'c'),
    cents: fc.integer({ min: 0, max: 50 }),
  }),
  { maxLength: 60 },
);
const toRequests = (rows: readonly { minute: number; org: string; cents: number }[]) =>
  rows.map((r, i) => req(`r${i}`, new Date(Date.UTC(2025, 9, 1) + r.minute * 60_000).toISOString(), r.org, (r.cents / 100).toFixed(2)));
const small = policyWith({ allowance: 5 });

describe('forecast laws', () => {
  it('at the last instant of the month the forecast is the actual month: requests, fee and run-out', async () => {
    await fc.assert(
      fc.asyncProperty(monthArb, async (rows) => {
        const requests = toRequests(rows);
        const forecast = forecastMonth(await recordsOf(small, requests), { policy: small, asOf: lastInstant });
        for (const s of forecast.scopes) {
          expect(s.remainingRequests.isZero()).toBe(true);
          expect(s.projectedRequests.toString()).toBe(s.requestsSoFar.toString());
          expect(s.projectedFee.compare(s.feeSoFar)).toBe(0);
          expect(s.runOut.kind).toBe(s.requestsSoFar > 5n ? 'already' : 'not-this-month');
          const october = requests.filter((r) => r.orgId === s.scope.slice(4) && r.instant.epochMs >= Date.UTC(2025, 9, 1) && r.instant.epochMs < Date.UTC(2025, 10, 1));
          expect(s.requestsSoFar).toBe(BigInt(october.length));
        }
      }),
      { numRuns: 40 },
    );
  });

  it('decisions after as-of change nothing: the forecast of a month so far is the forecast of its prefix', async () => {
    await fc.assert(
      fc.asyncProperty(monthArb, fc.integer({ min: 0, max: 31 * 24 * 60 - 1 }), async (rows, cut) => {
        const requests = toRequests(rows);
        const asOf = instantFromEpochMs(Date.UTC(2025, 9, 1) + cut * 60_000);
        const whole = forecastMonth(await recordsOf(small, requests), { policy: small, asOf });
        const prefix = requests.filter((r) => r.instant.epochMs <= asOf.epochMs);
        const before = forecastMonth(await recordsOf(small, prefix), { policy: small, asOf });
        expect(whole).toEqual(before);
      }),
      { numRuns: 40 },
    );
  });

  it('the projection is never below the month so far, and the fee never below the fees so far', async () => {
    await fc.assert(
      fc.asyncProperty(monthArb, fc.integer({ min: 0, max: 31 * 24 * 60 - 1 }), async (rows, cut) => {
        const asOf = instantFromEpochMs(Date.UTC(2025, 9, 1) + cut * 60_000);
        for (const s of forecastMonth(await recordsOf(small, toRequests(rows)), { policy: small, asOf }).scopes) {
          expect(s.projectedRequests.subtract(s.remainingRequests).toString()).toBe(s.requestsSoFar.toString());
          expect(s.remainingRequests.num).toBeGreaterThanOrEqual(0n);
          expect(s.projectedFee.compare(s.feeSoFar)).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('the weekday-and-hour profile law', () => {
  // October 2025 starts on a Wednesday at 00:00 UTC: hour h of the month is bucket ((3 + ⌊h/24⌋) mod 7) × 24 + h mod 24.
  const weekArb = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 168, maxLength: 168 });
  const requestsOf = (week: readonly number[]) =>
    Array.from({ length: 744 }, (_, h) => {
      const bucket = ((3 + Math.floor(h / 24)) % 7) * 24 + (h % 24);
      return Array.from({ length: week[bucket]! }, (_, k) => req(`h${h}-${k}`, new Date(Date.UTC(2025, 9, 1, 0, 0, k) + h * 3_600_000).toISOString(), 'a'));
    }).flat();
  const big = policyWith({ allowance: 100_000 });

  it('traffic that repeats every week is projected exactly once every weekday-hour has been seen', async () => {
    await fc.assert(
      fc.asyncProperty(weekArb, fc.integer({ min: 7 * 24, max: 743 }), async (week, hours) => {
        const requests = requestsOf(week);
        // The last instant of hour `hours`: that many hours complete.
        const asOf = instantFromEpochMs(Date.UTC(2025, 9, 1) + hours * 3_600_000 - 1, 999_999);
        const [scope] = forecastMonth(await recordsOf(big, requests), { policy: big, asOf }).scopes;
        if (scope === undefined) return; // a silent week: no scope
        expect(scope.projectedRequests.toString()).toBe(String(requests.length));
        expect(scope.fallbackHours).toBe(0);
      }),
      { numRuns: 15 },
    );
  });
});
