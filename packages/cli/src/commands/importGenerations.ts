import { type Command, Option } from 'commander';
import { UsageError } from '../exitCodes.js';
import { inputSource } from '../io/openInput.js';
import { parseMaxLineBytes } from '../io/readLimits.js';
import { type OutputSink, fileSink } from '../io/outputSink.js';
import { type ImportResult, type ImportSummary, importGenerations } from '../import/importGenerations.js';
import { importRejectsWriter } from '../import/importRejectsWriter.js';
import { RECORD_INPUT_FORMATS, type RecordInputFormat, formatFromName } from '../import/readGenerationRecords.js';
import { IMPORTED_LOG_HEADER, requestLogRow } from '../import/requestLogRow.js';
import type { ProgramIO } from '../programIO.js';

export interface ImportGenerationsOptions {
  readonly user?: string;
  readonly org?: string;
  readonly out?: string;
  readonly rejects?: string;
  readonly inputFormat?: RecordInputFormat;
  readonly maxLineBytes?: string;
  readonly quiet?: boolean;
}

/** `byok import generations`: a gateway's generation records as a request log with recorded charges. */
export async function importGenerationsCommand(input: string, options: ImportGenerationsOptions, io: ProgramIO): Promise<ImportSummary> {
  if (options.user === '') throw new UsageError('--user must not be empty');
  if (options.org === '') throw new UsageError('--org must not be empty (leave it out for an individual without an organization)');
  const maxRecordBytes = parseMaxLineBytes(options.maxLineBytes);
  const source = inputSource(input, io.stdin);
  const format = options.inputFormat === undefined || options.inputFormat === 'auto' ? formatFromName(source.name) : options.inputFormat;
  const rejects = options.rejects === undefined ? undefined : importRejectsWriter(fileSink(options.rejects));
  let result: ImportResult;
  try {
    result = await importGenerations(source.open(), source.name, { user: options.user, org: options.org, format, maxRecordBytes, onReject: rejects?.reject });
  } finally {
    rejects?.close();
  }
  // Written only once every record is read and sorted: a refused record (exit 2) leaves no half-written log.
  const sink: OutputSink = options.out === undefined ? stdoutSink(io) : fileSink(options.out);
  sink.write(`${IMPORTED_LOG_HEADER}\n`);
  for (const request of result.requests) sink.write(`${requestLogRow(request)}\n`);
  sink.close();
  if (!options.quiet) io.stderr(`byok: ${summaryLine(result.summary, source.name, options)}\n`);
  return result.summary;
}

function summaryLine(s: ImportSummary, name: string, options: ImportGenerationsOptions): string {
  const n = (count: number) => count.toLocaleString('en-US');
  let text =
    `imported ${n(s.imported)} of ${n(s.records)} record(s) from ${name}${options.out === undefined ? '' : ` into ${options.out}`}: ` +
    `${n(s.byok)} byok, ${n(s.platform)} platform, ${n(s.failed)} cancelled (route failed); ${n(s.duplicates)} duplicate(s) skipped; ${n(s.rejected)} rejected`;
  if (s.rejected > 0) text += ` (see ${options.rejects}; an audit of this log misses them, and the allowance counts of later requests may be off)`;
  if (s.records === 0) text += '; the input holds no records';
  return text;
}

/** Standard output in ~1 MiB writes: a month of records is one string concatenation per row. */
function stdoutSink(io: ProgramIO): OutputSink {
  let pending = '';
  return {
    write(text) {
      pending += text;
      if (pending.length >= 1 << 20) {
        io.stdout(pending);
        pending = '';
      }
    },
    close() {
      if (pending.length > 0) io.stdout(pending);
      pending = '';
    },
  };
}

export function registerImport(program: Command, io: ProgramIO): void {
  const command = program
    .command('import')
    .summary('turn a gateway\'s own records into request logs')
    .description('Convert records exported from an LLM gateway into the request log format (FORMATS.md) the other commands read.');
  command
    .command('generations')
    .summary('generation records (JSON Lines or JSON) to a request log with route and charged_usd')
    .description(
      'Read the per-request generation records a BYOK gateway returns (id, created_at, model, provider_name, is_byok, ' +
        'total_cost, upstream_inference_cost, cancelled, external_user; snake_case or camelCase; maybe wrapped as ' +
        '{"data": {...}}) and write a request log: request_id,timestamp,user_id,org_id,model,provider,cost_usd,route,charged_usd. ' +
        'A BYOK record\'s list cost is its upstream_inference_cost and its charge the gateway\'s total_cost (the fee); a ' +
        'platform record\'s cost and charge are both total_cost; a cancelled record is route failed (it does not count ' +
        'toward the allowance) and keeps what it was charged. Amounts are read from the JSON text exactly: exponents are ' +
        'expanded, and an amount needing more than 12 fractional digits is refused, never rounded. The log is written in ' +
        'time order, so byok bill and byok audit read it without --sort.',
    )
    .argument('<file>', 'records: .jsonl (one JSON object per line), .json (an array, or {"data": [...]}), or - for standard input')
    .option('--user <id>', 'the user every record belongs to (default: each record\'s external_user)')
    .option('--org <id>', 'the organization the records were made under (leave out for an individual)')
    .option('--out <file>', 'write the request log here instead of standard output')
    .option('--rejects <file>', 'write refused records (file, line, index, field, reason, record) here and go on')
    .addOption(
      new Option('--input-format <format>', 'how the input holds records (default: from the file name; for - and other names, from the text)').choices(
        RECORD_INPUT_FORMATS,
      ),
    )
    .option('--max-line-bytes <n>', 'longest record read, in bytes (a line of JSON Lines, or one record of a JSON document; K, M, G for KiB, MiB, GiB); a longer one is refused, skipped without being held in memory (default: 1M)')
    .option('-q, --quiet', 'no summary on standard error')
    .addHelpText(
      'after',
      `
Examples:
  $ byok import generations generations.jsonl --org acme --out log.csv
  $ byok import generations export.json --user alice --out log.csv --rejects refused.csv
  $ curl -s ... | byok import generations - --org acme > log.csv
  $ byok audit log.csv --per-request            # which requests were charged other than the policy says

Without --rejects the first bad record stops the import (exit code 2) naming its file, line,
array index (for a JSON document) and field. Records with the same id and the same content
count once; the same id with other content is refused. The summary on standard error accounts
for every record: imported + duplicates + rejected = records.`,
    )
    .action(async (file: string, options: ImportGenerationsOptions) => {
      await importGenerationsCommand(file, options, io);
    });
}
