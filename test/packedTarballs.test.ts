import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, readmeBlock } from './support/readmeExample.js';

/*
 * What a user of the published packages gets: both packages packed with `pnpm pack`
 * (which rewrites workspace: ranges), installed with npm into an empty project outside
 * the workspace, then the README's library example and `byok --help` run there.
 * `pnpm test` builds the packages before the suite runs.
 */
describe('packed tarballs in an empty project', () => {
  const dir = mkdtempSync(join(tmpdir(), 'byok-pack-'));
  const project = join(dir, 'project');

  beforeAll(() => {
    // The CLI depends on the stores package, so all three are packed and installed together.
    for (const pkg of ['core', 'stores', 'cli']) {
      execFileSync('pnpm', ['pack', '--pack-destination', dir], { cwd: join(REPO_ROOT, 'packages', pkg), stdio: 'pipe' });
    }
    const tarballs = readdirSync(dir).filter((f) => f.endsWith('.tgz'));
    execFileSync('mkdir', [project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'empty-project', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...tarballs.map((t) => join(dir, t))], {
      cwd: project,
      stdio: 'pipe',
    });
    // npm builds better-sqlite3's native addon from source where no prebuilt binary can be
    // fetched: minutes on a quiet 2-core machine, and it timed out at 300 s beside a busy suite.
  }, 600_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('packs both packages with their type declarations', () => {
    const listing = (name: string) =>
      execFileSync('tar', ['tzf', join(dir, name)], { encoding: 'utf8' }).split('\n');
    const core = listing('byok-billing-core-0.1.0.tgz');
    expect(core).toContain('package/dist/index.js');
    expect(core).toContain('package/dist/index.d.ts');
    expect(core).toContain('package/dist/policy/default-policy.json');
    expect(core.some((f) => f.includes('/test/') || f.endsWith('.ts') && !f.endsWith('.d.ts'))).toBe(false);
    const stores = listing('byok-billing-stores-0.1.0.tgz');
    expect(stores).toContain('package/dist/index.js');
    expect(stores).toContain('package/dist/index.d.ts');
    expect(stores.some((f) => f.includes('/test/') || (f.endsWith('.ts') && !f.endsWith('.d.ts')))).toBe(false);
    const cli = listing('byok-billing-cli-0.1.0.tgz');
    expect(cli).toContain('package/dist/bin.js');
    expect(cli).toContain('package/dist/index.d.ts');
  });

  it('runs the README library example', () => {
    writeFileSync(join(project, 'example.mjs'), readmeBlock('library'));
    const output = execFileSync(process.execPath, ['example.mjs'], { cwd: project, encoding: 'utf8' });
    expect(output).toBe(readmeBlock('library:output'));
  });

  it('runs byok --help and byok --version from the installed binary', () => {
    const bin = join(project, 'node_modules', '.bin', 'byok');
    const help = execFileSync(bin, ['--help'], { cwd: project, encoding: 'utf8' });
    expect(help).toMatch(/^Usage: byok/);
    expect(help).toContain('--version');
    expect(execFileSync(bin, ['--version'], { cwd: project, encoding: 'utf8' }).trim()).toBe('0.1.0');
  });
});
