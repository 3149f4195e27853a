// pnpm bench, part 1: replaying a large generated log, side by side with DuckDB running the
// same bill in SQL and with the fastest raw CSV parse of the same file. Every measurement runs
// in a child process of its own (wall time and peak memory of that process, threads included),
// interleaved over three rounds; the table gives medians. Not part of the test suite.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const bin = join(root, 'packages/cli/dist/bin.js');
const cache = join(here, '.cache');
const rows = Number(process.env.BENCH_ROWS ?? 10_000_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
mkdirSync(cache, { recursive: true });

/** The generated log (cached): heavy orgs cross the allowance, ~4,000 scope-months. */
function log(n) {
  const path = join(cache, `requests-${n}.csv`);
  if (!existsSync(path)) {
    console.error(`generating ${n.toLocaleString('en-US')} rows into ${path} (once) …`);
    execFileSync(process.execPath, [bin, 'generate', '--rows', String(n), '--seed', '1', '--users', '20000', '--orgs', '100', '--heavy-orgs', '3', '--out', path], { stdio: 'inherit' });
  }
  return path;
}

function parquetOf(csv) {
  const path = csv.replace(/\.csv$/, '.parquet');
  if (!existsSync(path)) {
    console.error(`writing ${path} (once) …`);
    const result = spawnSync(process.execPath, [join(here, 'duckdbBill.mjs'), 'to-parquet', csv, path], { stdio: 'inherit' });
    if (result.status !== 0) throw new Error('could not write the Parquet copy');
  }
  return path;
}

/** Runs a child process, returning its wall time, peak memory and standard output. */
function measure(args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [join(here, 'peak.mjs'), ...args], { maxBuffer: 1 << 30, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  const peak = /peak-rss-kb (\d+)/.exec(result.stderr);
  return { seconds, peakMb: peak ? Number(peak[1]) / 1024 : Number.NaN, stdout: result.stdout };
}

const csvBill = (text) => text.trim();
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const big = log(rows);
const size = statSync(big).size;
const parquet = parquetOf(big);
const out = join(cache, 'out');
mkdirSync(out, { recursive: true });

/** Exact decimal text rounded half-even to cents, by integer arithmetic on its digits (no floats). */
function cents(text) {
  const [whole, fraction = ''] = text.split('.');
  const units = BigInt(whole + fraction.padEnd(12, '0').slice(0, 12));
  const step = 10n ** 10n;
  let q = units / step;
  const twice = (units - q * step) * 2n;
  if (twice > step || (twice === step && q % 2n === 1n)) q++;
  const digits = q.toString().padStart(3, '0');
  return `${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/** An invoice that matches the log, made from its bill in cents (what a correct invoice says). */
function invoiceOf(csv) {
  const path = csv.replace(/\.csv$/, '.invoice.csv');
  if (!existsSync(path)) {
    const billCsv = execFileSync(process.execPath, [bin, 'bill', csv, '--format', 'csv', '-q'], { encoding: 'utf8', maxBuffer: 1 << 30 }).trim().split('\n');
    const header = billCsv[0].split(',');
    const [scope, period, total] = ['scope', 'period', 'total_usd'].map((c) => header.indexOf(c));
    const lines = billCsv.slice(1).map((l) => l.split(',')).map((f) => `${f[scope]},${f[period]},${cents(f[total])}`);
    writeFileSync(path, `scope,period,total_usd\n${lines.join('\n')}\n`);
  }
  return path;
}

/** A request id from the middle of the log, and the bill line of its first row (what explain is asked about). */
function explainTargets(csv, fileSize) {
  const fd = openSync(csv, 'r');
  const buf = Buffer.alloc(4096);
  readSync(fd, buf, 0, buf.length, Math.floor(fileSize / 2));
  closeSync(fd);
  const row = buf.toString('utf8').split('\n')[1].split(',');
  return { requestId: row[0] };
}

/** The same rows in another order (cached): shuffled, or newest first as activity pages export them. */
function reordered(csv, how) {
  const path = csv.replace(/\.csv$/, `.${how}.csv`);
  if (!existsSync(path)) {
    console.error(`writing ${path} (once) …`);
    const order = how === 'shuffled' ? 'shuf --random-source=<(yes)' : 'tac';
    execFileSync('/bin/bash', ['-c', `set -o pipefail; (head -n 1 "$1"; tail -n +2 "$1" | ${order}) > "$2"`, 'reorder', csv, path], { stdio: 'inherit' });
  }
  return path;
}

const invoice = invoiceOf(big);
const shuffled = reordered(big, 'shuffled');
const newestFirst = reordered(big, 'newest-first');
const { requestId } = explainTargets(big, size);
const firstLine = execFileSync(process.execPath, [bin, 'explain', big, '--request', requestId, '--format', 'json', '-q'], { encoding: 'utf8', maxBuffer: 1 << 26 });
const { scope: explainScope, period: explainPeriod } = JSON.parse(firstLine);

const cases = [
  { name: 'byok bill', args: [bin, 'bill', big, '--format', 'csv', '-q'] },
  { name: 'byok bill --details', args: [bin, 'bill', big, '--format', 'csv', '-q', '--details', join(out, 'decisions.csv')] },
  { name: 'byok whatif, 9 variants', args: [bin, 'whatif', big, '--vary', 'allowance=500k,1M,2M', '--vary', 'fee=3%,5%,7%', '--format', 'json', '-q', '--out', join(out, 'whatif.json')] },
  { name: 'byok audit --invoice', args: [bin, 'audit', big, '--invoice', invoice, '--format', 'json', '-q', '--out', join(out, 'audit.json')] },
  { name: 'byok explain --request', args: [bin, 'explain', big, '--request', requestId, '-q', '--out', join(out, 'explain-request.txt')] },
  { name: 'byok explain --scope', args: [bin, 'explain', big, '--scope', explainScope, '--period', explainPeriod, '-q', '--out', join(out, 'explain-scope.txt')] },
  { name: 'byok bill, the log shuffled', args: [bin, 'bill', shuffled, '--format', 'csv', '-q'] },
  { name: 'byok bill, the log newest-first', args: [bin, 'bill', newestFirst, '--format', 'csv', '-q'] },
  { name: 'DuckDB: a hand-written window query, shuffled CSV', args: [join(here, 'duckdbBill.mjs'), 'lean', shuffled] },
  { name: 'byok bill --threads 0 (one thread)', args: [bin, 'bill', big, '--format', 'csv', '-q', '--threads', '0'] },
  { name: 'raw parse: uDSV, rows as string arrays', args: [join(here, 'rawParse.mjs'), 'udsv', big] },
  { name: 'I/O floor: count newlines, 1 MiB reads', args: [join(here, 'rawParse.mjs'), 'newlines', big] },
  { name: 'DuckDB: the same bill in SQL (byok sql), CSV', args: [join(here, 'duckdbBill.mjs'), 'csv', big] },
  { name: 'DuckDB: a hand-written window query, CSV', args: [join(here, 'duckdbBill.mjs'), 'lean', big] },
  { name: 'byok bill --engine duckdb, CSV', args: [bin, 'bill', big, '--engine', 'duckdb', '--format', 'csv', '-q'] },
  { name: 'byok bill --engine duckdb, Parquet', args: [bin, 'bill', parquet, '--engine', 'duckdb', '--format', 'csv', '-q'] },
];

console.log(`replay benchmark: ${rows.toLocaleString('en-US')} rows, ${(size / 1e9).toFixed(2)} GB CSV; ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; median of ${rounds}, interleaved`);
const results = new Map(cases.map((c) => [c.name, []]));
for (let round = 0; round < rounds; round++) {
  for (const c of cases) {
    try {
      const r = measure(c.args);
      results.get(c.name).push(r);
      console.error(`  round ${round + 1}: ${c.name}: ${r.seconds.toFixed(2)} s, ${r.peakMb.toFixed(0)} MB`);
    } catch (error) {
      console.error(`  round ${round + 1}: ${c.name}: skipped (${error.message.split('\n')[0]})`);
    }
  }
}

// The bills must be identical, digit for digit.
const ours = results.get('byok bill')[0];
const duck = results.get('DuckDB: the same bill in SQL (byok sql), CSV')[0];
const same = (a, b) => a !== undefined && b !== undefined && csvBill(a.stdout) === csvBill(b.stdout);
const checks = [
  ['DuckDB SQL = byok bill', same(ours, duck)],
  ['DuckDB hand-written query = byok bill', same(ours, results.get('DuckDB: a hand-written window query, CSV')[0])],
  ['byok bill --threads 0 = byok bill', same(ours, results.get('byok bill --threads 0 (one thread)')[0])],
  ['byok bill on the shuffled log = byok bill', same(ours, results.get('byok bill, the log shuffled')[0])],
  ['byok bill on the newest-first log = byok bill', same(ours, results.get('byok bill, the log newest-first')[0])],
  ['DuckDB on the shuffled log = byok bill', same(ours, results.get('DuckDB: a hand-written window query, shuffled CSV')[0])],
  ['--engine duckdb (CSV) = byok bill', same(ours, results.get('byok bill --engine duckdb, CSV')[0])],
  ['--engine duckdb (Parquet) = byok bill', same(ours, results.get('byok bill --engine duckdb, Parquet')[0])],
];
if (ours) console.log(`bill: ${createHash('sha256').update(csvBill(ours.stdout)).digest('hex').slice(0, 16)}… (${csvBill(ours.stdout).split('\n').length - 1} lines)`);
for (const [what, ok] of checks) console.log(`${ok ? 'identical' : 'DIFFERENT'}: ${what}`);

const time = (name) => (results.get(name).length ? median(results.get(name).map((r) => r.seconds)) : Number.NaN);
const bill = time('byok bill');
const duckdb = time('DuckDB: the same bill in SQL (byok sql), CSV');
const raw = time('raw parse: uDSV, rows as string arrays');
const rowsText = (s) => (Number.isFinite(s) ? Math.round(rows / s).toLocaleString('en-US') : '—');
const lines = [
  '| what | wall time | rows/s | peak memory | speed vs DuckDB SQL | time vs raw parse | time vs byok bill |',
  '|---|---:|---:|---:|---:|---:|---:|',
];
for (const c of cases) {
  const r = results.get(c.name);
  if (r.length === 0) {
    lines.push(`| ${c.name} | skipped | | | | | |`);
    continue;
  }
  const s = median(r.map((x) => x.seconds));
  const mb = median(r.map((x) => x.peakMb));
  lines.push(`| ${c.name} | ${s.toFixed(2)} s | ${rowsText(s)} | ${mb.toFixed(0)} MB | ${(duckdb / s).toFixed(2)}× | ${(s / raw).toFixed(2)}× | ${(s / bill).toFixed(2)}× |`);
}
console.log(lines.join('\n'));
const lean = time('DuckDB: a hand-written window query, CSV');
console.log(`targets: bill ≥ 2× faster than DuckDB: ${(duckdb / bill).toFixed(2)}× (compiled SQL), ${(lean / bill).toFixed(2)}× (hand-written query) · bill ≥ half the raw parse's throughput: ${(raw / bill).toFixed(2)} of it · peak < 200 MB: ${median(results.get('byok bill').map((x) => x.peakMb)).toFixed(0)} MB · details ≤ 1.5×: ${(time('byok bill --details') / bill).toFixed(2)}× · whatif (9 variants) ≤ 1.2×: ${(time('byok whatif, 9 variants') / bill).toFixed(2)}× · audit ≤ 1.5×: ${(time('byok audit --invoice') / bill).toFixed(2)}× · explain ≤ 1.3×: ${(time('byok explain --request') / bill).toFixed(2)}× (request), ${(time('byok explain --scope') / bill).toFixed(2)}× (scope) · shuffled ≤ 2×: ${(time('byok bill, the log shuffled') / bill).toFixed(2)}×, newest-first ≤ 2×: ${(time('byok bill, the log newest-first') / bill).toFixed(2)}× (peak ≤ 250 MB: ${median(results.get('byok bill, the log shuffled').map((x) => x.peakMb)).toFixed(0)} MB, ${median(results.get('byok bill, the log newest-first').map((x) => x.peakMb)).toFixed(0)} MB)`);

// Many scopes: 1M rows from 400,000+ distinct users (memory per active scope-month), and the
// meter's command on the same rows (decisions per second through the CLI, with each store).
if (process.env.BENCH_WIDE !== '0') {
  const wide = join(cache, 'requests-wide-1000000.csv');
  if (!existsSync(wide)) {
    console.error(`generating the wide log into ${wide} (once) …`);
    execFileSync(process.execPath, [bin, 'generate', '--rows', '1000000', '--seed', '5', '--users', '1000000', '--orgs', '1', '--heavy-orgs', '0', '--out', wide], { stdio: 'inherit' });
  }
  const billText = execFileSync(process.execPath, [bin, 'bill', wide, '--format', 'csv', '-q'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const scopeMonths = billText.trim().split('\n').length - 1;
  const wideCases = [
    { name: 'byok bill', args: [bin, 'bill', wide, '--format', 'csv', '-q'], target: 'under 300 MB' },
    { name: 'byok whatif, 4 variants', args: [bin, 'whatif', wide, '--vary', 'allowance=500k,1M', '--vary', 'fee=3%,5%', '--format', 'json', '-q', '--out', join(out, 'wide-whatif.json')], target: 'under 600 MB' },
    { name: 'byok meter --store memory', args: [bin, 'meter', wide, '--store', 'memory', '--format', 'csv', '-q'], target: 'no more than its decisions' },
    { name: 'byok meter --store sqlite', args: [bin, 'meter', wide, '--store', `sqlite:${join(out, 'wide-meter.sqlite')}`, '--format', 'csv', '-q'], target: '60,000 requests/s, flat memory', before: () => rmSync(join(out, 'wide-meter.sqlite'), { force: true }) },
  ];
  const wideResults = new Map(wideCases.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const c of wideCases) {
      c.before?.();
      const r = measure(c.args);
      wideResults.get(c.name).push(r);
      console.error(`  wide round ${round + 1}: ${c.name}: ${r.seconds.toFixed(2)} s, ${r.peakMb.toFixed(0)} MB`);
    }
  }
  const meterBill = wideResults.get('byok meter --store sqlite')[0];
  console.log(`${same(wideResults.get('byok bill')[0], meterBill) ? 'identical' : 'DIFFERENT'}: byok meter --store sqlite = byok bill (wide log)`);
  const wideLines = [
    `1,000,000 rows (\`byok generate --rows 1000000 --seed 5 --users 1000000 --orgs 1 --heavy-orgs 0\`), ${scopeMonths.toLocaleString('en-US')} bill lines:`,
    '| what | wall time | requests/s | peak memory | target |',
    '|---|---:|---:|---:|---|',
  ];
  for (const c of wideCases) {
    const r = wideResults.get(c.name);
    const s = median(r.map((x) => x.seconds));
    wideLines.push(`| ${c.name} | ${s.toFixed(2)} s | ${Math.round(1_000_000 / s).toLocaleString('en-US')} | ${median(r.map((x) => x.peakMb)).toFixed(0)} MB | ${c.target} |`);
  }
  console.log(wideLines.join('\n'));
  if (!same(wideResults.get('byok bill')[0], meterBill)) process.exitCode = 1;
}

// Linearity: one bill per size, 1M to 10M rows.
if (process.env.BENCH_LINEARITY !== '0') {
  const sizes = [1_000_000, 3_000_000, rows].filter((n, i, all) => n <= rows && all.indexOf(n) === i);
  const growth = ['| rows | wall time | µs/row | peak memory |', '|---:|---:|---:|---:|'];
  for (const n of sizes) {
    const runs = [0, 1, 2].map(() => measure([bin, 'bill', log(n), '--format', 'csv', '-q']));
    const s = median(runs.map((r) => r.seconds));
    growth.push(`| ${n.toLocaleString('en-US')} | ${s.toFixed(2)} s | ${((s / n) * 1e6).toFixed(3)} | ${median(runs.map((r) => r.peakMb)).toFixed(0)} MB |`);
  }
  console.log(growth.join('\n'));
}
if (process.env.BENCH_KEEP !== '1') rmSync(out, { recursive: true, force: true });
writeFileSync(join(cache, 'last-run.txt'), `${new Date().toISOString()}\n`);
if (checks.some(([, ok]) => !ok)) process.exitCode = 1;
