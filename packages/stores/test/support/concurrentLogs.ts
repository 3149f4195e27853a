import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One request of the concurrency logs, as its CSV row. */
interface Row {
  readonly id: string;
  readonly line: string;
  readonly scopeKey: string;
  readonly counts: boolean;
}

export interface ConcurrentLogs {
  readonly files: readonly string[];
  /** Distinct requests across all logs. */
  readonly distinct: number;
  /** Counted (BYOK-served) distinct requests per `scope\nperiod`. */
  readonly countedPerKey: ReadonlyMap<string, number>;
}

const ORGS = ['acme', 'beta', '', 'gamma', ''];
const USERS = ['ann', 'bob', 'cyd'];

/**
 * Logs for `writers` processes over the same few scopes and two months: every request
 * has a home log, about a third are retried (the same row) in another writer's log and
 * some twice in their own, so writers race on both counters and request_ids. Integer
 * arithmetic only (a fixed multiplicative hash), so the logs are the same every run.
 */
export function writeConcurrentLogs(dir: string, writers: number, perWriter: number): ConcurrentLogs {
  const rows: Row[] = [];
  const total = writers * perWriter;
  const countedPerKey = new Map<string, number>();
  for (let i = 0; i < total; i++) {
    const h = Math.imul(i + 1, 2654435761) >>> 0;
    const org = ORGS[h % ORGS.length]!;
    const user = USERS[(h >>> 3) % USERS.length]!;
    const month = (h >>> 5) % 2 === 0 ? '10' : '11';
    const day = String(1 + ((h >>> 7) % 28)).padStart(2, '0');
    const keyResult = (h >>> 11) % 6 === 0 ? 'none' : 'ok';
    const id = `cc-${i.toString().padStart(6, '0')}`;
    const cost = `0.${String((h >>> 13) % 1000).padStart(4, '0')}`;
    const scope = org === '' ? `user:${user}` : `org:${org}`;
    const scopeKey = `${scope}\n2025-${month}`;
    const counts = keyResult === 'ok';
    if (counts) countedPerKey.set(scopeKey, (countedPerKey.get(scopeKey) ?? 0) + 1);
    rows.push({ id, scopeKey, counts, line: `${id},2025-${month}-${day}T12:00:00Z,${user},${org},${cost},${keyResult}` });
  }
  const logs: string[][] = Array.from({ length: writers }, () => []);
  rows.forEach((row, i) => {
    const home = i % writers;
    logs[home]!.push(row.line);
    const h = Math.imul(i + 7, 40503) >>> 0;
    if (h % 3 === 0) logs[(home + 1 + (h % (writers - 1))) % writers]!.push(row.line);
    if (h % 11 === 0) logs[home]!.push(row.line);
  });
  const files = logs.map((lines, w) => {
    // Interleave deterministically, so each writer meets the retried rows at another time.
    const shuffled = lines.map((line, k) => ({ line, key: Math.imul(k + 1 + w * 7919, 2246822519) >>> 0 })).sort((a, b) => a.key - b.key);
    const file = join(dir, `writer-${w}.csv`);
    writeFileSync(file, `request_id,timestamp,user_id,org_id,cost_usd,key_result\n${shuffled.map((s) => s.line).join('\n')}\n`);
    return file;
  });
  return { files, distinct: total, countedPerKey };
}
