import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { makeScratchDir, removeScratchDir } from '../../io/scratchDirs.js';

/**
 * The accepted rows of a load, kept on disk until the whole input has been read and
 * checked: nothing reaches the server from a run that then stops at a bad row, a replay
 * that starts again begins the file afresh, and memory stays bounded (the rows are
 * written in ~1 MiB chunks, as fileSink writes outputs).
 */
export class RowSpool {
  readonly path: string;
  private readonly dir: string;
  private readonly fd: number;
  private readonly buffer = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  /** Bytes in the file: writes go there by position (truncating does not move a file's offset). */
  private size = 0;
  /** Rows written since the last reset. */
  rows = 0;

  constructor(parent: string = tmpdir()) {
    this.dir = makeScratchDir(parent, 'byok-clickhouse-');
    this.path = join(this.dir, 'rows.tsv');
    this.fd = openSync(this.path, 'w+', 0o600);
  }

  write(line: string): void {
    // A UTF-16 code unit never takes more than 3 bytes in UTF-8.
    if (this.used + line.length * 3 > this.buffer.length) {
      this.flush();
      if (line.length * 3 > this.buffer.length) {
        this.writeOut(Buffer.from(line), 0, Buffer.byteLength(line));
        this.rows++;
        return;
      }
    }
    this.used += this.buffer.write(line, this.used);
    this.rows++;
  }

  /** Drops everything written (a replay starting again). */
  reset(): void {
    this.used = 0;
    this.rows = 0;
    this.size = 0;
    ftruncateSync(this.fd, 0);
  }

  /** Writes what is buffered: the file then holds every row. */
  flush(): void {
    this.writeOut(this.buffer, 0, this.used);
    this.used = 0;
  }

  private writeOut(bytes: Buffer, from: number, to: number): void {
    for (let at = from; at < to; ) {
      const n = writeSync(this.fd, bytes, at, to - at, this.size);
      at += n;
      this.size += n;
    }
  }

  private disposed = false;

  /** Removes the file (once; again is nothing). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    closeSync(this.fd);
    removeScratchDir(this.dir);
  }
}
