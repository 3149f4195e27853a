import { csvText } from '../io/csvCell.js';
import type { OutputSink } from '../io/outputSink.js';
import type { Rejection } from '../replay/rowSource.js';

/** `--rejects FILE`: every refused row with its file, line, column, reason and original text. */
export function rejectsWriter(sink: OutputSink): { reject(r: Rejection): void; close(): void } {
  sink.write('file,line,column,column_name,reason,row\n');
  return {
    reject(r) {
      sink.write(
        `${csvText(r.file)},${r.line},${r.column ?? ''},${csvText(r.columnName ?? '')},${csvText(r.reason)},${csvText(r.text)}\n`,
      );
    },
    close() {
      sink.close();
    },
  };
}
