/*
 * The online meter against the fee oracle (issue 16, docs/pricing-language.md): a generated
 * pricing-language config (tiers in requests or list-usd, schedules chosen by provider/model,
 * caps, accounts' fee_rate/fee_cap_usd/free_requests) and a generated log fed to the meter in
 * allowance order must give the reference bill's lines and totals, and each request the
 * oracle's ordinal, status, fee and charge, digit for digit, on every store: memory, SQLite
 * (a temp file, new or of the schema before fee states) and PostgreSQL
 * (BYOK_TEST_POSTGRES_URL). Along the way requests are retried (same id, in the same batch
 * or later ones): each gets its first decision back and moves no fee state, or later fees
 * and the bill would drift; the durable stores are closed and reopened mid-log, and the fee
 * state must go on exactly from what was committed; and two handles on one durable store
 * (two gateway instances) take turns, each going on from what the other committed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type DecisionRecord, type MeterStore, type UsageRequest, billToJson, compareRequests, createMemoryStore, createMeter, loadPolicy } from '@byok-billing/core';
import { createPostgresStore, createSqliteStore } from '@byok-billing/stores';
import { type FeeLogRow, feeConfigArb, feeLogArb } from '../arbitraries/feeConfig.js';
import { accountsOf, requestOf } from '../support/feeAccounts.js';
import { describePostgres, dropTables, uniquePrefix } from '../../packages/stores/test/support/postgresTarget.js';
import { type PreviousSqliteLayout, createPreviousPostgresTables, createPreviousSqliteStore } from '../../packages/stores/test/support/previousSchemas.js';
import { feePolicyDocument } from './feePolicyDocument.js';
import { referenceBill } from './referenceBill.js';
import type { FeeConfig } from './referenceFees.js';

/** Where a run keeps its decisions: `open` gives the store, again after `close` when it is durable. */
interface StoreTarget {
  open(): MeterStore;
  readonly durable: boolean;
  dispose(): Promise<void>;
}

/**
 * How the log arrives: in bursts (each burst's calls made together, so a store writes them
 * in one transaction), retries of earlier requests inside bursts, and a restart between two.
 */
interface ArrivalPlan {
  /** Sizes of the bursts, taken in turn (the last repeats). */
  readonly bursts: readonly number[];
  /** For each retry: after which arrival (mod the log length) and which earlier request (mod how many came). */
  readonly retries: readonly (readonly [after: number, pick: number])[];
  /** Close and reopen the store before this burst (mod the bursts' count), for durable stores. */
  readonly restartAt: number;
  /**
   * Durable stores: which of two handles on the same store (two gateway instances) takes
   * each burst, in turn; each must read the counter state the other committed.
   */
  readonly handles: readonly boolean[];
}

const planArb: fc.Arbitrary<ArrivalPlan> = fc.record({
  bursts: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 6 }),
  retries: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 8 }),
  restartAt: fc.nat(),
  handles: fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }),
});

/** The log's distinct requests and its repeats in allowance order (instant, then request_id bytes): how the oracle counts. */
function inAllowanceOrder(rows: readonly FeeLogRow[]): UsageRequest[] {
  return rows.map(requestOf).sort(compareRequests);
}

/** The arrivals in bursts: each burst the log's next requests, then the retries planned after them. */
function burstsOf(requests: readonly UsageRequest[], plan: ArrivalPlan): UsageRequest[][] {
  const bursts: UsageRequest[][] = [];
  let at = 0;
  for (let b = 0; at < requests.length; b++) {
    const size = plan.bursts[Math.min(b, plan.bursts.length - 1)]!;
    const burst = requests.slice(at, at + size);
    at += burst.length;
    for (const [after, pick] of plan.retries) if (after % requests.length < at && after % requests.length >= at - burst.length) burst.push(requests[pick % at]!);
    bursts.push(burst);
  }
  return bursts;
}

async function expectMeterMatchesOracle(rows: readonly FeeLogRow[], config: FeeConfig, plan: ArrivalPlan, target: StoreTarget): Promise<void> {
  const policy = loadPolicy(feePolicyDocument(config));
  const accounts = accountsOf(config, policy);
  const ref = referenceBill(rows, config);
  const bursts = burstsOf(inAllowanceOrder(rows), plan);
  const restartAt = target.durable && bursts.length > 1 ? 1 + (plan.restartAt % (bursts.length - 1)) : -1;
  const open = () => createMeter({ policy, accounts, store: target.open() });
  const two = target.durable && plan.handles.some((h) => h);
  let meters = two ? [open(), open()] : [open()];
  const closeAll = () => Promise.all(meters.map((m) => m.close()));
  let meter = meters[0]!;
  const first = new Map<string, DecisionRecord>();
  try {
    for (let b = 0; b < bursts.length; b++) {
      if (b === restartAt) {
        await closeAll();
        meters = meters.map(open);
      }
      meter = meters[two && plan.handles[b % plan.handles.length]! ? 1 : 0]!;
      const burst = bursts[b]!;
      // Every call of the burst is made before any is answered: one transaction holds them.
      const outcomes = await Promise.all(burst.map((request) => meter.record(request)));
      outcomes.forEach((outcome, k) => {
        const id = burst[k]!.requestId;
        const earlier = first.get(id);
        if (earlier === undefined) {
          expect(outcome.replayed, id).toBe(false);
          first.set(id, outcome.record);
        } else {
          // A retry: its first decision, as it was (the store kept it exactly).
          expect(outcome.replayed, id).toBe(true);
          expect(outcome.record, id).toEqual(earlier);
        }
      });
    }
    expect([...first.keys()].sort()).toEqual([...ref.decisions.keys()].sort());
    for (const [id, r] of first) {
      const expected = ref.decisions.get(id)!;
      expect({ scope: r.scope, period: r.period, route: r.route, ordinal: r.ordinal, status: r.status, fee: r.feeUsd, charge: r.chargeUsd, routeMismatch: r.routeMismatch }, id).toEqual(expected);
    }
    const bill = await meter.bill();
    const json = billToJson(bill);
    expect({ lines: json.lines, totals: json.totals, routeMismatches: bill.routeMismatches }).toEqual({ lines: ref.lines, totals: ref.totals, routeMismatches: ref.routeMismatches });
  } finally {
    await closeAll();
    await target.dispose();
  }
}

const property = (target: () => StoreTarget | Promise<StoreTarget>) =>
  fc.asyncProperty(feeConfigArb(), feeLogArb(), planArb, async (config, rows, plan) => expectMeterMatchesOracle(rows, config, plan, await target()));

const dir = mkdtempSync(join(tmpdir(), 'byok-fee-meter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

describe('the online meter bills the pricing language as the oracle does', () => {
  it('law (differential): on the memory store, every request\'s decision and the bill equal the oracle\'s; retries move nothing', async () => {
    // catches: the fee state not passed to decideRequest (list-usd tiers and caps from 0 for
    // every request), not advanced (or advanced by a retry), a fee summed as rate × cost.
    await fc.assert(property(() => ({ open: () => createMemoryStore(), durable: false, dispose: async () => undefined })), { numRuns: 120 });
  });

  it('law (differential): on SQLite, new or of the previous schema (both layouts), two handles, closed and reopened mid-log, the same', async () => {
    // catches: a fee state kept beside the count but not committed with it, lost at a restart
    // or a fold, read as a float, or an old store refused or read with a fee state not 0.
    const layouts = fc.constantFrom<PreviousSqliteLayout | 'new'>('new', 'compact', 'json');
    await fc.assert(
      fc.asyncProperty(feeConfigArb(), feeLogArb(), planArb, layouts, async (config, rows, plan, layout) => {
        const path = join(dir, `${++files}.db`);
        if (layout !== 'new') createPreviousSqliteStore(path, layout);
        const target: StoreTarget = { open: () => createSqliteStore(path, { synchronous: 'normal' }), durable: true, dispose: async () => undefined };
        await expectMeterMatchesOracle(rows, config, plan, target);
      }),
      { numRuns: 60 },
    );
  });
});

describePostgres('the online meter bills the pricing language as the oracle does: PostgreSQL', (url) => {
  it('law (differential): on PostgreSQL, new or of the previous schema, two handles, closed and reopened mid-log, the same', async () => {
    // catches: the fee state not locked and written with the count in the batch's transaction,
    // NUMERIC read or written inexactly, the previous schema's counters not migrated.
    await fc.assert(
      fc.asyncProperty(feeConfigArb(), feeLogArb(), planArb, fc.boolean(), async (config, rows, plan, previous) => {
        const tablePrefix = uniquePrefix('fee');
        if (previous) await createPreviousPostgresTables(url, tablePrefix);
        const target: StoreTarget = { open: () => createPostgresStore(url, { tablePrefix }), durable: true, dispose: () => dropTables(url, tablePrefix) };
        await expectMeterMatchesOracle(rows, config, plan, target);
      }),
      { numRuns: 30 },
    );
  });
});
