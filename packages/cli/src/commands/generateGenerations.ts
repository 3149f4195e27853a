import { writeOutput } from '../output/writeOutput.js';
import type { Command } from 'commander';
import { UsageError } from '../exitCodes.js';
import { generationRecordsJsonl } from '../generate/generationRecordsJsonl.js';
import {
  DEFAULT_BYOK_SHARE,
  DEFAULT_CANCELLED_SHARE,
  DEFAULT_GENERATION_MONTH,
  DEFAULT_GENERATION_USERS,
  type GenerationRecordsConfig,
  type GenerationRecordsRawOptions,
  resolveGenerationRecordsConfig,
} from '../generate/generationRecordsConfig.js';
import { type GenerationRecordsSummary, createGenerationSummary } from '../generate/generationSummary.js';
import { DEFAULT_GZIP_LEVEL } from '../generate/options.js';
import { writeChunksToFile, writeChunksToStdout } from '../io/writeChunks.js';
import type { ProgramIO } from '../programIO.js';

export interface GenerateGenerationsOptions extends GenerationRecordsRawOptions {
  /** File to write; `undefined` or `-`: standard output. A name ending in `.gz` is gzipped. */
  readonly out?: string;
  /** Write the summary with every planted error (JSON) here. */
  readonly planted?: string;
  readonly quiet?: boolean;
}

/**
 * `byok generate generations`: a month of a gateway's generation records (JSON Lines),
 * seeded, with charge errors planted where asked; the summary (and with --planted, every
 * planted error) says what an audit of them must find.
 */
export async function generateGenerationsCommand(options: GenerateGenerationsOptions, io: ProgramIO): Promise<GenerationRecordsSummary> {
  const config = resolveGenerationRecordsConfig(options);
  const summary = createGenerationSummary(config);
  const chunks = generationRecordsJsonl(config, summary.observe);
  if (options.out === undefined || options.out === '-') await writeChunksToStdout(chunks, io);
  else await writeChunksToFile(chunks, options.out, DEFAULT_GZIP_LEVEL);
  const result = summary.finish();
  if (options.planted !== undefined) {
    writeOutput(`${JSON.stringify(result, null, 2)}\n`, options.planted, io);
  }
  if (!options.quiet) io.stderr(`byok: ${summaryLine(result, config, options.out)}\n`);
  return result;
}

function summaryLine(s: GenerationRecordsSummary, config: GenerationRecordsConfig, out: string | undefined): string {
  const n = (count: number) => count.toLocaleString('en-US');
  const target = out === undefined || out === '-' ? 'standard output' : out;
  let text =
    `wrote ${n(s.records)} generation record(s) of ${s.month}${s.org === null ? '' : ` (org ${s.org})`} to ${target}: ` +
    `${n(s.byok)} BYOK, ${n(s.platform)} platform, ${n(s.cancelled)} cancelled`;
  if (s.crossings.length === 1) text += `; ${s.crossings[0]!.scope} passes the allowance of ${n(config.terms.allowance)} at ${s.crossings[0]!.firstBillable}`;
  else if (s.crossings.length > 1) text += `; ${n(s.crossings.length)} scopes pass the allowance of ${n(config.terms.allowance)}`;
  text += `; ${n(s.planted.length)} planted charge error(s)`;
  for (const d of s.chargeDifferences) {
    text += `, ${d.scope} ${d.differenceUsd.startsWith('-') ? `under-charged $${d.differenceUsd.slice(1)}` : `over-charged $${d.differenceUsd}`}`;
  }
  if (out !== undefined && out !== '-') text += `. Import with: byok import generations ${out}${s.org === null ? '' : ` --org ${s.org}`} --out log.csv`;
  return text;
}

const EXAMPLES = `
Examples:
  $ byok generate generations --records 1050000 --seed 17 --org acme --out records.jsonl
  $ byok generate generations --records 1050000 --seed 17 --org acme --missing-fee 3 --errors-at-crossing --planted planted.json --out records.jsonl
  $ byok import generations records.jsonl --org acme --out log.csv && byok audit log.csv --per-request

Records come in strictly increasing instants (microseconds) within the UTC month, written
in assorted UTC offsets; fields in snake_case or camelCase, some wrapped as {"data": {...}};
amounts as JSON numbers the way different gateways print them (0.0125, 1.25e-05, 4.0E-5,
0.052000), always exactly the amount. A BYOK record's total_cost is the fee the default
policy charges (0 inside the first 1,000,000 BYOK requests of the month, 5% of its
upstream_inference_cost past them), a platform record's its list price, a cancelled
record's 0 — except on the records a planted error was put on. The same arguments give
the same bytes.`;

/** Adds `byok generate generations` under `byok generate`. */
export function registerGenerateGenerations(generate: Command, io: ProgramIO): void {
  generate
    .command('generations')
    .summary('a month of a gateway\'s generation records (JSON Lines), with planted charge errors')
    .description(
      'Write a seeded month of generation records as a BYOK gateway exports them (id, created_at, model, provider_name, ' +
        'is_byok, total_cost, upstream_inference_cost, cancelled, external_user), each charged as the default policy says, ' +
        'except for the charge errors planted with the options below. Input for byok import generations and byok audit --per-request.',
    )
    .option('--records <n>', 'number of records to write (required; e.g. --records 1050000)')
    .option('--seed <n>', 'seed: the same seed and options give the same bytes (default: 1; e.g. --seed 17)')
    .option('--month <YYYY-MM>', `the UTC month the records fall in (default: ${DEFAULT_GENERATION_MONTH}; e.g. --month 2025-12)`)
    .option('--org <id>', 'the organization the records are imported under: one allowance for all its users (default: none, each user has their own; e.g. --org acme)')
    .option('--users <n>', `number of distinct external_user values (default: ${DEFAULT_GENERATION_USERS}; e.g. --users 200)`)
    .option('--byok-share <fraction>', `share of records served on the customer's key; the rest on platform credits (default: ${DEFAULT_BYOK_SHARE}; e.g. --byok-share 90%)`)
    .option('--cancelled-share <fraction>', `share of records cancelled (default: ${DEFAULT_CANCELLED_SHARE}; e.g. --cancelled-share 0.01)`)
    .option('--fee-inside-allowance <n>', 'plant n over-charges: BYOK requests inside the free allowance charged the fee (e.g. --fee-inside-allowance 5)')
    .option('--missing-fee <n>', 'plant n under-charges: BYOK requests past the allowance charged nothing (e.g. --missing-fee 3)')
    .option('--wrong-fee-rate <n>', 'plant n BYOK requests past the allowance charged at another rate than the policy\'s: 10%, 50%, 2% or 15% (e.g. --wrong-fee-rate 3)')
    .option('--list-price-on-byok <n>', 'plant n BYOK requests past the allowance charged their full list price, as if served on platform credits (e.g. --list-price-on-byok 2)')
    .option('--charge-on-cancelled <n>', 'plant n cancelled records charged as if served (e.g. --charge-on-cancelled 2)')
    .option('--errors-at-crossing', 'where the allowance runs out: charge the last free request the fee, the first billable nothing, the second a wrong rate (e.g. --errors-at-crossing)')
    .option('--out <file>', 'write to this file instead of standard output; a name ending in .gz is gzipped (e.g. --out records.jsonl)')
    .option('--planted <file>', 'write the summary and every planted error (id, kind, ordinal, charged, policy charge, difference) as JSON (e.g. --planted planted.json)')
    .option('-q, --quiet', 'no summary on standard error')
    .addHelpText('after', EXAMPLES)
    .action(async (_own: GenerateGenerationsOptions, command: Command) => {
      refuseParentOnlyOptions(command.parent!);
      await generateGenerationsCommand(command.optsWithGlobals<GenerateGenerationsOptions>(), io);
    });
}

/**
 * commander reads the options of `byok generate` wherever they appear on the line, so in
 * `generate generations --seed 7` the parent gets --seed (hence optsWithGlobals above, for
 * the options both share). The parent's other options mean nothing here: refuse them
 * rather than ignore them.
 */
function refuseParentOnlyOptions(parent: Command): void {
  const foreign = parent.options.filter((o) => !SHARED_WITH_PARENT.has(o.attributeName()) && parent.getOptionValue(o.attributeName()) !== undefined);
  if (foreign.length > 0) {
    throw new UsageError(`${foreign.map((o) => o.long).join(', ')}: not an option of byok generate generations (see byok generate generations --help)`);
  }
}

/** Options of `byok generate` that `byok generate generations` has too, with the same meaning. */
const SHARED_WITH_PARENT = new Set(['seed', 'users', 'out']);
