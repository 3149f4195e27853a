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
  let pending = '';
  const flush = () => {
    if (pending.length > 0) writeSync(fd, pending);
    pending = '';
  };
  return {
    write(text) {
      pending += text;
      if (pending.length >= CHUNK) flush();
    },
    close() {
      flush();
      closeSync(fd);
    },
  };
}
