import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

describe('README meter example', () => {
  const dir = mkdtempSync(join(REPO_ROOT, 'packages/cli/.readme-meter-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the output the README shows (SQLite store, retries, a late request, a restart)', () => {
    const file = join(dir, 'meter.mjs');
    writeFileSync(file, readmeBlock('meter'));
    const output = execFileSync(process.execPath, [file], { encoding: 'utf8' });
    expect(output).toBe(readmeBlock('meter:output'));
  });
});
