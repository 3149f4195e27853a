/**
 * A generated pricing-language case (test/arbitraries/feeConfig.ts) as the files the CLI
 * reads: the policy document and accounts file of feePolicyDocument.ts, and the log rows as
 * a CSV request log; plus an invoice written from the fee oracle's bill, rounded as an
 * invoice presents money (the policy's presentation: 2 decimals, half-even), with no engine code.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadPolicy } from '@byok-billing/core';
import { type FeeLogRow, feeConfigArb } from '../../../../test/arbitraries/feeConfig.js';
import { feeAccountsCsv, feePolicyDocument } from '../../../../test/properties/feePolicyDocument.js';
import type { RefBill } from '../../../../test/properties/referenceBill.js';
import type { FeeConfig, RefSchedule } from '../../../../test/properties/referenceFees.js';

export interface FeeCaseFiles {
  readonly policy: string;
  readonly accounts: string;
  readonly log: string;
}

/** Whether a config's schedules are chosen by provider/model: the fast replay (audit, explain) refuses such a policy. */
export const byProviderOrModel = (config: FeeConfig) => loadPolicy(feePolicyDocument(config)).versions.some((v) => v.scheduleChooser.byProviderOrModel);

/** Generated configs, `plain` in `plain + 1` of them choosing no schedule by provider/model (most generated ones do, unfiltered). */
export const factsMixConfigArb = (plain: number): fc.Arbitrary<FeeConfig> =>
  fc.oneof({ weight: plain, arbitrary: feeConfigArb().filter((c) => !byProviderOrModel(c)) }, { weight: 1, arbitrary: feeConfigArb() });

const LOG_COLUMNS = 'request_id,timestamp,user_id,org_id,model,provider,cost_usd,key_result,platform_result,route';

/** The rows as a request log (the cells generated rows have need no quotes: no comma, quote or line end). */
export function feeLogCsv(rows: readonly FeeLogRow[], charged?: (row: FeeLogRow, index: number) => string): string {
  const cell = (v: string | undefined) => {
    if (v !== undefined && /[",\r\n]/.test(v)) throw new Error(`feeLogCsv: ${JSON.stringify(v)} needs quotes`);
    return v ?? '';
  };
  const lines = rows.map((r, i) =>
    [r.requestId, r.timestamp, r.userId, r.orgId, r.model, r.provider, r.cost, r.keyResult, r.platformResult, r.recordedRoute, ...(charged === undefined ? [] : [charged(r, i)])].map(cell).join(','),
  );
  return `${LOG_COLUMNS}${charged === undefined ? '' : ',charged_usd'}\n${lines.map((l) => `${l}\n`).join('')}`;
}

/** Writes the case into `dir` under names starting with `name`; `charged` gives a `charged_usd` column. */
export function writeFeeCase(dir: string, name: string, rows: readonly FeeLogRow[], config: FeeConfig, charged?: (row: FeeLogRow, index: number) => string): FeeCaseFiles {
  const files = { policy: join(dir, `${name}-policy.json`), accounts: join(dir, `${name}-accounts.csv`), log: join(dir, `${name}-log.csv`) };
  writeFileSync(files.policy, JSON.stringify(feePolicyDocument(config)));
  writeFileSync(files.accounts, feeAccountsCsv(config));
  writeFileSync(files.log, feeLogCsv(rows, charged));
  return files;
}

/** A decimal text rounded half-even to `scale` digits, on its digits (bigint), as an invoice presents it. */
export function roundHalfEven(text: string, scale = 2): string {
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const digits = BigInt(`${whole}${fraction.padEnd(scale, '0')}`);
  const extra = Math.max(0, fraction.length - scale);
  let q = digits / 10n ** BigInt(extra);
  const r = digits - q * 10n ** BigInt(extra);
  const half = extra === 0 ? 0n : 5n * 10n ** BigInt(extra - 1);
  if (extra > 0 && (r > half || (r === half && q % 2n === 1n))) q++;
  const s = q.toString().padStart(scale + 1, '0');
  const out = scale === 0 ? s : `${s.slice(0, -scale)}.${s.slice(-scale)}`;
  return negative && q !== 0n ? `-${out}` : out;
}

/** An invoice of every line of a reference bill: total and fee, rounded as presented. */
export function invoiceCsv(lines: RefBill['lines'], override: (line: RefBill['lines'][number]) => { fee: string; total: string } | undefined = () => undefined): string {
  let text = 'scope,period,total_usd,fee_usd\n';
  for (const line of lines) {
    const amounts = override(line) ?? { fee: line.feeUsd, total: line.totalUsd };
    text += `${line.scope},${line.period},${roundHalfEven(amounts.total)},${roundHalfEven(amounts.fee)}\n`;
  }
  return text;
}

/** `a + b` of exact decimal texts (no floats), without trailing fractional zeros. */
export function addDecimal(a: string, b: string): string {
  const scale = Math.max(a.split('.')[1]?.length ?? 0, b.split('.')[1]?.length ?? 0);
  const units = (t: string) => {
    const negative = t.startsWith('-');
    const [w, f = ''] = (negative ? t.slice(1) : t).split('.');
    const u = BigInt(`${w}${f.padEnd(scale, '0')}`);
    return negative ? -u : u;
  };
  const sum = units(a) + units(b);
  const negative = sum < 0n;
  const s = (negative ? -sum : sum).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? s : `${s.slice(0, -scale)}.${s.slice(-scale)}`.replace(/\.?0+$/, '');
  return negative ? `-${text}` : text;
}

/** The sign of `a − b` of exact decimal texts. */
export function compareDecimal(a: string, b: string): number {
  const d = addDecimal(a, b.startsWith('-') ? b.slice(1) : `-${b}`);
  return d.startsWith('-') ? -1 : /[1-9]/.test(d) ? 1 : 0;
}

/** The config without any cap: the versions' capUsd and the accounts' fee_cap_usd dropped (an invoice that leaves the cap out). */
export function withoutCaps(config: FeeConfig): FeeConfig {
  return {
    ...config,
    versions: config.versions.map((v) => ({ ...v, fees: { ...v.fees, capUsd: undefined } })),
    accounts: config.accounts.map(({ fee_cap_usd: _cap, ...rest }) => rest),
  };
}

/** Every paid tier of every schedule at its last tier's rate (the free tier, a first tier of rate 0 with a bound, kept): "volume" pricing. */
export function atLastTierRate(config: FeeConfig): FeeConfig {
  const zero = (rate: string) => /^0*(\.0*)?$/.test(rate);
  const flat = (s: RefSchedule): RefSchedule => s.map((t, i) => (i === 0 && zero(t.rate) && t.upTo !== undefined ? t : { ...t, rate: s[s.length - 1]!.rate }));
  return { ...config, versions: config.versions.map((v) => ({ ...v, fees: { ...v.fees, schedules: Object.fromEntries(Object.entries(v.fees.schedules).map(([k, s]) => [k, flat(s)])) } })) };
}
