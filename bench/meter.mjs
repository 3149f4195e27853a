// node bench/meter.mjs: decisions per second of the online meter with each store, for
// one writer and for four concurrent writer processes on one store. Requests are made in
// memory (no CSV parsing), spread over 4,000 scopes, distinct ids per writer.
//   BENCH_REQUESTS  requests per measurement and writer, memory store (default 1,000,000;
//                   the SQLite and PostgreSQL stores take a fifth and a tenth of it)
//   BYOK_BENCH_POSTGRES_URL or BYOK_TEST_POSTGRES_URL  a PostgreSQL server (else skipped)
// Run `pnpm build` (or npx tsc -b packages/core packages/stores packages/cli) first.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createMeter, defaultPolicy, instantFromEpochMs, parseMoney } from '@byok-billing/core';
import { openStore } from '@byok-billing/stores';

const SCOPES = 4000;
const IN_FLIGHT = 4096; // as byok meter: calls handed to the store before waiting for answers
const self = fileURLToPath(import.meta.url);

function makeRequests(writer, count) {
  const start = Date.UTC(2025, 9, 1);
  const costs = ['0.0012', '0.000345', '0.015', '0.2', '0'].map((c) => parseMoney(c));
  const keyResults = ['ok', 'ok', 'ok', 'ok', 'rate_limited', 'none', 'error'];
  const requests = new Array(count);
  for (let i = 0; i < count; i++) {
    const scope = (i * 7919 + writer * 104729) % SCOPES;
    requests[i] = {
      requestId: `w${writer}-${i.toString(36).padStart(8, '0')}`,
      instant: instantFromEpochMs(start + Math.floor((i * 30 * 86_400_000) / count)),
      userId: `u${scope}`,
      orgId: scope % 3 === 0 ? `o${scope}` : '',
      cost: costs[i % costs.length],
      keyResult: keyResults[i % keyResults.length],
    };
  }
  return requests;
}

/** Records every request, keeping up to IN_FLIGHT calls open so a store can batch them. */
async function recordAll(meter, requests) {
  for (let i = 0; i < requests.length; i += IN_FLIGHT) {
    await Promise.all(requests.slice(i, i + IN_FLIGHT).map((r) => meter.record(r)));
  }
}

function openBench(target, options) {
  if (target.kind === 'postgres') return openStore({ kind: 'postgres', url: target.url }, { tablePrefix: target.prefix, ...options });
  if (target.kind === 'sqlite') return openStore({ kind: 'sqlite', path: target.path }, options);
  return openStore({ kind: 'memory' });
}

// A writer process: opens the store, says ready, records its requests on "go", reports.
if (process.argv[2] === '--writer') {
  const { target, writer, count, options } = JSON.parse(process.argv[3]);
  const requests = makeRequests(writer, count);
  const store = openBench(target, options);
  const meter = createMeter({ policy: defaultPolicy(), store });
  await meter.record({ ...requests[0], requestId: `warm-${writer}` }); // connect, create tables
  process.send({ ready: true });
  process.once('message', async () => {
    await recordAll(meter, requests);
    await meter.close();
    process.send({ done: true }, () => process.exit(0));
  });
} else {
  await main();
}

async function single(target, count, options = {}) {
  const requests = makeRequests(0, count);
  const store = openBench(target, options);
  const meter = createMeter({ policy: defaultPolicy(), store });
  await meter.record({ ...requests[0], requestId: 'warm' });
  const t0 = process.hrtime.bigint();
  await recordAll(meter, requests);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await meter.close();
  return { count, seconds };
}

async function concurrent(target, count, writers = 4, options = {}) {
  const children = Array.from({ length: writers }, (_, writer) =>
    fork(self, ['--writer', JSON.stringify({ target, writer: writer + 1, count, options })], { stdio: 'inherit' }),
  );
  const waitFor = (key) => Promise.all(children.map((c) => new Promise((resolve, reject) => {
    c.on('message', (m) => m[key] && resolve());
    c.on('exit', (code) => code !== 0 && reject(new Error(`writer exited with ${code}`)));
  })));
  await waitFor('ready');
  const t0 = process.hrtime.bigint();
  const done = waitFor('done');
  for (const c of children) c.send('go');
  await done;
  return { count: count * writers, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

function report(name, { count, seconds }) {
  const rate = Math.round(count / seconds).toLocaleString('en-US');
  console.log(`${name.padEnd(52)} ${count.toLocaleString('en-US').padStart(10)} ${seconds.toFixed(2).padStart(8)} s ${rate.padStart(10)} decisions/s`);
}

async function main() {
  const base = Number(process.env.BENCH_REQUESTS ?? 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'byok-bench-meter-'));
  const url = process.env.BYOK_BENCH_POSTGRES_URL ?? process.env.BYOK_TEST_POSTGRES_URL;
  console.log(`byok meter stores, ${SCOPES.toLocaleString('en-US')} scopes, up to ${IN_FLIGHT} calls in flight per writer (node ${process.version})`);
  try {
    report('memory, 1 writer', await single({ kind: 'memory' }, base));
    report('memory, 4 writer processes (4 separate stores)', await concurrent({ kind: 'memory' }, base));
    const sqliteCount = Math.max(1, Math.round(base / 5));
    report('sqlite, 1 writer', await single({ kind: 'sqlite', path: join(dir, 'one.db') }, sqliteCount));
    report('sqlite, 4 writer processes, one file', await concurrent({ kind: 'sqlite', path: join(dir, 'four.db') }, sqliteCount));
    report('sqlite, 1 writer, a transaction per request', await single({ kind: 'sqlite', path: join(dir, 'each.db') }, Math.max(1, Math.round(base / 200)), { maxBatch: 1 }));
    if (url === undefined) {
      console.log('postgres: skipped (set BYOK_BENCH_POSTGRES_URL or BYOK_TEST_POSTGRES_URL)');
      return;
    }
    const pgCount = Math.max(1, Math.round(base / 10));
    const prefixes = [];
    const target = (label) => {
      const prefix = `bench_${process.pid}_${label}_`;
      prefixes.push(prefix);
      return { kind: 'postgres', url, prefix };
    };
    try {
      report('postgres, 1 writer', await single(target('one'), pgCount));
      report('postgres, 4 writer processes, one database', await concurrent(target('four'), pgCount));
    } finally {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      for (const p of prefixes) await client.query(`DROP TABLE IF EXISTS ${p}decisions, ${p}counters`);
      await client.end();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
