import fc from 'fast-check';
import { type ByteMutation, applyByteMutations, hostileByteRunArb, maybeByteMutations, printable } from './hostileBytes.js';

/*
 * One generator for every CSV input the CLI reads (request logs, accounts, invoices):
 * mostly valid rows, so that runs get past the header and into the rows, with mutations
 * mixed in at three levels:
 *
 * - the header: a required column missing, a column named twice, an unknown column,
 *   names padded or upper-cased, blank lines before it, a BOM;
 * - each row: odd values from the column's own pool (numbers at their limits, odd
 *   timestamps, quotes and line ends inside values), a field dropped or added, a quote
 *   left open or standing inside a field, bytes that are not UTF-8 (or NUL, or a lone CR)
 *   spliced into a field, a field of a few KB, the row repeated (the same, with an amount
 *   written with a trailing zero, or with other content), blank and white-space lines,
 *   CRLF or CR line ends;
 * - the whole file: empty, only a BOM, a header alone, every line ended by CR alone,
 *   random bytes, and blind byte edits after it was written.
 *
 * It also says how many records the file holds when that is certain (no mutation could
 * have merged or split records): the readers must then count exactly that many rows.
 */

/** The values one column draws from: usual ones, and odd ones as often as the file's hostility says. */
export interface CellPool {
  readonly usual: readonly string[];
  readonly odd: readonly string[];
}

export interface CsvSpec {
  /** Columns every header has (before header mutations), in the order drawn by `order`. */
  readonly columns: fc.Arbitrary<readonly string[]>;
  readonly cells: Readonly<Record<string, CellPool>>;
  readonly maxRows: number;
  /** A column whose value a repeat changes: with a trailing zero (same value) or to another value (a conflict). */
  readonly amountColumn?: string;
  /** Rows sorted by this column's position in its usual pool, on about half the files (logs arrive nearly in order). */
  readonly sortColumn?: string;
  /** Names a header mutation may add as an unknown column. */
  readonly unknownColumn: string;
  /** The key no two rows of a clean file share (an accounts scope, an invoice's scope and period): a repeat is refused. */
  readonly uniqueBy?: (values: Readonly<Record<string, string>>) => string;
}

export interface CsvText {
  readonly bytes: Buffer;
  /** Data records in the file when certain; undefined when a mutation may have merged or split them. */
  readonly records: number | undefined;
}

/**
 * How hostile one file is: `clean` (usual values and a valid structure, so that runs also
 * reach what happens after reading: bills, outputs, the accounting of rows), `mild` (an
 * odd value or mutation now and then) or `hostile`. Drawn per file: a run of several
 * inputs mixes them.
 */
export type Hostility = 'clean' | 'mild' | 'hostile';
export const hostilityArb: fc.Arbitrary<Hostility> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<Hostility>('clean') },
  { weight: 2, arbitrary: fc.constant<Hostility>('mild') },
  { weight: 3, arbitrary: fc.constant<Hostility>('hostile') },
);

/** `usual` against a rare arbitrary, by hostility: never, 1 in 60, 1 in 9. */
export function byHostility<T>(level: Hostility, usual: fc.Arbitrary<T>, rare: fc.Arbitrary<T>): fc.Arbitrary<T> {
  if (level === 'clean') return usual;
  return fc.oneof({ weight: level === 'mild' ? 60 : 8, arbitrary: usual }, { weight: 1, arbitrary: rare });
}

export function cellArb(pool: CellPool, level: Hostility = 'hostile'): fc.Arbitrary<string> {
  if (pool.odd.length === 0) return fc.constantFrom(...pool.usual);
  return byHostility(level, fc.constantFrom(...pool.usual), fc.constantFrom(...pool.odd));
}

type HeaderMutation = 'none' | 'drop' | 'twice' | 'unknown' | 'padded' | 'upper' | 'blank-lines' | 'bom';

const headerMutationArb: fc.Arbitrary<HeaderMutation> = fc.oneof(
  { weight: 2, arbitrary: fc.constant<HeaderMutation>('drop') },
  { weight: 1, arbitrary: fc.constant<HeaderMutation>('twice') },
  { weight: 2, arbitrary: fc.constant<HeaderMutation>('unknown') },
  { weight: 1, arbitrary: fc.constant<HeaderMutation>('padded') },
  { weight: 1, arbitrary: fc.constant<HeaderMutation>('upper') },
  { weight: 1, arbitrary: fc.constant<HeaderMutation>('blank-lines') },
  { weight: 2, arbitrary: fc.constant<HeaderMutation>('bom') },
);
/** What a clean file's header may have: nothing odd, or what leaves it valid (a BOM, padded names, blank lines before it). */
const cleanHeaderArb: fc.Arbitrary<HeaderMutation> = fc.constantFrom<HeaderMutation>('none', 'none', 'none', 'none', 'bom', 'padded', 'blank-lines');

type RowMutation =
  | { readonly kind: 'none' }
  | { readonly kind: 'drop-field' | 'extra-field' | 'open-quote' | 'stray-quote' | 'huge-field' | 'blank-line' | 'space-line'; readonly field: number }
  | { readonly kind: 'bytes'; readonly field: number; readonly at: number; readonly bytes: readonly number[] };

const rowMutationArb: fc.Arbitrary<RowMutation> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('drop-field' as const), field: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('extra-field' as const), field: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('open-quote' as const), field: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stray-quote' as const), field: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('huge-field' as const), field: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('blank-line' as const), field: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('space-line' as const), field: fc.nat() }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('bytes' as const), field: fc.nat(), at: fc.nat(), bytes: hostileByteRunArb }) },
);

type Repeat = 'no' | 'same' | 'trailing-zero' | 'other';
/** A repeat with the same content is a duplicate (accepted once); with other content, a conflict (refused). */
const repeatArb = (level: Hostility): fc.Arbitrary<Repeat> =>
  fc.oneof(
    { weight: 16, arbitrary: fc.constant<Repeat>('no') },
    { weight: 2, arbitrary: fc.constant<Repeat>('same') },
    { weight: 1, arbitrary: fc.constant<Repeat>('trailing-zero') },
    { weight: level === 'clean' ? 0 : 1, arbitrary: fc.constant<Repeat>('other') },
  );

type LineEnd = '\n' | '\r\n' | '\r';
const lineEndArb = (level: Hostility): fc.Arbitrary<LineEnd> =>
  fc.oneof(
    { weight: 16, arbitrary: fc.constant<LineEnd>('\n') },
    { weight: 4, arbitrary: fc.constant<LineEnd>('\r\n') },
    { weight: level === 'clean' ? 0 : 1, arbitrary: fc.constant<LineEnd>('\r') },
  );

type WholeFile = 'rows' | 'empty' | 'bom-only' | 'header-only' | 'cr-only' | 'random-bytes';
const oddWholeFileArb: fc.Arbitrary<WholeFile> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<WholeFile>('empty') },
  { weight: 1, arbitrary: fc.constant<WholeFile>('bom-only') },
  { weight: 1, arbitrary: fc.constant<WholeFile>('header-only') },
  { weight: 1, arbitrary: fc.constant<WholeFile>('cr-only') },
  { weight: 1, arbitrary: fc.constant<WholeFile>('random-bytes') },
);

/** Quotes a value as RFC 4180 requires (or always, when `force`). */
export function quoteCsv(value: string, force = false): string {
  return force || /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

interface DrawnRow {
  readonly values: Readonly<Record<string, string>>;
  readonly quoteAll: boolean;
  readonly mutation: RowMutation;
  readonly repeat: Repeat;
  readonly end: LineEnd;
}

export function hostileCsvArb(spec: CsvSpec): fc.Arbitrary<CsvText> {
  return hostilityArb.chain((level) => hostileCsvAt(spec, level));
}

export function hostileCsvAt(spec: CsvSpec, level: Hostility): fc.Arbitrary<CsvText> {
  const columnNames = Object.keys(spec.cells);
  const valuesArb = fc.record(Object.fromEntries(columnNames.map((c) => [c, cellArb(spec.cells[c]!, level)])) as Record<string, fc.Arbitrary<string>>);
  const rowArb: fc.Arbitrary<DrawnRow> = fc.record({
    values: valuesArb,
    quoteAll: fc.nat(9).map((n) => n === 0),
    mutation: byHostility(level, fc.constant<RowMutation>({ kind: 'none' }), rowMutationArb),
    repeat: repeatArb(level),
    end: lineEndArb(level),
  });
  return fc
    .record({
      columns: spec.columns,
      header: byHostility(level, cleanHeaderArb, headerMutationArb),
      headerPick: fc.nat(),
      rows: fc.array(rowArb, { maxLength: spec.maxRows }),
      sorted: fc.boolean(),
      trailingEnd: fc.nat(5).map((n) => n !== 0),
      whole: byHostility(level, fc.constant<WholeFile>('rows'), oddWholeFileArb),
      randomBytes: fc.uint8Array({ maxLength: 200 }),
      edits: level === 'clean' ? fc.constant([]) : maybeByteMutations(level === 'mild' ? 20 : 6),
      level: fc.constant(level),
    })
    .map((drawn) => {
      const text = render(spec, drawn);
      return { bytes: printable(text.bytes), records: text.records };
    });
}

function render(
  spec: CsvSpec,
  d: {
    columns: readonly string[];
    header: HeaderMutation;
    headerPick: number;
    rows: DrawnRow[];
    sorted: boolean;
    trailingEnd: boolean;
    whole: WholeFile;
    randomBytes: Uint8Array;
    edits: readonly ByteMutation[];
    level: Hostility;
  },
): CsvText {
  if (d.whole === 'empty') return { bytes: Buffer.alloc(0), records: 0 };
  if (d.whole === 'bom-only') return { bytes: Buffer.from([0xef, 0xbb, 0xbf]), records: 0 };
  if (d.whole === 'random-bytes') return { bytes: Buffer.from(d.randomBytes), records: undefined };

  // The header, and the columns the rows are written in (a dropped column's cells are dropped too).
  let columns = [...d.columns];
  const headerNames = [...columns];
  const pick = d.headerPick % columns.length;
  let prefix = '';
  switch (d.header) {
    case 'drop':
      columns.splice(pick, 1);
      headerNames.splice(pick, 1);
      break;
    case 'twice':
      columns.push(columns[pick]!);
      headerNames.push(headerNames[pick]!);
      break;
    case 'unknown':
      columns.splice(pick, 0, spec.unknownColumn);
      headerNames.splice(pick, 0, spec.unknownColumn);
      break;
    case 'padded':
      headerNames[pick] = ` ${headerNames[pick]} `;
      break;
    case 'upper':
      headerNames[pick] = headerNames[pick]!.toUpperCase();
      break;
    case 'blank-lines':
      prefix = '\n\r\n';
      break;
    case 'bom':
      prefix = '\uFEFF';
      break;
  }

  let rows = d.rows.flatMap((row) => {
    if (row.repeat === 'no' || spec.amountColumn === undefined) return [row];
    const amount = row.values[spec.amountColumn] ?? '';
    const again =
      row.repeat === 'same' ? amount : row.repeat === 'trailing-zero' ? (amount.includes('.') ? `${amount}0` : `${amount}.0`) : `${amount}1`;
    return [row, { ...row, values: { ...row.values, [spec.amountColumn]: again }, mutation: { kind: 'none' } as RowMutation }];
  });
  if (d.level === 'clean' && spec.uniqueBy !== undefined) {
    const keys = new Set<string>();
    rows = rows.filter((row) => !keys.has(spec.uniqueBy!(row.values)) && keys.add(spec.uniqueBy!(row.values)) !== undefined);
  }
  if (d.sorted && spec.sortColumn !== undefined) {
    const order = spec.cells[spec.sortColumn]!.usual;
    const rank = (row: DrawnRow) => {
      const i = order.indexOf(row.values[spec.sortColumn!] ?? '');
      return i === -1 ? order.length : i;
    };
    rows = rows.map((row, i) => ({ row, i })).sort((a, b) => rank(a.row) - rank(b.row) || a.i - b.i).map((x) => x.row);
  }

  const end = (e: LineEnd): string => (d.whole === 'cr-only' ? '\r' : e);
  let certain = d.whole !== 'cr-only' && d.edits.length === 0;
  let records = 0;
  const parts: Buffer[] = [Buffer.from(`${prefix}${headerNames.join(',')}`)];
  /** The end of the line written last, written when the next one starts (or at the end of the file). */
  let pendingEnd: LineEnd = '\n';
  if (d.whole !== 'header-only') {
    for (const row of rows) {
      const cells = columns.map((c) => row.values[c] ?? '');
      const m = row.mutation;
      let before = '';
      let spliced: { field: number; at: number; bytes: readonly number[] } | undefined;
      const field = m.kind === 'none' ? 0 : m.field % Math.max(1, cells.length);
      const written = cells.map((v) => quoteCsv(v, row.quoteAll));
      switch (m.kind) {
        case 'drop-field':
          written.pop();
          break;
        case 'extra-field':
          written.push('extra');
          break;
        case 'open-quote':
          // A quote opens a field and never closes: it runs into the next lines.
          written[field] = `"${cells[field]}`;
          certain = false;
          break;
        case 'stray-quote':
          written[field] = `${cells[field]}"x"`;
          certain = false;
          break;
        case 'huge-field':
          written[field] = 'h'.repeat(1500 + ((m.field * 7919) % 3000));
          break;
        case 'blank-line':
          before = m.field % 2 === 0 ? '\n' : '\r\n';
          break;
        case 'space-line':
          // A line of spaces is a record of one field, not a blank line: whether it counts is the reader's rule.
          before = ' \n';
          certain = false;
          break;
        case 'bytes':
          spliced = { field, at: m.at, bytes: m.bytes };
          break;
      }
      // CR alone ends no line: the next row continues this one.
      if (row.end === '\r') certain = false;
      parts.push(Buffer.from(end(pendingEnd) + before));
      if (spliced === undefined || written.length === 0) {
        parts.push(Buffer.from(written.join(',')));
      } else {
        // The bytes go inside the field (quoted or not): they hold no LF, quote or comma.
        const f = spliced.field % written.length;
        const text = Buffer.from(written[f]!);
        const at = text.length === 0 ? 0 : spliced.at % (text.length + 1);
        const cell = Buffer.concat([text.subarray(0, at), Buffer.from(spliced.bytes), text.subarray(at)]);
        parts.push(Buffer.from(written.slice(0, f).map((w) => `${w},`).join('')), cell, Buffer.from(written.slice(f + 1).map((w) => `,${w}`).join('')));
      }
      pendingEnd = row.end;
      records++;
    }
  }
  if (d.trailingEnd || d.whole === 'header-only') parts.push(Buffer.from(end(pendingEnd)));
  const text = Buffer.concat(parts);
  return { bytes: applyByteMutations(text, d.edits), records: certain ? records : undefined };
}
