import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type ThresholdEvent, defaultPolicyDocument } from '@byok-billing/core';
import { EXIT_BAD_INPUT } from '@byok-billing/cli';
import { byok } from '../../../test/support/runByok.js';
import { REPO_ROOT } from '../../../test/support/readmeExample.js';
import { eventLine, openEventsFile, readCursor } from '../src/meter/eventsFile.js';

/*
 * `byok meter --events FILE`: the store's threshold events as NDJSON, the file its own
 * cursor. Catches: events written again on a re-run, a torn last line kept or doubled,
 * events of another writer missed, a file that is not an events file overwritten or used.
 */
const dir = mkdtempSync(join(tmpdir(), 'byok-meter-events-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const fresh = (name: string) => join(dir, `${++files}-${name}`);

const policy = join(dir, 'allowance-4.json');
{
  const doc = JSON.parse(JSON.stringify(defaultPolicyDocument));
  doc.parameters.allowance = 4;
  writeFileSync(policy, JSON.stringify(doc));
}

/** A log of `n` BYOK requests of org:acme in October, ids `prefix-1`... */
function log(n: number, prefix = 'r', org = 'acme'): string {
  const path = fresh(`${prefix}.csv`);
  const rows = Array.from({ length: n }, (_, i) => `${prefix}-${i + 1},2025-10-${String(i + 1).padStart(2, '0')}T12:00:00Z,u,${org},0.10,ok`);
  writeFileSync(path, `request_id,timestamp,user_id,org_id,cost_usd,key_result\n${rows.join('\n')}\n`);
  return path;
}

async function meter(store: string, events: string, ...logs: string[]) {
  const result = await byok(['meter', '--store', store, '--policy', policy, '--events', events, '-q', '--format', 'json', ...logs]);
  expect(result.code, result.stderr).toBe(0);
  return result;
}

const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as ThresholdEvent);

describe('byok meter --events', () => {
  it('writes each threshold event once, as NDJSON with the store\'s seq; a re-run adds nothing', async () => {
    const store = `sqlite:${fresh('m.db')}`;
    const events = fresh('events.ndjson');
    const requests = log(6);
    await meter(store, events, requests);
    const first = lines(events);
    expect(first).toEqual([
      { seq: 1, scope: 'org:acme', period: '2025-10', threshold: '50%', requestId: 'r-2', instant: '2025-10-02T12:00:00Z', count: 2, listUsd: null },
      { seq: 2, scope: 'org:acme', period: '2025-10', threshold: '80%', requestId: 'r-4', instant: '2025-10-04T12:00:00Z', count: 4, listUsd: null },
      { seq: 3, scope: 'org:acme', period: '2025-10', threshold: '100%', requestId: 'r-4', instant: '2025-10-04T12:00:00Z', count: 4, listUsd: null },
      { seq: 4, scope: 'org:acme', period: '2025-10', threshold: 'first-billable', requestId: 'r-5', instant: '2025-10-05T12:00:00Z', count: 5, listUsd: null },
    ]);
    // Keys in this order, seq first (a torn line is recognised by its start).
    expect(readFileSync(events, 'utf8').split('\n')[0]).toMatch(/^\{"seq":1,"scope":"org:acme","period":"2025-10","threshold":"50%","requestId":"r-2","instant":/);
    await meter(store, events, requests);
    expect(lines(events)).toEqual(first);
  });

  it('each events file is one consumer: a file given later gets every event of the store, another writer\'s too', async () => {
    const store = `sqlite:${fresh('m.db')}`;
    const a = fresh('a.ndjson');
    const b = fresh('b.ndjson');
    await meter(store, a, log(3, 'x', 'one')); // 50% of 4 at the 2nd request; 80% (4th) not yet
    await meter(store, b, log(6, 'y', 'two'));
    // b: its own run's events and the one a's run stored before.
    expect(lines(b).map((e) => `${e.seq} ${e.scope} ${e.threshold}`)).toEqual([
      '1 org:one 50%',
      '2 org:two 50%',
      '3 org:two 80%',
      '4 org:two 100%',
      '5 org:two first-billable',
    ]);
    expect(lines(a).map((e) => e.seq)).toEqual([1]);
    // a catches up on the next run that names it, from its own cursor, with that run's own events.
    const z = log(1, 'z', 'one');
    await meter(store, a, z);
    expect(lines(a).map((e) => `${e.seq} ${e.scope} ${e.threshold}`)).toEqual([
      ...lines(b).map((e) => `${e.seq} ${e.scope} ${e.threshold}`),
      '6 org:one 80%',
      '7 org:one 100%',
    ]);
    await meter(store, b, z); // a retry: records nothing, delivers what b has not got
    expect(lines(b)).toEqual(lines(a));
  });

  it('law: a torn last line (a crash while appending, cut anywhere) is cut off and written again whole, never doubled', async () => {
    const store = `sqlite:${fresh('m.db')}`;
    const whole = fresh('whole.ndjson');
    await meter(store, whole, log(8));
    const text = readFileSync(whole, 'utf8');
    const expected = lines(whole);
    expect(expected.length).toBe(4);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: text.length - 1 }), async (cut) => {
        const events = fresh('torn.ndjson');
        writeFileSync(events, text.slice(0, cut));
        const cursor = readCursor(events);
        // Whole lines before the cut stay; the cursor is the last whole line's seq.
        const wholeLines = text.slice(0, cut).split('\n').length - 1;
        expect(cursor.cursor).toBe(wholeLines === 0 ? 0 : expected[wholeLines - 1]!.seq);
        await meter(store, events, log(1, 'again'));
        expect(readFileSync(events, 'utf8')).toBe(text);
      }),
      { numRuns: 12 },
    );
  });

  it('an events file that is not one is refused with exit 2 naming it and the line, before anything is recorded', async () => {
    const store = fresh('m.db');
    const cases: [string, RegExp][] = [
      ['request_id,timestamp\nr1,2025-10-01\n', /line 1: not an events file/],
      [`${eventLine(event(1))}\n{"seq":2,"scope":"org:a"}\n`, /line 2, column period: not an events file: expected a string/],
      [`${eventLine(event(2))}\n${eventLine(event(1))}\n`, /line 2, column seq: not an events file: seq 1 does not follow 2/],
      [`${eventLine(event(1))}\n[1,2]\n`, /line 2: not an events file: the line is not a JSON object/],
      [`${eventLine(event(1))}\nhello`, /line 2: not an events file/],
    ];
    for (const [content, message] of cases) {
      const events = fresh('bad.ndjson');
      writeFileSync(events, content);
      const result = await byok(['meter', '--store', `sqlite:${store}`, '--policy', policy, '--events', events, '-q', '--format', 'json', log(6)]);
      expect(result.code, content).toBe(EXIT_BAD_INPUT);
      expect(result.stderr).toContain(events);
      expect(result.stderr).toMatch(message);
      // Left as it was, and nothing recorded.
      expect(readFileSync(events, 'utf8')).toBe(content);
      expect(existsSync(store)).toBe(false);
    }
  });

  it('--events naming the log or a directory is refused with exit 2 before any work, the log untouched', async () => {
    const requests = log(6);
    const before = readFileSync(requests, 'utf8');
    const same = await byok(['meter', '--policy', policy, '--events', requests, '-q', requests]);
    expect(same.code).toBe(EXIT_BAD_INPUT);
    expect(same.stderr).toContain(`--events ${requests} is also an input`);
    expect(readFileSync(requests, 'utf8')).toBe(before);
    const directory = await byok(['meter', '--policy', policy, '--events', dir, '-q', requests]);
    expect(directory.code).toBe(EXIT_BAD_INPUT);
    expect(directory.stderr).toContain('is a directory');
  });

  it('a file in use by a live process is refused; a lock left by a killed run is taken over', async () => {
    const events = fresh('locked.ndjson');
    writeFileSync(`${events}.lock`, String(process.ppid)); // a live process that is not this run
    const result = await byok(['meter', '--policy', policy, '--events', events, '-q', '--format', 'json', log(6)]);
    expect(result.code).toBe(EXIT_BAD_INPUT);
    expect(result.stderr).toMatch(/in use by another byok process/);
    // A pid no process has (beyond the kernel's pid range): the run that held it is gone.
    writeFileSync(`${events}.lock`, '99999999');
    await meter('memory', events, log(6));
    expect(lines(events).length).toBe(4);
    expect(existsSync(`${events}.lock`)).toBe(false);
  });

  it('--thresholds chooses the thresholds (none: no events); a bad one exits 2 naming the option, before anything is recorded', async () => {
    const events = fresh('chosen.ndjson');
    const run = (thresholds: string, file: string, store = 'memory') =>
      byok(['meter', '--store', store, '--policy', policy, '--thresholds', thresholds, '--events', file, '-q', '--format', 'json', log(6)]);
    expect((await run('25%, first-billable', events)).code).toBe(0);
    expect(lines(events).map((e) => `${e.threshold}@${e.requestId}`)).toEqual(['25%@r-1', 'first-billable@r-5']);
    const none = fresh('none.ndjson');
    expect((await run('none', none)).code).toBe(0);
    expect(existsSync(none)).toBe(false);
    const store = fresh('never.db');
    for (const bad of ['0%', '50%,50%', 'half']) {
      const result = await run(bad, fresh('bad.ndjson'), `sqlite:${store}`);
      expect(result.code, bad).toBe(EXIT_BAD_INPUT);
      expect(result.stderr).toContain('--thresholds');
      expect(existsSync(store)).toBe(false);
    }
  });

  it('append skips what the file already holds, and writes nothing for no events', async () => {
    const events = fresh('direct.ndjson');
    writeFileSync(events, `${eventLine(event(1))}\n${eventLine(event(2))}\n`);
    const file = openEventsFile(events);
    try {
      expect(file.cursor).toBe(2);
      expect(await file.append(iterate([event(2), event(3)]))).toBe(1);
    } finally {
      file.release();
    }
    expect(lines(events).map((e) => e.seq)).toEqual([1, 2, 3]);
    const empty = fresh('none.ndjson');
    const none = openEventsFile(empty);
    expect(await none.append(iterate([]))).toBe(0);
    none.release();
    expect(existsSync(empty)).toBe(false);
  });

  it('a torn line is recognised only as the start of an event line: other trailing text is refused, not cut', () => {
    const events = fresh('tail.ndjson');
    writeFileSync(events, `${eventLine(event(1))}\n{"se`);
    expect(readCursor(events)).toEqual({ cursor: 1, keepBytes: eventLine(event(1)).length + 1 });
    writeFileSync(events, `${eventLine(event(1))}\n{"x`);
    expect(() => readCursor(events)).toThrow(/line 2: not an events file/);
    truncateSync(events, 0);
    expect(readCursor(events)).toEqual({ cursor: 0, keepBytes: 0 });
  });
});

describe('README: byok meter --events on scenario 06', () => {
  it('writes exactly the lines the README quotes, and a second run adds none', async () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const quoted = /\nwrites \(scenario 06[^\n]*\n\n```text\n([^]*?)```/.exec(readme)?.[1];
    expect(quoted, 'the README quotes the events file').toBeDefined();
    const scenario = join(REPO_ROOT, 'scenarios/06-enterprise-allowance');
    const events = fresh('readme.ndjson');
    const args = ['meter', '--store', `sqlite:${fresh('readme.db')}`, '--policy', join(scenario, 'policy.json'), '--accounts', join(scenario, 'accounts.csv')];
    for (let run = 0; run < 2; run++) {
      const result = await byok([...args, '--events', events, '-q', '--format', 'json', join(scenario, 'requests.csv')]);
      expect(result.code, result.stderr).toBe(0);
      expect(readFileSync(events, 'utf8')).toBe(quoted);
    }
  });
});

function event(seq: number): ThresholdEvent {
  return { seq, scope: 'org:a', period: '2025-10', threshold: `${seq}%`, requestId: `r${seq}`, instant: '2025-10-01T00:00:00Z', count: seq, listUsd: null };
}

async function* iterate<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}
