import fc from 'fast-check';
import { type Storage, printable, storageArb, store } from './hostileBytes.js';
import { type CellPool, type CsvSpec, type CsvText, hostileCsvAt, hostilityArb } from './hostileCsv.js';

/*
 * Request logs (FORMATS.md "Request log") as the fuzz suite draws them: a few rows over a
 * handful of ids, users and orgs around the month boundaries of the 2025 rollout, so that
 * duplicates, conflicts, allowances and months all occur, with the values a messy export
 * holds mixed in. Several files are one log; one of them may come on standard input, and
 * any may be gzipped (intact or broken).
 */

/** Usual instants in time order (sortColumn), so a sorted file really is sorted. */
const TIMESTAMPS: CellPool = {
  usual: [
    '2025-09-30T23:59:59.999Z',
    '2025-09-30T23:59:59.999999999Z',
    '2025-10-01T00:00:00Z',
    '2025-10-01T00:00:00.000000001Z',
    '2025-10-01T02:00:00+02:00',
    '2025-10-15T10:00:00.123456Z',
    '2025-10-15T12:00:00.123456789+02:00',
    '1760529600000',
    '2025-10-31T19:30:00-05:00',
    '2025-11-01T00:00:00Z',
  ],
  odd: [
    '',
    '2025-10-01T00:00:00', // no offset: refused unless --input-timezone
    '2025-13-01T00:00:00Z',
    '2025-02-29T11:00:00Z',
    '2024-02-29T00:00:00Z',
    '2016-12-31T23:59:60Z', // a leap second
    '2025-10-05T24:00:00Z',
    '2025-10-05T11:00:00+18:01',
    '2025-10-05T11:00:00.1234567891Z',
    '2025-10-05t11:00z',
    '2025-10-05 11:00:00.5Z',
    '2025-10-05T11:00:00,123456Z',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999999999Z',
    '+002025-10-05T11:00:00Z',
    '-1',
    '-62167219200001',
    '99999999999999999',
    '8640000000000001',
    '1e12',
    '0x10',
    '\u0661\u0662\u0663', // Arabic-Indic digits
    'NaN',
    ' 2025-10-05T11:00:00Z',
    '2025-10-05T11:00:00Z\n',
  ],
};

const COSTS: CellPool = {
  usual: ['0.012', '0.5', '0', '2', '0.000000000001', '1.25', '0.0120'],
  odd: [
    '',
    '-1',
    '-0',
    '1e-3',
    '.5',
    '5.',
    '00.10',
    '+1',
    '$1',
    '1,5',
    ' 1',
    '1_000',
    '\uFF11', // a full-width 1
    'NaN',
    'Infinity',
    '0.0000000000001', // 13 fractional digits
    '99999999999999999999999999.999999999999', // the largest DECIMAL(38,12)
    '100000000000000000000000000',
    '9'.repeat(400),
    `0.${'0'.repeat(11)}1`,
  ],
};

export const LOG_CELLS: Readonly<Record<string, CellPool>> = {
  request_id: { usual: ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'], odd: ['', 'r,9', 'r"10', '\u00e9', '\u{1F600}', ' r1', 'r1 ', '=cmd()', '-r1', 'a\nb', 'i'.repeat(300), 'r\\1'] },
  timestamp: TIMESTAMPS,
  user_id: { usual: ['u1', 'u1', 'u2', 'u3'], odd: ['', '\u00fc', 'u"q', ' u1', '=HYPERLINK("x")', 'u\tt', '@u', 'x\r\ny', '\uFFFD', 'user:u1'] },
  org_id: { usual: ['', '', 'acme', 'beta'], odd: ['b,eta', ' acme', 'ACME', 'org:acme', '+acme', '\u{1F600}'] },
  model: { usual: ['gpt-x', ''], odd: ['m"odel', 'm\nl', 'z'.repeat(200)] },
  provider: { usual: ['openai', ''], odd: ['p,q', '=1+1'] },
  cost_usd: COSTS,
  charged_usd: { usual: ['', '0', '0.0006', '0.012', '0.5'], odd: COSTS.odd },
  key_result: { usual: ['ok', 'ok', 'rate_limited', 'error', 'none'], odd: ['', 'OK', ' ok', 'ok ', 'null', 'served'] },
  platform_result: { usual: ['', 'ok', 'error'], odd: ['bad', 'ERROR', ' ok'] },
  // Empty is odd: in a log with a route column and no key_result, a row without a route is refused.
  route: { usual: ['byok', 'byok', 'platform', 'failed'], odd: ['', 'x', 'BYOK', 'byok '] },
  note: { usual: ['', 'n'], odd: ['"quoted"', 'a,b'] },
};

const REQUIRED = ['request_id', 'timestamp', 'user_id', 'cost_usd'] as const;

/** The header's columns: the required ones, key_result and/or route, some optional ones, in a drawn order. */
export function logColumnsArb(options: { charged?: boolean } = {}): fc.Arbitrary<readonly string[]> {
  return fc
    .record({
      routing: fc.oneof({ weight: 6, arbitrary: fc.constant(['key_result']) }, { weight: 2, arbitrary: fc.constant(['route']) }, { weight: 2, arbitrary: fc.constant(['key_result', 'route']) }),
      optional: fc.subarray(['org_id', 'org_id', 'platform_result', 'model', 'provider', 'charged_usd']),
      charged: fc.constant(options.charged === true),
      order: fc.array(fc.nat(), { minLength: 12, maxLength: 12 }),
    })
    .map(({ routing, optional, charged, order }) => {
      const columns = [...new Set([...REQUIRED, ...routing, ...optional, ...(charged ? ['charged_usd'] : [])])];
      return columns.map((c, i) => ({ c, k: order[i]! })).sort((a, b) => a.k - b.k).map((x) => x.c);
    });
}

export function logSpec(options: { charged?: boolean; maxRows?: number } = {}): CsvSpec {
  return { columns: logColumnsArb(options), cells: LOG_CELLS, maxRows: options.maxRows ?? 14, amountColumn: 'cost_usd', sortColumn: 'timestamp', unknownColumn: 'note' };
}

/** One file of a log, as the run is given it. */
export interface LogFile {
  /** The file name (its extension says gzip), or undefined when it comes on standard input. */
  readonly name: string | undefined;
  readonly bytes: Buffer;
  /** Data records in it when certain (see CsvText); undefined when not. */
  readonly records: number | undefined;
  /** Whether it is a gzip file cut short or with a byte changed. */
  readonly brokenGzip: boolean;
}

export interface LogCase {
  readonly files: readonly LogFile[];
}

export interface LogCaseOptions {
  /** Whether one file may come on standard input. */
  readonly stdin: boolean;
  /** Whether files may be gzipped. */
  readonly gzip: boolean;
  readonly charged?: boolean;
  readonly maxFiles?: number;
}

function logFile(drawn: CsvText, storage: Storage, cut: number, onStdin: boolean, index: number): LogFile {
  const text = drawn;
  if (onStdin) return { name: undefined, bytes: text.bytes, records: text.records, brokenGzip: false };
  const stored = store(text.bytes, storage, cut);
  return { name: `log-${index}.csv${storage === 'plain' ? '' : '.gz'}`, bytes: printable(stored.bytes), records: stored.intact ? text.records : undefined, brokenGzip: !stored.intact };
}

export function logCaseArb(options: LogCaseOptions): fc.Arbitrary<LogCase> {
  const spec = logSpec({ charged: options.charged });
  // A clean file is stored intact: its run must get through it.
  const fileArb = hostilityArb.chain((level) =>
    fc.record({
      text: hostileCsvAt(spec, level),
      storage: !options.gzip ? fc.constant<Storage>('plain') : level === 'clean' ? fc.constantFrom<Storage>('plain', 'plain', 'gzip') : storageArb,
      cut: fc.nat(),
    }),
  );
  return fc
    .record({
      files: fc.array(fileArb, { minLength: 1, maxLength: options.maxFiles ?? 2 }),
      stdinAt: options.stdin ? fc.oneof({ weight: 5, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.nat(3) }) : fc.constant(-1),
    })
    .map(({ files, stdinAt }) => ({ files: files.map((f, i) => logFile(f.text, f.storage, f.cut, stdinAt >= 0 && stdinAt % files.length === i, i + 1)) }));
}

/** All data records of a log when each file's count is certain. */
export function knownRecords(log: LogCase): number | undefined {
  let total = 0;
  for (const f of log.files) {
    if (f.records === undefined) return undefined;
    total += f.records;
  }
  return total;
}
