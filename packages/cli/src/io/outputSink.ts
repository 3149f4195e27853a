import { closeSync, openSync, writeSync } from 'node:fs';
import { UsageError } from '../exitCodes.js';

/**
 * A buffered, synchronous text sink for large outputs (decision records, rejects):
 * strings are gathered into ~1 MiB chunks and written with one system call each, so a
 * record per request costs a string concatenation, not an I/O call.
 */
export interface OutputSink {
  write(text: string): void;
  close(): void;
}

const CHUNK = 1 << 20;

export function fileSink(path: string): OutputSink {
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (error) {
    throw new UsageError(`${path}: cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  // Text is encoded straight into one reused buffer: concatenating strings first would
  // build ropes for the garbage collector to flatten and collect, row after row.
  const buffer = Buffer.allocUnsafe(CHUNK);
  let used = 0;
  const flush = () => {
    let written = 0;
    while (written < used) written += writeSync(fd, buffer, written, used - written);
    used = 0;
  };
  return {
    write(text) {
      // A UTF-16 code unit never takes more than 3 bytes in UTF-8.
      if (used + text.length * 3 > CHUNK) {
        flush();
        if (text.length * 3 > CHUNK) {
          writeSync(fd, text);
          return;
        }
      }
      used += buffer.write(text, used);
    },
    close() {
      flush();
      closeSync(fd);
    },
  };
}
