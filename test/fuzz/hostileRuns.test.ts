import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostileCsvArb } from './hostileCsv.js';
import { policyArb } from './hostileJson.js';
import { accountsSpec, invoiceSpec } from './hostileTables.js';
import { errorMessage, expectLocatedError, lineCount } from './errorLocation.js';
import { FUZZ_RUNS, FUZZ_SEED, fuzzParameters, propertyTimeout } from './fuzzConfig.js';
import { expectInputAccounting } from './inputAccounting.js';
import {
  type Planned,
  adjustDrawArb,
  auditDrawArb,
  billDrawArb,
  explainDrawArb,
  importDrawArb,
  meterDrawArb,
  planAdjust,
  planAudit,
  planBill,
  planExplain,
  planImport,
  planMeter,
  planWhatif,
  readOptionsArb,
  whatifDrawArb,
} from './invocations.js';
import { expectOutputContract, prepareOutputs } from './outputContract.js';
import { type Outcome, runBounded } from './runWithLimits.js';
import { type FuzzCase, FuzzWorkspace } from './workspace.js';

/*
 * Issue 15, "hostile input": generated hostile bytes, CSV and JSON thrown at every reader
 * and command. Whatever the input, every run must:
 *
 * 1. end with an exit code the contract allows (0, 2; the audit 1 too), never 70 (a bug)
 *    nor an exception out of `run`;
 * 2. on exit 2, name the input and the line at fault (errorLocation.ts), and print nothing
 *    on standard output;
 * 3. finish in bounded time (runWithLimits.ts) and, over the whole suite, bounded memory
 *    (below; the long-line cases are in longLines.test.ts);
 * 4. leave no output behind when it fails and every output when it succeeds, and no
 *    temporary file anywhere (outputContract.ts, and the private TMPDIR of workspace.ts);
 * 5. account for every row when it prints its input summary: accepted + duplicates +
 *    rejected = rows, as many rows in --rejects as rejected (inputAccounting.ts).
 *
 * CI runs a fixed seed (FUZZ_SEED) and FUZZ_RUNS cases per property; scripts/fuzz-long.sh
 * runs many more with a random seed. A failure prints the command line, its standard
 * error, fast-check's seed and the shrunk case.
 */

const ws = new FuzzWorkspace('runs');
let rssAtStart = 0;
beforeAll(() => {
  ws.useAsTmpdir();
  rssAtStart = process.memoryUsage().rss;
});
afterAll(() => ws.restore());

/** Exit codes per property, to show (and check) that the generators reach both success and refusal. */
const seen = new Map<string, Map<number, number>>();
/** Why runs were refused, paths and numbers blanked out: what the generators reach (printed at the end). */
const reasons = new Map<string, number>();

function reasonOf(stderr: string): string {
  return errorMessage(stderr)
    .replace(/\/[^\s,:]*\/(\d+-)?/g, '')
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\d+/g, 'N')
    .slice(0, 100);
}

/** Runs one planned case and checks everything a run must hold; the case's files are removed after a pass. */
async function checkRun(property: string, c: FuzzCase, planned: Planned): Promise<Outcome> {
  prepareOutputs(planned.outputs);
  const outcome = await runBounded(planned.args, planned.stdin);
  const codes = seen.get(property) ?? new Map<number, number>();
  codes.set(outcome.code, (codes.get(outcome.code) ?? 0) + 1);
  seen.set(property, codes);
  if (outcome.code === 2) {
    const reason = `${property}: ${reasonOf(outcome.stderr)}`;
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  try {
    // 1. catches: exit 70 (an exception the CLI did not expect), exit 1 outside the audit.
    expect(planned.codes, 'exit code').toContain(outcome.code);
    expect(outcome.stderr).not.toContain('internal error');
    if (outcome.code === 2) {
      // 2.
      expectLocatedError(outcome.stderr, planned.location);
      // catches: a bill, report or log printed before the run failed (half a result on standard output).
      expect(outcome.stdout, 'standard output of a failed run').toBe('');
    }
    // 4.
    expectOutputContract(outcome.code, planned.outputs, c.outDir);
    // catches: spill runs, id partitions, a copy of standard input or DuckDB's working directory left behind.
    expect(ws.tmpLeftovers(), 'left in the temporary directory').toEqual([]);
    // 5.
    if (outcome.code === 0 && planned.accounting !== undefined) expectInputAccounting(planned.accounting.summary(outcome), planned.accounting.rules);
    if (outcome.code !== 2) planned.onSuccess?.(outcome);
  } catch (error) {
    ws.clearTmp();
    const stdin = planned.stdin === undefined ? '' : `\nstandard input (${planned.stdin.length} bytes): ${JSON.stringify(planned.stdin.toString('latin1').slice(0, 2000))}`;
    (error as Error).message = `byok ${planned.args.map((a) => JSON.stringify(a)).join(' ')}\nexit ${outcome.code} in ${Math.round(outcome.ms)} ms; stderr:\n${outcome.stderr}${stdin}\n${(error as Error).message}`;
    throw error;
  }
  c.remove();
  return outcome;
}

/** fc.assert over a command's drawn cases. */
async function fuzz<T>(property: string, arb: fc.Arbitrary<T>, plan: (c: FuzzCase, drawn: T) => Planned, weight = 1): Promise<void> {
  await fc.assert(
    fc.asyncProperty(arb, async (drawn) => {
      const c = ws.newCase();
      await checkRun(property, c, plan(c, drawn));
    }),
    fuzzParameters(property, weight),
  );
  const codes = seen.get(property)!;
  // catches: a generator that never gets past the readers (or never trips them), which would make the properties above hold vacuously.
  if (Math.round(FUZZ_RUNS * weight) >= 10) {
    expect(codes.get(2) ?? 0, `${property}: no run was refused (exit codes ${JSON.stringify([...codes])})`).toBeGreaterThan(0);
    expect((codes.get(0) ?? 0) + (codes.get(1) ?? 0), `${property}: no run succeeded (exit codes ${JSON.stringify([...codes])})`).toBeGreaterThan(0);
  }
}

describe(`hostile input, every command (FUZZ_SEED=${FUZZ_SEED}, FUZZ_RUNS=${FUZZ_RUNS})`, () => {
  it('byok bill: default engine, --sort, --engine duckdb; gzip, standard input, several files', async () => {
    await fuzz('bill', billDrawArb, planBill, 2);
  }, propertyTimeout(2));

  it('byok audit --invoice and --per-request, with --bundle', async () => {
    await fuzz('audit', auditDrawArb, planAudit);
  }, propertyTimeout());

  it('byok adjust --invoice, with and without --billed-from', async () => {
    await fuzz('adjust', adjustDrawArb, planAdjust);
  }, propertyTimeout());

  it('byok explain --request and --scope --period', async () => {
    await fuzz('explain', explainDrawArb, planExplain);
  }, propertyTimeout());

  it('byok whatif --vary and named policies', async () => {
    await fuzz('whatif', whatifDrawArb, planWhatif);
  }, propertyTimeout());

  it('byok meter --store memory and sqlite', async () => {
    await fuzz('meter', meterDrawArb, planMeter);
  }, propertyTimeout());

  it('byok import generations: JSON Lines and JSON documents', async () => {
    await fuzz('import', importDrawArb, planImport, 1.5);
  }, propertyTimeout(1.5));
});

/*
 * The small readers on their own, under a valid log: each run reaches the reader, so a
 * few cases cover many of its hostile inputs. The log is plain and valid; only the
 * policy, accounts or invoice is hostile.
 */
const VALID_LOG = [
  'request_id,timestamp,user_id,org_id,cost_usd,key_result',
  'r1,2025-09-30T23:00:00Z,u1,,0.2,ok',
  'r2,2025-10-01T00:00:00Z,u1,acme,0.012,ok',
  'r3,2025-10-01T00:00:01Z,u2,acme,0.5,rate_limited',
  'r4,2025-10-15T12:00:00Z,u3,,0.25,ok',
  'r5,2025-11-01T00:00:00Z,u1,beta,1.25,none',
  '',
].join('\n');

describe('hostile input, the small readers under a valid log', () => {
  const commands = ['bill', 'explain', 'whatif', 'meter', 'forecast'] as const;

  it('--policy (JSON): every command that takes one', async () => {
    const arb = fc.record({ command: fc.constantFrom(...commands), policy: policyArb, read: readOptionsArb });
    await fuzz('policy', arb, (c, d) => {
      const log = c.input('log.csv', VALID_LOG);
      const policy = c.input('policy.json', d.policy.bytes);
      const args =
        d.command === 'whatif'
          ? ['--policy', `p=${policy}`, '--vary', 'fee=3%,5%']
          : d.command === 'explain'
            ? ['--policy', policy, '--request', 'r2']
            : d.command === 'forecast'
              ? ['--policy', policy, '--as-of', '2025-10-15T00:00:00Z']
              : ['--policy', policy];
      return {
        args: [d.command, log, ...args, ...(d.command === 'meter' ? [] : ['--max-line-bytes', d.read.maxLineBytes ?? '1M']), '--format', d.command === 'explain' ? 'text' : 'json', '-q'],
        stdin: undefined,
        location: { inputs: [{ name: log, lines: lineCount(Buffer.from(VALID_LOG)) }, { name: policy, lines: lineCount(d.policy.bytes) }] },
        outputs: [],
        codes: [0, 2],
      };
    });
  }, propertyTimeout());

  it('--accounts (CSV): bill, meter, whatif, forecast', async () => {
    const arb = fc.record({ command: fc.constantFrom('bill', 'meter', 'whatif', 'forecast'), accounts: hostileCsvArb(accountsSpec) });
    await fuzz('accounts', arb, (c, d) => {
      const log = c.input('log.csv', VALID_LOG);
      const accounts = c.input('accounts.csv', d.accounts.bytes);
      return {
        args: [d.command, log, '--accounts', accounts, ...(d.command === 'whatif' ? ['--vary', 'failover=fallback,strict'] : []), ...(d.command === 'forecast' ? ['--as-of', '2025-10-15T00:00:00Z'] : []), '--format', 'json', '-q'],
        stdin: undefined,
        location: { inputs: [{ name: log, lines: lineCount(Buffer.from(VALID_LOG)) }, { name: accounts, lines: lineCount(d.accounts.bytes) }] },
        outputs: [],
        codes: [0, 2],
      };
    });
  }, propertyTimeout());

  it('--invoice (CSV): byok audit', async () => {
    const arb = fc.record({ invoice: hostileCsvArb(invoiceSpec), format: fc.constantFrom('json', 'csv', 'table') });
    await fuzz('invoice', arb, (c, d) => {
      const log = c.input('log.csv', VALID_LOG);
      const invoice = c.input('invoice.csv', d.invoice.bytes);
      return {
        args: ['audit', log, '--invoice', invoice, '--format', d.format, '-q'],
        stdin: undefined,
        location: { inputs: [{ name: log, lines: lineCount(Buffer.from(VALID_LOG)) }, { name: invoice, lines: lineCount(d.invoice.bytes) }] },
        outputs: [],
        codes: [0, 1, 2],
      };
    });
  }, propertyTimeout());
});

describe('hostile input, bounded memory over the suite', () => {
  it('the process grew by less than 1 GiB over every run above', () => {
    // catches: a reader or store that keeps what it read after the run (a cache keyed by
    // file, a DuckDB instance never closed, a spill buffer never freed), which over a few
    // hundred runs grows far past what one run needs. Loose on purpose: the allocator
    // keeps freed pages, and one DuckDB run maps a few hundred MB.
    const grown = process.memoryUsage().rss - rssAtStart;
    expect(grown).toBeLessThan(1 << 30);
    const top = [...reasons].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${String(n).padStart(5)}  ${r}`);
    console.log(
      `fuzz suite: rss grew by ${Math.round(grown / (1 << 20))} MB; exit codes by property: ${JSON.stringify(Object.fromEntries([...seen].map(([k, v]) => [k, Object.fromEntries(v)])))}\n` +
        `refusals by reason:\n${top.join('\n')}`,
    );
  });
});
