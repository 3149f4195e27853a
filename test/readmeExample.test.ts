import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, readmeBlock } from './support/readmeExample.js';

// Runs the README's library example against the built core in the workspace, and
// checks that it prints exactly what the README says it prints.
describe('README library example', () => {
  const dir = mkdtempSync(join(REPO_ROOT, 'packages/cli/.readme-example-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the output the README shows', () => {
    const file = join(dir, 'example.mjs');
    // Inside the workspace, the CLI package resolves @byok-billing/core to the built core.
    writeFileSync(file, readmeBlock('library'));
    const output = execFileSync(process.execPath, [file], { encoding: 'utf8' });
    expect(output).toBe(readmeBlock('library:output'));
  });
});

/**
 * A TypeScript example of the README (the block `name`): strictly type-checked against the
 * built packages' declarations, then run; it must print the README's `name:output` block.
 */
function describeTypeScriptExample(title: string, name: string): void {
  describe(title, () => {
    const dir = mkdtempSync(join(REPO_ROOT, `packages/cli/.readme-${name}-`));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('type-checks against the published declarations and prints the output the README shows', () => {
      const source = join(dir, `${name}.ts`);
      writeFileSync(source, readmeBlock(name));
      // Strict type check, resolving @byok-billing/* to the built packages' .d.ts files.
      const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
      execFileSync(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--skipLibCheck', source], {
        cwd: dir,
        encoding: 'utf8',
      });
      const js = ts.transpileModule(readmeBlock(name), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
      const file = join(dir, `${name}.mjs`);
      writeFileSync(file, js);
      const output = execFileSync(process.execPath, [file], { encoding: 'utf8' });
      expect(output).toBe(readmeBlock(`${name}:output`));
    }, 120_000);
  });
}

describeTypeScriptExample('README meter example (TypeScript)', 'meter');
describeTypeScriptExample('README threshold events example (TypeScript)', 'thresholds');
