// pnpm bench, ClickHouse part: `byok bill --engine clickhouse` on a generated log, on one server
// and on a two-shard cluster, beside the default engine; the bills must be identical.
// Needs the shards' URLs (BYOK_BENCH_CLICKHOUSE_URLS, space-separated, e.g. from
// `bash .ci/clickhouse.sh | tail -1`; their cluster is byok_two_shards); skipped without them.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const urls = (process.env.BYOK_BENCH_CLICKHOUSE_URLS ?? '').split(/\s+/u).filter((u) => u !== '');
if (urls.length < 2) {
  console.log('clickhouse benchmark: skipped (set BYOK_BENCH_CLICKHOUSE_URLS to two shard URLs: "$(bash .ci/clickhouse.sh | tail -1)")');
  process.exit(0);
}
const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '..', 'packages', 'cli', 'dist', 'bin.js');
const rows = Number(process.env.BENCH_CLICKHOUSE_ROWS ?? 1_000_000);
const out = join(here, '.cache');
mkdirSync(out, { recursive: true });
const log = join(out, `clickhouse-${rows}.csv`);
if (!existsSync(log)) execFileSync(process.execPath, [bin, 'generate', '--rows', String(rows), '--seed', '11', '--out', log], { stdio: 'inherit' });

function run(name, args) {
  const t0 = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (result.status !== 0) throw new Error(`${name}: exit ${result.status}: ${result.stderr}`);
  console.error(`  ${name}: ${seconds.toFixed(2)} s`);
  return { name, seconds, stdout: result.stdout };
}

const cases = [
  ['byok bill (default engine)', ['bill', log, '--format', 'csv', '-q']],
  ['byok bill --engine clickhouse, one server', ['bill', log, '--engine', 'clickhouse', '--url', urls[0], '--format', 'csv', '-q']],
  ['byok bill --engine clickhouse, two shards', ['bill', log, '--engine', 'clickhouse', '--cluster', 'byok_two_shards', ...urls.flatMap((u) => ['--url', u]), '--format', 'csv', '-q']],
];
console.log(`clickhouse benchmark: ${rows.toLocaleString('en-US')} generated rows, load and bill (the table made and dropped each run), median of 3`);
const results = cases.map(([name, args]) => {
  const runs = [0, 1, 2].map(() => run(name, args)).sort((a, b) => a.seconds - b.seconds);
  return runs[1];
});
const base = results[0];
console.log('| command | wall | × default engine |');
console.log('|---|---:|---:|');
for (const r of results) console.log(`| ${r.name} | ${r.seconds.toFixed(2)} s | ${(r.seconds / base.seconds).toFixed(2)}× |`);
for (const r of results.slice(1)) console.log(`${r.stdout === base.stdout ? 'identical' : 'DIFFERENT'}: ${r.name} = byok bill`);
if (results.some((r) => r.stdout !== base.stdout)) process.exit(1);
