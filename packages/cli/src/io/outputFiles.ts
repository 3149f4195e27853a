import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { type Stats, closeSync, fchmodSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../exitCodes.js';

/**
 * The one place output files are opened. Within a run (`withOutputRun`, entered by run.ts)
 * each output is written under a temporary name beside its final one and renamed onto it
 * only when the whole run succeeds: a failed run leaves no new, truncated or
 * complete-looking partial output, and an existing file at the final name stays as it was.
 */

/** An I/O error on an output, as the user sees it: the path and the error code, exit 2. */
export function outputError(path: string, error: unknown): UsageError {
  if (error instanceof UsageError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  return new UsageError(`${path}: cannot be written (${code})`);
}

/** The temporary files of one run, by the final path each is renamed onto. */
class OutputRun {
  private readonly pending = new Map<string, string>();

  adopt(final: string, temp: string): void {
    // A replay that starts again opens its outputs afresh: the earlier attempt's file is dropped.
    const earlier = this.pending.get(final);
    if (earlier !== undefined) removeQuietly(earlier);
    this.pending.set(final, temp);
  }

  commit(): void {
    for (const [final, temp] of this.pending) {
      try {
        renameSync(temp, final);
      } catch (error) {
        this.abort();
        throw outputError(final, error);
      }
      this.pending.delete(final);
    }
  }

  abort(): void {
    for (const temp of this.pending.values()) removeQuietly(temp);
    this.pending.clear();
  }
}

const currentRun = new AsyncLocalStorage<OutputRun>();

/** Runs `work` with its outputs held back until it succeeds; on any failure they are removed. */
export async function withOutputRun<T>(work: () => Promise<T>): Promise<T> {
  const run = new OutputRun();
  let result: T;
  try {
    result = await currentRun.run(run, work);
  } catch (error) {
    run.abort();
    throw error;
  }
  run.commit();
  return result;
}

/**
 * Opens `path` for writing and returns the descriptor. Outside a run (a command called
 * directly) the file is written in place, as before. A target that exists but is not a
 * regular file (/dev/full, a FIFO) is written directly too: nothing can be renamed onto it.
 */
export function openOutputFile(path: string): number {
  const run = currentRun.getStore();
  const existing = statOrUndefined(path);
  if (run === undefined || (existing !== undefined && !existing.isFile())) return openOrThrow(path, path, 'w');
  // Rename onto the real file, so that a symbolic link at the final name stays a link.
  const final = existing === undefined ? resolve(path) : realpathSync(path);
  const temp = join(dirname(final), `.${basename(final)}.byok-partial-${process.pid}-${randomBytes(4).toString('hex')}`);
  const fd = openOrThrow(temp, path, 'wx');
  try {
    // The replacement keeps the permissions of the file it replaces, as truncating it would.
    if (existing !== undefined) fchmodSync(fd, existing.mode & 0o7777);
  } catch (error) {
    closeSync(fd);
    removeQuietly(temp);
    throw outputError(path, error);
  }
  run.adopt(final, temp);
  return fd;
}

/** Writes all of `bytes` to an output descriptor; an error names the output's path. */
export function writeAllOrThrow(fd: number, bytes: Uint8Array, path: string, start = 0, end = bytes.length): void {
  try {
    for (let at = start; at < end; ) at += writeSync(fd, bytes, at, end - at);
  } catch (error) {
    throw outputError(path, error);
  }
}

export function closeOrThrow(fd: number, path: string): void {
  try {
    closeSync(fd);
  } catch (error) {
    throw outputError(path, error);
  }
}

function openOrThrow(file: string, shownAs: string, flags: string): number {
  try {
    return openSync(file, flags);
  } catch (error) {
    throw outputError(shownAs, error);
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone, or its directory was: nothing is left to clean up.
  }
}

/**
 * Runs `work` with its outputs written in place, outside the run's held-back set: for a
 * replay into a staging directory that has its own all-or-nothing rename (audit bundles),
 * whose outputs must exist as soon as they are closed, to be hashed and compared.
 */
export function writingInPlace<T>(work: () => T): T {
  return currentRun.exit(work);
}
