import { PolicyValidationError } from '../errors.js';
import { type CompiledCondition, compileCondition } from './compileCondition.js';
import type { Facts, RuleDocument } from './ruleDocument.js';

/** The rule that decides one combination of facts, and what it decided. */
export interface RuleDecision<P> {
  readonly rule: string;
  readonly params: P;
}

export interface CompiledRule<P> {
  readonly rule: RuleDocument<P>;
  readonly priority: number;
  readonly test: CompiledCondition;
}

export function compileRules<P>(rules: readonly RuleDocument<P>[]): CompiledRule<P>[] {
  return rules.map((rule) => ({ rule, priority: rule.priority ?? 1, test: compileCondition(rule.conditions) }));
}

/**
 * The winning rule for a set of facts: among the rules whose conditions hold, the one
 * of highest priority. Two matching rules at that priority are ambiguous, and no
 * matching rule leaves the facts undecided; both are policy errors, found when the
 * policy loads because every combination of facts is decided then (see `buildTable`).
 */
export function decide<P>(rules: readonly CompiledRule<P>[], facts: Facts): RuleDecision<P> | 'none' | [string, string] {
  let best: CompiledRule<P> | undefined;
  let tie: CompiledRule<P> | undefined;
  for (const candidate of rules) {
    if (!candidate.test(facts)) continue;
    if (best === undefined || candidate.priority > best.priority) {
      best = candidate;
      tie = undefined;
    } else if (candidate.priority === best.priority) {
      tie ??= candidate;
    }
  }
  if (best === undefined) return 'none';
  if (tie !== undefined) return [best.rule.name, tie.rule.name];
  return { rule: best.rule.name, params: best.rule.event.params };
}

/** Every combination of the facts' values, in a stable order. */
export function enumerateFacts(domain: Readonly<Record<string, readonly unknown[]>>): Facts[] {
  let combos: Record<string, unknown>[] = [{}];
  for (const [fact, values] of Object.entries(domain)) {
    const next: Record<string, unknown>[] = [];
    for (const combo of combos) for (const value of values) next.push({ ...combo, [fact]: value });
    combos = next;
  }
  return combos;
}

function describeFacts(facts: Facts): string {
  return Object.entries(facts)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
}

/**
 * Decides every combination of facts once, when the policy loads. The fact domains of
 * billing rules are small and finite (a few dozen combinations), so the hot path is a
 * table lookup and never evaluates a rule, let alone calls json-rules-engine's
 * asynchronous `Engine.run`, per request.
 */
export function buildTable<P>(
  rules: readonly RuleDocument<P>[],
  domain: Readonly<Record<string, readonly unknown[]>>,
  path: string,
): Map<string, RuleDecision<P>> {
  const compiled = compileRules(rules);
  const table = new Map<string, RuleDecision<P>>();
  for (const facts of enumerateFacts(domain)) {
    const decision = decide(compiled, facts);
    if (decision === 'none') {
      throw new PolicyValidationError(path, `no rule decides ${describeFacts(facts)}`);
    }
    if (Array.isArray(decision)) {
      throw new PolicyValidationError(
        path,
        `rules ${JSON.stringify(decision[0])} and ${JSON.stringify(decision[1])} both decide ${describeFacts(facts)} at the same priority; give one a higher priority`,
      );
    }
    table.set(factsKey(facts, Object.keys(domain)), decision);
  }
  return table;
}

export function factsKey(facts: Facts, order: readonly string[]): string {
  return order.map((fact) => String(facts[fact])).join('|');
}
