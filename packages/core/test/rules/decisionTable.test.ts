import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Condition, type Facts, PolicyValidationError, type RuleDocument } from '@byok-billing/core';
import { compileRules, decide } from '@byok-billing/core/internal';
import { buildTable, enumerateFacts, factsKey } from '../../src/rules/decisionTable.js';
import { type EngineRuleOutcome, runWithEngine } from '../support/engineReference.js';
import { type TestParams, factsArb, ruleSetArb } from '../support/ruleArbitraries.js';

// The generators must produce each kind of answer often: a share of the runs (200 in CI).
const EVERY_TENTH = Math.floor(fc.readConfigureGlobal().numRuns! / 10);
const EVERY_TWENTIETH = Math.floor(fc.readConfigureGlobal().numRuns! / 20);

const always: Condition = { all: [] };
const never: Condition = { not: { all: [] } };

function rule(name: string, conditions: Condition, priority?: number): RuleDocument<TestParams> {
  const r: RuleDocument<TestParams> = { name, conditions, event: { type: 'test', params: { n: name.length } } };
  return priority === undefined ? r : { ...r, priority };
}

/** The winner by json-rules-engine's outcomes: the matched rule of highest priority, two there = ambiguous. */
function engineWinner(outcomes: readonly EngineRuleOutcome[]): 'none' | string | [string, string] {
  const matched = outcomes.filter((o) => o.matched);
  if (matched.length === 0) return 'none';
  const top = Math.max(...matched.map((o) => o.priority));
  const atTop = matched.filter((o) => o.priority === top);
  return atTop.length > 1 ? [atTop[0]!.name, atTop[1]!.name] : atTop[0]!.name;
}

function decidedName(decision: ReturnType<typeof decide>): 'none' | string | [string, string] {
  return decision === 'none' || Array.isArray(decision) ? decision : decision.rule;
}

describe('compileRules', () => {
  it('gives a rule without priority the engine default 1 and keeps an explicit one', () => {
    const rules = [rule('a', always), rule('b', never, 3)];
    const compiled = compileRules(rules);
    expect(compiled.map((c) => c.priority)).toEqual([1, 3]);
    expect(compiled[0]!.rule).toBe(rules[0]);
    expect(compiled[1]!.rule).toBe(rules[1]);
    expect(compiled[0]!.test({})).toBe(true);
    expect(compiled[1]!.test({})).toBe(false);
  });
});

describe('decide', () => {
  const on = (name: string, priority?: number) => rule(name, { all: [{ fact: 'x', operator: 'equal', value: name }] }, priority);

  it('is "none" when no rule matches', () => {
    expect(decide(compileRules([rule('a', never), rule('b', never, 2)]), {})).toBe('none');
    expect(decide(compileRules<TestParams>([]), {})).toBe('none');
  });

  it('names the single matching rule and hands back its event params', () => {
    const rules = [rule('a', never), rule('bb', always), rule('c', never, 9)];
    const decision = decide(compileRules(rules), {});
    expect(decision).toEqual({ rule: 'bb', params: { n: 2 } });
    expect((decision as { params: unknown }).params).toBe(rules[1]!.event.params);
  });

  it('picks the matching rule of highest priority wherever it is listed', () => {
    expect(decide(compileRules([rule('low', always), rule('high', always, 2)]), {})).toMatchObject({ rule: 'high' });
    expect(decide(compileRules([rule('high', always, 2), rule('low', always)]), {})).toMatchObject({ rule: 'high' });
    expect(decide(compileRules([rule('mid', always, 2), rule('top', always, 3), rule('low', always)]), {})).toMatchObject({ rule: 'top' });
  });

  it('ignores a higher-priority rule that does not match', () => {
    expect(decide(compileRules([rule('high', never, 5), rule('low', always)]), {})).toMatchObject({ rule: 'low' });
  });

  it('reports two matching rules at the top priority as ambiguous, first two in list order', () => {
    expect(decide(compileRules([rule('a', always), rule('b', always)]), {})).toEqual(['a', 'b']);
    expect(decide(compileRules([rule('a', always, 2), rule('b', always, 2), rule('c', always, 2)]), {})).toEqual(['a', 'b']);
    expect(decide(compileRules([rule('low', always), rule('a', always, 2), rule('b', always, 2)]), {})).toEqual(['a', 'b']);
  });

  it('treats a missing priority and priority 1 as the same priority', () => {
    expect(decide(compileRules([rule('a', always), rule('b', always, 1)]), {})).toEqual(['a', 'b']);
    expect(decide(compileRules([rule('a', always, 1), rule('b', always)]), {})).toEqual(['a', 'b']);
  });

  it('forgets a tie at a lower priority once a higher rule matches', () => {
    expect(decide(compileRules([rule('a', always), rule('b', always), rule('top', always, 2)]), {})).toMatchObject({ rule: 'top' });
  });

  it('decides from the facts', () => {
    const compiled = compileRules([on('p'), on('q', 2), rule('fallback', { not: { fact: 'x', operator: 'in', value: ['p', 'q'] } })]);
    expect(decide(compiled, { x: 'p' })).toMatchObject({ rule: 'p' });
    expect(decide(compiled, { x: 'q' })).toMatchObject({ rule: 'q' });
    expect(decide(compiled, { x: 'r' })).toMatchObject({ rule: 'fallback' });
    expect(decide(compiled, {})).toMatchObject({ rule: 'fallback' });
  });

  it('decides as json-rules-engine does: highest matched priority wins, two there are ambiguous, none matched is none', async () => {
    const seen = { none: 0, winner: 0, ambiguous: 0 };
    await fc.assert(
      fc.asyncProperty(ruleSetArb(4), factsArb, async (rules, facts) => {
        const expected = engineWinner(await runWithEngine(rules, facts));
        const decision = decide(compileRules(rules), facts);
        expect(decidedName(decision)).toEqual(expected);
        if (decision !== 'none' && !Array.isArray(decision)) {
          expect(decision.params).toEqual(rules.find((r) => r.name === decision.rule)!.event.params);
        }
        seen[expected === 'none' ? 'none' : Array.isArray(expected) ? 'ambiguous' : 'winner']++;
      }),
    );
    expect(seen.none).toBeGreaterThan(EVERY_TWENTIETH);
    expect(seen.winner).toBeGreaterThan(EVERY_TWENTIETH);
    expect(seen.ambiguous).toBeGreaterThan(EVERY_TWENTIETH);
  });
});

describe('enumerateFacts', () => {
  it('lists every combination, the first fact varying slowest', () => {
    expect(enumerateFacts({ a: [1, 2], b: ['x', 'y', 'z'] })).toEqual([
      { a: 1, b: 'x' },
      { a: 1, b: 'y' },
      { a: 1, b: 'z' },
      { a: 2, b: 'x' },
      { a: 2, b: 'y' },
      { a: 2, b: 'z' },
    ]);
  });

  it('has the one empty combination for no facts and none when a fact has no values', () => {
    expect(enumerateFacts({})).toEqual([{}]);
    expect(enumerateFacts({ a: [1], b: [] })).toEqual([]);
  });

  it('has as many combinations as the product of the domain sizes, all distinct', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.uniqueArray(fc.integer({ min: 0, max: 5 }), { maxLength: 3 })), (domain) => {
        const combos = enumerateFacts(domain);
        expect(combos.length).toBe(Object.values(domain).reduce((n, values) => n * values.length, 1));
        expect(new Set(combos.map((c) => JSON.stringify(c))).size).toBe(combos.length);
        for (const combo of combos) {
          expect(Object.keys(combo)).toEqual(Object.keys(domain));
          for (const [fact, value] of Object.entries(combo)) expect(domain[fact]).toContain(value);
        }
      }),
    );
  });
});

describe('factsKey', () => {
  it('joins the named facts in the given order with "|"', () => {
    expect(factsKey({ a: 1, b: 'x', c: true }, ['b', 'a', 'c'])).toBe('x|1|true');
    expect(factsKey({ a: 1 }, ['a', 'missing'])).toBe('1|undefined');
    expect(factsKey({ a: 1 }, [])).toBe('');
  });
});

describe('buildTable', () => {
  const domain = { mode: ['on', 'off'], level: [1, 2] } as const;
  const rules = [
    rule('on', { all: [{ fact: 'mode', operator: 'equal', value: 'on' }] }),
    rule('off, low', { all: [{ fact: 'mode', operator: 'equal', value: 'off' }, { fact: 'level', operator: 'lessThan', value: 2 }] }),
    rule('off, high', { all: [{ fact: 'mode', operator: 'equal', value: 'off' }, { fact: 'level', operator: 'greaterThanInclusive', value: 2 }] }),
  ];

  it('decides every combination, keyed by the domain order', () => {
    const table = buildTable(rules, domain, '$.r');
    expect([...table.keys()]).toEqual(['on|1', 'on|2', 'off|1', 'off|2']);
    expect(table.get('on|2')).toEqual({ rule: 'on', params: { n: 2 } });
    expect(table.get('off|1')).toEqual({ rule: 'off, low', params: { n: 8 } });
    expect(table.get('off|2')).toEqual({ rule: 'off, high', params: { n: 9 } });
  });

  it('refuses a rule set that leaves a combination undecided, naming it', () => {
    const build = () => buildTable(rules.slice(0, 2), domain, '$.rules.x');
    expect(build).toThrow(PolicyValidationError);
    expect(build).toThrow('$.rules.x: no rule decides mode="off", level=2');
    try {
      build();
    } catch (e) {
      expect((e as PolicyValidationError).path).toBe('$.rules.x');
      expect((e as PolicyValidationError).code).toBe('INVALID_POLICY');
    }
  });

  it('refuses a rule set where two rules decide a combination at the same priority, naming both', () => {
    const build = () => buildTable([...rules, rule('everything', always)], domain, '$.y');
    expect(build).toThrow(
      new PolicyValidationError('$.y', 'rules "on" and "everything" both decide mode="on", level=1 at the same priority; give one a higher priority'),
    );
  });

  it('accepts overlapping rules at different priorities', () => {
    const table = buildTable([...rules, rule('everything', always, 2)], domain, '$.y');
    expect(new Set([...table.values()].map((d) => d.rule))).toEqual(new Set(['everything']));
  });

  it('agrees with json-rules-engine on every combination, or refuses the first one it cannot decide', async () => {
    const small = { alpha: ['x', 1, '2.5'], beta: [true, null] } as const;
    const order = Object.keys(small);
    const seen = { table: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(ruleSetArb(4), fc.boolean(), async (generated, decisive) => {
        // Half the sets are made decisive (distinct priorities, a catch-all below them) so
        // that whole tables get compared, not only refusals.
        const ruleSet = decisive
          ? [...generated.map((r, i) => ({ ...r, priority: i + 2 })), rule('catch-all', always, 1)]
          : generated;
        let firstProblem: string | undefined;
        const expected = new Map<string, string>();
        for (const facts of enumerateFacts(small)) {
          const winner = engineWinner(await runWithEngine(ruleSet, facts));
          if (typeof winner === 'string' && winner !== 'none') {
            expected.set(factsKey(facts, order), winner);
            continue;
          }
          const described = describeFacts(facts);
          firstProblem =
            winner === 'none'
              ? `$.t: no rule decides ${described}`
              : `$.t: rules ${JSON.stringify(winner[0])} and ${JSON.stringify(winner[1])} both decide ${described} at the same priority; give one a higher priority`;
          break;
        }
        seen[firstProblem === undefined ? 'table' : 'refused']++;
        if (firstProblem !== undefined) {
          expect(() => buildTable(ruleSet, small, '$.t')).toThrow(firstProblem);
        } else {
          const table = buildTable(ruleSet, small, '$.t');
          expect(new Map([...table].map(([k, d]) => [k, d.rule]))).toEqual(expected);
        }
      }),
    );
    expect(seen.table).toBeGreaterThan(EVERY_TWENTIETH);
    expect(seen.refused).toBeGreaterThan(EVERY_TWENTIETH);
  });
});

function describeFacts(facts: Facts): string {
  return Object.entries(facts)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
}
