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

describe('README meter example (TypeScript)', () => {
  const dir = mkdtempSync(join(REPO_ROOT, 'packages/cli/.readme-meter-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('type-checks against the published declarations and prints the output the README shows', () => {
    const source = join(dir, 'meter.ts');
    writeFileSync(source, readmeBlock('meter'));
    // Strict type check, resolving @byok-billing/* to the built packages' .d.ts files.
    const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--skipLibCheck', source], {
      cwd: dir,
      encoding: 'utf8',
    });
    const js = ts.transpileModule(readmeBlock('meter'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    const file = join(dir, 'meter.mjs');
    writeFileSync(file, js);
    const output = execFileSync(process.execPath, [file], { encoding: 'utf8' });
    expect(output).toBe(readmeBlock('meter:output'));
  }, 120_000);
});

describe('README threshold events example (TypeScript)', () => {
  const dir = mkdtempSync(join(REPO_ROOT, 'packages/cli/.readme-thresholds-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('type-checks against the published declarations and prints the output the README shows', () => {
    const source = join(dir, 'thresholds.ts');
    writeFileSync(source, readmeBlock('thresholds'));
    const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--types', 'node', '--skipLibCheck', source], {
      cwd: dir,
      encoding: 'utf8',
    });
    const js = ts.transpileModule(readmeBlock('thresholds'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    const file = join(dir, 'thresholds.mjs');
    writeFileSync(file, js);
    const output = execFileSync(process.execPath, [file], { encoding: 'utf8' });
    expect(output).toBe(readmeBlock('thresholds:output'));
  }, 120_000);
});
