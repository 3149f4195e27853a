import { type Command, Option } from 'commander';
import { type AdjustTerms, computeAdjustment } from '../adjust/computeAdjustment.js';
import { EXIT_DISCREPANCIES, EXIT_OK } from '../exitCodes.js';
import { ADJUST_FORMATS, type AdjustFormat, formatAdjust } from '../output/adjustFormats.js';
import type { ProgramIO } from '../programIO.js';
import { addReplayOptions } from '../replay/runReplay.js';
import { writeOutput } from '../output/writeOutput.js';

export interface AdjustCliOptions extends AdjustTerms {
  readonly format?: AdjustFormat;
  readonly out?: string;
}

/** `byok adjust`: credit and debit notes for a closed invoice the log now bills differently. Returns the exit code. */
export async function adjustCommand(logs: readonly string[], options: AdjustCliOptions, io: ProgramIO): Promise<number> {
  const report = await computeAdjustment(logs, options, io);
  const format = options.format ?? (io.stdoutIsTTY && options.out === undefined ? 'table' : 'json');
  writeOutput(formatAdjust(report, format), options.out, io);
  return report.adjusts ? EXIT_DISCREPANCIES : EXIT_OK;
}

export function registerAdjust(program: Command, io: ProgramIO, setExitCode: (code: number) => void): void {
  const command = program
    .command('adjust')
    .summary('credit and debit notes for a closed invoice that late or corrected rows now bill differently')
    .description(
      'Bill the logs as they stand now (late rows and corrected rows included) and compare each line of a closed invoice ' +
        'with it: every invoiced scope-month whose total now, rounded as the invoice was, differs gets a credit note ' +
        '(the customer was over-billed) or a debit note, with the exact difference and a one-line reason; scope-months ' +
        'that still agree get none. With --billed-from (the log the invoice was billed from), each note names the requests ' +
        'that caused it: added late, corrected, removed, or shifted across the allowance by a late arrival. A scope-month ' +
        'of an invoiced month that the invoice has no line for gets a debit note when the log now bills it something. ' +
        'Exit code 0 when there is nothing to adjust, 1 when notes were written, 2 on bad input.',
    )
    .argument('<log...>', 'request log files as they stand now (.csv, .csv.gz), or - for standard input');
  addReplayOptions(command)
    .option('--invoice <file>', 'the closed invoice CSV: scope,period,total_usd and optionally any other bill column')
    .option('--billed-from <log...>', 'the log file(s) the invoice was billed from: notes then name the requests that changed')
    .addOption(new Option('--format <format>', 'output format (default: table on a terminal, json otherwise)').choices(ADJUST_FORMATS))
    .option('--out <file>', 'write the notes to this file')
    .addHelpText(
      'after',
      `
Examples:
  $ byok adjust october.csv late-rows.csv --invoice invoice-2025-10.csv
  $ byok adjust october.csv late-rows.csv --invoice invoice-2025-10.csv --billed-from october.csv --format table
  $ byok adjust corrected.csv --invoice invoice.csv --billed-from original.csv --format csv --out notes.csv

Notes are rounded as the invoice was: to the policy's presentation (e.g. cents, half-even), or
exact when the invoice states amounts with more decimals than that.`,
    )
    .action(async (logs: string[], options: AdjustCliOptions) => {
      setExitCode(await adjustCommand(logs, options, io));
    });
}
