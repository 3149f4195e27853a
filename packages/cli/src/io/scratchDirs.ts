import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/*
 * The temporary directories a run works in (sorted runs, id partitions, a spooled standard
 * input, DuckDB's files, a bundle being verified). Each is removed by its owner when done;
 * the registry lets a process stopped by a signal remove those still open (bin.ts), so an
 * interrupted run leaves nothing in the temporary directory either.
 */
const open = new Set<string>();

/** Makes a fresh directory `parent/prefixXXXXXX` (mode 0700), removed by `removeScratchDir`. */
export function makeScratchDir(parent: string, prefix: string): string {
  const dir = mkdtempSync(join(parent, prefix));
  open.add(dir);
  return dir;
}

/** Removes a scratch directory and everything in it; gone already is fine. */
export function removeScratchDir(dir: string): void {
  open.delete(dir);
  rmSync(dir, { recursive: true, force: true });
}

/** Removes every scratch directory still open (a signal stops the process). */
export function removeAllScratchDirs(): void {
  for (const dir of [...open]) {
    try {
      removeScratchDir(dir);
    } catch {
      // Stopping anyway: whatever cannot be removed now stays, as before.
    }
  }
}
