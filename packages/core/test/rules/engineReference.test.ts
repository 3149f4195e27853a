import { describe, expect, it } from 'vitest';
import type { RuleDocument } from '@byok-billing/core';
import { runWithEngine } from '../support/engineReference.js';

const rules: RuleDocument[] = [
  { name: 'no x', conditions: { all: [{ fact: 'x', operator: 'equal', value: 'never' }] }, event: { type: 't', params: {} } },
  { name: 'x is a', priority: 3, conditions: { any: [{ fact: 'x', operator: 'equal', value: 'a' }] }, event: { type: 't', params: {} } },
  { name: 'missing y', conditions: { not: { fact: 'y', operator: 'notEqual', value: 'z' } }, event: { type: 't', params: {} } },
  { name: 'always', priority: 2, conditions: { all: [] }, event: { type: 't', params: { k: 1 } } },
];

describe('runWithEngine', () => {
  it('reports every rule, in the order the rules are listed, with its priority and whether it matched', async () => {
    expect(await runWithEngine(rules, { x: 'a' })).toEqual([
      { name: 'no x', priority: 1, matched: false },
      { name: 'x is a', priority: 3, matched: true },
      { name: 'missing y', priority: 1, matched: false },
      { name: 'always', priority: 2, matched: true },
    ]);
    expect(await runWithEngine(rules, { x: 'b', y: 'z' })).toEqual([
      { name: 'no x', priority: 1, matched: false },
      { name: 'x is a', priority: 3, matched: false },
      { name: 'missing y', priority: 1, matched: true },
      { name: 'always', priority: 2, matched: true },
    ]);
  });

  it('keeps list order when the engine evaluates a later rule first', async () => {
    const reversed = [...rules].reverse();
    expect((await runWithEngine(reversed, { x: 'a' })).map((o) => o.name)).toEqual(['always', 'missing y', 'x is a', 'no x']);
  });

  it('runs with missing facts (undefined, not an error)', async () => {
    await expect(runWithEngine(rules, {})).resolves.toHaveLength(4);
  });

  it('leaves the rules it is given as they were', async () => {
    const before = JSON.stringify(rules);
    await runWithEngine(rules, { x: 'a' });
    expect(JSON.stringify(rules)).toBe(before);
  });
});
