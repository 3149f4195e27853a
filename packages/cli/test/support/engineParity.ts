import { existsSync, readFileSync, rmSync } from 'node:fs';
import { byok } from '../../../../test/support/runByok.js';

/** What a run shows: exit code, standard output and error, and the rejects file when one was asked for. */
export interface RunOutcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly rejects: string | undefined;
}

/**
 * Runs `byok bill <args>` with one engine. `rejects`: a path for --rejects (removed
 * first, read back after), so that two engines can write the same file name, which the
 * warning "see FILE" names.
 */
export async function billWith(engine: 'js' | 'duckdb', args: readonly string[], rejects?: string, stdin?: string): Promise<RunOutcome> {
  if (rejects !== undefined) rmSync(rejects, { force: true });
  // The default engine with --sort reads the whole input in view, as the SQL engine does.
  const engineArgs = engine === 'js' ? ['--sort'] : ['--engine', 'duckdb'];
  const result = await byok(['bill', ...args, ...engineArgs, ...(rejects === undefined ? [] : ['--rejects', rejects])], stdin);
  return { ...result, rejects: rejects !== undefined && existsSync(rejects) ? readFileSync(rejects, 'utf8') : undefined };
}

/** Both engines on the same arguments, with and without --rejects. */
export async function bothEngines(args: readonly string[], rejects: string, stdin?: string) {
  return {
    js: await billWith('js', args, undefined, stdin),
    duckdb: await billWith('duckdb', args, undefined, stdin),
    jsRejecting: await billWith('js', args, rejects, stdin),
    duckdbRejecting: await billWith('duckdb', args, rejects, stdin),
  };
}
