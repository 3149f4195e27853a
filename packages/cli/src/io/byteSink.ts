import { closeOrThrow, openOutputFile, writeAllOrThrow } from './outputFiles.js';

const CHUNK = 1 << 20;
/** Room kept free at the end of the buffer, so that one record never needs a check per byte. */
const SLACK = 1 << 16;

/**
 * A file written byte by byte into one reused buffer: for outputs of a record per request
 * (decision records), where building a string per record and encoding it costs several
 * times more than putting its bytes in place. Text that is not ASCII is encoded as UTF-8.
 */
export class ByteSink {
  /** The bytes being gathered; a writer may put bytes at `used` directly after `reserve()`. */
  readonly buffer = Buffer.allocUnsafe(CHUNK + SLACK);
  used = 0;
  private readonly fd: number;

  constructor(private readonly path: string) {
    // Under a temporary name until the run succeeds (io/outputFiles.ts).
    this.fd = openOutputFile(path);
  }

  /** Call once per record: writes out the buffer when it is nearly full (then SLACK bytes are free). */
  reserve(): void {
    if (this.used >= CHUNK) this.flush();
  }

  byte(code: number): void {
    this.buffer[this.used++] = code;
  }

  /** Text, as UTF-8. */
  text(value: string): void {
    const n = value.length;
    if (this.used + n * 3 > CHUNK + SLACK) this.flush();
    const buffer = this.buffer;
    let at = this.used;
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c >= 128) {
        this.used = at;
        this.used += buffer.write(value.slice(i), this.used);
        return;
      }
      buffer[at++] = c;
    }
    this.used = at;
  }

  /** Bytes as they are. */
  raw(bytes: Uint8Array, start: number, end: number): void {
    if (this.used + (end - start) > CHUNK + SLACK) this.flush();
    if (end - start > 32) {
      this.buffer.set(bytes.subarray(start, end), this.used);
      this.used += end - start;
      return;
    }
    const buffer = this.buffer;
    let at = this.used;
    for (let i = start; i < end; i++) buffer[at++] = bytes[i]!;
    this.used = at;
  }

  /** Bytes of text encoded once (cells that repeat). */
  encoded(bytes: Uint8Array): void {
    this.raw(bytes, 0, bytes.length);
  }

  private flush(): void {
    writeAllOrThrow(this.fd, this.buffer, this.path, 0, this.used);
    this.used = 0;
  }

  close(): void {
    this.flush();
    closeOrThrow(this.fd, this.path);
  }
}
