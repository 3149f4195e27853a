import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('property suite configuration', () => {
  it('runs at least 200 cases per property unless FC_NUM_RUNS lowers it on purpose (never in CI)', () => {
    const runs = fc.readConfigureGlobal().numRuns;
    if (process.env.FC_NUM_RUNS === undefined || process.env.CI) expect(runs).toBeGreaterThanOrEqual(200);
    expect(runs).toBe(Number(process.env.FC_NUM_RUNS ?? 200));
  });
});
