import type { Facts, RuleDocument } from '@byok-billing/core';

/** What json-rules-engine itself says of one rule for one set of facts. */
export interface EngineRuleOutcome {
  readonly name: string;
  readonly priority: number;
  readonly matched: boolean;
}

/**
 * Runs rules through json-rules-engine's own `Engine` (asynchronous, slow: a reference,
 * never the hot path). Tests hold the compiled decision tables to it. It lives with the
 * tests, not in the core: the core never runs the engine, so json-rules-engine is a
 * development dependency (of the workspace root), not one of the published core.
 */
export async function runWithEngine(rules: readonly RuleDocument<unknown>[], facts: Facts): Promise<EngineRuleOutcome[]> {
  const { Engine } = await import('json-rules-engine');
  // The engine mutates rule objects it is given; hand it a deep copy of the JSON.
  const engine = new Engine(JSON.parse(JSON.stringify(rules)), { allowUndefinedFacts: true });
  const { results, failureResults } = await engine.run({ ...facts });
  const outcomes: EngineRuleOutcome[] = [];
  for (const r of results) outcomes.push({ name: String(r.name), priority: r.priority ?? 1, matched: true });
  for (const r of failureResults) outcomes.push({ name: String(r.name), priority: r.priority ?? 1, matched: false });
  const order = new Map(rules.map((rule, i) => [rule.name, i]));
  return outcomes.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0));
}
