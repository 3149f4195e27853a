import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type BundleManifest, manifestText, sealOf, sha256Of } from '../src/bundle/bundleManifest.js';
import { BundleError } from '../src/bundle/bundleErrors.js';
import { writeBundle } from '../src/bundle/writeBundle.js';
import { byok } from '../../../test/support/runByok.js';

/*
 * Issue 15, hostile input: audit bundles. `byok verify` used to confirm a bundle whose
 * report.txt or recorded command had been edited, and to crash (exit 70) on a bundle with
 * a file deleted or on `--bundle` naming a file.
 */
const dir = mkdtempSync(join(tmpdir(), 'byok-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SCENARIOS = join(import.meta.dirname, '../../../scenarios');
const SCENARIO = join(SCENARIOS, '09-audit-invoice-matches');
/** An invoice the scenario's log does not support: the real report says so. */
const WRONG_INVOICE = join(SCENARIOS, '10-audit-allowance-not-applied/invoice.csv');

let n = 0;
/** A fresh work directory with a copy of the scenario's inputs in `in/`. */
function work(): string {
  const w = join(dir, `w${++n}`);
  cpSync(SCENARIO, join(w, 'in'), { recursive: true });
  return w;
}

/** Writes a bundle of the scenario (table format, so it has report.txt and report.json) and returns its path. */
async function makeBundle(invoice = WRONG_INVOICE, extra: string[] = []): Promise<string> {
  const w = work();
  const bundle = join(w, 'bundle');
  const audit = await byok(['audit', join(w, 'in', 'requests.csv'), '--policy', join(w, 'in', 'policy.json'), '--invoice', invoice, '--format', 'table', '--bundle', bundle, '-q', ...extra]);
  expect(audit.code, audit.stderr).toBe(invoice === WRONG_INVOICE ? 1 : 0);
  return bundle;
}

const manifestOf = (bundle: string) => JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8')) as BundleManifest;

/** Rewrites the manifest as an attacker who knows the format would: canonical text, seal recomputed. */
function forgeManifest(bundle: string, edit: (m: BundleManifest) => BundleManifest): void {
  const edited = edit(manifestOf(bundle));
  writeFileSync(join(bundle, 'manifest.json'), manifestText({ ...edited, seal: sealOf(edited) }));
}

function expectNoCrash(result: { code: number; stderr: string }): void {
  expect(result.code).not.toBe(70);
  expect(result.stderr).not.toContain('internal error');
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('byok verify confirms a bundle that reproduces', () => {
  it('exit 0, naming the command it re-ran; also after the bundle is moved and the original inputs are gone', async () => {
    const bundle = await makeBundle();
    const manifest = manifestOf(bundle);
    expect(manifest.format).toBe('byok-audit-bundle/v2');
    // The bundle holds its own copies, named inside it; the command is derived from them.
    expect(manifest.command).toEqual(['byok', 'audit', 'logs/1-requests.csv', '--policy', 'policy/policy.json', '--invoice', 'invoice/invoice.csv', '--reorder-window', '15m', '--format', 'table', '--out', 'report.txt']);
    expect(readdirSync(bundle).sort()).toEqual(['invoice', 'logs', 'manifest.json', 'policy', 'report.json', 'report.txt']);
    const ok = await byok(['verify', bundle]);
    expect(ok.code, ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(/^CONFIRMED/);
    expect(ok.stdout).toContain('re-ran: byok audit logs/1-requests.csv --policy policy/policy.json --invoice invoice/invoice.csv --reorder-window 15m --format table --out report.txt');

    const elsewhere = join(dir, `moved-${++n}`);
    mkdirSync(elsewhere);
    renameSync(bundle, join(elsewhere, 'b'));
    rmSync(join(bundle, '..', 'in'), { recursive: true });
    const moved = await byok(['verify', join(elsewhere, 'b')]);
    expect(moved.code, moved.stdout).toBe(0);
  });

  it('a bundle with --rejects, a gzipped log and --per-request verifies, its rejects compared too', async () => {
    const w = work();
    const log = join(w, 'my log.csv');
    writeFileSync(log, 'request_id,timestamp,user_id,org_id,cost_usd,key_result,charged_usd\np1,2025-10-01T10:00:00Z,a,acme,0.20,ok,0.01\nbad,notatime,a,acme,0.20,ok,0\n');
    const bundle = join(w, 'bundle');
    const audit = await byok(['audit', log, '--policy', join(w, 'in', 'policy.json'), '--per-request', '--rejects', join(w, 'rejects.csv'), '--bundle', bundle, '-q']);
    expect(audit.code, audit.stderr).toBe(1);
    expect(manifestOf(bundle).outputs.rejects?.path).toBe('rejects.csv');
    // The bundle's report names the bundle's copy, so it reads the same wherever the bundle is.
    expect(readFileSync(join(bundle, 'report.json'), 'utf8')).toContain('logs/1-my_log.csv, line 2');
    expect((await byok(['verify', bundle])).code).toBe(0);
    writeFileSync(join(bundle, 'rejects.csv'), 'file,line,column,column_name,reason,row\n');
    const refuted = await byok(['verify', bundle]);
    expect(refuted.code).toBe(1);
    expect(refuted.stdout).toContain('rejects rejects.csv has changed');
  });
});

describe('byok verify refutes an edited bundle (exit 1, saying what differs)', () => {
  const MATCHES = 'The invoice matches the log: all 5 invoiced lines agree in every column invoiced.\n';

  it('report.txt rewritten to say the invoice matches', async () => {
    const bundle = await makeBundle();
    writeFileSync(join(bundle, 'report.txt'), MATCHES);
    const result = await byok(['verify', bundle]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^REFUTED/);
    expect(result.stdout).toContain('report report.txt has changed: SHA-256');
    expect(result.stdout).toContain('re-running gives a different report than report.txt holds (first difference on line 1)');
  });

  it('report.txt rewritten with its hash and the seal forged to match: the re-run still tells', async () => {
    const bundle = await makeBundle();
    writeFileSync(join(bundle, 'report.txt'), MATCHES);
    forgeManifest(bundle, (m) => ({ ...m, outputs: { ...m.outputs, report: { path: 'report.txt', sha256: sha256Of(MATCHES) } } }));
    const result = await byok(['verify', bundle]);
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('has changed');
    expect(result.stdout).toContain('re-running gives a different report than report.txt holds');
  });

  it('the recorded command edited: refuted, and the command printed is the one re-run, not the edited one', async () => {
    const bundle = await makeBundle();
    const path = join(bundle, 'manifest.json');
    writeFileSync(path, readFileSync(path, 'utf8').replace('"--reorder-window",', '"--tolerance",\n    "1000",\n    "--reorder-window",'));
    const result = await byok(['verify', bundle]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('manifest.json was changed after it was written');
    expect(result.stdout).toContain("the recorded command is not the one the manifest's inputs, options and outputs describe");
    expect(result.stdout).toContain('re-ran: byok audit logs/1-requests.csv --policy policy/policy.json --invoice invoice/invoice.csv --reorder-window 15m --format table --out report.txt');
  });

  it('the recorded command edited with the seal forged: still refuted by the command check', async () => {
    const bundle = await makeBundle();
    forgeManifest(bundle, (m) => ({ ...m, command: ['byok', 'audit', 'logs/1-requests.csv', '--tolerance', '1000'] }));
    const result = await byok(['verify', bundle]);
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('seal');
    expect(result.stdout).toContain('it says "byok audit logs/1-requests.csv --tolerance 1000"');
  });

  it('an option edited with the seal forged (a tolerance that would make the invoice match): the report differs', async () => {
    const bundle = await makeBundle();
    forgeManifest(bundle, (m) => {
      const edited = { ...m, options: { ...m.options, tolerance: '1000' } };
      return { ...edited, command: [...m.command.slice(0, -4), '--tolerance', '1000', ...m.command.slice(-4)] };
    });
    const result = await byok(['verify', bundle]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('re-running gives a different report than report.txt holds');
  });

  it('white space changed in manifest.json', async () => {
    const bundle = await makeBundle();
    const path = join(bundle, 'manifest.json');
    writeFileSync(path, readFileSync(path, 'utf8').replace('{\n  "format"', '{\n   "format"'));
    const result = await byok(['verify', bundle]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('manifest.json is not byte for byte what byok writes');
  });

  it('an input edited: its hash is named and the audit is not re-run on it', async () => {
    const bundle = await makeBundle();
    writeFileSync(join(bundle, 'invoice', 'invoice.csv'), readFileSync(join(SCENARIO, 'invoice.csv')));
    const result = await byok(['verify', bundle]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('invoice invoice/invoice.csv has changed: SHA-256');
    expect(result.stdout).toContain('not re-run');
  });

  it('a file the manifest does not list (a second report next to the real one)', async () => {
    const bundle = await makeBundle();
    writeFileSync(join(bundle, 'report-final.txt'), MATCHES);
    mkdirSync(join(bundle, 'notes'));
    const result = await byok(['verify', bundle]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('the bundle holds report-final.txt, which its manifest does not list');
    expect(result.stdout).toContain('the bundle holds notes, which its manifest does not list');
  });
});

describe('byok verify refuses a bundle it cannot check (exit 2, naming the path, never a crash)', () => {
  it('a listed file deleted', async () => {
    const bundle = await makeBundle();
    unlinkSync(join(bundle, 'policy', 'policy.json'));
    const result = await byok(['verify', bundle]);
    expectNoCrash(result);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`byok: ${join(bundle, 'policy', 'policy.json')}: the manifest lists it as the policy, but it is not in the bundle\n`);
  });

  it.each([['../../etc/passwd'], ['/etc/passwd'], ['logs/../../../etc/passwd'], ['.hidden'], ['-q'], ['logs\\..\\x']])('a manifest naming %s', async (path) => {
    const bundle = await makeBundle();
    forgeManifest(bundle, (m) => ({ ...m, inputs: { ...m.inputs, logs: [{ path, sha256: m.inputs.logs[0]!.sha256 }] } }));
    const result = await byok(['verify', bundle]);
    expectNoCrash(result);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`$.inputs.logs[0].path names ${JSON.stringify(path)}, which is not a file inside the bundle`);
  });

  it('a symbolic link in the bundle pointing outside it', async () => {
    const bundle = await makeBundle();
    const policy = join(bundle, 'policy', 'policy.json');
    const outside = join(bundle, '..', 'outside.json');
    renameSync(policy, outside);
    symlinkSync(outside, policy);
    const result = await byok(['verify', bundle]);
    expectNoCrash(result);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${policy}: is a symbolic link`);
  });

  it('a bundle path that is a file, or nothing', async () => {
    const file = join(work(), 'in', 'requests.csv');
    for (const path of [file, join(dir, 'nothing-here')]) {
      const result = await byok(['verify', path]);
      expectNoCrash(result);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(path);
    }
  });
});

describe('byok audit --bundle', () => {
  const args = (w: string) => ['audit', join(w, 'in', 'requests.csv'), '--policy', join(w, 'in', 'policy.json'), '--invoice', join(w, 'in', 'invoice.csv'), '-q'];

  it('naming an existing file: exit 2 naming it, the file left as it was', async () => {
    const w = work();
    const file = join(w, 'taken');
    writeFileSync(file, 'keep me');
    const result = await byok([...args(w), '--bundle', file]);
    expectNoCrash(result);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`byok: ${file}: exists and is not a directory; --bundle needs a new or an empty directory\n`);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  });

  it('naming a directory that is not empty: exit 2; an empty one is used', async () => {
    const w = work();
    const target = join(w, 'target');
    mkdirSync(target);
    writeFileSync(join(target, 'old.txt'), 'x');
    const full = await byok([...args(w), '--bundle', target]);
    expect(full.code).toBe(2);
    expect(full.stderr).toContain(`${target}: is a directory that is not empty`);
    unlinkSync(join(target, 'old.txt'));
    expect((await byok([...args(w), '--bundle', target])).code).toBe(0);
    expect((await byok(['verify', target])).code).toBe(0);
  });

  it('standard input, or --out inside the bundle: exit 2 before anything is written', async () => {
    const w = work();
    const stdin = await byok(['audit', '-', '--invoice', join(w, 'in', 'invoice.csv'), '--bundle', join(w, 'b1')], readFileSync(join(w, 'in', 'requests.csv')));
    expect(stdin.code).toBe(2);
    expect(stdin.stderr).toContain('a bundle cannot record standard input');
    const out = await byok([...args(w), '--bundle', join(w, 'b2'), '--out', join(w, 'b2', 'report.json')]);
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('--out would write inside the bundle');
    expect(existsSync(join(w, 'b1')) || existsSync(join(w, 'b2'))).toBe(false);
  });

  it('a failure while writing leaves no bundle and no partial directory behind', async () => {
    const w = work();
    const target = join(w, 'bundle');
    const report = (await byok([...args(w), '--format', 'json'])).stdout;
    const printed = JSON.parse(report);
    // An input that vanished after the audit read it: copying it into the bundle fails.
    const write = writeBundle(target, [join(w, 'in', 'gone.csv')], { reorderWindow: '15m', policy: join(w, 'in', 'policy.json'), invoice: join(w, 'in', 'invoice.csv'), quiet: true }, 'json', printed);
    await expect(write).rejects.toBeInstanceOf(BundleError);
    await expect(write).rejects.toMatchObject({ bundleCode: 'BUNDLE_IO', path: join(w, 'in', 'gone.csv') });
    expect(readdirSync(w)).toEqual(['in']);
  });
});

describe('property: any one byte changed anywhere in a valid bundle is never confirmed', () => {
  it('verify exits 1 or 2, never 0 and never 70', async () => {
    const bundle = await makeBundle();
    const files = ['manifest.json', 'logs/1-requests.csv', 'policy/policy.json', 'invoice/invoice.csv', 'report.txt', 'report.json'];
    const contents = new Map(files.map((f) => [f, readFileSync(join(bundle, f))]));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...files), fc.nat(), fc.integer({ min: 1, max: 255 }), async (file, at, xor) => {
        const original = contents.get(file)!;
        const flipped = Buffer.from(original);
        const i = at % flipped.length;
        flipped[i] = flipped[i]! ^ xor;
        writeFileSync(join(bundle, file), flipped);
        try {
          const result = await byok(['verify', bundle]);
          expectNoCrash(result);
          expect([1, 2], `${file}[${i}] ^ ${xor}: ${result.stdout}${result.stderr}`).toContain(result.code);
        } finally {
          writeFileSync(join(bundle, file), original);
        }
      }),
      { numRuns: 150 },
    );
    expect((await byok(['verify', bundle])).code).toBe(0);
  });
});
