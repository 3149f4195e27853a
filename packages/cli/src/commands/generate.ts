import { Command, Option } from 'commander';
import { OFFERINGS } from '../generate/catalog.js';
import { generateCsv, generateCsvBytes } from '../generate/generator.js';
import {
  DEFAULT_COLUMNS,
  DEFAULT_GZIP_LEVEL,
  DEFAULT_START,
  DEFAULT_USERS,
  GENERATE_COLUMNS,
  type GenerateConfig,
  type GenerateRawOptions,
  resolveGenerateConfig,
  resolveGzipLevel,
} from '../generate/options.js';
import { writeChunksToFile, writeChunksToStdout } from '../io/writeChunks.js';
import type { ProgramIO } from '../programIO.js';
import { registerGenerateGenerations } from './generateGenerations.js';

export interface GenerateOutput {
  /** File to write; `undefined` or `-`: the ProgramIO's stdout. A name ending in `.gz` is gzipped. */
  readonly out?: string | undefined;
  readonly gzipLevel?: number;
}

/**
 * Writes the generated log: to `io.stdout` chunk by chunk, or to a file through a
 * back-pressured stream (gzip when the name ends in `.gz`).
 */
export async function writeGenerated(config: GenerateConfig, output: GenerateOutput, io: ProgramIO): Promise<void> {
  const out = output.out;
  if (out === undefined || out === '-') await writeChunksToStdout(generateCsv(config), io);
  else await writeChunksToFile(generateCsvBytes(config), out, output.gzipLevel ?? DEFAULT_GZIP_LEVEL);
}

const EXAMPLES = `
Examples:
  $ byok generate --rows 100000 --seed 42 > october.csv
  $ byok generate --rows 10000000 --orgs 500 --users 20000 --heavy-orgs 3 --out october.csv.gz
  $ byok generate --rows 3000000 --start 2025-09-01T00:00:00Z --months 3 --out q4.csv
  $ byok generate --rows 1200000 --seed 7 --single-org acme --start 2025-10-01T00:00:00Z --months 1
  $ byok generate --rows 50000 --offsets --shuffle-window 5m --duplicates 0.01 --columns request_id,timestamp,user_id,org_id,cost_usd,key_result,route,charged_usd
  $ byok generate generations --records 1050000 --seed 17 --org acme --out records.jsonl

The same arguments always give the same rows, byte for byte (a .gz file decompresses to them).
\`byok generate generations\` writes a gateway's generation records (JSON Lines) instead, with charge
errors planted where asked: see byok generate generations --help.
Costs are exact decimals: integer token counts × per-token list prices (${new Set(OFFERINGS.map((o) => o.model)).size} models,
${OFFERINGS.length} model/provider prices). route and charged_usd are what the default policy decides under the
fallback failover mode (accounts overrides are not modelled).`;

/** Adds `byok generate` to the program. */
export function registerGenerate(program: Command, io: ProgramIO): void {
  const generate = program
    .command('generate')
    .description(
      'Write a realistic, seeded request log (CSV): heavy-tailed orgs and users, daytime-heavy UTC traffic, ' +
        'mixed key and platform results, per-request costs from a model price table.',
    )
    // Not a commander requiredOption: commander checks those for subcommands too, and
    // `generate generations` has no rows. resolveGenerateConfig requires it instead.
    .option('--rows <n>', 'number of data rows to write, duplicates included (required; e.g. --rows 1000000)')
    .option('--seed <n>', 'seed: the same seed and options give the same bytes (default: 1; e.g. --seed 42)')
    .option('--start <iso>', `first instant of the log, with offset (default: ${DEFAULT_START}; e.g. --start 2025-09-15T00:00:00Z)`)
    .addOption(
      new Option('--months <n>', 'spread the rows over this many UTC months from --start (default: 1; e.g. --months 3)').conflicts('end'),
    )
    .option('--end <iso>', 'spread the rows up to this instant, exclusive, instead of --months (e.g. --end 2025-10-08T00:00:00Z)')
    .option('--users <n>', `number of users (default: ${DEFAULT_USERS}; e.g. --users 50000)`)
    .option('--orgs <n>', 'number of organizations, heavy ones included (default: users/20, at most 100; e.g. --orgs 300)')
    .option(
      '--heavy-orgs <n>',
      'orgs given enough traffic to pass 1,000,000 BYOK requests a month when --rows allows (default: 1; e.g. --heavy-orgs 3)',
    )
    .option(
      '--single-org <id>',
      'every request from this one org, every key result ok: the org passes the allowance once --rows exceeds 1,000,000 in a month (e.g. --single-org acme)',
    )
    .option(
      '--columns <list>',
      `comma-separated columns, in this order (default: ${DEFAULT_COLUMNS.join(',')}; ` +
        `may also name ${GENERATE_COLUMNS.filter((c) => !DEFAULT_COLUMNS.includes(c)).join(', ')}; e.g. --columns request_id,timestamp,user_id,org_id,cost_usd,route,charged_usd)`,
    )
    .option('--offsets', 'write timestamps in assorted UTC offsets, some as epoch milliseconds (e.g. --offsets)')
    .option(
      '--shuffle-window <ms>',
      'make the order only nearly sorted: no row precedes another by more than this (ms, or 500ms/30s/5m/2h/1d; e.g. --shuffle-window 30s)',
    )
    .option('--duplicates <rate>', 'fraction of rows that repeat a request identically, as retried log shipping does (e.g. --duplicates 0.01 or 1%)')
    .option('--out <file>', 'write to this file instead of standard output; a name ending in .gz is gzipped (e.g. --out log.csv.gz)')
    .option('--gzip-level <n>', `gzip compression level 1-9 for .gz output (default: ${DEFAULT_GZIP_LEVEL}; e.g. --gzip-level 9)`)
    .addHelpText('after', EXAMPLES)
    .action(async (options: GenerateRawOptions) => {
      const config = resolveGenerateConfig(options);
      const gzipLevel = resolveGzipLevel(options.gzipLevel);
      await writeGenerated(config, { out: options.out, gzipLevel }, io);
    });
  registerGenerateGenerations(generate, io);
}
