// The raw-parse baselines of replay.mjs: what reading the file costs without billing it.
//   newlines FILE  — count line ends with 1 MiB reads (the I/O floor)
//   udsv FILE      — uDSV (a fast general CSV parser), every row as an array of strings
import { createReadStream } from 'node:fs';
import { inferSchema, initParser } from 'udsv';

const [mode, file] = process.argv.slice(2);
let rows = 0;
if (mode === 'newlines') {
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
  }
  rows--; // the header
} else if (mode === 'udsv') {
  let parser;
  let fields = 0;
  const onRow = (row) => {
    rows++;
    fields += row.length;
  };
  for await (const text of createReadStream(file, { highWaterMark: 1 << 20, encoding: 'utf8' })) {
    parser ??= initParser(inferSchema(text));
    parser.chunk(text, parser.stringArrs, onRow);
  }
  parser.end();
  if (fields === 0) throw new Error('no fields parsed');
} else {
  throw new Error(`unknown mode ${mode}`);
}
process.stdout.write(`${rows}\n`);
