import { closeOrThrow, openOutputFile, writeAllOrThrow } from '../io/outputFiles.js';
import type { ProgramIO } from '../programIO.js';

/** Writes a command's output to standard output, or to `--out FILE`. */
export function writeOutput(text: string, out: string | undefined, io: ProgramIO): void {
  writeOutputChunks([text], out, io);
}

/**
 * `writeOutput` for output made a piece at a time (a bill of many lines): each piece is
 * written as it is made, so the whole text is never held at once, as a string or as bytes.
 * A file is written under a temporary name until the run succeeds (io/outputFiles.ts).
 */
export function writeOutputChunks(chunks: Iterable<string>, out: string | undefined, io: ProgramIO): void {
  if (out === undefined) {
    for (const chunk of chunks) io.stdout(chunk);
    return;
  }
  const fd = openOutputFile(out);
  let closed = false;
  try {
    for (const chunk of chunks) writeAllOrThrow(fd, Buffer.from(chunk), out);
    closed = true;
    closeOrThrow(fd, out);
  } finally {
    // On a failed write the descriptor is still open: close it, keeping the write's error.
    if (!closed) closeQuietly(fd, out);
  }
}

function closeQuietly(fd: number, out: string): void {
  try {
    closeOrThrow(fd, out);
  } catch {
    // The write's error is the one to report.
  }
}
