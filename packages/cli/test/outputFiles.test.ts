import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byok } from '../../../test/support/runByok.js';

/**
 * Issue 15, "failing outputs": an output may not name an input, a failed run leaves no
 * new or partial output, and an output that cannot be written is exit 2, never 70.
 */
const dir = mkdtempSync(join(tmpdir(), 'byok-outputs-'));
const at = (name: string) => join(dir, name);
const log = at('log.csv');
const generations = at('generations.jsonl');
const hasDevFull = existsSync('/dev/full');

/** No temporary output file is left behind in the test directory. */
function noPartials(): void {
  expect(readdirSync(dir).filter((name) => name.includes('byok-partial'))).toEqual([]);
}

beforeAll(async () => {
  expect((await byok(['generate', '--rows', '2000', '--out', log])).code).toBe(0);
  expect((await byok(['generate', 'generations', '--records', '50', '--out', generations])).code).toBe(0);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('an output that names an input is refused before any work', () => {
  const original = () => readFileSync(log, 'utf8');
  it.each([['--details'], ['--rejects'], ['--out']])('bill %s LOG', async (flag) => {
    const before = original();
    const r = await byok(['bill', log, flag, log]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${flag} ${log} is also an input`);
    expect(r.stdout).toBe('');
    expect(original()).toBe(before);
  });

  it('bill --details names the log by another spelling of its path', async () => {
    const r = await byok(['bill', log, '--details', join(dir, '.', 'log.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is also an input');
  });

  it('import generations --out INPUT', async () => {
    const before = readFileSync(generations, 'utf8');
    const r = await byok(['import', 'generations', generations, '--out', generations]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--out ${generations} is also an input`);
    expect(readFileSync(generations, 'utf8')).toBe(before);
  });

  it('meter --charged-log LOG', async () => {
    const before = original();
    const r = await byok(['meter', log, '--charged-log', log]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--charged-log ${log} is also an input`);
    expect(original()).toBe(before);
  });
});

describe('an output that cannot be created is refused before any work', () => {
  it('a directory', async () => {
    const r = await byok(['bill', log, '--details', dir]);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toContain('is a directory');
  });

  it('a missing directory', async () => {
    const r = await byok(['bill', log, '--out', at('missing/bill.json')]);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toContain('does not exist');
  });

  it('whatif --html DIR fails before printing the comparison', async () => {
    const r = await byok(['whatif', log, '--vary', 'fee=3%,5%', '--html', dir]);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toContain('--html');
  });

  it('whatif --html in a missing directory fails before printing the comparison', async () => {
    const r = await byok(['whatif', log, '--vary', 'fee=3%,5%', '--html', at('missing/report.html')]);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toContain('does not exist');
  });

  it('whatif --save-policies naming an existing file', async () => {
    const r = await byok(['whatif', log, '--vary', 'fee=3%,5%', '--save-policies', log]);
    expect(r).toMatchObject({ code: 2, stdout: '' });
    expect(r.stderr).toContain('--save-policies');
  });
});

describe.runIf(hasDevFull)('a write that fails is exit 2 naming the path and the error', () => {
  it.each([
    ['bill --details', ['bill', log, '--details', '/dev/full']],
    ['meter --details', ['meter', log, '--details', '/dev/full']],
    ['import generations --out', ['import', 'generations', generations, '--out', '/dev/full']],
    ['bill --out', ['bill', log, '--out', '/dev/full']],
  ])('%s /dev/full', async (_name, args) => {
    const r = await byok(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/dev/full');
    expect(r.stderr).toContain('ENOSPC');
    expect(r.stderr).not.toContain('internal error');
  });
});

describe('a failed run leaves no new or partial output', () => {
  it('a truncated gzip: no --details file, and the existing --out file unchanged', async () => {
    const gz = at('big.csv.gz');
    expect((await byok(['generate', '--rows', '60000', '--out', gz])).code).toBe(0);
    const truncated = at('truncated.csv.gz');
    writeFileSync(truncated, readFileSync(gz).subarray(0, Math.floor(statSync(gz).size / 2)));
    const details = at('details.csv');
    const out = at('bill.json');
    writeFileSync(out, 'the bill of yesterday\n');
    const r = await byok(['bill', truncated, '--details', details, '--out', out, '--rejects', at('rejects.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('gzip');
    expect(existsSync(details)).toBe(false);
    expect(existsSync(at('rejects.csv'))).toBe(false);
    expect(readFileSync(out, 'utf8')).toBe('the bill of yesterday\n');
    noPartials();
  });

  it('a successful run writes every output in place, with no temporary file left', async () => {
    const out = at('ok.json');
    writeFileSync(out, 'old\n');
    const r = await byok(['bill', log, '--details', at('ok-details.csv'), '--out', out]);
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toBeTruthy();
    expect(readFileSync(at('ok-details.csv'), 'utf8').split('\n').length).toBeGreaterThan(2000);
    noPartials();
  });
});

describe('a run stopped from outside leaves nothing behind', () => {
  const BIN = join(import.meta.dirname, '../dist/bin.js');

  async function until(condition: () => boolean): Promise<void> {
    for (let waited = 0; !condition(); waited += 20) {
      if (waited > 20_000) throw new Error('timed out waiting for the run to start');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const)('%s while outputs and a spooled standard input are open: no partial output, no scratch directory, exit %i', async (signal, code) => {
    const scratch = mkdtempSync(join(dir, 'tmp-'));
    const name = `stopped-${signal}.csv`;
    // Standard input left open: the run is certainly under way, its outputs open, when the signal comes.
    const child = spawn(process.execPath, [BIN, 'bill', '-', '--details', at(name), '-q'], { env: { ...process.env, TMPDIR: scratch }, stdio: ['pipe', 'ignore', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    child.stdin.write(`${readFileSync(log, 'utf8')}`);
    await until(() => readdirSync(dir).some((n) => n.startsWith(`.${name}.byok-partial-`)) && readdirSync(scratch).some((n) => n.startsWith('byok-stdin-')));
    child.kill(signal);
    expect(await exited).toBe(code);
    expect(existsSync(at(name))).toBe(false);
    noPartials();
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('a run killed outright (SIGKILL): its temporary file goes with the next run that writes the same output, never a live run\'s', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const out = at('swept.json');
    const stale = at(`.swept.json.byok-partial-${dead}-0badf00d`);
    const live = at(`.swept.json.byok-partial-${process.ppid}-cafe0123`);
    const other = at(`.other.json.byok-partial-${dead}-0badf00d`);
    for (const path of [stale, live, other]) writeFileSync(path, 'half a bill');
    expect((await byok(['bill', log, '--out', out, '-q'])).code).toBe(0);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(other)).toBe(true);
    for (const path of [live, other]) rmSync(path);
  });
});
