/*
 * The four scenarios of issue 16 (scenarios/18-… to 21-…), as the fee oracle sees them: each
 * one's request log (built here, small and deterministic), its policy in the pricing language
 * (a FeeConfig, written as policy.json by feePolicyDocument) and its accounts file. Their
 * expected bills are the ORACLE's bills (referenceBill), never an engine's, and the golden tests
 * (test/scenarios.test.ts, test/engineDuckdb.test.ts) hold the engines to them;
 * test/issue16Scenarios.test.ts checks every committed file against what is built here.
 *
 * Regenerate the files (after changing a scenario or the oracle):
 *
 *     UPDATE_ISSUE16_SCENARIOS=1 pnpm -s vitest run test/issue16Scenarios.test.ts
 *
 * README.md files are written by hand; `summary` prints the numbers they quote.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { feeAccountsCsv, feePolicyDocument, policySha256 } from '../properties/feePolicyDocument.js';
import type { RefBill, RefRow } from '../properties/referenceBill.js';
import { referenceBill } from '../properties/referenceBill.js';
import { formatDecimal, readDecimal, unitsAt } from '../properties/policyOracle.js';
import { type FeeConfig, chooseSchedule } from '../properties/referenceFees.js';
import { REPO_ROOT } from './readmeExample.js';

/** A request of a scenario log, with the columns scenario 06 uses. */
export interface ScenarioRow {
  readonly requestId: string;
  readonly timestamp: string;
  readonly userId: string;
  readonly orgId: string;
  readonly model: string;
  readonly provider: string;
  readonly cost: string;
  readonly keyResult: 'ok' | 'rate_limited' | 'error' | 'none';
  readonly platformResult: 'ok' | 'error';
}

export const LOG_COLUMNS = ['request_id', 'timestamp', 'user_id', 'org_id', 'model', 'provider', 'cost_usd', 'key_result', 'platform_result'] as const;

export interface Issue16Scenario {
  readonly dir: string;
  readonly config: FeeConfig;
  readonly rows: readonly ScenarioRow[];
  /** Whether the scenario has an accounts file. */
  readonly accounts: boolean;
}

// ---------------------------------------------------------------------------------------------
// Building logs.

const MODELS: Readonly<Record<string, { provider: string; model: string }>> = {
  sonnet: { provider: 'anthropic', model: 'anthropic/claude-sonnet-4' },
  gpt: { provider: 'openai', model: 'openai/gpt-4o' },
  o1pro: { provider: 'openai', model: 'openai/o1-pro' },
  gemini: { provider: 'google', model: 'google/gemini-2.5-pro' },
  mistral: { provider: 'mistral', model: 'mistralai/mistral-large' },
  llamaFree: { provider: 'meta-llama', model: 'meta-llama/llama-3.3-70b-instruct:free' },
};

interface Burst {
  /** Id prefix, e.g. `umbrella`: ids are `umbrella-2025-10-001`, … */
  readonly prefix: string;
  readonly org: string;
  readonly users: readonly string[];
  /** `YYYY-MM` */
  readonly month: string;
  readonly count: number;
  /** Minutes from the month's start to the first request, and between two requests. */
  readonly startMinute: number;
  readonly everyMinutes: number;
  /** Cycled: the i-th request's model and list cost. */
  readonly mix: readonly (readonly [model: keyof typeof MODELS | 'none', cost: string])[];
  /** Request numbers (1-based) whose key was rate limited (fallback: served by the platform). */
  readonly rateLimited?: readonly number[];
  /** Request numbers that failed on both sides. */
  readonly failed?: readonly number[];
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

function burst(b: Burst): ScenarioRow[] {
  const start = Date.UTC(Number(b.month.slice(0, 4)), Number(b.month.slice(5, 7)) - 1, 1);
  return Array.from({ length: b.count }, (_, i) => {
    const n = i + 1;
    const [name, cost] = b.mix[i % b.mix.length]!;
    const m = name === 'none' ? { provider: '', model: '' } : MODELS[name]!;
    const failed = b.failed?.includes(n) ?? false;
    return {
      requestId: `${b.prefix}-${b.month}-${pad(n, 3)}`,
      timestamp: new Date(start + (b.startMinute + i * b.everyMinutes) * 60_000).toISOString().replace('.000Z', 'Z'),
      userId: b.users[i % b.users.length]!,
      orgId: b.org,
      model: m.model,
      provider: m.provider,
      cost,
      keyResult: failed ? 'error' : b.rateLimited?.includes(n) ? 'rate_limited' : 'ok',
      platformResult: failed ? 'error' : 'ok',
    };
  });
}

/** A log in time order (ties by id), as a gateway would export it. */
const inOrder = (rows: ScenarioRow[]): ScenarioRow[] =>
  rows.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : a.requestId < b.requestId ? -1 : 1));

const base = { counts: 'served', scopeMode: 'org', defaultFailoverMode: 'fallback' } as const;

// ---------------------------------------------------------------------------------------------
// The scenarios.

/** "Free up to 1M requests, 5% up to 10M, 3% past that" — scaled 1:100,000 (bounds 10 and 100). */
const volumeTiers: Issue16Scenario = {
  dir: '18-volume-tiers',
  accounts: false,
  config: {
    ...base,
    id: 'byok-volume-tiers-scaled',
    title: 'Volume tiers, scaled 1:100,000: per scope and UTC month the first 10 BYOK requests free, 5% of list cost up to the 100th, 3% past it',
    versions: [{ version: '2025-10-volume-tiers', description: 'free up to 10 (1M), 5% up to 100 (10M), 3% past that', fees: { unit: 'requests', schedules: { standard: [{ upTo: '10', rate: '0' }, { upTo: '100', rate: '0.05' }, { rate: '0.03' }] } } }],
    accounts: [],
  },
  rows: inOrder([
    ...burst({ prefix: 'umbrella', org: 'umbrella', users: ['umbrella-ml', 'umbrella-app', 'umbrella-ops'], month: '2025-10', count: 160, startMinute: 30, everyMinutes: 270, mix: [['sonnet', '0.02'], ['gpt', '0.05'], ['sonnet', '0.10'], ['gemini', '0.03']], rateLimited: [17, 58, 121], failed: [99] }),
    ...burst({ prefix: 'umbrella', org: 'umbrella', users: ['umbrella-ml', 'umbrella-app'], month: '2025-11', count: 30, startMinute: 45, everyMinutes: 1380, mix: [['sonnet', '0.02'], ['gpt', '0.05'], ['sonnet', '0.10'], ['gemini', '0.03']] }),
    ...burst({ prefix: 'initech', org: 'initech', users: ['initech-dev'], month: '2025-10', count: 60, startMinute: 90, everyMinutes: 700, mix: [['gpt', '0.04'], ['mistral', '0.01']] }),
    ...burst({ prefix: 'solo', org: '', users: ['solo-dev'], month: '2025-10', count: 8, startMinute: 600, everyMinutes: 4000, mix: [['sonnet', '0.08']] }),
  ]),
};

/** "The first $25,000 of list-price inference each month is free" — scaled 1:10,000 ($2.50), then 5%. */
const dollarAllowance: Issue16Scenario = {
  dir: '19-allowance-in-dollars',
  accounts: false,
  config: {
    ...base,
    id: 'byok-dollar-allowance-scaled',
    title: 'An allowance in list dollars, scaled 1:10,000: per scope and UTC month the first $2.50 of BYOK list cost free, 5% past it',
    versions: [{ version: '2025-10-dollar-allowance', description: 'first $2.50 ($25,000) of list cost free, then 5%', fees: { unit: 'list-usd', schedules: { standard: [{ upTo: '2.5', rate: '0' }, { rate: '0.05' }] } } }],
    accounts: [],
  },
  rows: inOrder([
    // Many cheap requests: $1.50 in all, under the dollar allowance.
    ...burst({ prefix: 'chatty', org: 'chatty', users: ['chatty-bot', 'chatty-web'], month: '2025-10', count: 300, startMinute: 5, everyMinutes: 140, mix: [['mistral', '0.005']] }),
    // Few expensive requests: $12 in all; the 7th covers ($2.40, $2.80].
    ...burst({ prefix: 'heavy', org: 'heavy', users: ['heavy-research'], month: '2025-10', count: 30, startMinute: 60, everyMinutes: 1400, mix: [['o1pro', '0.40']], rateLimited: [12] }),
    ...burst({ prefix: 'heavy-free-model', org: 'heavy', users: ['heavy-research'], month: '2025-10', count: 2, startMinute: 20_000, everyMinutes: 60, mix: [['llamaFree', '0']] }),
    ...burst({ prefix: 'heavy', org: 'heavy', users: ['heavy-research'], month: '2025-11', count: 5, startMinute: 60, everyMinutes: 1400, mix: [['o1pro', '0.40']] }),
    // An individual whose varied spending crosses the allowance mid-request.
    ...burst({ prefix: 'dana', org: '', users: ['dana'], month: '2025-10', count: 14, startMinute: 300, everyMinutes: 3000, mix: [['sonnet', '0.15'], ['gpt', '0.35'], ['gemini', '0.2250'], ['sonnet', '0.0125']] }),
  ]),
};

/** "Anthropic and OpenAI keys at 5%, everything else at 3%", and 8% for one expensive model; 10 free (1M) shared. */
const byProvider: Issue16Scenario = {
  dir: '20-fees-by-provider-and-model',
  accounts: false,
  config: {
    ...base,
    id: 'byok-fees-by-provider-scaled',
    title: 'Fees by provider and model, scaled 1:100,000: 10 free BYOK requests per scope and month across all providers, then 5% for Anthropic and OpenAI, 8% for openai/o1-pro, 3% for everything else',
    versions: [
      {
        version: '2025-10-fees-by-provider',
        description: 'one shared allowance of 10 (1M); 5% Anthropic/OpenAI, 8% openai/o1-pro, 3% others',
        fees: {
          unit: 'requests',
          schedules: {
            'major-providers': [{ upTo: '10', rate: '0' }, { rate: '0.05' }],
            premium: [{ upTo: '10', rate: '0' }, { rate: '0.08' }],
            others: [{ upTo: '10', rate: '0' }, { rate: '0.03' }],
          },
          rules: [
            { name: 'one expensive model', priority: 3, all: [{ fact: 'model', operator: 'equal', value: 'openai/o1-pro' }], schedule: 'premium' },
            { name: 'Anthropic and OpenAI keys', priority: 2, all: [{ fact: 'provider', operator: 'in', value: ['anthropic', 'openai'] }], schedule: 'major-providers' },
            { name: 'everything else', priority: 1, all: [], schedule: 'others' },
          ],
        },
      },
    ],
    accounts: [],
  },
  rows: inOrder([
    ...burst({ prefix: 'globex', org: 'globex', users: ['globex-a', 'globex-b'], month: '2025-10', count: 50, startMinute: 15, everyMinutes: 850, mix: [['sonnet', '0.06'], ['gpt', '0.04'], ['gemini', '0.05'], ['mistral', '0.02'], ['o1pro', '0.60']] }),
    // A request whose log names no provider or model: the catch-all's 3%.
    ...burst({ prefix: 'globex-unlabelled', org: 'globex', users: ['globex-a'], month: '2025-10', count: 1, startMinute: 43_000, everyMinutes: 1, mix: [['none', '0.10']] }),
    ...burst({ prefix: 'kim', org: '', users: ['kim'], month: '2025-10', count: 14, startMinute: 400, everyMinutes: 3000, mix: [['gemini', '0.05']] }),
  ]),
};

/** "Acme's contract: 2M free, then 4%, never more than $2,000 of fees a month" — scaled: 20 free, 4%, $1.00. */
const contractTerms: Issue16Scenario = {
  dir: '21-contract-terms-and-cap',
  accounts: true,
  config: {
    ...base,
    id: 'byok-scaled-10-fees',
    title: 'The default policy in the pricing language, scaled 1:100,000: 10 free BYOK requests per scope and UTC month, 5% of list cost past them; contract terms per scope in the accounts file',
    versions: [{ version: '2025-10-free-tier', description: '10 (1M) free, then 5%', fees: { unit: 'requests', schedules: { standard: [{ upTo: '10', rate: '0' }, { rate: '0.05' }] } } }],
    accounts: [
      { scope: 'org:acme', free_requests: '20', fee_rate: '0.04', fee_cap_usd: '1' },
      { scope: 'org:initech', fee_cap_usd: '0.1' },
      { scope: 'org:hooli', failover_mode: 'strict' },
    ],
  },
  rows: inOrder([
    ...burst({ prefix: 'acme', org: 'acme', users: ['acme-app', 'acme-data'], month: '2025-10', count: 80, startMinute: 20, everyMinutes: 540, mix: [['sonnet', '0.50'], ['gpt', '0.35'], ['o1pro', '0.80']] }),
    ...burst({ prefix: 'acme', org: 'acme', users: ['acme-app'], month: '2025-11', count: 40, startMinute: 20, everyMinutes: 1000, mix: [['sonnet', '0.50'], ['gpt', '0.35'], ['o1pro', '0.80']] }),
    ...burst({ prefix: 'globex', org: 'globex', users: ['globex-a'], month: '2025-10', count: 30, startMinute: 35, everyMinutes: 1400, mix: [['sonnet', '0.50'], ['gpt', '0.35'], ['o1pro', '0.80']] }),
    ...burst({ prefix: 'initech', org: 'initech', users: ['initech-dev'], month: '2025-10', count: 30, startMinute: 50, everyMinutes: 1400, mix: [['sonnet', '0.50'], ['gpt', '0.35'], ['o1pro', '0.80']] }),
    ...burst({ prefix: 'hooli', org: 'hooli', users: ['hooli-dev'], month: '2025-10', count: 15, startMinute: 70, everyMinutes: 2800, mix: [['gpt', '0.35']], rateLimited: [13] }),
  ]),
};

export const ISSUE16_SCENARIOS: readonly Issue16Scenario[] = [volumeTiers, dollarAllowance, byProvider, contractTerms];

// ---------------------------------------------------------------------------------------------
// Files.

export const refRow = (r: ScenarioRow): RefRow => ({
  requestId: r.requestId,
  timestamp: r.timestamp,
  userId: r.userId,
  orgId: r.orgId,
  model: r.model,
  provider: r.provider,
  cost: r.cost,
  keyResult: r.keyResult,
  platformResult: r.platformResult,
});

export function requestsCsv(rows: readonly ScenarioRow[]): string {
  const cells = (r: ScenarioRow) => [r.requestId, r.timestamp, r.userId, r.orgId, r.model, r.provider, r.cost, r.keyResult, r.platformResult];
  for (const r of rows) if (cells(r).some((c) => /[",\r\n]/.test(c))) throw new Error(`scenario row ${r.requestId} needs quoting`);
  return `${[LOG_COLUMNS.join(','), ...rows.map((r) => cells(r).join(','))].join('\n')}\n`;
}

/** The bill JSON (FORMATS.md) of the oracle's bill under a policy document. */
export function billJson(bill: RefBill, document: { id?: unknown; versions?: unknown }, sha256: string) {
  const versions = document.versions as { version: string }[];
  return {
    policy: { id: document.id as string, version: versions[versions.length - 1]!.version, sha256 },
    input: bill.input,
    lines: bill.lines,
    totals: bill.totals,
  };
}

export function scenarioSpec(s: Issue16Scenario) {
  return {
    command: 'bill',
    logs: ['requests.csv'],
    args: ['--policy', 'policy.json', ...(s.accounts ? ['--accounts', 'accounts.csv'] : [])],
  };
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** Every file of a scenario but its README, as text, by name. */
export function scenarioFiles(s: Issue16Scenario): Record<string, string> {
  const document = feePolicyDocument(s.config);
  const bill = referenceBill(s.rows.map(refRow), s.config);
  return {
    'requests.csv': requestsCsv(s.rows),
    'policy.json': json(document),
    ...(s.accounts ? { 'accounts.csv': feeAccountsCsv(s.config) } : {}),
    'scenario.json': json(scenarioSpec(s)),
    'expected-bill.json': json(billJson(bill, document, policySha256(document))),
  };
}

export const scenarioDir = (s: Issue16Scenario) => join(REPO_ROOT, 'scenarios', s.dir);

/** Writes every scenario's files (not the READMEs). */
export function writeIssue16Scenarios(): void {
  for (const s of ISSUE16_SCENARIOS) {
    mkdirSync(scenarioDir(s), { recursive: true });
    for (const [name, text] of Object.entries(scenarioFiles(s))) writeFileSync(join(scenarioDir(s), name), text);
  }
}

// ---------------------------------------------------------------------------------------------
// The numbers the READMEs quote.

/** Each line's fee, each schedule's share of it, and the request whose fee a cap cut. */
export function summary(s: Issue16Scenario): string {
  const bill = referenceBill(s.rows.map(refRow), s.config);
  const out: string[] = [`${s.dir}:`];
  for (const l of bill.lines) {
    out.push(`  ${l.scope} ${l.period}: byok ${l.byokRequests} (free ${l.freeRequests}, billable ${l.billableRequests}), byok cost ${l.byokCostUsd}, fee ${l.feeUsd}, platform ${l.platformRequests} ${l.platformCostUsd}, failed ${l.failedRequests}, total ${l.totalUsd}`);
  }
  out.push(`  totals: fee ${bill.totals.feeUsd}, total ${bill.totals.totalUsd}`);
  const version = s.config.versions[0]!;
  const rows = new Map(s.rows.map((r) => [r.requestId, r]));
  const perSchedule = new Map<string, { n: number; fee: bigint }>();
  for (const [id, d] of bill.decisions) {
    if (d.status !== 'billable') continue;
    const r = rows.get(id)!;
    const name = chooseSchedule(version.fees, r.provider, r.model);
    const key = `${d.scope} ${d.period} ${name}`;
    const e = perSchedule.get(key) ?? { n: 0, fee: 0n };
    const fee = readDecimal(d.fee);
    perSchedule.set(key, { n: e.n + 1, fee: e.fee + unitsAt(fee, 24) });
  }
  if (Object.keys(version.fees.schedules).length > 1) {
    for (const [k, v] of [...perSchedule].sort()) out.push(`  billable by schedule ${k}: ${v.n} requests, fee ${formatDecimal(v.fee, 24)}`);
  }
  const uncapped = referenceBill(s.rows.map(refRow), { ...s.config, versions: s.config.versions.map((v) => ({ ...v, fees: { ...v.fees, capUsd: undefined } })), accounts: s.config.accounts.map(({ fee_cap_usd: _c, ...a }) => a) });
  for (const l of uncapped.lines) {
    const capped = bill.lines.find((x) => x.scope === l.scope && x.period === l.period)!;
    if (capped.feeUsd !== l.feeUsd) {
      const cut = [...bill.decisions].filter(([id, d]) => d.scope === l.scope && d.period === l.period && d.fee !== uncapped.decisions.get(id)!.fee).sort(([, a], [, b]) => a.ordinal! - b.ordinal!);
      const [firstId, first] = cut[0]!;
      out.push(`  cap: ${l.scope} ${l.period} uncapped fee ${l.feeUsd}; first request cut: ${firstId} (ordinal ${first.ordinal}) pays ${first.fee} of ${uncapped.decisions.get(firstId)!.fee}; ${cut.length - 1} later billable requests pay 0`);
    }
  }
  // Under today's policy scaled alike (10 free requests, 5%, no schedules, no terms but free_requests).
  const today = referenceBill(s.rows.map(refRow), { ...s.config, versions: [{ version: 'today', fees: { schedules: { default: [{ upTo: '10', rate: '0' }, { rate: '0.05' }] } } }], accounts: s.config.accounts.map((a) => ({ scope: a.scope, failover_mode: a.failover_mode })) });
  out.push(`  today's policy (10 free, 5%): ${today.lines.map((l) => `${l.scope} ${l.period} fee ${l.feeUsd}`).join('; ')}; total fee ${today.totals.feeUsd}`);
  if (s.config.versions[0]!.fees.unit === 'list-usd') {
    const count100 = referenceBill(s.rows.map(refRow), { ...s.config, versions: [{ version: 'count', fees: { schedules: { default: [{ upTo: '100', rate: '0' }, { rate: '0.05' }] } } }] });
    out.push(`  a count allowance at the same scale (100 free, 5%): ${count100.lines.map((l) => `${l.scope} ${l.period} fee ${l.feeUsd}`).join('; ')}; total fee ${count100.totals.feeUsd}`);
  }
  return out.join('\n');
}
