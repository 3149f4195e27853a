import { closeSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { makeScratchDir, removeScratchDir } from './scratchDirs.js';
import { type InputSource, inputSource } from './openInput.js';

/**
 * Standard input read once but available twice: its bytes are copied to a temporary file as
 * the replay reads them, so that a replay that has to start again (a row later than the
 * reorder window) reads the same bytes from the file, the rest of standard input included.
 */
export interface SpooledStdin {
  /** Standard input, as read the first time. */
  readonly source: InputSource;
  /** All of standard input, from a file: waits until standard input has ended. */
  reread(): Promise<InputSource>;
  /** Removes the temporary file. */
  close(): void;
}

export function spoolStdin(stdin: Readable, dir: string = tmpdir()): SpooledStdin {
  let spoolDir: string | undefined;
  let fd: number | undefined;
  let ended = false;
  let failure: unknown;
  // Standard input as a file, once it has been read to its end.
  let spooled: InputSource | undefined;
  const waiting: (() => void)[] = [];
  const settle = () => waiting.splice(0).forEach((wake) => wake());

  const source: InputSource = {
    name: '<stdin>',
    size: undefined,
    open(onRawBytes) {
      spoolDir = makeScratchDir(dir, 'byok-stdin-');
      fd = openSync(join(spoolDir, 'stdin'), 'w');
      const out = new PassThrough({ highWaterMark: 1 << 20 });
      // The reader stopped early (a replay starting again): keep copying the rest to the file.
      out.on('close', () => stdin.resume());
      stdin.on('data', (chunk: Buffer) => {
        let written = 0;
        while (written < chunk.length) written += writeSync(fd!, chunk, written, chunk.length - written);
        onRawBytes?.(chunk.length);
        if (!out.destroyed && !out.write(chunk)) {
          stdin.pause();
          out.once('drain', () => stdin.resume());
        }
      });
      stdin.once('end', () => {
        ended = true;
        out.end();
        settle();
      });
      stdin.once('error', (error) => {
        failure = error;
        out.destroy(error);
        settle();
      });
      return out;
    },
  };

  return {
    source,
    async reread() {
      if (spooled !== undefined) return spooled;
      if (fd === undefined) return source;
      if (!ended && failure === undefined) {
        stdin.resume();
        await new Promise<void>((wake) => waiting.push(wake));
      }
      if (failure !== undefined) throw failure;
      closeSync(fd);
      fd = undefined;
      spooled = { ...inputSource(join(spoolDir!, 'stdin')), name: '<stdin>' };
      return spooled;
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
      if (spoolDir !== undefined) removeScratchDir(spoolDir);
      spoolDir = undefined;
    },
  };
}
