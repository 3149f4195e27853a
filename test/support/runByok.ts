import { Readable } from 'node:stream';
import { run } from '@byok-billing/cli';

export interface ByokResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI in-process, as the binary would, capturing its output; `stdin` feeds `-`. */
export async function byok(args: readonly string[], stdin?: string | Buffer): Promise<ByokResult> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    ...(stdin === undefined ? {} : { stdin: Readable.from([Buffer.from(stdin)]) }),
  });
  return { code, stdout, stderr };
}
