import { type Instant, compareInstants } from '@byok-billing/core';
import { compareUtf8 } from '@byok-billing/core/internal';
import type { ImportedRequest } from './generationToRequest.js';
import type { RecordLocation } from './recordProblem.js';
import { type WrittenLogRow, requestLogHead, requestLogTail } from './requestLogRow.js';
import { RequestIdIndex } from './requestIdIndex.js';
import { TextArena } from './textArena.js';

/**
 * The requests an import accepted, kept compactly until every record is read: each as
 * its log row (UTF-8, in an arena), its instant and where it was read as plain numbers,
 * and its id in the index that finds repeats. No request object outlives
 * its record: a month of records is millions of them.
 */
export class ImportedLog {
  private readonly rows = new TextArena();
  /** Where each row's tail (requestLogTail) starts. */
  private readonly tailStarts: number[] = [];
  private readonly epochMs: number[] = [];
  private readonly nanos: number[] = [];
  private readonly lines: number[] = [];
  /** Array index in a JSON document, or -1 for JSON Lines. */
  private readonly arrayIndexes: number[] = [];
  private readonly ids = new RequestIdIndex();
  /** The id of the request added last (the order check compares with it). */
  private lastId = '';
  private file = '';
  /** Whether the requests came in the ledger's order: then they need no sort. */
  private inOrder = true;

  get size(): number {
    return this.ids.size;
  }

  /** The index of the request with this id, if one was kept. */
  find(requestId: string): number | undefined {
    const index = this.ids.find(requestId);
    return index < 0 ? undefined : index;
  }

  add(request: ImportedRequest, location: RecordLocation): void {
    const index = this.ids.add(request.requestId);
    if (this.inOrder && index > 0) {
      const order = compareInstants(this.instantAt(index - 1), request.instant) || compareUtf8(this.lastId, request.requestId);
      if (order > 0) this.inOrder = false;
    }
    this.lastId = request.requestId;
    const head = `${requestLogHead(request)},`;
    const tail = requestLogTail(request);
    this.rows.add(head + tail);
    this.tailStarts.push(head.length);
    this.epochMs.push(request.instant.epochMs);
    this.nanos.push(request.instant.nanos);
    this.file = location.file;
    this.lines.push(location.line);
    this.arrayIndexes.push(location.index ?? -1);
  }

  /**
   * Whether `request` says what the kept request `index` says, as the log would bill it:
   * the same instant (however it is written) and the same amounts by value. The tails are
   * compared as written: text cells are written exactly (RFC 4180 quoting, no formula
   * guard) and amounts as canonical decimals, so equal tails mean equal content.
   */
  sameContent(index: number, request: ImportedRequest): boolean {
    if (compareInstants(this.instantAt(index), request.instant) !== 0) return false;
    return this.rows.get(index).slice(this.tailStarts[index]) === requestLogTail(request);
  }

  locationOf(index: number): RecordLocation {
    const arrayIndex = this.arrayIndexes[index]!;
    return { file: this.file, line: this.lines[index]!, index: arrayIndex < 0 ? undefined : arrayIndex };
  }

  /** The rows in the order the ledger consumes them (POLICY.md D1): by instant, ties by request_id in UTF-8 byte order. */
  *rowsInLedgerOrder(): Generator<WrittenLogRow, void, undefined> {
    const order = this.inOrder ? undefined : this.sortedIndexes();
    for (let i = 0; i < this.ids.size; i++) yield { logRow: this.rows.get(order === undefined ? i : order[i]!) };
  }

  private sortedIndexes(): Int32Array {
    const { epochMs, nanos, ids } = this;
    const order = new Int32Array(ids.size);
    for (let i = 0; i < order.length; i++) order[i] = i;
    return order.sort((a, b) => epochMs[a]! - epochMs[b]! || nanos[a]! - nanos[b]! || compareUtf8(ids.idAt(a), ids.idAt(b)));
  }

  private instantAt(index: number): Instant {
    return { epochMs: this.epochMs[index]!, nanos: this.nanos[index]! };
  }
}
