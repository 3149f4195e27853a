import { createReadStream, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError } from './inputError.js';

/** One input of a run: a file (plain or gzipped) or standard input (`-`). */
export interface InputSource {
  /** The name errors and rejects use: the path as given, or `<stdin>`. */
  readonly name: string;
  /** Bytes as stored (compressed for .gz); undefined for stdin. */
  readonly size: number | undefined;
  /** The file's path when it is a plain (not compressed) file, which can be read at any offset. */
  readonly plainPath?: string | undefined;
  /** Decompressed bytes. `onRawBytes` sees the stored bytes as they are read (progress). */
  open(onRawBytes?: (n: number) => void): Readable;
}

const READ_BUFFER = 1 << 20;

/**
 * An input named as the user wrote it. `baseDir` resolves a relative path against
 * another directory (re-running an audit bundle) without changing the name shown.
 */
export function inputSource(path: string, stdin: Readable = process.stdin, baseDir?: string): InputSource {
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
  const name = path;
  if (baseDir !== undefined) path = resolve(baseDir, path);
  let size: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) throw new InputError({ file: name }, 'is a directory, not a log file');
    size = stat.size;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError({ file: name }, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const gzipped = path.endsWith('.gz');
  return {
    name,
    size,
    plainPath: gzipped ? undefined : path,
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
