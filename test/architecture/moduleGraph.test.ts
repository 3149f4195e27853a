import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The module graph of the packages' sources, read from their import and export
// statements: the rules of docs/architecture.md, checked on every run.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const packages = ['core', 'stores', 'cli'] as const;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const SPECIFIER = /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s+'([^']+)'|(?:^|\n)\s*import\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g;

function specifiers(text: string): string[] {
  return [...text.matchAll(SPECIFIER)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

const files = packages.flatMap((p) => sourceFiles(join(root, 'packages', p, 'src')));
const graph = new Map<string, string[]>();
const external = new Map<string, string[]>();
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const local: string[] = [];
  const other: string[] = [];
  for (const spec of specifiers(text)) {
    // JSON imports are data (the default policy, the package's version), not modules.
    if (spec.endsWith('.json')) continue;
    if (spec.startsWith('.')) local.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
    else other.push(spec);
  }
  graph.set(file, local);
  external.set(file, other);
}
const name = (file: string) => relative(root, file);

describe('module graph', () => {
  it('reads the sources (the rules below would hold vacuously on nothing)', () => {
    expect(files.length).toBeGreaterThan(100);
    for (const [file, deps] of graph) for (const dep of deps) expect(graph.has(dep), `${name(file)} imports ${name(dep)}`).toBe(true);
  });

  it('has no import cycles', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]): void => {
      state.set(file, 'open');
      for (const dep of graph.get(file) ?? []) {
        if (state.get(dep) === 'open') cycles.push([...path.slice(path.indexOf(dep)), dep].map(name).join(' > '));
        else if (!state.has(dep)) visit(dep, [...path, dep]);
      }
      state.set(file, 'done');
    };
    for (const file of files) if (!state.has(file)) visit(file, [file]);
    expect(cycles).toEqual([]);
  });

  it('keeps the core pure: no Node modules, no clock, no randomness, no other package', () => {
    const core = files.filter((f) => f.includes(`${join('packages', 'core', 'src')}`));
    const offences: string[] = [];
    for (const file of core) {
      for (const spec of external.get(file)!) if (spec.startsWith('node:') || spec.startsWith('@byok-billing/')) offences.push(`${name(file)} imports ${spec}`);
      const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const clock of ['Date.now(', 'new Date()', 'Math.random(', 'performance.now(', 'process.']) if (text.includes(clock)) offences.push(`${name(file)} uses ${clock}`);
    }
    expect(offences).toEqual([]);
  });

  it('lets packages depend only downwards: core on nothing of ours, stores on core, cli on both', () => {
    const allowed: Record<(typeof packages)[number], string[]> = { core: [], stores: ['@byok-billing/core'], cli: ['@byok-billing/core', '@byok-billing/stores'] };
    const offences: string[] = [];
    for (const p of packages) {
      for (const file of files.filter((f) => f.includes(join('packages', p, 'src')))) {
        for (const spec of external.get(file)!) {
          if (!spec.startsWith('@byok-billing/')) continue;
          const target = spec.split('/').slice(0, 2).join('/');
          if (!allowed[p].includes(target)) offences.push(`${name(file)} imports ${spec}`);
        }
        for (const dep of graph.get(file)!) if (!dep.includes(join('packages', p, 'src'))) offences.push(`${name(file)} reaches into ${name(dep)}`);
      }
    }
    expect(offences).toEqual([]);
  });
});
