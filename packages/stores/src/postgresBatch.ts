import { type CounterStep, type FeeState, NO_CROSSINGS, NO_FEES, type RecordOutcome, type ThresholdCrossing, type ThresholdEvent } from '@byok-billing/core';
import { feeStateOf, unitsText } from './feeStateText.js';
import type { PoolClient } from 'pg';
import { RacedRetryError } from './postgresErrors.js';
import type { PostgresTables } from './postgresSchema.js';
import type { PendingRecord } from './recordBatch.js';
import { StoreError } from './storeError.js';
import { decodeRecord, encodeRecord } from './storedRecord.js';
import { sentAs } from './storedText.js';

export type Settled = { readonly outcome: RecordOutcome } | { readonly error: unknown };

/**
 * Records one batch in one transaction on `client` and returns how each call ended; the
 * caller settles the calls once COMMIT has returned.
 *
 * Every counter row of the batch is locked (`FOR UPDATE`, in key order so that two
 * batches never wait on each other in a cycle) before the look-up by request_id: from
 * then on no other process can decide in these scopes, and, at READ COMMITTED, the
 * look-up sees every decision committed before the locks were granted. The one thing
 * the locks cannot cover is the same request_id under another scope (a conflicting
 * retry): the insert's ON CONFLICT catches it and the batch starts over.
 */
export async function writePostgresBatch(client: PoolClient, tables: PostgresTables, batch: readonly PendingRecord[]): Promise<Settled[]> {
  const keys = [...new Set(batch.map((item) => item.counterKey))].sort();
  const ids = [...new Set(batch.map((item) => item.requestId))];
  // The counter rows must exist to be locked. Created outside the transaction (a zero
  // counter is harmless if the batch then fails), in one sorted order for every writer.
  await client.query(`INSERT INTO ${tables.counters} (key, counted) SELECT k, 0 FROM unnest($1::text[]) AS k ON CONFLICT (key) DO NOTHING`, [keys]);
  await client.query('BEGIN');
  const locked = await client.query<{ key: string; counted: string; list_usd: string; fees: string }>(
    `SELECT key, counted::text AS counted, list_usd::text AS list_usd, fees::text AS fees FROM ${tables.counters}
     WHERE key = ANY($1::text[]) ORDER BY key FOR UPDATE`,
    [keys],
  );
  const counts = new Map<string, number>();
  const feeStates = new Map<string, FeeState>();
  for (const row of locked.rows) {
    counts.set(row.key, countOf(row.counted, row.key));
    feeStates.set(row.key, feeStateOf(row.list_usd, row.fees, row.key));
  }
  const stored = await client.query<{ request_id: string; record: string }>(
    `SELECT request_id, record FROM ${tables.decisions} WHERE request_id = ANY($1::text[])`,
    [ids],
  );
  const storedText = new Map(stored.rows.map((row) => [row.request_id, row.record]));

  const settled: Settled[] = [];
  const decidedHere = new Map<string, CounterStep['record']>();
  const newIds: string[] = [];
  const newRecords: string[] = [];
  const touched = new Set<string>();
  const candidates = new Map<string, { readonly crossing: ThresholdCrossing; readonly call: number }>();
  for (const item of batch) {
    const earlier = decidedHere.get(item.requestId);
    const text = storedText.get(item.requestId);
    if (earlier !== undefined || text !== undefined) {
      try {
        settled.push({ outcome: { record: earlier ?? decodeRecord(text!, item.requestId), replayed: true, crossed: NO_CROSSINGS } });
      } catch (error) {
        settled.push({ error });
      }
      continue;
    }
    let step: CounterStep;
    try {
      step = item.decide(counts.get(item.counterKey) ?? 0, feeStates.get(item.counterKey) ?? NO_FEES);
    } catch (error) {
      // Decided in memory, nothing written for it yet: this call fails alone.
      settled.push({ error });
      continue;
    }
    decidedHere.set(item.requestId, step.record);
    newIds.push(item.requestId);
    newRecords.push(encodeRecord(step.record));
    counts.set(item.counterKey, step.counted);
    if (step.fees !== undefined) feeStates.set(item.counterKey, step.fees);
    touched.add(item.counterKey);
    if (step.crossings !== undefined) {
      for (const crossing of step.crossings) {
        const key = eventKey(crossing);
        // Two requests of one batch may offer the same first-billable: the earlier one's stands.
        if (!candidates.has(key)) candidates.set(key, { crossing, call: settled.length });
      }
    }
    settled.push({ outcome: { record: step.record, replayed: false, crossed: NO_CROSSINGS } });
  }

  if (newIds.length > 0) {
    // ORDER BY the position in the batch: seq numbers follow the arrival order.
    const inserted = await client.query(
      `INSERT INTO ${tables.decisions} (request_id, record)
       SELECT id, rec FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(id, rec, n) ORDER BY n
       ON CONFLICT (request_id) DO NOTHING`,
      [newIds, newRecords],
    );
    if (inserted.rowCount !== newIds.length) throw new RacedRetryError();
    const keysOut = [...touched];
    // The fee state goes as decimal text into NUMERIC: exact at any size.
    const statesOut = keysOut.map((k) => feeStates.get(k) ?? NO_FEES);
    await client.query(
      `UPDATE ${tables.counters} AS c SET counted = u.counted, list_usd = u.list_usd, fees = u.fees
       FROM unnest($1::text[], $2::bigint[], $3::numeric[], $4::numeric[]) AS u(key, counted, list_usd, fees) WHERE c.key = u.key`,
      [keysOut, keysOut.map((k) => String(counts.get(k)!)), statesOut.map((f) => unitsText(f.listUsdSoFar)), statesOut.map((f) => unitsText(f.feesSoFar))],
    );
  }
  if (candidates.size > 0) await keepEvents(client, tables, candidates, settled);
  await client.query('COMMIT');
  return settled;
}

function eventKey(c: Pick<ThresholdCrossing, 'scope' | 'period' | 'threshold'>): string {
  return `${c.scope}\n${c.period}\n${c.threshold}`;
}

/**
 * Stores the batch's threshold crossings in its transaction, each (scope, period,
 * threshold) once (ON CONFLICT DO NOTHING: one stored before stays, this one is dropped),
 * and gives each call the events it stored.
 *
 * Seq order must be commit order, or a consumer reading after its cursor could pass an
 * event whose transaction commits later with a smaller seq (BIGSERIAL numbers are taken
 * at insert, not at commit). So writers take one transaction-level advisory lock before
 * numbering events and hold it until they commit: event-writing transactions commit one
 * at a time, in seq order. They are few (a handful per scope-month), and the lock is
 * taken after the counter rows', never before, so it adds no lock cycle.
 */
async function keepEvents(
  client: PoolClient,
  tables: PostgresTables,
  candidates: ReadonlyMap<string, { readonly crossing: ThresholdCrossing; readonly call: number }>,
  settled: Settled[],
): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`byok-billing events ${tables.events}`]);
  const list = [...candidates.values()];
  const c = list.map((x) => x.crossing);
  const kept = await client.query<{ seq: string; scope: string; period: string; threshold: string }>(
    `INSERT INTO ${tables.events} (scope, period, threshold, request_id, instant, count, list_usd)
     SELECT s, p, t, r, i, n, l FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::numeric[])
       WITH ORDINALITY AS u(s, p, t, r, i, n, l, o) ORDER BY o
     ON CONFLICT (scope, period, threshold) DO NOTHING
     RETURNING seq::text AS seq, scope, period, threshold`,
    [
      c.map((x) => x.scope),
      c.map((x) => x.period),
      c.map((x) => x.threshold),
      c.map((x) => x.requestId),
      c.map((x) => x.instant),
      c.map((x) => String(x.count)),
      c.map((x) => x.listUsd),
    ],
  );
  const byCall = new Map<number, ThresholdEvent[]>();
  // RETURNING's order is not promised: events go back to their calls by key, in seq order.
  // The returned key is the text as sent (a lone surrogate arrives as U+FFFD), and two
  // candidates that only a lone surrogate told apart are one row: the first one inserted.
  const bySentKey = new Map<string, { readonly crossing: ThresholdCrossing; readonly call: number }>();
  for (const candidate of list) {
    const key = sentAs(eventKey(candidate.crossing));
    if (!bySentKey.has(key)) bySentKey.set(key, candidate);
  }
  const rows = [...kept.rows].sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1));
  for (const row of rows) {
    const { crossing, call } = bySentKey.get(eventKey(row))!;
    const event: ThresholdEvent = { seq: Number(row.seq), ...crossing };
    const events = byCall.get(call);
    if (events === undefined) byCall.set(call, [event]);
    else events.push(event);
  }
  for (const [call, events] of byCall) {
    const s = settled[call]!;
    if ('outcome' in s) settled[call] = { outcome: { ...s.outcome, crossed: events } };
  }
}

function countOf(text: string, key: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new StoreError('STORE_FORMAT', `counter ${JSON.stringify(key)} holds ${text}, not a count`);
  return n;
}
