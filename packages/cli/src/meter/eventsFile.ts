import { closeSync, fsyncSync, linkSync, openSync, readFileSync, readSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import type { ThresholdEvent } from '@byok-billing/core';
import { UsageError } from '../exitCodes.js';
import { InputError } from '../io/inputError.js';

/**
 * `byok meter --events FILE`: the store's threshold outbox delivered to a file, exactly once
 * across crashes and re-runs. The file is its own consumer's cursor: each line is one event
 * with the store's `seq`, lines in seq order, so the last complete line says how far the
 * file has got, and a run appends the store's events after it. Nothing else is kept.
 *
 * - A crash while appending can leave a last line without its newline: it is cut off (it
 *   is after the cursor, so its event is appended again whole), never kept twice.
 * - A file that is not an events file (a line that is not an event, seqs not increasing)
 *   is refused (exit 2, naming file and line), before anything is recorded.
 * - One events file is one consumer. While a run uses it, `FILE.lock` holds the run's pid;
 *   a second run on the same file is refused (exit 2) while that process lives, and takes
 *   over a lock a killed run left behind (two runs taking over one stale lock at the same
 *   moment could both proceed: that needs a crash and two simultaneous re-runs on one file).
 *   Each file gets every event of its store once.
 */
export interface EventsFile {
  /** The seq of the file's last complete event (0 when it has none): the cursor. */
  readonly cursor: number;
  /** Appends `events` (those after the cursor, in seq order), repairing a torn last line first; how many were appended. */
  append(events: AsyncIterable<ThresholdEvent>): Promise<number>;
  /** Releases the file's lock. */
  release(): void;
}

/** The start every line this file format has begins with: a torn line is a prefix of one. */
const LINE_START = '{"seq":';

/** One event as its line (without the newline): `seq` first, so a torn line is recognisable. */
export function eventLine(e: ThresholdEvent): string {
  return JSON.stringify({
    seq: e.seq,
    scope: e.scope,
    period: e.period,
    threshold: e.threshold,
    requestId: e.requestId,
    instant: e.instant,
    count: e.count,
    listUsd: e.listUsd,
  });
}

export function openEventsFile(path: string): EventsFile {
  const lockPath = `${path}.lock`;
  takeLock(lockPath, path);
  try {
    const { cursor, keepBytes } = readCursor(path);
    return {
      cursor,
      async append(events) {
        let lines = '';
        let count = 0;
        let last = cursor;
        for await (const event of events) {
          if (event.seq <= last) continue; // a store gives each once, after the cursor; never twice here
          last = event.seq;
          lines += `${eventLine(event)}\n`;
          count++;
        }
        // The torn tail (if any) goes even when there is nothing new: the file is whole again.
        truncateTo(path, keepBytes);
        if (lines === '') return 0;
        const fd = openSync(path, 'a');
        try {
          const bytes = Buffer.from(lines, 'utf8');
          for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        return count;
      },
      release() {
        releaseLock(lockPath);
      },
    };
  } catch (error) {
    releaseLock(lockPath);
    throw error;
  }
}

/**
 * The cursor of an events file, and how many of its bytes are whole lines (what stays).
 * Exported for tests.
 */
export function readCursor(path: string): { readonly cursor: number; readonly keepBytes: number } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { cursor: 0, keepBytes: 0 };
    throw new UsageError(`--events ${path}: cannot be read (${(error as Error).message})`);
  }
  const end = text.lastIndexOf('\n') + 1;
  const tail = text.slice(end);
  if (tail !== '' && !(tail.startsWith(LINE_START) || LINE_START.startsWith(tail))) {
    throw new InputError({ file: path, line: lineCount(text, end) + 1 }, 'not an events file: a line that is not a threshold event (byok meter --events writes lines of {"seq":...})');
  }
  let cursor = 0;
  let line = 0;
  for (let at = 0; at < end; ) {
    const next = text.indexOf('\n', at);
    line++;
    cursor = checkLine(text.slice(at, next), cursor, path, line);
    at = next + 1;
  }
  return { cursor, keepBytes: Buffer.byteLength(text.slice(0, end), 'utf8') };
}

function lineCount(text: string, end: number): number {
  let n = 0;
  for (let at = text.indexOf('\n'); at >= 0 && at < end; at = text.indexOf('\n', at + 1)) n++;
  return n;
}

const STRING_FIELDS = ['scope', 'period', 'threshold', 'requestId', 'instant'] as const;

/** Checks one complete line is an event after `previous`; its seq. */
function checkLine(text: string, previous: number, file: string, line: number): number {
  const bad = (reason: string, columnName?: string): never => {
    throw new InputError({ file, line, columnName }, `not an events file: ${reason}`);
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    bad('the line is not a JSON object (byok meter --events writes one threshold event per line)');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) bad('the line is not a JSON object');
  const event = value as Record<string, unknown>;
  const seq = event.seq;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) bad('expected a whole number of 1 or more', 'seq');
  if ((seq as number) <= previous) bad(`seq ${String(seq)} does not follow ${previous}: events are written in increasing seq order`, 'seq');
  for (const field of STRING_FIELDS) if (typeof event[field] !== 'string') bad('expected a string', field);
  const count = event.count;
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) bad('expected a whole number', 'count');
  if (event.listUsd !== null && event.listUsd !== undefined && typeof event.listUsd !== 'string') bad('expected a decimal string or null', 'listUsd');
  return seq as number;
}

function truncateTo(path: string, bytes: number): void {
  try {
    truncateSync(path, bytes);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function takeLock(lockPath: string, path: string): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    // The lock appears with its pid already in it (written aside, then hard-linked, which
    // fails if the lock exists): no other run can see it empty and take it for a dead one's.
    const aside = `${lockPath}.${process.pid}`;
    try {
      writeFileSync(aside, String(process.pid));
      linkSync(aside, lockPath);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new UsageError(`--events ${path}: cannot create its lock ${lockPath} (${(error as Error).message})`);
      }
    } finally {
      try {
        unlinkSync(aside);
      } catch {
        // not made
      }
    }
    const holder = lockHolder(lockPath);
    if (holder !== undefined && holder !== process.pid && isAlive(holder)) {
      throw new UsageError(`--events ${path}: in use by another byok process (pid ${holder}, ${lockPath}); give each process its own events file`);
    }
    // Left by a run that was killed: take it over.
    releaseLock(lockPath);
  }
  throw new UsageError(`--events ${path}: its lock ${lockPath} keeps being taken by another process`);
}

function lockHolder(lockPath: string): number | undefined {
  try {
    const fd = openSync(lockPath, 'r');
    try {
      const buffer = Buffer.alloc(32);
      const n = readSync(fd, buffer, 0, buffer.length, 0);
      const pid = Number(buffer.subarray(0, n).toString('utf8'));
      return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releaseLock(lockPath: string): void {
  try {
    unlinkSync(lockPath);
  } catch {
    // already gone
  }
}
