import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { UsageError } from '../exitCodes.js';
import { openOutputFile } from './outputFiles.js';
import type { ProgramIO } from '../programIO.js';

/**
 * Writes generated chunks to `io.stdout`. bin.ts's stdout returns what process.stdout.write
 * returns: false once the pipe's buffer is full. Then it waits for the drain, or a fast
 * generator would queue gigabytes ahead of a slow reader.
 */
export async function writeChunksToStdout(chunks: Iterable<string | Uint8Array>, io: ProgramIO): Promise<void> {
  const write = io.stdout as (text: string | Uint8Array) => unknown;
  for (const chunk of chunks) {
    if (write(chunk) === false && process.stdout.writableNeedDrain) {
      try {
        await once(process.stdout, 'drain');
      } catch (error) {
        // The reader went away (`byok generate … | head`): stop quietly, as Unix tools do.
        if ((error as NodeJS.ErrnoException).code === 'EPIPE') return;
        throw error;
      }
    }
  }
}

/**
 * Writes generated chunks to a file through a back-pressured stream, gzipped when the name
 * ends in `.gz` (zlib compresses on libuv's thread pool while the next chunk is generated).
 */
export async function writeChunksToFile(chunks: Iterable<string | Uint8Array>, out: string, gzipLevel: number): Promise<void> {
  // Under a temporary name until the run succeeds (io/outputFiles.ts); the stream closes the descriptor.
  const file = createWriteStream(out, { fd: openOutputFile(out) });
  const stages: Writable[] = /\.gz$/i.test(out) ? [createGzip({ level: gzipLevel, chunkSize: 1 << 18 }), file] : [file];
  try {
    await pipeline(Readable.from(paced(chunks), { objectMode: false, highWaterMark: 4 }), ...(stages as [Writable]));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) throw new UsageError(`${out}: cannot be written (${code})`);
    throw error;
  }
}

/**
 * Hands out the chunks, letting the event loop run between them: zlib's and fs's
 * completion callbacks then start their next piece of thread-pool work right away, instead
 * of waiting behind the (synchronous) generation of many chunks.
 */
async function* paced(chunks: Iterable<string | Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
  for (const chunk of chunks) {
    yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
