import { ROUTES, formatInstant } from '@byok-billing/core';
import { type CompactLedger, type CompactLines, type CompactOutcome } from '@byok-billing/core/internal';
import { ByteSink } from '../io/byteSink.js';
import { csvText } from '../io/csvCell.js';
import { fileSink } from '../io/outputSink.js';
import { type RowBatch, rowId } from '../replay/fast/rowBatch.js';
import type { DuplicateRow } from '../replay/rowSource.js';
import { DECISION_COLUMNS, duplicateCsvTail, duplicateJson } from './decisionRecords.js';

/** A decided request as the fast replay has it: where it came from, and its outcome. */
export interface CompactDecided {
  file: string;
  line: number;
  batch: RowBatch;
  row: number;
  epochMs: number;
  nanos: number;
  ledger: CompactLedger;
  outcome: CompactOutcome;
}

export interface CompactDecisionWriter {
  decision(decided: CompactDecided): void;
  /** A duplicate's record, written right after the record of the row it repeats. */
  duplicate(duplicate: DuplicateRow): void;
  close(): void;
}

const MS_PER_DAY = 86_400_000;
const PICO = 1e12;
const ABSENT = 255;
const COMMA = 44;

/**
 * The decision records of `decisionRecordWriter`, byte for byte (CSV, or NDJSON by the
 * file's extension), written from the fast replay's numbers. The property tests hold the
 * two writers equal on every log.
 */
export function compactDecisionRecordWriter(path: string): CompactDecisionWriter {
  return path.endsWith('.ndjson') || path.endsWith('.jsonl') ? ndjsonWriter(path) : csvWriter(path);
}

/** What a record says beyond the request's own numbers. */
function decisionTexts(d: CompactDecided) {
  const { outcome, batch, row } = d;
  const recordedCode = batch.recorded[row]!;
  const recorded = recordedCode === ABSENT ? '' : ROUTES[recordedCode]!;
  const route = ROUTES[outcome.route]!;
  return {
    recorded,
    route,
    mismatch: recorded !== '' && recorded !== route,
    status: outcome.route === 0 ? (outcome.within ? 'free' : 'billable') : '',
  };
}

/** The fee as canonical text ('0' when the charge is not a fee). */
function feeText(d: CompactDecided): string {
  if (d.outcome.chargeKind !== 1) return '0';
  // A line with pricing-language terms: the request's exact fee, as the ledger summed it (10^-24 $).
  if (d.outcome.tieredFee !== undefined) return unitsText(d.outcome.tieredFee, 24);
  const rate = d.outcome.terms.version.parameters.feeRate;
  const cost = d.batch.cost[d.row]!;
  const units = cost === cost ? BigInt(cost) : d.batch.side.get(d.row)!.costBig!;
  return unitsText(units * rate.units, 12 + rate.scale);
}

function costText(d: CompactDecided): string {
  const cost = d.batch.cost[d.row]!;
  return cost === cost ? picoText(cost) : unitsText(d.batch.side.get(d.row)!.costBig!, 12);
}

function ndjsonWriter(path: string): CompactDecisionWriter {
  const sink = fileSink(path);
  return {
    decision(d) {
      const { outcome } = d;
      const { line, lines, terms } = outcome;
      const { recorded, route, mismatch, status } = decisionTexts(d);
      const cost = costText(d);
      const fee = feeText(d);
      sink.write(
        `${JSON.stringify({
          file: d.file,
          line: d.line,
          request_id: rowId(d.batch, d.row),
          timestamp_utc: formatInstant({ epochMs: d.epochMs, nanos: d.nanos }),
          scope: lines.scope(line),
          period: lines.period(line),
          policy_version: terms.version.version,
          failover_mode: terms.failoverMode,
          route,
          route_rule: d.ledger.routeRule(outcome),
          recorded_route: recorded === '' ? null : recorded,
          route_mismatch: mismatch,
          ordinal: outcome.ordinal === 0 ? null : outcome.ordinal,
          allowance: lines.allowance(line),
          status: status === '' ? null : status,
          cost_usd: cost,
          fee_usd: fee,
          charge_usd: outcome.chargeKind === 1 ? fee : outcome.chargeKind === 2 ? cost : '0',
          charge_rule: d.ledger.chargeRule(outcome),
          duplicate_of_line: null,
        })}\n`,
      );
    },
    duplicate({ file, line, original }) {
      sink.write(`${duplicateJson(file, line, original)}\n`);
    },
    close() {
      sink.close();
    },
  };
}

/**
 * CSV records put in place byte by byte: what repeats (a file's cell, a line's scope and
 * terms, a route, a day's date) is formatted once; ids are copied from the log's bytes;
 * numbers are written digit by digit. No string per record.
 */
function csvWriter(path: string): CompactDecisionWriter {
  const sink = new ByteSink(path);
  sink.text(`${DECISION_COLUMNS.join(',')}\n`);
  const encoder = new TextEncoder();
  const fileCells = new Map<string, Uint8Array>();
  let dayNumber = Number.NaN;
  let dayText = '';

  let lastFile = '';
  let lastFileCell: Uint8Array = new Uint8Array(0);
  const fileCell = (file: string) => {
    if (file === lastFile) return lastFileCell;
    let cell = fileCells.get(file);
    if (cell === undefined) fileCells.set(file, (cell = encoder.encode(csvText(file))));
    lastFile = file;
    lastFileCell = cell;
    return cell;
  };

  /** `timestamp_utc` as formatInstant writes it; the date part made once a day. */
  const instant = (ms: number, nanos: number): void => {
    const days = Math.floor(ms / MS_PER_DAY);
    if (days !== dayNumber) {
      const text = formatInstant({ epochMs: days * MS_PER_DAY, nanos: 0 });
      dayNumber = days;
      dayText = text.slice(0, text.length - 9);
    }
    if (nanos !== 0 || dayText.length !== 11) {
      sink.text(formatInstant({ epochMs: ms, nanos }));
      return;
    }
    sink.text(dayText);
    const msOfDay = ms - days * MS_PER_DAY;
    twoDigits(Math.floor(msOfDay / 3_600_000));
    sink.byte(58);
    twoDigits(Math.floor((msOfDay % 3_600_000) / 60_000));
    sink.byte(58);
    twoDigits(Math.floor((msOfDay % 60_000) / 1000));
    const milli = msOfDay % 1000;
    if (milli !== 0) {
      sink.byte(46);
      sink.byte(48 + Math.floor(milli / 100));
      sink.byte(48 + (Math.floor(milli / 10) % 10));
      sink.byte(48 + (milli % 10));
    }
    sink.byte(90);
  };

  const twoDigits = (n: number) => {
    sink.byte(48 + Math.floor(n / 10));
    sink.byte(48 + (n % 10));
  };

  /**
   * What a line's records share, formatted once: `scope,period,version,mode,route,route_rule,
   * recorded_route,route_mismatch,` per route rule and recorded route; `,allowance,status,` per
   * status; and `,charge_rule,` + line end per charge rule.
   */
  interface LineCache {
    /** The terms it was made for: under a per-user scope, one line's requests may be routed under several (their key owners' failover modes). */
    readonly terms: CompactOutcome['terms'];
    /** The cache of the same line under other terms. */
    readonly next: LineCache | undefined;
    readonly line: Uint8Array;
    readonly middles: (Uint8Array | undefined)[];
    readonly statuses: Uint8Array[];
    readonly tails: (Uint8Array | undefined)[];
  }
  // By line number of the ledger whose lines these are (a pass that starts again has its own).
  let caches: (LineCache | undefined)[] = [];
  let cachesOf: CompactLines | undefined;
  const lineCache = (d: CompactDecided): LineCache => {
    const { line, lines, terms } = d.outcome;
    if (lines !== cachesOf) {
      cachesOf = lines;
      caches = [];
    }
    let cache = caches[line];
    while (cache !== undefined && cache.terms !== terms) cache = cache.next;
    if (cache === undefined) {
      const allowance = `,${lines.allowance(line)},`;
      cache = {
        terms,
        next: caches[line],
        line: encoder.encode(`${csvText(lines.scope(line))},${lines.period(line)},${csvText(terms.version.version)},${terms.failoverMode},`),
        middles: [],
        statuses: [encoder.encode(`${allowance},`), encoder.encode(`${allowance}free,`), encoder.encode(`${allowance}billable,`)],
        tails: [],
      };
      caches[line] = cache;
    }
    return cache;
  };

  return {
    decision(d) {
      const { outcome, batch, row } = d;
      const bytes = batch.bytes;
      sink.reserve();
      const buf = sink.buffer;
      let at = copyInto(buf, sink.used, fileCell(d.file));
      buf[at++] = COMMA;
      at = writeUint(buf, at, d.line);
      buf[at++] = COMMA;
      const side = batch.side.size > 0 ? batch.side.get(row) : undefined;
      if (side !== undefined) {
        sink.used = at;
        sink.text(csvText(rowId(batch, row)));
        at = sink.used;
      } else {
        // A plain row's id is ASCII without quotes or commas: only a formula start needs care.
        const start = batch.idStart[row]!;
        const end = batch.idEnd[row]!;
        const first = bytes[start]!;
        if (first === 61 || first === 43 || first === 45 || first === 64 || first === 9 || first === 13) buf[at++] = 39;
        for (let k = start; k < end; k++) buf[at++] = bytes[k]!;
      }
      buf[at++] = COMMA;
      // timestamp_utc as formatInstant writes it, the date part made once a day.
      sink.used = at;
      instant(d.epochMs, d.nanos);
      at = sink.used;
      buf[at++] = COMMA;
      const cache = lineCache(d);
      // The line's cells, then route, route_rule, recorded_route, route_mismatch.
      const recordedCode = batch.recorded[row]!;
      const middleKey = outcome.routeIndex * 4 + (recordedCode === ABSENT ? 3 : recordedCode);
      let middle = cache.middles[middleKey];
      if (middle === undefined) {
        const { recorded, route, mismatch } = decisionTexts(d);
        const routeCell = encoder.encode(`${route},${csvText(d.ledger.routeRule(outcome))},${recorded},${mismatch},`);
        middle = new Uint8Array(cache.line.length + routeCell.length);
        middle.set(cache.line);
        middle.set(routeCell, cache.line.length);
        cache.middles[middleKey] = middle;
      }
      at = copyInto(buf, at, middle);
      if (outcome.ordinal !== 0) at = writeUint(buf, at, outcome.ordinal);
      at = copyInto(buf, at, cache.statuses[outcome.route === 0 ? (outcome.within ? 1 : 2) : 0]!);
      // cost_usd, fee_usd, charge_usd.
      const cost = batch.cost[row]!;
      const costEnd = cost === cost ? writePico(buf, at, cost) : writeAscii(buf, at, costText(d));
      const costStart = at;
      at = costEnd;
      buf[at++] = COMMA;
      if (outcome.chargeKind === 1) {
        // A fee: fee_usd and charge_usd are the fee.
        const fee = feeText(d);
        at = writeAscii(buf, at, fee);
        buf[at++] = COMMA;
        at = writeAscii(buf, at, fee);
      } else if (outcome.chargeKind === 2) {
        // The list price: fee_usd 0, charge_usd the cost.
        buf[at++] = 48;
        buf[at++] = COMMA;
        buf.copyWithin(at, costStart, costEnd);
        at += costEnd - costStart;
      } else {
        buf[at++] = 48;
        buf[at++] = COMMA;
        buf[at++] = 48;
      }
      const tailKey = outcome.route * 2 + (outcome.within ? 1 : 0);
      let tail = cache.tails[tailKey];
      if (tail === undefined) tail = cache.tails[tailKey] = encoder.encode(`,${csvText(d.ledger.chargeRule(outcome))},\n`);
      at = copyInto(buf, at, tail);
      sink.used = at;
    },
    duplicate({ file, line, original }) {
      sink.reserve();
      sink.encoded(fileCell(file));
      sink.text(`,${line},${duplicateCsvTail(original)}\n`);
    },
    close() {
      sink.close();
    },
  };
}

/**
 * A safe integer count of 10^-12 dollars as a canonical decimal at `at`; returns the offset
 * after it. The fraction is written as two halves of six digits, in small-integer arithmetic.
 */
function writePico(buf: Uint8Array, at: number, units: number): number {
  let whole = Math.floor(units / PICO);
  let fraction = units - whole * PICO;
  // Division in floating point can round up to the next whole dollar: correct it exactly.
  if (fraction < 0) {
    whole--;
    fraction += PICO;
  }
  at = writeUint(buf, at, whole);
  if (fraction === 0) return at;
  buf[at++] = 46;
  const high = Math.floor(fraction / 1e6);
  let low = fraction - high * 1e6;
  let end = at + 12;
  let h = high;
  for (let k = at + 5; k >= at; k--) {
    const next = (h / 10) | 0;
    buf[k] = 48 + (h - next * 10);
    h = next;
  }
  for (let k = at + 11; k >= at + 6; k--) {
    const next = (low / 10) | 0;
    buf[k] = 48 + (low - next * 10);
    low = next;
  }
  while (buf[end - 1] === 48) end--;
  return end;
}

/** ASCII text (a decimal) at `at`; returns the offset after it. */
function writeAscii(buf: Uint8Array, at: number, text: string): number {
  for (let k = 0; k < text.length; k++) buf[at++] = text.charCodeAt(k);
  return at;
}

/** A non-negative safe integer in decimal at `at`; returns the offset after it. */
function writeUint(buf: Uint8Array, at: number, value: number): number {
  if (value < 10) {
    buf[at] = 48 + value;
    return at + 1;
  }
  let digits = 1;
  for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++;
  const end = at + digits;
  for (let k = end - 1; k >= at; k--) {
    const next = Math.floor(value / 10);
    buf[k] = 48 + (value - next * 10);
    value = next;
  }
  return end;
}

/** Copies `bytes` into `buf` at `at`; returns the offset after them. */
function copyInto(buf: Uint8Array, at: number, bytes: Uint8Array): number {
  const n = bytes.length;
  // A native copy beats a byte loop past a dozen bytes.
  if (n > 12) {
    buf.set(bytes, at);
    return at + n;
  }
  for (let k = 0; k < n; k++) buf[at++] = bytes[k]!;
  return at;
}

/** A safe integer count of 10^-12 dollars as a canonical decimal. */
function picoText(units: number): string {
  let whole = Math.floor(units / PICO);
  let fraction = units - whole * PICO;
  if (fraction < 0) {
    whole--;
    fraction += PICO;
  }
  if (fraction === 0) return `${whole}`;
  const digits = `${fraction}`.padStart(12, '0');
  let end = 12;
  while (digits.charCodeAt(end - 1) === 48) end--;
  return `${whole}.${digits.slice(0, end)}`;
}

/** Non-negative integer units at a scale as a canonical decimal. */
function unitsText(units: bigint, scale: number): string {
  const digits = units.toString();
  if (scale === 0) return digits;
  const padded = digits.length > scale ? digits : digits.padStart(scale + 1, '0');
  const whole = padded.slice(0, padded.length - scale);
  let fraction = padded.slice(padded.length - scale);
  let end = fraction.length;
  while (end > 0 && fraction.charCodeAt(end - 1) === 48) end--;
  fraction = fraction.slice(0, end);
  return fraction === '' ? whole : `${whole}.${fraction}`;
}
