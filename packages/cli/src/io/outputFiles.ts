import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { type Stats, closeSync, fchmodSync, openSync, readdirSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
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
/** The runs in progress, for a process stopped by a signal (abortOutputRuns). */
const liveRuns = new Set<OutputRun>();

/** Runs `work` with its outputs held back until it succeeds; on any failure they are removed. */
export async function withOutputRun<T>(work: () => Promise<T>): Promise<T> {
  const run = new OutputRun();
  liveRuns.add(run);
  let result: T;
  try {
    result = await currentRun.run(run, work);
  } catch (error) {
    run.abort();
    throw error;
  } finally {
    liveRuns.delete(run);
  }
  run.commit();
  return result;
}

/**
 * Removes the temporary outputs of every run in progress: the binary calls it when a signal
 * (Ctrl-C, SIGTERM) stops the process, so an interrupted run leaves nothing behind either.
 * A process killed outright (SIGKILL) cannot: its temporary files are swept by the next run
 * that writes the same output (sweepStalePartials).
 */
export function abortOutputRuns(): void {
  for (const run of liveRuns) run.abort();
  liveRuns.clear();
}

const PARTIAL_MARK = '.byok-partial-';

/** The temporary name of an output: hidden, beside it, naming this process. */
function partialName(final: string): string {
  return join(dirname(final), `.${basename(final)}${PARTIAL_MARK}${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * Removes temporary files of `final` left by processes that no longer run (killed with
 * SIGKILL, or by the machine stopping): never another live run's, whose name carries its pid.
 */
function sweepStalePartials(final: string): void {
  const prefix = `.${basename(final)}${PARTIAL_MARK}`;
  let names: string[];
  try {
    names = readdirSync(dirname(final));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-[0-9a-f]{8}$/.exec(name.slice(prefix.length))?.[1]);
    if (Number.isSafeInteger(pid) && pid !== process.pid && !processRuns(pid)) removeQuietly(join(dirname(final), name));
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
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
  sweepStalePartials(final);
  const temp = partialName(final);
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
