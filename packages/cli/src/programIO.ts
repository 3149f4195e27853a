import type { Readable } from 'node:stream';

/** What a run of the program reads and writes through: the CLI's only handle on the process. */
export interface ProgramIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether standard output is a terminal (picks the table format). Default: false. */
  readonly stdoutIsTTY?: boolean;
  /** Whether standard error is a terminal (shows progress). Default: false. */
  readonly stderrIsTTY?: boolean;
  /** What `-` reads. Default: the process's standard input. */
  readonly stdin?: Readable;
}
