/** @byok-billing/cli — the `byok` command as a library, for tests and scripting. */
export { run } from './run.js';
export { createProgram, type RunState } from './program.js';
export type { ProgramIO } from './programIO.js';
export { EXIT_BAD_INPUT, EXIT_DISCREPANCIES, EXIT_OK, UsageError, exitCodeFor } from './exitCodes.js';
export { VERSION } from './version.js';
