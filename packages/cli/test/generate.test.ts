import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import {
  KEY_RESULTS,
  PLATFORM_RESULTS,
  ROUTES,
  createLedger,
  defaultPolicy,
  parseMoney,
  parseTimestamp,
  type KeyResult,
  type PlatformResult,
} from '@byok-billing/core';
import { EXIT_BAD_INPUT } from '@byok-billing/cli';
import { formatPicoUsd } from '../src/generate/format.js';
import { generateCsv, generateCsvBytes, requestIdPrefix } from '../src/generate/generator.js';
import { DEFAULT_COLUMNS, GENERATE_COLUMNS, resolveGenerateConfig, type GenerateRawOptions } from '../src/generate/options.js';
import { HEAVY_KEY_OK, planHeavyShares } from '../src/generate/population.js';
import { RowBuffer } from '../src/generate/rowBuffer.js';
import { Xoshiro128 } from '../src/generate/prng.js';
import { byok } from '../../../test/support/runByok.js';

/** Runs `byok <args>` with `generate` registered (whether or not program.ts already wires it). */
async function generate(...args: string[]): Promise<string> {
  const { code, stdout, stderr } = await byok(['generate', ...args]);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  return stdout;
}

function table(csv: string): { header: string[]; rows: Record<string, string>[]; lines: string[] } {
  expect(csv.endsWith('\n')).toBe(true);
  const [head, ...lines] = csv.slice(0, -1).split('\n');
  const header = head!.split(',');
  const rows = lines.map((line) => {
    const fields = line.split(',');
    if (fields.length !== header.length) throw new Error(`row with ${fields.length} fields: ${line}`);
    return Object.fromEntries(header.map((h, i) => [h, fields[i]!]));
  });
  return { header, rows, lines };
}

const MONEY = /^(0|[1-9]\d*)(\.\d{0,11}[1-9])?$/;

/** Collects failed checks (a few, with the row) so that loops over many rows stay fast. */
function checker() {
  const problems: string[] = [];
  return {
    problems,
    check(ok: boolean, what: () => string): void {
      if (!ok && problems.length < 10) problems.push(what());
    },
  };
}

/** An exact decimal string as integer picodollars. */
function pico(text: string): bigint {
  const [whole, frac = ''] = text.split('.');
  return BigInt(whole!) * 10n ** 12n + BigInt(frac.padEnd(12, '0'));
}
const scratch = mkdtempSync(join(tmpdir(), 'byok-generate-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('byok generate: shape', () => {
  it('writes the exact header and exactly --rows data rows', async () => {
    const { header, rows } = table(await generate('--rows', '1234'));
    expect(header).toEqual([...DEFAULT_COLUMNS]);
    expect(header.join(',')).toBe('request_id,timestamp,user_id,org_id,model,provider,cost_usd,key_result,platform_result');
    expect(rows).toHaveLength(1234);
  });

  it('--rows 0 writes the header alone; --columns picks and orders columns', async () => {
    expect(await generate('--rows', '0')).toBe(`${DEFAULT_COLUMNS.join(',')}\n`);
    const { header, rows } = table(await generate('--rows', '10', '--columns', 'charged_usd,request_id,route'));
    expect(header).toEqual(['charged_usd', 'request_id', 'route']);
    expect(rows).toHaveLength(10);
  });

  it('every row parses with the core and has valid values; request ids are unique', async () => {
    const start = Date.parse('2025-10-01T00:00:00Z');
    const end = Date.parse('2025-12-01T00:00:00Z');
    const { rows } = table(await generate('--rows', '20000', '--seed', '5', '--months', '2', '--columns', GENERATE_COLUMNS.join(',')));
    const ids = new Set<string>();
    const prefix = requestIdPrefix(5);
    const { problems, check } = checker();
    for (const r of rows) {
      const at = () => JSON.stringify(r);
      check(r.request_id!.startsWith(prefix) && /^req-[0-9a-z]{4}-[0-9a-z]{8}$/.test(r.request_id!), () => `request_id ${at()}`);
      ids.add(r.request_id!);
      check(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(r.timestamp!), () => `timestamp format ${at()}`);
      const { epochMs, nanos } = parseTimestamp(r.timestamp!);
      check(nanos === 0 && epochMs >= start && epochMs < end, () => `timestamp range ${at()}`);
      check(new Date(epochMs).toISOString() === r.timestamp, () => `timestamp text ${at()}`);
      check(/^user_[0-9a-z]{7}$/.test(r.user_id!), () => `user_id ${at()}`);
      check(/^([a-z]+(-[a-z]+)*(-\d+)?)?$/.test(r.org_id!), () => `org_id ${at()}`);
      check(/^[a-z-]+\/[\w.:-]+$/.test(r.model!) && /^[a-z-]+$/.test(r.provider!), () => `model/provider ${at()}`);
      check(MONEY.test(r.cost_usd!) && parseMoney(r.cost_usd!).toString() === r.cost_usd, () => `cost_usd ${at()}`);
      check(MONEY.test(r.charged_usd!) && parseMoney(r.charged_usd!).toString() === r.charged_usd, () => `charged_usd ${at()}`);
      check((KEY_RESULTS as readonly string[]).includes(r.key_result!), () => `key_result ${at()}`);
      check((PLATFORM_RESULTS as readonly string[]).includes(r.platform_result!), () => `platform_result ${at()}`);
      check((ROUTES as readonly string[]).includes(r.route!), () => `route ${at()}`);
      const charged = pico(r.charged_usd!);
      const cost = pico(r.cost_usd!);
      const expected = r.route === 'platform' ? [cost] : r.route === 'failed' ? [0n] : [0n, cost / 20n];
      check(expected.includes(charged) && cost % 20n === 0n, () => `charge ${at()}`);
    }
    expect(problems).toEqual([]);
    expect(ids.size).toBe(rows.length);
  });

  it('is realistic: mostly ok keys, some failures and keyless requests, varied costs, personal and org use', async () => {
    const { rows } = table(await generate('--rows', '50000', '--seed', '11'));
    const share = (pred: (r: Record<string, string>) => boolean) => rows.filter(pred).length / rows.length;
    expect(share((r) => r.key_result === 'ok')).toBeGreaterThan(0.75);
    for (const k of ['rate_limited', 'error', 'none']) expect(share((r) => r.key_result === k)).toBeGreaterThan(0.005);
    expect(share((r) => r.platform_result === 'ok')).toBeGreaterThan(0.97);
    expect(share((r) => r.platform_result === 'error')).toBeGreaterThan(0.002);
    expect(new Set(rows.map((r) => r.model)).size).toBeGreaterThanOrEqual(12);
    expect(new Set(rows.map((r) => r.cost_usd)).size).toBeGreaterThan(rows.length / 4);
    expect(share((r) => r.cost_usd === '0')).toBeGreaterThan(0); // a free model
    expect(share((r) => r.org_id === '')).toBeGreaterThan(0.05);
    // Some users make requests both in an org and personally.
    const scopesOf = new Map<string, Set<string>>();
    for (const r of rows) scopesOf.set(r.user_id!, (scopesOf.get(r.user_id!) ?? new Set()).add(r.org_id!));
    expect([...scopesOf.values()].filter((s) => s.has('') && s.size > 1).length).toBeGreaterThan(10);
    // Heavy-tailed scope sizes: the biggest scope dwarfs the median one.
    const sizes = new Map<string, number>();
    for (const r of rows) {
      const scope = r.org_id ? `org:${r.org_id}` : `user:${r.user_id}`;
      sizes.set(scope, (sizes.get(scope) ?? 0) + 1);
    }
    const sorted = [...sizes.values()].sort((a, b) => b - a);
    expect(sorted[0]!).toBeGreaterThan(100 * sorted[Math.floor(sorted.length / 2)]!);
    // Diurnal: 14:00–16:00 UTC is much busier than 02:00–04:00 UTC.
    const hour = (h: number) => rows.filter((r) => Number(r.timestamp!.slice(11, 13)) === h).length;
    expect(hour(14) + hour(15)).toBeGreaterThan(2 * (hour(2) + hour(3)));
  });
});

describe('byok generate: determinism', () => {
  it('the same arguments give the same bytes; another seed gives other bytes', async () => {
    const args = ['--rows', '3000', '--seed', '42', '--offsets', '--duplicates', '0.02', '--shuffle-window', '10m'];
    const a = await generate(...args);
    const b = await generate(...args);
    expect(a).toBe(b);
    const c = await generate('--rows', '3000', '--seed', '43', '--offsets', '--duplicates', '0.02', '--shuffle-window', '10m');
    expect(c).not.toBe(a);
    expect(table(c).rows).toHaveLength(3000);
  });

  it('is pinned: these bytes are the same on every machine (change the digest only on purpose)', async () => {
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    const plain = await generate('--rows', '5000', '--seed', '42', '--columns', GENERATE_COLUMNS.join(','));
    expect(sha(plain)).toBe('566eceb03e3eb59272cd303d24eb46880bdd5c8d2686484f423dc8ec5e462b2c');
    const messy = await generate('--rows', '5000', '--seed', '42', '--offsets', '--shuffle-window', '1h', '--duplicates', '0.05');
    expect(sha(messy)).toBe('5be6f81cccd6f45e9ae2e016f372d9924f3cd4563912b97576424886dbe4f6b8');
  });

  it('the default seed is 1; the library generator gives the CLI text', async () => {
    const viaCli = await generate('--rows', '500');
    expect(await generate('--rows', '500', '--seed', '1')).toBe(viaCli);
    expect([...generateCsv(resolveGenerateConfig({ rows: '500' }))].join('')).toBe(viaCli);
  });

  it('--offsets, --columns and --shuffle-window change how rows are written, never what they say', async () => {
    const base = table(await generate('--rows', '4000', '--seed', '9', '--end', '2025-10-03T00:00:00Z'));
    const offsets = table(await generate('--rows', '4000', '--seed', '9', '--end', '2025-10-03T00:00:00Z', '--offsets'));
    let epochMs = 0;
    let nonUtc = 0;
    const { problems, check } = checker();
    offsets.rows.forEach((r, i) => {
      const b = base.rows[i]!;
      check(JSON.stringify({ ...r, timestamp: '' }) === JSON.stringify({ ...b, timestamp: '' }), () => `row ${i}`);
      check(parseTimestamp(r.timestamp!).epochMs === parseTimestamp(b.timestamp!).epochMs, () => `instant ${r.timestamp} vs ${b.timestamp}`);
      if (/^\d+$/.test(r.timestamp!)) epochMs++;
      else if (!r.timestamp!.endsWith('Z')) nonUtc++;
    });
    expect(problems).toEqual([]);
    expect(epochMs).toBeGreaterThan(200);
    expect(nonUtc).toBeGreaterThan(2000);
    const narrow = table(await generate('--rows', '4000', '--seed', '9', '--end', '2025-10-03T00:00:00Z', '--columns', 'request_id,cost_usd'));
    expect(narrow.lines).toEqual(base.rows.map((r) => `${r.request_id},${r.cost_usd}`));
  });
});

describe('byok generate: order, shuffling, duplicates', () => {
  it('without --shuffle-window the log is in time order (ties in request_id order)', async () => {
    const { rows } = table(await generate('--rows', '30000', '--seed', '3', '--end', '2025-10-01T06:00:00Z'));
    const { problems, check } = checker();
    for (let i = 1; i < rows.length; i++) {
      const a = rows[i - 1]!;
      const b = rows[i]!;
      check(a.timestamp! < b.timestamp! || (a.timestamp === b.timestamp && a.request_id! < b.request_id!), () => `rows ${i - 1}, ${i}`);
    }
    expect(problems).toEqual([]);
    expect(new Set(rows.map((r) => r.timestamp)).size).toBeLessThan(rows.length); // ties do occur
  });

  it('--shuffle-window W: nearly sorted, no row preceded by one more than W later; same rows', async () => {
    const window = 60_000;
    const args = ['--rows', '30000', '--seed', '4', '--end', '2025-10-02T00:00:00Z'];
    const sorted = table(await generate(...args));
    const shuffled = table(await generate(...args, '--shuffle-window', '1m'));
    let latest = Number.NEGATIVE_INFINITY;
    let inversions = 0;
    let maxLag = 0;
    for (const r of shuffled.rows) {
      const t = parseTimestamp(r.timestamp!).epochMs;
      if (t < latest) inversions++;
      maxLag = Math.max(maxLag, latest - t);
      latest = Math.max(latest, t);
    }
    expect(inversions).toBeGreaterThan(1000);
    expect(maxLag).toBeLessThanOrEqual(window);
    expect(maxLag).toBeGreaterThan(window / 2);
    expect([...shuffled.lines].sort()).toEqual([...sorted.lines].sort());
  });

  it('--duplicates RATE repeats about RATE of the rows identically (and keeps time order)', async () => {
    const { rows, lines } = table(await generate('--rows', '40000', '--seed', '8', '--duplicates', '0.05'));
    const seen = new Map<string, string>();
    let repeats = 0;
    const { problems, check } = checker();
    lines.forEach((line, i) => {
      const id = rows[i]!.request_id!;
      const first = seen.get(id);
      if (first === undefined) seen.set(id, line);
      else {
        repeats++;
        check(line === first, () => `${line} repeats ${first}`);
      }
    });
    for (let i = 1; i < rows.length; i++) check(rows[i - 1]!.timestamp! <= rows[i]!.timestamp!, () => `order at ${i}`);
    expect(problems).toEqual([]);
    // Binomial(40000, 0.05): mean 2000, sd ≈ 44.
    expect(repeats).toBeGreaterThan(1800);
    expect(repeats).toBeLessThan(2200);
    expect((await generate('--rows', '100', '--duplicates', '5%')).length).toBeGreaterThan(0);
  });
});

describe('byok generate: allowance scenarios', () => {
  it('--single-org ID: every request from that org, key and platform ok', async () => {
    const { rows } = table(await generate('--rows', '20000', '--seed', '7', '--single-org', 'acme', '--users', '300', '--columns', GENERATE_COLUMNS.join(',')));
    expect(rows.every((r) => r.org_id === 'acme' && r.key_result === 'ok' && r.platform_result === 'ok' && r.route === 'byok')).toBe(true);
    expect(rows.every((r) => r.charged_usd === '0')).toBe(true); // well within the allowance
    expect(new Set(rows.map((r) => r.request_id)).size).toBe(20000);
    expect(new Set(rows.map((r) => r.user_id)).size).toBeGreaterThan(100);
  });

  it('--single-org with 1,200,000 rows in October 2025 crosses the allowance mid-month', () => {
    // Reads the generator's bytes up to row 1,000,001 only: no need to hold 1.2M rows.
    const config = resolveGenerateConfig({
      rows: '1200000', seed: '7', singleOrg: 'acme', start: '2025-10-01T00:00:00Z', months: '1',
      columns: 'timestamp,org_id,key_result,charged_usd,cost_usd',
    });
    const decoder = new TextDecoder();
    let carry = '';
    let lineNo = -1; // the header is line 0
    const wanted = new Map<number, string>();
    outer: for (const chunk of generateCsvBytes(config)) {
      const text = carry + decoder.decode(chunk);
      let from = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
        lineNo++;
        if (lineNo === 1 || lineNo === 999_999 || lineNo === 1_000_000 || lineNo === 1_000_001) wanted.set(lineNo, text.slice(from, nl));
        from = nl + 1;
        if (lineNo === 1_000_001) break outer;
      }
      carry = text.slice(from);
    }
    const row = (n: number) => {
      const [timestamp, org, key, charged, cost] = wanted.get(n)!.split(',');
      return { timestamp: timestamp!, org, key, charged: charged!, cost: cost! };
    };
    for (const n of [1, 999_999, 1_000_000]) expect(row(n)).toMatchObject({ org: 'acme', key: 'ok', charged: '0' });
    const past = row(1_000_001);
    expect(past).toMatchObject({ org: 'acme', key: 'ok' });
    expect(pico(past.cost)).toBeGreaterThan(0n);
    expect(pico(past.charged) * 20n).toBe(pico(past.cost)); // the 5% fee, exactly
    expect(past.timestamp.slice(0, 8)).toBe('2025-10-');
    expect(Number(past.timestamp.slice(8, 10))).toBeGreaterThanOrEqual(15);
  });

  it('--heavy-orgs: each heavy org gets enough of the traffic to pass 1,000,000 BYOK requests a month when rows allow', () => {
    const rows = 5_000_000;
    const month = 31 * 86_400_000;
    const shares = planHeavyShares(rows, month, 2);
    for (const s of shares) expect(s * rows * HEAVY_KEY_OK).toBeGreaterThan(1_300_000);
    // Too few rows for every target: heavy orgs take at most 70% of the traffic together, and
    // as many as fit still pass the allowance.
    expect(planHeavyShares(10_000, month, 3).reduce((a, b) => a + b, 0)).toBeCloseTo(0.7, 10);
    const tight = planHeavyShares(3_000_000, month, 2);
    expect(tight.reduce((a, b) => a + b, 0)).toBeCloseTo(0.7, 10);
    expect(tight[0]! * 3_000_000 * HEAVY_KEY_OK).toBeGreaterThan(1_100_000);
    // The log follows the plan: measured on its first 150,000 rows (the mix does not drift in time).
    const config = resolveGenerateConfig({ rows: String(rows), seed: '2', orgs: '50', users: '3000', heavyOrgs: '2', columns: 'org_id,key_result' });
    const byok = new Map<string, number>();
    let seen = 0;
    const decoder = new TextDecoder();
    let carry = '';
    outer: for (const chunk of generateCsvBytes(config)) {
      const lines = (carry + decoder.decode(chunk)).split('\n');
      carry = lines.pop()!;
      for (const line of lines) {
        if (line === 'org_id,key_result') continue;
        const [org, key] = line.split(',');
        if (key === 'ok' && org) byok.set(org, (byok.get(org) ?? 0) + 1);
        if (++seen === 150_000) break outer;
      }
    }
    const top = [...byok.values()].sort((a, b) => b - a);
    for (const count of top.slice(0, 2)) expect((count / seen) * rows).toBeGreaterThan(1_200_000);
    expect((top[2]! / seen) * rows).toBeLessThan(1_000_000);
  });

  it('route and charged_usd are what the core ledger decides under the default policy', async () => {
    const { rows } = table(
      await generate('--rows', '20000', '--seed', '12', '--start', '2025-09-20T00:00:00Z', '--end', '2025-10-10T00:00:00Z', '--duplicates', '0.01', '--columns', GENERATE_COLUMNS.join(',')),
    );
    const ledger = createLedger({ policy: defaultPolicy() });
    let feePaying = 0;
    const { problems, check } = checker();
    for (const r of rows) {
      const d = ledger.add({
        requestId: r.request_id!,
        instant: parseTimestamp(r.timestamp!),
        userId: r.user_id!,
        orgId: r.org_id!,
        model: r.model!,
        provider: r.provider!,
        cost: parseMoney(r.cost_usd!),
        keyResult: r.key_result as KeyResult,
        platformResult: r.platform_result as PlatformResult,
      });
      check(d.route === r.route, () => `route ${JSON.stringify(r)} vs ${d.route}`);
      check(d.duplicate || d.charge.toString() === parseMoney(r.charged_usd!).toString(), () => `charge ${JSON.stringify(r)} vs ${d.charge}`);
      if (d.route === 'byok' && d.charge.toString() !== '0') feePaying++;
    }
    expect(problems).toEqual([]);
    expect(feePaying).toBeGreaterThan(1000); // September: before the free tier
    const bill = ledger.finish();
    expect(bill.input.duplicates).toBeGreaterThan(100);
  });
});

describe('byok generate: output', () => {
  it('--out FILE.csv writes the stdout bytes; FILE.csv.gz decompresses to them', async () => {
    const args = ['--rows', '30000', '--seed', '21', '--offsets'];
    const text = await generate(...args);
    const plain = join(scratch, 'log.csv');
    const gz = join(scratch, 'log.csv.gz');
    expect(await generate(...args, '--out', plain)).toBe('');
    expect(await generate(...args, '--out', gz, '--gzip-level', '9')).toBe('');
    expect(readFileSync(plain, 'utf8')).toBe(text);
    const gzBytes = readFileSync(gz);
    expect(gzBytes[0]).toBe(0x1f);
    expect(gzBytes[1]).toBe(0x8b);
    expect(gunzipSync(gzBytes).toString('utf8')).toBe(text);
    expect(gzBytes.length).toBeLessThan(text.length / 3);
  });

  it('quotes a field that needs it (an org id with a comma and quotes)', async () => {
    const csv = await generate('--rows', '50', '--single-org', 'Acme, "Inc"\nEU', '--columns', 'request_id,org_id,cost_usd');
    const records = parse(csv, { columns: true }) as Record<string, string>[];
    expect(records).toHaveLength(50);
    expect(records.every((r) => r.org_id === 'Acme, "Inc"\nEU')).toBe(true);
    expect(csv).toContain(',"Acme, ""Inc""\nEU",');
  });

  it('--help documents every option with an example', async () => {
    const { code, stdout } = await byok(['generate', '--help']);
    expect(code).toBe(0);
    for (const option of ['--rows', '--seed', '--start', '--months', '--end', '--orgs', '--users', '--heavy-orgs', '--single-org', '--columns', '--offsets', '--shuffle-window', '--duplicates', '--out', '--gzip-level']) {
      const line = stdout.slice(stdout.indexOf(`  ${option} `));
      expect(line.slice(0, line.indexOf('\n  --') >= 0 ? line.indexOf('\n  --') : undefined)).toMatch(/e\.g\./);
    }
    expect(stdout).toContain('byok generate --rows 1200000 --seed 7 --single-org acme');
  });
});

describe('byok generate: bad usage exits 2', () => {
  const cases: [string, string[], RegExp][] = [
    ['no --rows', [], /--rows/],
    ['--rows not a number', ['--rows', 'abc'], /--rows "abc": expected a whole number/],
    ['--rows negative', ['--rows', '-5'], /--rows/],
    ['--rows fractional', ['--rows', '1.5'], /--rows/],
    ['--seed not a number', ['--rows', '5', '--seed', 'x'], /--seed/],
    ['--months 0', ['--rows', '5', '--months', '0'], /--months/],
    ['--months and --end', ['--rows', '5', '--months', '2', '--end', '2025-11-01T00:00:00Z'], /months|end/],
    ['--end before --start', ['--rows', '5', '--end', '2025-09-01T00:00:00Z'], /--end .* must be after --start/],
    ['--start without offset', ['--rows', '5', '--start', '2025-10-01T00:00:00'], /--start: .*offset/],
    ['--start garbage', ['--rows', '5', '--start', 'yesterday'], /--start/],
    ['unknown column', ['--rows', '5', '--columns', 'request_id,bogus'], /unknown column "bogus"/],
    ['repeated column', ['--rows', '5', '--columns', 'request_id,request_id'], /given twice/],
    ['--duplicates 1.5', ['--rows', '5', '--duplicates', '1.5'], /--duplicates/],
    ['--shuffle-window 5x', ['--rows', '5', '--shuffle-window', '5x'], /--shuffle-window/],
    ['--orgs > --users', ['--rows', '5', '--users', '10', '--orgs', '11'], /every org needs at least one member/],
    ['--heavy-orgs > --orgs', ['--rows', '5', '--orgs', '2', '--heavy-orgs', '3'], /--heavy-orgs 3 exceeds --orgs 2/],
    ['--single-org with --orgs', ['--rows', '5', '--single-org', 'acme', '--orgs', '3'], /--single-org/],
    ['--single-org empty', ['--rows', '5', '--single-org', ' '], /--single-org/],
    ['--gzip-level 10', ['--rows', '5', '--gzip-level', '10'], /--gzip-level/],
    ['unwritable --out', ['--rows', '5', '--out', '/nonexistent-dir/x/log.csv'], /cannot write/],
    ['unknown option', ['--rows', '5', '--colour'], /unknown option/],
  ];
  it.each(cases)('%s', async (_name, args, message) => {
    const { code, stdout, stderr } = await byok(['generate', ...args]);
    expect(code).toBe(EXIT_BAD_INPUT);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
  });
});

describe('generator internals', () => {
  it('money from integer picodollars: the row writer and formatPicoUsd agree, exactly', () => {
    const rng = new Xoshiro128(99, 1);
    const row = new RowBuffer(64);
    const decoder = new TextDecoder();
    const samples = [0, 1, 10, 100, 999_999_999_999, 1_000_000_000_000, 1_000_000_000_001, 12_000_000_000, 600_000_000, 9_007_199_254_740_991];
    for (let i = 0; i < 20_000; i++) samples.push(rng.next() * 1_000_000 + rng.next());
    for (const pico of samples) {
      row.length = 0;
      row.picoUsd(pico);
      const text = decoder.decode(row.bytes.subarray(0, row.length));
      expect(text).toBe(formatPicoUsd(pico));
      const big = BigInt(pico);
      const expected = `${big / 10n ** 12n}.${(big % 10n ** 12n).toString().padStart(12, '0')}`.replace(/\.?0+$/, '');
      expect(text).toBe(expected === '' ? '0' : expected);
    }
    expect(formatPicoUsd(12_000_000_000)).toBe('0.012');
    expect(formatPicoUsd(0)).toBe('0');
  });

  it('xoshiro128** matches the reference sequence shape: deterministic and well spread', () => {
    const a = new Xoshiro128(1, 2);
    const b = new Xoshiro128(1, 2);
    const c = new Xoshiro128(1, 3);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(Array.from({ length: 1000 }, () => b.next())).toEqual(xs);
    expect(Array.from({ length: 1000 }, () => c.next())).not.toEqual(xs);
    expect(xs.every((x) => Number.isInteger(x) && x >= 0 && x < 2 ** 32)).toBe(true);
    const mean = xs.reduce((s, x) => s + x / 2 ** 32, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
  });

  it('resolveGenerateConfig fills the documented defaults', () => {
    const config = resolveGenerateConfig({ rows: '10' } satisfies GenerateRawOptions);
    expect(config).toMatchObject({
      rows: 10, seed: 1, startMs: Date.parse('2025-10-01T00:00:00Z'), endMs: Date.parse('2025-11-01T00:00:00Z'),
      users: 2000, orgs: 100, heavyOrgs: 1, offsets: false, shuffleWindowMs: 0, duplicateRate: 0,
    });
    expect(resolveGenerateConfig({ rows: '10', start: '2025-01-31T12:00:00Z', months: '1' }).endMs).toBe(Date.parse('2025-02-28T12:00:00Z'));
    expect(resolveGenerateConfig({ rows: '10', shuffleWindow: '5m' }).shuffleWindowMs).toBe(300_000);
    expect(resolveGenerateConfig({ rows: '1_200_000' }).rows).toBe(1_200_000);
  });
});
