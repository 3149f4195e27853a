import { writeFileSync } from 'node:fs';
import { UsageError } from '../exitCodes.js';
import type { ProgramIO } from '../programIO.js';

/** Writes a command's output to standard output, or to `--out FILE`. */
export function writeOutput(text: string, out: string | undefined, io: ProgramIO): void {
  if (out === undefined) {
    io.stdout(text);
    return;
  }
  try {
    writeFileSync(out, text);
  } catch (error) {
    throw new UsageError(`${out}: cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}
