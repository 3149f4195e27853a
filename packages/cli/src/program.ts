import { Command } from 'commander';
import { registerAdjust } from './commands/adjust.js';
import { registerAudit } from './commands/audit.js';
import { registerBill } from './commands/bill.js';
import { registerExplain } from './commands/explain.js';
import { registerForecast } from './commands/forecast.js';
import { registerGenerate } from './commands/generate.js';
import { registerMeter } from './commands/meter.js';
import { registerSql } from './commands/sql.js';
import { registerUsage } from './commands/usage.js';
import { registerImport } from './commands/importGenerations.js';
import { registerLoad } from './commands/load.js';
import { registerWhatif } from './commands/whatif.js';
import { checkCommandOutputs } from './io/outputChecks.js';
import type { ProgramIO } from './programIO.js';
import { VERSION } from './version.js';


/**
 * The commander set-up. Commands are plain functions with typed options (in
 * `commands/`); this file only wires arguments to them. Nothing here exits the process:
 * commander is told to throw, and `bin.ts` turns errors into exit codes.
 */
/** What a run of the program reports back besides output: the exit code, and the argv. */
export interface RunState {
  exitCode: number;
  readonly argv: readonly string[];
}

export function createProgram(io: ProgramIO, state: RunState = { exitCode: 0, argv: [] }): Command {
  const program = new Command()
    .name('byok')
    .description(
      'Bill LLM-gateway request logs under the Bring-Your-Own-Key policy: the first 1,000,000 BYOK ' +
        'requests per month free, a 5% fee on list cost past them. Replay logs into bills, audit ' +
        'invoices, and compare pricing policies.',
    )
    .version(VERSION, '-V, --version', 'print the version of byok')
    .helpOption('-h, --help', 'show help for byok or a command')
    .showHelpAfterError('(run "byok --help" for usage)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();
  program.addHelpText(
    'after',
    '\nExit codes: 0 success, 1 an audit found discrepancies (or adjust wrote notes), 2 bad usage or bad input.\n' +
      'Documentation: the README of the byok-billing project.',
  );
  // Every command's outputs are checked before it starts: none may name an input, or a
  // place that cannot hold a file (io/outputChecks.ts).
  program.hook('preAction', (_program, action) => checkCommandOutputs(action.args, action.opts()));
  const setExitCode = (code: number) => {
    state.exitCode = code;
  };
  registerBill(program, io);
  registerAudit(program, io, setExitCode, state.argv);
  registerAdjust(program, io, setExitCode);
  registerExplain(program, io);
  registerGenerate(program, io);
  registerMeter(program, io);
  registerUsage(program, io);
  registerWhatif(program, io);
  registerImport(program, io);
  registerSql(program, io);
  registerLoad(program, io);
  registerForecast(program, io);
  return program;
}
