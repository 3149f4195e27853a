import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { policySha256 } from './properties/feePolicyDocument.js';
import { referenceBill, type RefRow } from './properties/referenceBill.js';
import { ISSUE16_SCENARIOS, LOG_COLUMNS, billJson, scenarioDir, scenarioFiles, summary, writeIssue16Scenarios } from './support/issue16Scenarios.js';

/*
 * The scenarios of issue 16 (the pricing language): their expected bills are the fee oracle's,
 * never an engine's, and this test keeps them so: every committed file is what test/support/
 * issue16Scenarios.ts builds, and the expected bill is the oracle's bill of the committed log.
 * UPDATE_ISSUE16_SCENARIOS=1 rewrites the files first (and prints the numbers the READMEs quote).
 */
if (process.env.UPDATE_ISSUE16_SCENARIOS) {
  writeIssue16Scenarios();
  for (const s of ISSUE16_SCENARIOS) console.log(summary(s));
}

/** The committed log read back with a plain split (the scenario logs hold no quoted cells). */
function readLog(text: string): RefRow[] {
  const [header, ...lines] = text.trimEnd().split('\n');
  expect(header!.split(',')).toEqual([...LOG_COLUMNS]);
  return lines.map((line) => {
    const c = line.split(',');
    expect(c).toHaveLength(LOG_COLUMNS.length);
    return {
      requestId: c[0]!,
      timestamp: c[1]!,
      userId: c[2]!,
      orgId: c[3]!,
      model: c[4]!,
      provider: c[5]!,
      cost: c[6]!,
      keyResult: c[7] as RefRow['keyResult'],
      platformResult: c[8] as RefRow['platformResult'],
    };
  });
}

describe('issue 16 scenarios: the expected bills are the fee oracle’s', () => {
  for (const s of ISSUE16_SCENARIOS) {
    const dir = scenarioDir(s);

    it(`${s.dir}: every committed file is what its definition and the oracle give (small, with a README)`, () => {
      for (const [name, text] of Object.entries(scenarioFiles(s))) {
        expect(readFileSync(join(dir, name), 'utf8'), `${s.dir}/${name} (UPDATE_ISSUE16_SCENARIOS=1 rewrites it)`).toBe(text);
        expect(statSync(join(dir, name)).size).toBeLessThan(200_000);
      }
      expect(existsSync(join(dir, 'README.md'))).toBe(true);
    });

    it(`${s.dir}: expected-bill.json is the oracle’s bill of the committed log under the committed policy`, () => {
      const document = JSON.parse(readFileSync(join(dir, 'policy.json'), 'utf8'));
      const rows = readLog(readFileSync(join(dir, 'requests.csv'), 'utf8'));
      const expected = JSON.parse(readFileSync(join(dir, 'expected-bill.json'), 'utf8'));
      expect(expected).toEqual(billJson(referenceBill(rows, s.config), document, policySha256(document)));
      // Money is exact decimal text, lines and totals add up.
      expect(expected.totals.byokRequests).toBe(expected.lines.reduce((n: number, l: { byokRequests: number }) => n + l.byokRequests, 0));
    });
  }
});
