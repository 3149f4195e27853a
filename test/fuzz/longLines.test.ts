import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvTable } from '../../packages/cli/test/support/csvTable.js';
import { expectInputAccounting } from './inputAccounting.js';
import { runBounded } from './runWithLimits.js';
import { FuzzWorkspace } from './workspace.js';

/*
 * Issue 15, hostile input, the part about size: a record longer than --max-line-bytes is
 * a bad row, "skipped to its end as it streams by (never held in memory), its text in
 * --rejects cut to its first 1024 bytes" (README "byok bill"), on every reader. Two
 * checks:
 *
 * - in-process, every reader, with --max-line-bytes 64K and a record of 300 KB written
 *   three ways (one long line, a quoted field over many short lines, a last line without
 *   a line end): the record is refused as too long and counted, the others billed, in
 *   bounded time;
 * - in child processes (the built CLI), the peak memory of a run does not grow with the
 *   length of the line: a line of 80 MiB costs no more than one of 16 MiB. A reader that
 *   held the line (or a copy of it, or its text as a string) would grow by at least the
 *   64 MiB between them.
 */

const ws = new FuzzWorkspace('long');
beforeAll(() => ws.useAsTmpdir());
afterAll(() => ws.restore());

const LIMIT = '64K';
const HEADER = 'request_id,timestamp,user_id,cost_usd,key_result';
const BEFORE = `${HEADER}\nr1,2025-10-01T00:00:00Z,u1,0.5,ok\n`;
const AFTER = 'r3,2025-10-01T00:00:02Z,u1,0.25,ok\n';

/** A log whose third line (and record) is far past 64K, written as `shape` says. */
function longLog(shape: 'one-line' | 'quoted-lines' | 'last-line'): string {
  if (shape === 'one-line') return `${BEFORE}r2,2025-10-01T00:00:01Z,${'x'.repeat(300_000)},0.5,ok\n${AFTER}`;
  if (shape === 'quoted-lines') return `${BEFORE}r2,2025-10-01T00:00:01Z,"${'x\n'.repeat(150_000)}",0.5,ok\n${AFTER}`;
  return `${BEFORE}${AFTER}r2,2025-10-01T00:00:01Z,${'x'.repeat(300_000)},0.5,ok`;
}

/** The line the long record starts on. */
const longLine = (shape: 'one-line' | 'quoted-lines' | 'last-line') => (shape === 'last-line' ? 4 : 3);

describe(`a record past --max-line-bytes ${LIMIT}: refused as one bad row by every reader, in bounded time`, () => {
  const readers = [
    ['bill', []],
    ['bill --sort', ['--sort']],
    ['bill --engine duckdb', ['--engine', 'duckdb', '--threads', '1']],
    ['whatif', ['--vary', 'fee=3%,5%']],
  ] as const;
  for (const shape of ['one-line', 'quoted-lines', 'last-line'] as const) {
    for (const [name, extra] of readers) {
      for (const via of ['file', 'gzip', 'stdin'] as const) {
        it(`${name}, ${shape}, ${via}`, async () => {
          const c = ws.newCase();
          const text = longLog(shape);
          const log = via === 'stdin' ? '-' : c.input(via === 'gzip' ? 'log.csv.gz' : 'log.csv', via === 'gzip' ? gzipSync(text) : text);
          const shown = via === 'stdin' ? '<stdin>' : log;
          const stdin = via === 'stdin' ? Buffer.from(text) : undefined;
          const command = name.split(' ')[0]!;
          // catches: a long record read whole (or the run stopped) although --rejects asks to go on.
          const rejects = c.out('rejects.csv');
          const kept = await runBounded([command, log, ...extra, '--max-line-bytes', LIMIT, '--rejects', rejects, '--format', 'json', '-q'], stdin);
          expect(kept.code, kept.stderr).toBe(0);
          expectInputAccounting(JSON.parse(kept.stdout).input, { rejects, knownRows: 3, inputs: [shown] });
          const [refused] = csvTable(readFileSync(rejects, 'utf8'));
          expect(refused).toMatchObject({ file: shown, line: String(longLine(shape)) });
          expect(refused!.reason).toMatch(/^the record is longer than 65536 bytes \(--max-line-bytes\)/);
          // catches: the refused record's whole text copied into the rejects file.
          expect(Buffer.byteLength(refused!.row ?? '')).toBeLessThanOrEqual(1024);
          // catches: a long record accepted, or refused without its place, when there is no --rejects.
          const stopped = await runBounded([command, log, ...extra, '--max-line-bytes', LIMIT, '--format', 'json', '-q'], stdin);
          expect(stopped.code).toBe(2);
          expect(stopped.stderr).toContain(`${shown}, line ${longLine(shape)}: the record is longer than 65536 bytes`);
          expect(ws.tmpLeftovers()).toEqual([]);
          c.remove();
        });
      }
    }
  }

  it('byok meter (which reads records whole up to its fixed limit), one long line', async () => {
    const c = ws.newCase();
    // The meter has no --max-line-bytes: its limit is the default, 1 MiB.
    const log = c.input('log.csv', `${BEFORE}r2,2025-10-01T00:00:01Z,${'x'.repeat(1_200_000)},0.5,ok\n${AFTER}`);
    const rejects = c.out('rejects.csv');
    const kept = await runBounded(['meter', log, '--rejects', rejects, '--format', 'json', '-q'], undefined);
    expect(kept.code, kept.stderr).toBe(0);
    expectInputAccounting(JSON.parse(kept.stdout).input, { rejects, knownRows: 3, inputs: [log] });
    expect(readFileSync(rejects, 'utf8')).toContain('the record is longer than 1048576 bytes');
    c.remove();
  });

  for (const format of ['jsonl', 'json'] as const) {
    it(`byok import generations, a ${format === 'jsonl' ? 'JSON Lines line' : 'record of a JSON document'} past the limit`, async () => {
      const c = ws.newCase();
      const record = (id: string, user: string) => `{"id":"${id}","created_at":"2025-11-05T10:00:00Z","is_byok":true,"total_cost":0,"upstream_inference_cost":0.1,"external_user":"${user}"}`;
      const records = [record('g1', 'u1'), record('g2', 'x'.repeat(300_000)), record('g3', 'u2')];
      const input = c.input(`records.${format}`, format === 'jsonl' ? `${records.join('\n')}\n` : `[\n${records.join(',\n')}\n]\n`);
      const rejects = c.out('refused.csv');
      const out = c.out('log.csv');
      const kept = await runBounded(['import', 'generations', input, '--max-line-bytes', LIMIT, '--rejects', rejects, '--out', out], undefined);
      expect(kept.code, kept.stderr).toBe(0);
      expect(kept.stderr).toContain('imported 2 of 3 record(s)');
      const [refused] = csvTable(readFileSync(rejects, 'utf8'));
      expect(refused!.reason).toMatch(/^the record is longer than 65536 bytes/);
      expect(Buffer.byteLength(refused!.record ?? '')).toBeLessThanOrEqual(1024);
      expect(csvTable(readFileSync(out, 'utf8')).map((r) => r.request_id)).toEqual(['g1', 'g3']);
      const stopped = await runBounded(['import', 'generations', input, '--max-line-bytes', LIMIT], undefined);
      expect(stopped.code).toBe(2);
      // The long record is on line 2 of the JSON Lines, line 3 of the document (after its `[`).
      expect(stopped.stderr).toContain(`${input}, line ${format === 'jsonl' ? 2 : 3}`);
      expect(stopped.stderr).toContain('the record is longer than 65536 bytes');
      c.remove();
    });
  }
});

/*
 * Peak memory in a child process running the built CLI (dist: `pnpm test` builds first).
 * maxRSS is the process's peak resident memory, so a child per run measures that run alone.
 */
const CLI = pathToFileURL(fileURLToPath(new URL('../../packages/cli/dist/index.js', import.meta.url))).href;
const PEAK_SCRIPT = `const { run } = await import(${JSON.stringify(CLI)});
const code = await run(JSON.parse(process.argv[2]), { stdout: () => {}, stderr: (t) => process.stderr.write(t) });
process.stdout.write(JSON.stringify({ code, peakKiB: process.resourceUsage().maxRSS }));`;

function peakRun(args: readonly string[], stdinFile?: string): { code: number; peakMiB: number; stderr: string } {
  const stdin = stdinFile === undefined ? 'ignore' : openSync(stdinFile, 'r');
  try {
    // From a file, not `--input-type=module -e`: the CLI's scanning threads inherit the flags and refuse that one.
    const script = join(ws.root, 'peak.mjs');
    writeFileSync(script, PEAK_SCRIPT);
    const child = spawnSync(process.execPath, [script, JSON.stringify(args)], {
      stdio: [stdin, 'pipe', 'pipe'],
      encoding: 'utf8',
      env: { ...process.env, TMPDIR: ws.tmp },
      timeout: 120_000,
    });
    expect(child.status, `${args.join(' ')}: ${child.stderr}`).toBe(0);
    const { code, peakKiB } = JSON.parse(child.stdout) as { code: number; peakKiB: number };
    return { code, peakMiB: peakKiB / 1024, stderr: child.stderr };
  } finally {
    if (typeof stdin === 'number') closeSync(stdin);
  }
}

/** Writes a file holding `prefix`, `mib` MiB of `x` and `suffix`, a MiB at a time (plain, or gzip members one per MiB). */
function writeLong(path: string, prefix: string, mib: number, suffix: string, gzip: boolean): void {
  const fd = openSync(path, 'w');
  const piece = (b: Buffer) => writeSync(fd, gzip ? gzipSync(b) : b);
  try {
    piece(Buffer.from(prefix));
    const chunk = Buffer.alloc(1 << 20, 'x');
    for (let i = 0; i < mib; i++) piece(chunk);
    piece(Buffer.from(suffix));
  } finally {
    closeSync(fd);
  }
}

/**
 * The two lengths. Below about 32 MiB the peak still creeps up with the bytes that stream
 * by (V8 lets the heap grow before it collects the chunks read); past it, a streaming
 * reader's peak is flat: measured, import generations 85, 98, 110 and 112 MiB with lines
 * of 16, 48, 96 and 144 MiB.
 */
const SHORT_MIB = 32;
const LONG_MIB = 96;
/**
 * How much more the longer line may cost at the peak. A reader that holds the line grows
 * by 64 MiB (the difference in length) or more; one that streams it varies by a few MiB
 * between runs (heap growth, allocator, timing).
 */
const GROWTH_BOUND_MIB = 32;

describe(`peak memory does not grow with the length of a line past --max-line-bytes (${SHORT_MIB} MiB against ${LONG_MIB} MiB)`, () => {
  const logOf = (mib: number, gzip: boolean) => {
    const path = join(ws.root, `long-${mib}.csv${gzip ? '.gz' : ''}`);
    writeLong(path, `${HEADER}\nr1,2025-10-01T00:00:00Z,u1,0.5,ok\nr2,2025-10-01T00:00:01Z,u1,`, mib, `,ok\n${AFTER}`, gzip);
    return path;
  };
  const recordsOf = (mib: number, format: 'jsonl' | 'json') => {
    const path = join(ws.root, `long-${mib}.${format}`);
    const first = '{"id":"g1","created_at":"2025-11-05T10:00:00Z","is_byok":true,"total_cost":0,"upstream_inference_cost":0.1,"external_user":"u1"}';
    writeLong(path, format === 'jsonl' ? `${first}\n{"id":"g2","external_user":"` : `[${first},\n{"id":"g2","external_user":"`, mib, format === 'jsonl' ? '"}\n' : '"}]\n', false);
    return path;
  };

  /** Peak memory with the short line and with the long one; both runs must refuse the line and finish (exit 0). */
  function expectFlat(name: string, args: (input: string) => string[], input: (mib: number) => string, viaStdin = false) {
    const runs = [SHORT_MIB, LONG_MIB].map((mib) => {
      const path = input(mib);
      try {
        return peakRun(args(viaStdin ? '-' : path), viaStdin ? path : undefined);
      } finally {
        rmSync(path, { force: true });
      }
    });
    for (const r of runs) expect(r.code, `${name}: ${r.stderr}`).toBe(0);
    const growth = runs[1]!.peakMiB - runs[0]!.peakMiB;
    console.log(`${name}: peak ${Math.round(runs[0]!.peakMiB)} MiB with a ${SHORT_MIB} MiB line, ${Math.round(runs[1]!.peakMiB)} MiB with ${LONG_MIB} MiB`);
    // catches: a reader that keeps a too-long line (as bytes, or decoded) instead of skipping it as it streams by.
    expect(growth, `${name}: peak memory grew by ${Math.round(growth)} MiB for a line ${LONG_MIB - SHORT_MIB} MiB longer`).toBeLessThan(GROWTH_BOUND_MIB);
  }

  const bill = (extra: string[]) => (log: string) => ['bill', log, ...extra, '--max-line-bytes', LIMIT, '--rejects', join(ws.root, 'peak-rejects.csv'), '--format', 'json', '-q'];

  it('byok bill, one thread, a plain file', () => expectFlat('bill --threads 0', bill(['--threads', '0']), (mib) => logOf(mib, false)), 120_000);
  it('byok bill --sort, one thread', () => expectFlat('bill --sort --threads 0', bill(['--sort', '--threads', '0']), (mib) => logOf(mib, false)), 120_000);
  it('byok bill, a gzipped file', () => expectFlat('bill .csv.gz', bill([]), (mib) => logOf(mib, true)), 120_000);
  it('byok bill, standard input', () => expectFlat('bill -', bill([]), (mib) => logOf(mib, false), true), 120_000);
  it('byok meter', () => expectFlat('meter', (log) => ['meter', log, '--rejects', join(ws.root, 'peak-rejects.csv'), '--format', 'json', '-q'], (mib) => logOf(mib, false)), 120_000);
  for (const format of ['jsonl', 'json'] as const) {
    it(`byok import generations, ${format}`, () =>
      expectFlat(`import ${format}`, (input) => ['import', 'generations', input, '--max-line-bytes', LIMIT, '--rejects', join(ws.root, 'peak-refused.csv'), '--out', join(ws.root, 'peak-log.csv')], (mib) => recordsOf(mib, format)), 120_000);
  }

  // With its scanning threads (the default on two cores or more) a piece's batches wait on the
  // main thread until the piece is used: the lines of a skipped over-long record must not
  // travel with their bytes (they did: 260 MiB with a 96 MiB line).
  it('byok bill with its scanning threads, a plain file', () => expectFlat('bill (threads)', bill(['--threads', '1']), (mib) => logOf(mib, false)), 120_000);
});
