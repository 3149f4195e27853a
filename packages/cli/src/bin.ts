#!/usr/bin/env node
import { abortOutputRuns } from './io/outputFiles.js';
import { removeAllScratchDirs } from './io/scratchDirs.js';
import { run } from './run.js';

// A reader that stops early (`byok bill … | head`) closes the pipe: that is not an error
// of byok's, so leave quietly instead of printing an EPIPE stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

// Stopped by a signal (Ctrl-C, SIGTERM from a supervisor): remove the run's temporary outputs
// and scratch directories, then end as a process stopped by that signal conventionally does
// (128 + its number).
for (const [signal, number] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]] as const) {
  process.once(signal, () => {
    abortOutputRuns();
    removeAllScratchDirs();
    process.exit(128 + number);
  });
}

// The only place that sets the exit code: everything else returns exit codes.
const code = await run(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stdoutIsTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
});
process.exitCode = code;
