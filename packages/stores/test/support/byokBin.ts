import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI: `pnpm test` builds it before vitest runs (`npx tsc -b packages/core packages/stores packages/cli` by hand). */
export const BYOK_BIN = fileURLToPath(new URL('../../../cli/dist/bin.js', import.meta.url));

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts `byok ARGS` as a child process; `done` resolves when it exits, however it exits. */
export function startByok(args: readonly string[]): { readonly child: ChildProcess; readonly done: Promise<Finished> } {
  const child = spawn(process.execPath, [BYOK_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (t: string) => (stdout += t));
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  const done = new Promise<Finished>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export async function runByok(args: readonly string[]): Promise<Finished> {
  return startByok(args).done;
}
