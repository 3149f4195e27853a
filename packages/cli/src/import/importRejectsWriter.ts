import { csvNumber, csvText } from '../io/csvCell.js';
import type { OutputSink } from '../io/outputSink.js';
import type { ImportRejection } from './importGenerations.js';

/**
 * `byok import generations --rejects FILE`: every refused record with its file, line,
 * array index (JSON documents), field, reason and source text. The columns follow the
 * CSV rejects of `byok bill`, with the record's index and field in place of a column.
 */
export function importRejectsWriter(sink: OutputSink): { reject(r: ImportRejection): void; close(): void } {
  sink.write('file,line,index,field,reason,record\n');
  return {
    reject(r) {
      const index = r.location.index === undefined ? '' : csvNumber(r.location.index);
      sink.write(`${csvText(r.location.file)},${csvNumber(r.location.line)},${index},${csvText(r.field ?? '')},${csvText(r.reason)},${csvText(r.text)}\n`);
    },
    close() {
      sink.close();
    },
  };
}
