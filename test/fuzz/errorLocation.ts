import { expect } from 'vitest';

/*
 * FORMATS.md "Exit codes": 2 is bad usage or bad input, "with a message naming the file,
 * line and column". The fuzz suite generates only valid usage (every option well formed),
 * so an exit 2 is bad input, and its message must say where: one of the run's inputs and
 * a line of it, `<path>, line N` (standard input is `<stdin>`).
 */

/** An input a message may name: as the run was given it, and how many lines it has when known. */
export interface NamedInput {
  readonly name: string;
  /** Lines in the input (LF count + 1) when its text is known; a message naming a later line is wrong. */
  readonly lines?: number | undefined;
}

/**
 * Refusals that name an input but no line, allowed only where they are listed for a case:
 * a problem of the file as a whole (its gzip stream is broken: what the file holds is
 * unknown). `reason` must match what follows `<name>: `.
 */
export interface FileLevelRefusal {
  readonly name: string;
  readonly reason: RegExp;
}

export interface LocationRules {
  readonly inputs: readonly NamedInput[];
  readonly fileLevel?: readonly FileLevelRefusal[];
  /**
   * Refusals that name no file, each allowed where a command's documented behaviour gives
   * it: a usage error about an argument (explain --request of an id the log does not hold),
   * a limit of an engine named by the bill line it concerns.
   */
  readonly noFile?: readonly RegExp[];
}

/** The error message of a failed run: the last line of standard error that starts with `byok: ` (warnings come before it), to the end. */
export function errorMessage(stderr: string): string {
  const at = stderr.startsWith('byok: ') && stderr.lastIndexOf('\nbyok: ') === -1 ? 0 : stderr.lastIndexOf('\nbyok: ') + 1;
  return at === 0 && !stderr.startsWith('byok: ') ? '' : stderr.slice(at + 'byok: '.length).trimEnd();
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * catches: an exit 2 whose message says what is wrong but not where (a reader throwing a
 * bare parser error, a stack overflow message, a DuckDB error passed through), a message
 * naming a file and no line, a line past the end of the file (lines counted from 0, or
 * records counted instead of lines), and an exit 2 with no message at all.
 */
export function expectLocatedError(stderr: string, rules: LocationRules): void {
  const message = errorMessage(stderr);
  expect(message, `exit 2 without a message; stderr: ${stderr}`).not.toBe('');
  for (const input of rules.inputs) {
    const located = new RegExp(`^${escape(input.name)}, line ([1-9][0-9]*)\\b`).exec(message);
    if (located !== null) {
      if (input.lines !== undefined) expect(Number(located[1]), `${message}: the input has ${input.lines} line(s)`).toBeLessThanOrEqual(input.lines);
      return;
    }
  }
  for (const refusal of rules.fileLevel ?? []) {
    const prefix = `${refusal.name}: `;
    if (message.startsWith(prefix) && refusal.reason.test(message.slice(prefix.length))) return;
  }
  for (const pattern of rules.noFile ?? []) if (pattern.test(message)) return;
  expect.fail(`exit 2 whose message names no input and line (inputs: ${rules.inputs.map((i) => i.name).join(', ')}):\n${message}`);
}

/** Lines of a text input: its LF count + 1. */
export function lineCount(bytes: Uint8Array): number {
  let n = 1;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}
