import { createHash } from 'node:crypto';
import { closeSync, createReadStream, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Finding, parseMoney, sumMoney } from '@byok-billing/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GenerationRecordsRawOptions, resolveGenerationRecordsConfig } from '../packages/cli/src/generate/generationRecordsConfig.js';
import { generationRecordsJsonl } from '../packages/cli/src/generate/generationRecordsJsonl.js';
import type { GenerationRecordsSummary, PlantedRecord } from '../packages/cli/src/generate/generationSummary.js';
import { REPO_ROOT } from './support/readmeExample.js';
import { byok } from './support/runByok.js';

/*
 * Scenario 17 end to end, at full size: a month of 1,050,000 generation records from a
 * seed, crossing the real allowance of 1,000,000 BYOK requests (the default policy, not a
 * scaled one), with charge errors planted on both sides of the crossing and at it. The
 * records are generated here (never committed), imported, and audited request by request;
 * the audit must find the planted errors and nothing else. Everything runs in a temporary
 * folder, so the golden replay of scenarios.test.ts (which caches its copy under the
 * scenario's .generated/) never reads a file this test is writing.
 */

const SCENARIO = join(REPO_ROOT, 'scenarios', '17-generated-month-of-generations');

interface Spec {
  readonly generate: { readonly out: string; readonly args: readonly string[]; readonly sha256: string };
  readonly import: { readonly out: string; readonly args: readonly string[] };
  readonly args: readonly string[];
  readonly expectedExitCode: number;
}
const spec = JSON.parse(readFileSync(join(SCENARIO, 'scenario.json'), 'utf8')) as Spec;

const dir = mkdtempSync(join(tmpdir(), 'byok-generations-'));
const records = join(dir, 'records.jsonl');
const plantedFile = join(dir, 'planted.json');
const log = join(dir, 'log.csv');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What each step took (ms), printed once: the whole test should stay well under a minute. */
const timings: Record<string, number> = {};
async function timed<T>(step: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    timings[step] = performance.now() - start;
  }
}

let summary: GenerationRecordsSummary;
let importNotice: string;
let audit: { matches: boolean; findings: Finding[]; omittedFindings: number; summary: { wrongCharges: number; chargeDifferences: { scope: string; period: string; requests: number; differenceUsd: string }[] } };
let auditText: string;
let fileSha256: string;

beforeAll(async () => {
  const generated = await timed('generate', () => byok(['generate', ...spec.generate.args, '--out', records, '--planted', plantedFile, '--quiet']));
  expect(generated.code, generated.stderr).toBe(0);
  summary = JSON.parse(readFileSync(plantedFile, 'utf8')) as GenerationRecordsSummary;
  fileSha256 = await timed('sha256', () => sha256OfFile(records));
  const importArgs = spec.import.args.map((a) => (a === spec.generate.out ? records : a));
  const imported = await timed('import', () => byok(['import', ...importArgs, '--out', log]));
  expect(imported.code, imported.stderr).toBe(0);
  importNotice = imported.stderr;
  const audited = await timed('audit', () => byok(['audit', log, ...spec.args, '--format', 'json', '--quiet']));
  expect(audited.stderr).toBe('');
  expect(audited.code).toBe(spec.expectedExitCode);
  auditText = audited.stdout;
  audit = JSON.parse(auditText);
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  console.log(`scenario 17: ${Object.entries(timings).map(([step, ms]) => `${step} ${seconds(ms)}`).join(', ')}; total ${seconds(Object.values(timings).reduce((a, b) => a + b, 0))}`);
}, 300_000);

describe('scenario 17: a generated month of generation records crossing the real allowance', () => {
  it('the seed gives the committed bytes (SHA-256 of the whole file), and the same first 256 KiB again; another seed does not', async () => {
    expect(fileSha256).toBe(spec.generate.sha256);
    const head = readHead(records, 256 * 1024);
    expect(firstBytes(generatorOptions(spec.generate.args), head.length).equals(head)).toBe(true);
    const otherSeed = firstBytes({ ...generatorOptions(spec.generate.args), seed: '18' }, 1024);
    expect(otherSeed.equals(head.subarray(0, 1024))).toBe(false);
  });

  it('crosses 1,000,000 BYOK requests of one UTC month under the default policy; the import reads every record', () => {
    expect(summary.policy).toEqual({ version: '2025-10-free-million', allowance: 1_000_000, feeRate: '0.05' });
    expect(summary.records).toBe(1_050_000);
    expect(summary.byok).toBeGreaterThan(1_000_000);
    expect(summary.crossings).toHaveLength(1);
    expect(summary.crossings[0]!.scope).toBe('org:acme');
    const n = (count: number) => count.toLocaleString('en-US');
    expect(importNotice).toContain(
      `imported ${n(summary.records)} of ${n(summary.records)} record(s)`,
    );
    expect(importNotice).toContain(`${n(summary.byok)} byok, ${n(summary.platform)} platform, ${n(summary.cancelled)} cancelled (route failed); 0 duplicate(s) skipped; 0 rejected`);
  });

  it('the audit finds exactly the planted errors: same requests, ordinals, kinds and amounts, nothing else', () => {
    const found = audit.findings.map((f) => {
      expect(f.kind).toBe('wrong-charge');
      return key(f.requestId!, f.ordinal ?? null, f.wrongCharge!, f.invoiced!, f.recomputed!, f.difference!);
    });
    const planted = summary.planted.map((p) => key(p.id, p.ordinal, p.wrongCharge, p.chargedUsd, p.policyChargeUsd, p.differenceUsd));
    expect(found.sort()).toEqual(planted.sort());
    expect(new Set(found).size).toBe(found.length);
    expect(audit.summary.wrongCharges).toBe(summary.planted.length);
    expect(audit.omittedFindings).toBe(0);
    expect(audit.matches).toBe(false);
  });

  it('the month is over-charged by exactly the sum of the planted differences', () => {
    const net = sumMoney(summary.planted.map((p) => parseMoney(p.differenceUsd, { allowNegative: true })));
    expect(audit.summary.chargeDifferences).toEqual([{ scope: 'org:acme', period: '2025-12', requests: 1_050_000, differenceUsd: net.toString() }]);
    expect(summary.chargeDifferences).toEqual([{ scope: 'org:acme', period: '2025-12', differenceUsd: net.toString() }]);
    expect(net.isNegative()).toBe(false);
  });

  it('errors lie on both sides of the crossing and at it: the 1,000,000th free request charged, the 1,000,001st not, the 1,000,002nd at a wrong rate', () => {
    const at = (ordinal: number) => summary.planted.find((p) => p.ordinal === ordinal);
    expect(at(1_000_000)).toMatchObject({ kind: 'fee-inside-allowance', wrongCharge: 'fee inside the allowance', policyChargeUsd: '0' });
    expect(at(1_000_000)!.id).toBe(summary.crossings[0]!.lastFree);
    expect(at(1_000_001)).toMatchObject({ kind: 'missing-fee', wrongCharge: 'no fee past the allowance', chargedUsd: '0' });
    expect(at(1_000_001)!.id).toBe(summary.crossings[0]!.firstBillable);
    expect(at(1_000_002)).toMatchObject({ kind: 'wrong-fee-rate', wrongCharge: 'fee at the wrong rate' });
    const ordinals = summary.planted.map((p) => p.ordinal);
    expect(ordinals.filter((o) => o !== null && o < 1_000_000).length).toBe(5);
    expect(ordinals.filter((o) => o !== null && o > 1_000_002).length).toBe(3 + 3 + 2);
    expect(ordinals.filter((o) => o === null).length).toBe(2);
    const kinds = (kind: PlantedRecord['kind']) => summary.planted.filter((p) => p.kind === kind).length;
    expect([kinds('fee-inside-allowance'), kinds('missing-fee'), kinds('wrong-fee-rate'), kinds('list-price-on-byok'), kinds('charge-on-cancelled')]).toEqual([6, 4, 4, 2, 2]);
  });

  it('the audit is the committed expected-audit.json', () => {
    const relative = auditText.split(log).join(spec.import.out);
    expect(JSON.parse(relative)).toEqual(JSON.parse(readFileSync(join(SCENARIO, 'expected-audit.json'), 'utf8')));
  });

  it('the records mix both naming styles, with and without {"data": …}, UTC offsets, microseconds and number dialects', () => {
    const lines = readHead(records, 16 << 20).toString('utf8').split('\n').slice(0, -1);
    expect(lines.length).toBeGreaterThan(50_000);
    const combinations = new Map<string, number>();
    const offsets = new Set<string>();
    const numbers = new Set<string>();
    for (const line of lines) {
      // The shape only (amounts are checked as text below and exactly by the audit).
      const value = JSON.parse(line) as Record<string, unknown>;
      const wrapped = Object.keys(value).join() === 'data';
      const record = (wrapped ? value.data : value) as Record<string, unknown>;
      const camel = 'createdAt' in record;
      const keys = camel
        ? 'id,createdAt,model,providerName,isByok,totalCost,upstreamInferenceCost,cancelled,externalUser'
        : 'id,created_at,model,provider_name,is_byok,total_cost,upstream_inference_cost,cancelled,external_user';
      expect(Object.keys(record).join()).toBe(keys);
      const created = String(camel ? record.createdAt : record.created_at);
      expect(created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d$/);
      offsets.add(created.slice(-6));
      const combination = `${camel ? 'camelCase' : 'snake_case'}${wrapped ? ' wrapped' : ''}`;
      combinations.set(combination, (combinations.get(combination) ?? 0) + 1);
      for (const match of line.matchAll(/"(?:totalCost|total_cost|upstreamInferenceCost|upstream_inference_cost)":([^,}]+)/g)) {
        numbers.add(numberStyle(match[1]!));
      }
    }
    for (const combination of ['snake_case', 'camelCase', 'snake_case wrapped', 'camelCase wrapped']) {
      expect(combinations.get(combination) ?? 0, combination).toBeGreaterThan(lines.length / 20);
    }
    expect(offsets.size).toBeGreaterThanOrEqual(10);
    expect(offsets).toContain('+00:00');
    expect([...numbers].sort()).toEqual(['E exponent', 'e exponent', 'null', 'plain', 'trailing zeros']);
  });
});

function key(id: string, ordinal: number | null, kind: string, charged: string, policy: string, difference: string): string {
  return JSON.stringify([id, ordinal, kind, charged, policy, difference]);
}

function numberStyle(text: string): string {
  if (text === 'null') return 'null';
  if (/e/.test(text)) return 'e exponent';
  if (/E/.test(text)) return 'E exponent';
  if (/\.\d*0$/.test(text)) return 'trailing zeros';
  return 'plain';
}

/** `--records 1050000 --errors-at-crossing …` after `generations`, as the generator's raw options. */
function generatorOptions(args: readonly string[]): GenerationRecordsRawOptions {
  const options: Record<string, string | boolean> = {};
  for (let i = 1; i < args.length; i++) {
    const name = args[i]!.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) options[name] = true;
    else {
      options[name] = value;
      i++;
    }
  }
  return options as GenerationRecordsRawOptions;
}

/** The first `bytes` bytes the generator writes for these options (it streams: the rest is never made). */
function firstBytes(options: GenerationRecordsRawOptions, bytes: number): Buffer {
  const chunks: Buffer[] = [];
  let length = 0;
  for (const chunk of generationRecordsJsonl(resolveGenerationRecordsConfig(options))) {
    const buffer = Buffer.from(chunk);
    chunks.push(buffer);
    length += buffer.length;
    if (length >= bytes) break;
  }
  return Buffer.concat(chunks).subarray(0, bytes);
}

function readHead(path: string, bytes: number): Buffer {
  const buffer = Buffer.alloc(bytes);
  const fd = openSync(path, 'r');
  try {
    return buffer.subarray(0, readSync(fd, buffer, 0, bytes, 0));
  } finally {
    closeSync(fd);
  }
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
