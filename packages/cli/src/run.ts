import { CommanderError } from 'commander';
import { exitCodeFor } from './exitCodes.js';
import { withOutputRun } from './io/outputFiles.js';
import { type RunState, createProgram } from './program.js';
import type { ProgramIO } from './programIO.js';

/**
 * Runs the CLI on `argv` (without the node and script paths) and resolves to the exit
 * code. Tests call this directly; only `bin.ts` exits the process.
 */
export async function run(argv: readonly string[], io: ProgramIO): Promise<number> {
  const state: RunState = { exitCode: 0, argv };
  const program = createProgram(io, state);
  try {
    // Output files are renamed into place only when the command succeeds; a failure removes them.
    await withOutputRun(() => program.parseAsync([...argv], { from: 'user' }));
    return state.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed help, the version or its usage message.
      return exitCodeFor(error);
    }
    const code = exitCodeFor(error);
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(code === 70 ? `byok: internal error: ${error instanceof Error ? error.stack : message}\n` : `byok: ${message}\n`);
    return code;
  }
}
