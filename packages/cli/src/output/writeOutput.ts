import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
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
    throw cannotWrite(out, error);
  }
}

/**
 * `writeOutput` for output made a piece at a time (a bill of many lines): each piece is
 * written as it is made, so the whole text is never held at once, as a string or as bytes.
 */
export function writeOutputChunks(chunks: Iterable<string>, out: string | undefined, io: ProgramIO): void {
  if (out === undefined) {
    for (const chunk of chunks) io.stdout(chunk);
    return;
  }
  let fd: number;
  try {
    fd = openSync(out, 'w');
  } catch (error) {
    throw cannotWrite(out, error);
  }
  try {
    for (const chunk of chunks) writeAll(fd, Buffer.from(chunk), out);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Buffer, out: string): void {
  try {
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
  } catch (error) {
    throw cannotWrite(out, error);
  }
}

function cannotWrite(out: string, error: unknown): UsageError {
  return new UsageError(`${out}: cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
}
