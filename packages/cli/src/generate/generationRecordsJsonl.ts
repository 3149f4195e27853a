import { type GeneratedGeneration, generateGenerationRecords } from './generationRecords.js';
import type { GenerationRecordsConfig } from './generationRecordsConfig.js';

/** Output is handed out in chunks of about this many characters (always whole lines). */
const CHUNK_CHARS = 1 << 18;

/**
 * The month's records as JSON Lines text, in chunks of whole lines (LF ends), so a caller
 * can write a month of millions with back-pressure and never hold it whole. `observe`
 * sees every record as it is written (the summary and the planted errors are folded from it).
 */
export function* generationRecordsJsonl(config: GenerationRecordsConfig, observe?: (record: GeneratedGeneration) => void): Generator<string, void, undefined> {
  let chunk = '';
  for (const record of generateGenerationRecords(config)) {
    observe?.(record);
    chunk += `${record.json}\n`;
    if (chunk.length >= CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}
