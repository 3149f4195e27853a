import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { expect } from 'vitest';

/*
 * The output contract (README "byok audit" bundles, packages/cli/src/io/outputFiles.ts):
 * every output is written under a temporary name beside its final one and renamed onto it
 * only when the run succeeds. A failed run (exit 2) leaves no new, truncated or
 * complete-looking output, and an existing file at an output's name keeps its content; a
 * run that ends (exit 0, or an audit's exit 1, which is a finished report) has written
 * them all. Either way nothing else is left in the output directory: no `.NAME.byok-partial-…`
 * file, no `.DIR.partial-…` bundle directory.
 */

export interface OutputSpec {
  readonly flag: string;
  readonly path: string;
  readonly kind: 'file' | 'dir';
  /**
   * What is at the path before the run: undefined for nothing; for a file its content (a
   * line no command writes); for a directory '' (an empty directory, which --bundle and
   * --save-policies accept).
   */
  readonly previous: string | undefined;
}

/** Puts each output's previous state in place. */
export function prepareOutputs(outputs: readonly OutputSpec[]): void {
  for (const o of outputs) {
    if (o.previous === undefined) continue;
    if (o.kind === 'dir') mkdirSync(o.path);
    else writeFileSync(o.path, o.previous);
  }
}

/** A previous content no command writes, for output `flag`. */
export const previousContent = (flag: string) => `previous content of ${flag}: a failed run must keep it\n`;

/**
 * catches (exit 2): an output created, truncated or replaced by a failed run (a bill
 * written before a later row was refused, a rejects file half written, a bundle directory
 * left in place), an existing output overwritten although the run failed.
 * catches (exit 0/1): an output never renamed into place, an existing file left with its
 * old content, a bundle or policies directory left empty.
 * catches (any exit): a temporary sibling left in the output directory (the run's
 * clean-up skipped on some path, a replan's first attempt not removed).
 */
export function expectOutputContract(code: number, outputs: readonly OutputSpec[], outDir: string): void {
  const named = new Set(outputs.map((o) => basename(o.path)));
  const leftovers = readdirSync(outDir).filter((name) => !named.has(name));
  expect(leftovers, `left in the output directory after exit ${code}`).toEqual([]);
  for (const o of outputs) {
    const exists = existsSync(o.path);
    if (code === 2) {
      if (o.previous === undefined) {
        expect(exists, `${o.flag} ${o.path} exists after exit 2`).toBe(false);
      } else if (o.kind === 'file') {
        expect(readFileSync(o.path, 'utf8'), `${o.flag} changed by a failed run`).toBe(o.previous);
      } else {
        expect(readdirSync(o.path), `${o.flag} directory filled by a failed run`).toEqual([]);
      }
      continue;
    }
    expect(exists, `${o.flag} ${o.path} missing after exit ${code}`).toBe(true);
    if (o.kind === 'file') {
      expect(statSync(o.path).isFile()).toBe(true);
      if (o.previous !== undefined) expect(readFileSync(o.path, 'utf8'), `${o.flag} still holds its previous content after exit ${code}`).not.toBe(o.previous);
    } else {
      expect(readdirSync(o.path).length, `${o.flag} directory empty after exit ${code}`).toBeGreaterThan(0);
    }
  }
}
