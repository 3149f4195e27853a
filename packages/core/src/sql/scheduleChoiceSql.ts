import type { PolicyVersion } from '../policy/policyTypes.js';
import { FAILOVER_MODES, KEY_RESULTS, PLATFORM_RESULTS } from '../routing/routeTypes.js';
import type { JsonScalar } from '../rules/ruleDocument.js';
import { type Cell, type SqlFact, type SqlRule, tableCase } from './compileTermsToSql.js';

/**
 * The columns the schedule choice reads: `provider` and `model` ('' when absent or
 * empty), the failover mode, the key result (`ok` for a row that records its route:
 * `ScheduleChooser.chooseRecorded`) and the platform result.
 */
export interface ScheduleFacts {
  readonly provider: SqlFact;
  readonly model: SqlFact;
  readonly failoverMode: SqlFact;
  readonly keyResult: SqlFact;
  readonly platformResult: SqlFact;
}

/**
 * The domain of `provider` or `model` as the choice table sees it: the values the rules
 * name, then `null` for every value none names (the rules choose alike for all of those,
 * `ScheduleChooser.providers`), so the fact's test of a set with `null` is a `NOT IN` of
 * the named values it leaves out.
 */
export function openTextFact(column: string, named: readonly string[], literal: (text: string) => string): SqlFact {
  const domain: JsonScalar[] = [...named, null];
  return {
    column,
    domain,
    isOneOf: (values) => {
      const list = (texts: readonly string[]) => (texts.length === 1 ? `= ${literal(texts[0]!)}` : `IN (${texts.map(literal).join(', ')})`);
      if (!values.includes(null)) return `${column} ${list(values as string[])}`;
      const others = named.filter((name) => !values.includes(name));
      return others.length === 1 ? `${column} <> ${literal(others[0]!)}` : `${column} NOT IN (${others.map(literal).join(', ')})`;
    },
  };
}

/** A string none of `named` is: the one value `choose` is asked for in place of every unnamed one. */
function unnamed(named: readonly string[]): string {
  let value = '\u0000unnamed';
  while (named.includes(value)) value = `\u0000${value}`;
  return value;
}

/**
 * The index (in `feeTerms.schedules`) of the schedule a row pays by under `version`: the
 * version's `ScheduleChooser` asked for every combination of fact values (the providers
 * and models its rules name, plus one none names) and printed as one CASE, as the routing
 * tables are (`compileTermsToSql`). `0` when the version has one schedule.
 */
export function scheduleChoiceSql(version: PolicyVersion, facts: ScheduleFacts, indent: string): string {
  const chooser = version.scheduleChooser;
  if (chooser.names.length === 1) return '0';
  const providers = [...chooser.providers, unnamed(chooser.providers)];
  const models = [...chooser.models, unnamed(chooser.models)];
  const cells: Cell[] = [];
  providers.forEach((provider, p) =>
    models.forEach((model, m) =>
      FAILOVER_MODES.forEach((mode, f) =>
        KEY_RESULTS.forEach((key, k) =>
          PLATFORM_RESULTS.forEach((platform, r) => cells.push({ cell: [p, m, f, k, r], id: chooser.choose(provider, model, mode, key, platform).schedule })),
        ),
      ),
    ),
  );
  const rules: SqlRule<undefined>[] = chooser.names.map((name, id) => ({ id, name: `schedule ${name}`, params: undefined }));
  return tableCase(cells, [facts.provider, facts.model, facts.failoverMode, facts.keyResult, facts.platformResult], rules, indent);
}
