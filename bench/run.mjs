// pnpm bench: measures the core ledger's throughput on synthetic requests held in memory
// (no parsing), so regressions in the fold itself show up apart from I/O.
import { createLedger, defaultPolicy, instantFromEpochMs, parseMoney } from '@byok-billing/core';

function makeRequests(count, scopes) {
  const start = Date.UTC(2025, 9, 1);
  const costs = ['0.0012', '0.000345', '0.015', '0.2', '0'].map((c) => parseMoney(c));
  const keyResults = ['ok', 'ok', 'ok', 'ok', 'rate_limited', 'none', 'error'];
  const requests = new Array(count);
  for (let i = 0; i < count; i++) {
    const scope = (i * 7919) % scopes;
    requests[i] = {
      requestId: `r${i.toString(36).padStart(8, '0')}`,
      instant: instantFromEpochMs(start + Math.floor((i * 31 * 86_400_000) / count)),
      userId: `u${scope}`,
      orgId: scope % 3 === 0 ? `o${scope}` : '',
      cost: costs[i % costs.length],
      keyResult: keyResults[i % keyResults.length],
    };
  }
  return requests;
}

function measure(name, count, fn) {
  const runs = [];
  for (let r = 0; r < 3; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    runs.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  runs.sort((a, b) => a - b);
  const median = runs[1];
  console.log(`${name.padEnd(44)} ${median.toFixed(3).padStart(8)} s ${Math.round(count / median).toLocaleString('en-US').padStart(14)} req/s`);
}

const count = Number(process.env.BENCH_REQUESTS ?? 2_000_000);
const requests = makeRequests(count, 4000);
const policy = defaultPolicy();
console.log(`core ledger, ${count.toLocaleString('en-US')} requests in memory, 4,000 scopes, median of 3 (node ${process.version})`);
measure('ledger.add + finish', count, () => {
  const ledger = createLedger({ policy });
  for (const r of requests) ledger.add(r);
  ledger.finish();
});
