import { createReadStream, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError } from './inputError.js';

/** One input of a run: a file (plain or gzipped) or standard input (`-`). */
export interface InputSource {
  /** The name errors and rejects use: the path as given, or `<stdin>`. */
  readonly name: string;
  /** Bytes as stored (compressed for .gz); undefined for stdin. */
  readonly size: number | undefined;
  /** Decompressed bytes. `onRawBytes` sees the stored bytes as they are read (progress). */
  open(onRawBytes?: (n: number) => void): Readable;
}

const READ_BUFFER = 1 << 20;

export function inputSource(path: string, stdin: Readable = process.stdin): InputSource {
  if (path === '-') {
    return {
      name: '<stdin>',
      size: undefined,
      open(onRawBytes) {
        if (onRawBytes) stdin.on('data', (chunk: Buffer) => onRawBytes(chunk.length));
        return stdin;
      },
    };
  }
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new InputError({ file: path }, 'is a directory, not a log file');
    size = stat.size;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError({ file: path }, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const gzipped = path.endsWith('.gz');
  return {
    name: path,
    size,
    open(onRawBytes) {
      const raw = createReadStream(path, { highWaterMark: READ_BUFFER });
      if (onRawBytes) raw.on('data', (chunk) => onRawBytes((chunk as Buffer).length));
      if (!gzipped) return raw;
      const gunzip = createGunzip({ chunkSize: READ_BUFFER });
      raw.on('error', (error) => gunzip.destroy(error));
      return raw.pipe(gunzip);
    },
  };
}
