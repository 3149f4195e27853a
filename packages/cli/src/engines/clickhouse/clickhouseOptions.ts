import { type Command, Option } from 'commander';
import { ClickhouseRefusal } from './clickhouseErrors.js';

/** The options that name a ClickHouse target (`byok bill --engine clickhouse`, `byok load clickhouse`). */
export interface ClickhouseCliOptions {
  /** `--url`, repeatable: one server, or the shards of `--cluster` in its order. */
  readonly url?: readonly string[];
  readonly table?: string;
  readonly cluster?: string;
}

/** Each option's key in the parsed options and its flag (refused by the other engines). */
export const CLICKHOUSE_OPTION_NAMES: readonly (readonly [keyof ClickhouseCliOptions, string])[] = [
  ['url', '--url'],
  ['table', '--table'],
  ['cluster', '--cluster'],
];

/** A ClickHouse target, checked: URLs and the names that go into SQL text as identifiers. */
export interface ClickhouseTarget {
  readonly urls: readonly [string, ...string[]];
  readonly table: string | undefined;
  readonly cluster: string | undefined;
}

/**
 * Names byok writes into SQL text: letters, digits and `_`, not starting with a digit. A
 * name is an identifier, not data, so it cannot go through a string literal; one that
 * could need quoting is refused instead of quoted.
 */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** `--url` may be given several times: commander's collector for it. */
function collect(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Adds `--url`, `--table` and `--cluster`; `prefix` says which runs they apply to in the help. */
export function addClickhouseOptions(command: Command, prefix: string): Command {
  return command
    .addOption(new Option('--url <url>', `${prefix}a ClickHouse server's HTTP URL (http://host:8123); give it once per shard of --cluster, in the cluster's order`).argParser(collect))
    .option('--table <name>', `${prefix}the table of requests (letters, digits, _)`)
    .option('--cluster <name>', `${prefix}the cluster (remote_servers) whose shards the URLs are: rows are placed on shard cityHash64(scope) % shards`);
}

/** Checks the target options: at least one URL, several only with a cluster, names as identifiers. */
export function clickhouseTarget(options: ClickhouseCliOptions): ClickhouseTarget {
  const urls = options.url ?? [];
  if (urls.length === 0) throw new ClickhouseRefusal('CLICKHOUSE_USAGE', 'ClickHouse needs --url (http://host:8123), once per shard');
  for (const url of urls) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ClickhouseRefusal('CLICKHOUSE_USAGE', `--url ${JSON.stringify(url)} is not a URL; expected http://host:8123`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new ClickhouseRefusal('CLICKHOUSE_USAGE', `--url ${JSON.stringify(url)}: expected an http:// or https:// URL (ClickHouse's HTTP interface)`);
    }
  }
  if (new Set(urls).size !== urls.length) throw new ClickhouseRefusal('CLICKHOUSE_USAGE', '--url names the same server twice; give each shard once');
  if (urls.length > 1 && options.cluster === undefined) {
    throw new ClickhouseRefusal('CLICKHOUSE_USAGE', `${urls.length} --url given without --cluster: several URLs are the shards of a cluster; name it with --cluster`);
  }
  for (const [value, flag] of [[options.table, '--table'], [options.cluster, '--cluster']] as const) {
    if (value !== undefined && !IDENTIFIER.test(value)) {
      throw new ClickhouseRefusal('CLICKHOUSE_USAGE', `${flag} ${JSON.stringify(value)}: expected a name of letters, digits and _ (not starting with a digit)`);
    }
  }
  return { urls: urls as [string, ...string[]], table: options.table, cluster: options.cluster };
}

/** The ClickHouse options mean nothing to the other engines: refuse them rather than ignore them. */
export function refuseClickhouseOptions<T extends ClickhouseCliOptions>(options: T, engine: string): T {
  for (const [key, flag] of CLICKHOUSE_OPTION_NAMES) {
    if (options[key] !== undefined) throw new ClickhouseRefusal('CLICKHOUSE_USAGE', `${flag} applies to --engine clickhouse only (not --engine ${engine})`);
  }
  return options;
}
