import type { PolicyVersion } from '../policy/policyTypes.js';
import { FAILOVER_MODES, KEY_RESULTS, PLATFORM_RESULTS } from '../routing/routeTypes.js';
import type { JsonScalar } from '../rules/ruleDocument.js';
import { type Cell, type SqlFact, type SqlRule, tableCase } from './compileTermsToSql.js';

/**
 * The columns the schedule choice reads besides `provider` and `model` (columns of those
 * names, '' when absent or empty): the failover mode, the key result (`ok` for a row that
 * records its route: `ScheduleChooser.chooseRecorded`) and the platform result; and how
 * to write a string literal.
 */
export interface ScheduleFacts {
  readonly literal: (text: string) => string;
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
  // The version's own named values: the cells index into them.
  const provider = openTextFact('provider', chooser.providers, facts.literal);
  const model = openTextFact('model', chooser.models, facts.literal);
  return tableCase(cells, [provider, model, facts.failoverMode, facts.keyResult, facts.platformResult], rules, indent);
}
