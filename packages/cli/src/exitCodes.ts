import { ByokError } from '@byok-billing/core';
import { CommanderError } from 'commander';

/** FORMATS.md "Exit codes". */
export const EXIT_OK = 0;
export const EXIT_DISCREPANCIES = 1;
export const EXIT_BAD_INPUT = 2;

/** A usage or input problem the user can fix; always exit code 2. */
export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The exit code for an error thrown by a command: 2 for anything the user caused, else a bug. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
  if (error instanceof UsageError || error instanceof ByokError) return EXIT_BAD_INPUT;
  return 70; // EX_SOFTWARE: an unexpected failure, i.e. a bug in byok
}
