import { closeOrThrow, openOutputFile, writeAllOrThrow } from './outputFiles.js';

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
  // Under a temporary name until the run succeeds (io/outputFiles.ts).
  const fd = openOutputFile(path);
  // Text is encoded straight into one reused buffer: concatenating strings first would
  // build ropes for the garbage collector to flatten and collect, row after row.
  const buffer = Buffer.allocUnsafe(CHUNK);
  let used = 0;
  const flush = () => {
    writeAllOrThrow(fd, buffer, path, 0, used);
    used = 0;
  };
  return {
    write(text) {
      // A UTF-16 code unit never takes more than 3 bytes in UTF-8.
      if (used + text.length * 3 > CHUNK) {
        flush();
        if (text.length * 3 > CHUNK) {
          writeAllOrThrow(fd, Buffer.from(text), path);
          return;
        }
      }
      used += buffer.write(text, used);
    },
    close() {
      flush();
      closeOrThrow(fd, path);
    },
  };
}
