import { ByokError } from '@byok-billing/core';
import { InputError } from './inputError.js';

/**
 * A failure while reading an input's bytes, as the refusal the user sees: a gzip stream
 * that breaks off or is corrupt, or a file that cannot be read, names the file (exit 2),
 * never an internal error (exit 70). The one place such failures are mapped: every reader
 * (the replay, the DuckDB engine's, the accounts, invoice and import readers) goes through it,
 * so a broken .gz input is refused alike everywhere.
 */
export function readFailure(error: unknown, file: string): unknown {
  if (error instanceof InputError || error instanceof ByokError) return error;
  const code = (error as NodeJS.ErrnoException)?.code;
  if (code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR' || code === 'ERR_STREAM_PREMATURE_CLOSE') {
    return new InputError({ file }, `is not a readable gzip file (${(error as Error).message}); is it truncated or corrupt?`);
  }
  // Only the system's errors (EIO, EACCES, EISDIR…): Node's ERR_* codes are programming
  // errors (ERR_BUFFER_OUT_OF_BOUNDS), which must stay bugs (exit 70), not unreadable input.
  if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) return new InputError({ file }, `cannot be read (${code})`);
  return error;
}

/** The bytes of `stream`, with a failure to read them turned into readFailure's refusal. */
export async function* guardedBytes(stream: AsyncIterable<Uint8Array>, file: string): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of stream) yield chunk;
  } catch (error) {
    throw readFailure(error, file);
  }
}
