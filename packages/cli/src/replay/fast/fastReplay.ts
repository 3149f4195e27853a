import { type Accounts, type Bill, ByokError, type Policy, sameContent } from '@byok-billing/core';
import { type CompactLedger, type CompactOutcome, type CompactRequests, createCompactLedger, sharesDecisions, conflictingDuplicateReason, lateArrivalReason } from '@byok-billing/core/internal';
import type { CompactDecided } from '../../output/compactDecisionRecords.js';
import type { LogHeader } from '../../io/logColumns.js';
import type { InputSource } from '../../io/openInput.js';
import { rowRequest } from './rowRequest.js';
import { readFailure } from '../../io/readFailure.js';
import type { DuplicateRow, Rejection } from '../rowSource.js';
import { type BatchSource, scanInline } from './batchSource.js';
import { HeldRows } from './heldRows.js';
import { SpillSorter } from './spillSort.js';
import { IdCheck } from './idCheck.js';
import { ConflictReplan, type Exclusions, ExclusionsBuilder, LateRowReplan } from '../replans.js';
import { ROW_REJECTED, type RowBatch, rowId, rowText } from './rowBatch.js';

export interface FastReplayTerms {
  readonly policy: Policy;
  readonly accounts?: Accounts | undefined;
}

/** A decided request with what a listener needs beyond the decision records' fields. */
export interface FastDecided extends CompactDecided {
  /** The header of the row's input (where its columns are). */
  header: LogHeader;
  /** The outcomes of the `alongside` terms for the same request, in order. */
  readonly alongside: CompactOutcome[];
}

export interface FastReplayOptions {
  readonly inputs: readonly InputSource[];
  /** The policy the bill is for, then any others decided in the same pass (what-if variants). */
  readonly terms: readonly [FastReplayTerms, ...FastReplayTerms[]];
  readonly inputTimeZone?: string | undefined;
  /** The longest record read (default: io/readLimits.ts); a longer one is a refused row. */
  readonly maxLineBytes?: number | undefined;
  /** Reorder window in ms; `Infinity` sorts the whole input (on disk, in bounded memory). */
  readonly windowMs: number;
  /**
   * What a row that arrives more than the window behind the latest one does: it is rejected
   * (`reject`, the default), or the replay stops with `LateRowReplan` so that the caller can
   * bill the log again in an order-independent plan (`replan`).
   */
  readonly late?: 'reject' | 'replan' | undefined;
  /** Directory for the sort's and the id check's temporary files (default: the system's temporary directory). */
  readonly sortDir?: string | undefined;
  /**
   * Rows to refuse, by input and line, with the reason: the rows a first pass found repeating
   * an earlier request's id with other content too far apart for the window (`ConflictReplan`).
   */
  readonly exclude?: Exclusions | undefined;
  /**
   * Receives every refused row (`decided`: refused by the ledger, in allowance order). A run
   * that stops at a refused row decides so once the replay is over (see FirstRefusal).
   */
  readonly onReject: (rejection: Rejection, decided?: boolean) => void;
  readonly onWarning?: ((message: string) => void) | undefined;
  readonly onBytes?: ((n: number) => void) | undefined;
  readonly onRows?: ((n: number) => void) | undefined;
  /** Receives each decided request of the first terms (decision records), in allowance order. */
  readonly onDecided?: ((decided: FastDecided) => void) | undefined;
  /**
   * Terms decided request by request beside the first (not batched like the other terms),
   * so that `onDecided` sees each request's outcome under them too (an audit's per-user fee).
   */
  readonly alongside?: readonly FastReplayTerms[] | undefined;
  /**
   * Receives each duplicate row, with the row it repeats and their request id and instant,
   * right after that row's decision (so a record of it follows the one it repeats).
   */
  readonly onDuplicate?: ((duplicate: DuplicateRow) => void) | undefined;
  /** Where each input's row batches come from (default: scanned on this thread as read, or by threads for large files). */
  readonly batches?: ((input: InputSource) => BatchSource | undefined) | undefined;
}

export interface FastReplayResult {
  /** One bill per terms, in order. */
  readonly bills: readonly Bill[];
  readonly routeMismatches: number;
  /** Per terms: requests that failed because a strict scope's key failed. */
  readonly strictFailed: readonly number[];
}

/**
 * The log replay of `replayLog`, for runs that need only bills: rows are scanned into
 * batches of numbers, put in allowance order by the same window rules, and decided by
 * compact ledgers. Every row is accounted for as accepted, duplicate or rejected with the
 * same reasons, in the same order, as `replayLog` gives (the property tests compare them).
 */
export async function fastReplay(options: FastReplayOptions): Promise<FastReplayResult> {
  let { windowMs } = options;
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  // Variants that differ from the first terms only in allowance and fee rate ride along with
  // its ledger (a comparison per request); the others get a ledger of their own.
  const [first, ...rest] = options.terms;
  // The log's provider and model are read (and passed to every ledger) only when some terms
  // choose fee schedules by them: a plain bill neither scans nor stores them.
  const withFacts = [...options.terms, ...(options.alongside ?? [])].some(readsFacts);
  const sharedIndex = rest.map((t) => sharesDecisions(first, t));
  const shared = rest.filter((_, i) => sharedIndex[i]);
  const baseline = createCompactLedger({ policy: first.policy, accounts: first.accounts, names, shared, withFacts });
  // The others number their lines as the baseline does when they place requests alike (one index).
  const own = rest.map((t, i) => (sharedIndex[i] ? undefined : createCompactLedger({ policy: t.policy, accounts: t.accounts, names, lineIndex: baseline, withFacts })));
  const others = own.filter((l): l is CompactLedger => l !== undefined);
  const alongside = (options.alongside ?? []).map((t) => createCompactLedger({ policy: t.policy, accounts: t.accounts, names, withFacts }));
  const feed = createFeed(FEED_ROWS, withFacts);
  const headers: LogHeader[] = [];
  const inputNames = options.inputs.map((i) => i.name);
  let accepted = 0;
  let rejected = 0;
  let duplicates = 0;

  // The window: the requests that a later row could still precede, in allowance order.
  const held = new HeldRows();
  // The latest arrival (first of the greatest millisecond), named in messages about late rows.
  let latestMs = Number.NEGATIVE_INFINITY;
  let latestNs = 0;
  let latestInput = 0;
  let latestLine = 0;
  // The whole input sorted: accepted rows go to an external sort as they are read, and come
  // back in allowance order through the same window (of zero: rows of one instant are held
  // together, so a repeated id among them is found).
  let sortAtEnd = windowMs === Number.POSITIVE_INFINITY;
  const spill = sortAtEnd ? new SpillSorter({ dir: options.sortDir, withFacts }) : undefined;
  // Every accepted row's id, to find a repeat anywhere in the input (the window sees only its own).
  const ids = new IdCheck({ dir: options.sortDir });
  const { exclude } = options;
  // Rows this pass met only after it had counted them (an earlier row of their id came later):
  // refused in their place by the pass that starts again.
  const displaced = new ExclusionsBuilder();
  // Rows this pass refused in their place as repeating a held row's id: the held row may itself
  // not be its id's earliest, so the reasons are checked at the end (refuseRepeatedIds).
  const refusedHere = new ExclusionsBuilder();
  // The duplicates counted against each held row, by slot (rare): refused with it when it is displaced.
  const duplicatesOf = new Map<number, { input: number; line: number }[]>();

  const reject = (rejection: Rejection, decided = false): void => {
    rejected++;
    options.onReject(rejection, decided);
  };

  const { onDecided } = options;
  // Batches whose buffers go back to the thread that scanned them once their rows are decided.
  const recycles = new WeakMap<RowBatch, () => void>();
  const decided = { ledger: baseline, alongside: alongside.map(() => undefined) } as unknown as FastDecided;
  const describe = (slot: number) => `${inputNames[held.input[slot]!]}, line ${held.line[slot]}`;

  function release(slot: number): void {
    const batch = held.batch[slot]!;
    const row = held.row[slot]!;
    const user = held.user[slot]!;
    const org = held.org[slot]!;
    const ms = held.ms[slot]!;
    const cost = batch.cost[row]!;
    const costBig = cost !== cost ? batch.side.get(row)!.costBig : undefined;
    const key = batch.key[row]!;
    const platform = batch.platform[row]!;
    const recorded = batch.recorded[row]!;
    const provider = withFacts ? held.provider[slot]! : -1;
    const model = withFacts ? held.model[slot]! : -1;
    try {
      const outcome = baseline.decide(user, org, ms, key, platform, recorded, cost, costBig, provider, model);
      for (let k = 0; k < alongside.length; k++) decided.alongside[k] = alongside[k]!.decide(user, org, ms, key, platform, recorded, cost, costBig, provider, model);
      if (onDecided !== undefined) {
        decided.header = headers[held.input[slot]!]!;
        decided.file = inputNames[held.input[slot]!]!;
        decided.line = held.line[slot]!;
        decided.batch = batch;
        decided.row = row;
        decided.epochMs = ms;
        decided.nanos = held.ns[slot]!;
        decided.outcome = outcome;
        onDecided(decided);
      }
    } catch (error) {
      if (!(error instanceof ByokError)) throw error;
      reject({ file: inputNames[held.input[slot]!]!, line: held.line[slot]!, text: rowText(batch, row), columnName: error.field, reason: error.message }, true);
      return;
    } finally {
      if (duplicatesOf.size > 0) {
        const copies = duplicatesOf.get(slot);
        if (copies !== undefined) {
          duplicatesOf.delete(slot);
          if (options.onDuplicate !== undefined) {
            const original = { file: inputNames[held.input[slot]!]!, line: held.line[slot]!, requestId: rowId(batch, row), instant: { epochMs: ms, nanos: held.ns[slot]! } };
            for (const copy of copies) options.onDuplicate({ file: inputNames[copy.input]!, line: copy.line, original });
          }
        }
      }
      held.recycle(slot);
      if (--batch.holds === 0 && batch.taken) recycles.get(batch)?.();
    }
    accepted++;
    if (others.length > 0) {
      const n = feed.count++;
      feed.user[n] = user;
      feed.org[n] = org;
      feed.epochMs[n] = ms;
      feed.key[n] = key;
      feed.platform[n] = platform;
      feed.recorded[n] = recorded;
      feed.cost[n] = cost;
      if (withFacts) {
        feed.provider![n] = provider;
        feed.model![n] = model;
      }
      if (costBig !== undefined) feed.costBig.set(n, costBig);
      if (feed.count === FEED_ROWS) feedOthers();
    }
  }

  /** The other terms decide the requests the first accepted, a batch at a time. */
  function feedOthers(): void {
    for (const ledger of others) ledger.decideAll(feed);
    feed.count = 0;
    feed.costBig.clear();
  }

  function releaseBefore(thresholdMs: number): void {
    for (let slot = held.first(); slot !== -1 && held.ms[slot]! < thresholdMs; slot = held.first()) release(held.shift());
  }

  /** Whether two rows with the same id are the same request (D6): the same text, or the same fields. */
  function sameRequest(slot: number, batch: RowBatch, row: number, input: number, line: number): boolean {
    const heldBatch = held.batch[slot]!;
    const heldRow = held.row[slot]!;
    if (held.input[slot] === input && rowText(heldBatch, heldRow) === rowText(batch, row)) return true;
    return sameContent(requestOf(heldBatch, heldRow, held.input[slot]!, held.line[slot]!), requestOf(batch, row, input, line));
  }

  /** A row read again by the record reader (rare: only when an id repeats). */
  function requestOf(batch: RowBatch, row: number, input: number, line: number) {
    return rowRequest(batch, row, headers[input]!, inputNames[input]!, line, options.inputTimeZone);
  }

  /** Notes the id of a row taken into the window or the sort, for the check across the whole input. */
  function noteId(batch: RowBatch, row: number, input: number, line: number): void {
    const sideId = batch.side.size > 0 ? batch.side.get(row)?.idBytes : undefined;
    if (sideId !== undefined) ids.add(batch.idHash[row]!, sideId, 0, sideId.length, input, line, batch.epochMs[row]!, batch.nanos[row]!);
    else ids.add(batch.idHash[row]!, batch.bytes, batch.idStart[row]!, batch.idEnd[row]!, input, line, batch.epochMs[row]!, batch.nanos[row]!);
  }

  /** Whether a row is earlier than the held row of its id (at one instant, the row met first stays the request). */
  function precedes(batch: RowBatch, row: number, slot: number): boolean {
    const ms = batch.epochMs[row]!;
    if (ms !== held.ms[slot]) return ms < held.ms[slot]!;
    return batch.nanos[row]! < held.ns[slot]!;
  }

  function take(batch: RowBatch, row: number, input: number, lineBase: number, toGlobal: Int32Array): void {
    const line = lineBase + batch.line[row]!;
    if (batch.status[row] === ROW_REJECTED) {
      const problem = batch.side.get(row)!.problem!;
      reject({ file: inputNames[input]!, line, column: problem.column, columnName: problem.columnName, text: rowText(batch, row), reason: problem.reason });
      return;
    }
    if (exclude !== undefined) {
      const reason = exclude.get(input)?.get(line);
      if (reason !== undefined) {
        // Its id is checked again: the reason must name the earliest row of the id this pass meets.
        noteId(batch, row, input, line);
        reject({ file: inputNames[input]!, line, column: headers[input]!.index.request_id + 1, columnName: 'request_id', text: rowText(batch, row), reason });
        return;
      }
    }
    if (sortAtEnd) {
      const org = batch.org[row]!;
      if (withFacts) {
        const provider = batch.provider[row]!;
        const model = batch.model[row]!;
        spill!.add(batch, row, input, line, toGlobal[batch.user[row]!]!, org < 0 ? -1 : toGlobal[org]!, provider < 0 ? -1 : toGlobal[provider]!, model < 0 ? -1 : toGlobal[model]!);
      } else {
        spill!.add(batch, row, input, line, toGlobal[batch.user[row]!]!, org < 0 ? -1 : toGlobal[org]!);
      }
      return;
    }
    const hash = batch.idHash[row]!;
    const ms = batch.epochMs[row]!;
    if (held.size > 0) {
      const same = held.findId(hash, batch, row);
      if (same !== -1) {
        if (sameRequest(same, batch, row, input, line)) {
          let copies = duplicatesOf.get(same);
          if (copies === undefined) duplicatesOf.set(same, (copies = []));
          copies.push({ input, line });
          duplicates++;
          return;
        }
        const late = batch.epochMs[row]! < latestMs - windowMs;
        // A late row may be the earlier of the two: only the sorted plan can tell which is the request.
        if (late && options.late === 'replan') throw new LateRowReplan(`${inputNames[input]}, line ${line}`, `${inputNames[latestInput]}, line ${latestLine}`);
        if (!late && precedes(batch, row, same)) {
          // An earlier row of the id, met after the held one: it is the request. The held row and
          // its duplicates are refused in their places by a pass that starts again.
          const reason = conflictingDuplicateReason(rowId(batch, row), `${inputNames[input]}, line ${line}`);
          // An earlier row of the id may have left the window: the id check names the earliest.
          noteId(batch, row, input, line);
          const heldInput = held.input[same]!;
          const heldLine = held.line[same]!;
          displaced.add(heldInput, heldLine, reason);
          for (const copy of duplicatesOf.get(same) ?? []) displaced.add(copy.input, copy.line, reason);
          return;
        }
        const reason = conflictingDuplicateReason(rowId(batch, row), describe(same));
        // The held row may repeat an earlier one that left the window: the id check sees all three.
        noteId(batch, row, input, line);
        if (spill !== undefined) {
          // Rows back from the sort: refused in its place among the rows read, by a pass that starts again.
          displaced.add(input, line, reason);
          return;
        }
        refusedHere.set(input, line, reason);
        reject({ file: inputNames[input]!, line, column: headers[input]!.index.request_id + 1, columnName: 'request_id', text: rowText(batch, row), reason });
        return;
      }
    }
    if (ms < latestMs - windowMs) {
      if (options.late === 'replan') throw new LateRowReplan(`${inputNames[input]}, line ${line}`, `${inputNames[latestInput]}, line ${latestLine}`);
      reject({
        file: inputNames[input]!,
        line,
        column: headers[input]!.index.timestamp + 1,
        columnName: 'timestamp',
        text: rowText(batch, row),
        reason: lateArrivalReason({ epochMs: ms, nanos: batch.nanos[row]! }, { epochMs: latestMs, nanos: latestNs }, `${inputNames[latestInput]}, line ${latestLine}`),
      });
      return;
    }
    noteId(batch, row, input, line);
    const slot = held.allocate();
    held.ms[slot] = ms;
    held.ns[slot] = batch.nanos[row]!;
    held.batch[slot] = batch;
    held.row[slot] = row;
    held.input[slot] = input;
    held.line[slot] = line;
    held.hash[slot] = hash;
    held.user[slot] = toGlobal[batch.user[row]!]!;
    const org = batch.org[row]!;
    held.org[slot] = org < 0 ? -1 : toGlobal[org]!;
    if (withFacts) {
      const provider = batch.provider[row]!;
      const model = batch.model[row]!;
      held.provider[slot] = provider < 0 ? -1 : toGlobal[provider]!;
      held.model[slot] = model < 0 ? -1 : toGlobal[model]!;
    }
    batch.holds++;
    held.insert(slot);
    if (ms > latestMs) {
      latestMs = ms;
      latestNs = held.ns[slot]!;
      latestInput = input;
      latestLine = line;
      releaseBefore(ms - windowMs);
    }
  }

  try {
    await readInputs();
    if (spill !== undefined) {
      sortAtEnd = false;
      windowMs = 0;
      const identity = new Int32Array(names.length);
      for (let k = 0; k < identity.length; k++) identity[k] = k;
      for (const { batch, inputs } of spill.sorted()) {
        for (let row = 0; row < batch.count; row++) take(batch, row, inputs[row]!, 0, identity);
        batch.taken = true;
      }
    }
    releaseBefore(Number.POSITIVE_INFINITY);
    refuseRepeatedIds();
  } finally {
    spill?.close();
    ids.close();
  }

  /**
   * Refuses, in a pass that starts again, the rows of an id after its earliest (POLICY.md D6; at
   * one instant, the first in input order): rows too far apart for the window, and rows this
   * pass refused or displaced naming a row that is not the earliest (it was compared with the
   * held row of its id, which may itself repeat an earlier row the window had let go). A row
   * with the first's content never gets here: it has its instant, so the window or the sort
   * held both together and counted it as a duplicate.
   */
  function refuseRepeatedIds(): void {
    for (const { id, rows } of ids.repeats()) {
      const [first, ...others] = [...rows].sort((a, b) => a.ms - b.ms || a.ns - b.ns || a.input - b.input || a.line - b.line);
      const reason = conflictingDuplicateReason(id, `${inputNames[first!.input]}, line ${first!.line}`);
      for (const { input, line } of others) {
        const given = exclude?.get(input)?.get(line) ?? refusedHere.get(input, line) ?? displaced.get(input, line);
        if (given !== reason) displaced.set(input, line, reason);
      }
    }
    if (displaced.size > 0) throw new ConflictReplan(displaced.build());
  }

  async function readInputs(): Promise<void> {
    for (let input = 0; input < options.inputs.length; input++) {
      const source = options.inputs[input]!;
      const toGlobalByOrigin = new Map<number, Int32Array>();
      const onHeader = (header: LogHeader) => {
        headers[input] = header;
        if (header.unknown.length > 0) {
          options.onWarning?.(`${source.name}: ignoring unknown column${header.unknown.length > 1 ? 's' : ''} ${header.unknown.map((c) => JSON.stringify(c)).join(', ')}`);
        }
      };
      const batches = (options.batches?.(source) ?? scanInline)(source, { inputTimeZone: options.inputTimeZone, maxLineBytes: options.maxLineBytes, onBytes: options.onBytes, onHeader, withFacts });
      try {
        for await (const { batch, lineBase, origin, recycle } of batches) {
          let toGlobal = toGlobalByOrigin.get(origin);
          if (toGlobal === undefined) toGlobalByOrigin.set(origin, (toGlobal = new Int32Array(1024)));
          if (batch.newNames.length > 0) {
            const needed = batch.firstNewName + batch.newNames.length;
            if (needed > toGlobal.length) {
              const grown = new Int32Array(Math.max(needed, toGlobal.length * 2));
              grown.set(toGlobal);
              toGlobalByOrigin.set(origin, (toGlobal = grown));
            }
            batch.newNames.forEach((name, k) => {
              let global = nameIndex.get(name);
              if (global === undefined) {
                global = names.length;
                names.push(name);
                nameIndex.set(name, global);
              }
              toGlobal![batch.firstNewName + k] = global;
            });
          }
          if (recycle !== undefined) recycles.set(batch, recycle);
          for (let row = 0; row < batch.count; row++) take(batch, row, input, lineBase, toGlobal);
          batch.taken = true;
          if (!batch.holds) recycles.get(batch)?.();
          options.onRows?.(batch.count);
        }
      } catch (error) {
        throw readFailure(error, source.name);
      }
    }
  }
  feedOthers();
  const input = { rows: accepted + duplicates + rejected, accepted, rejected, duplicates };
  let nextShared = 0;
  const restBills = own.map((ledger) => (ledger === undefined ? baseline.sharedBill(nextShared++, input) : ledger.finish(input)));
  return {
    bills: [baseline.finish(input), ...restBills],
    routeMismatches: baseline.routeMismatches,
    strictFailed: [baseline.strictFailed, ...own.map((ledger) => (ledger ?? baseline).strictFailed)],
  };
}

const FEED_ROWS = 8192;

/** Whether terms choose fee schedules by the log's `provider` or `model` (then the replay reads them). */
function readsFacts(terms: FastReplayTerms): boolean {
  return terms.policy.versions.some((v) => v.scheduleChooser.byProviderOrModel);
}

function createFeed(rows: number, withFacts: boolean): CompactRequests {
  return {
    provider: withFacts ? new Int32Array(rows) : undefined,
    model: withFacts ? new Int32Array(rows) : undefined,
    count: 0,
    user: new Int32Array(rows),
    org: new Int32Array(rows),
    epochMs: new Float64Array(rows),
    key: new Uint8Array(rows),
    platform: new Uint8Array(rows),
    recorded: new Uint8Array(rows),
    cost: new Float64Array(rows),
    costBig: new Map(),
  };
}
