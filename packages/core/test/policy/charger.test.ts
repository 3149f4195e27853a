import { Engine } from 'json-rules-engine';
import { describe, expect, it } from 'vitest';
import { CHARGE_KINDS, type ChargeParams, ROUTES, type RuleDocument, defaultPolicy, defaultPolicyDocument } from '@byok-billing/core';
import { CHARGE_FACT_DOMAIN, createCharger } from '@byok-billing/core/internal';
import { CHARGE_FACTS } from '../../src/policy/charger.js';
import { policyError } from '../support/expectErrors.js';

const defaultChargeRules = defaultPolicyDocument.rules.charge as RuleDocument<ChargeParams>[];
const charger = createCharger(defaultChargeRules);
const combinations = ROUTES.flatMap((route) => [true, false].map((withinAllowance) => [route, withinAllowance] as const));

describe('the default charge rules, against POLICY.md "Charges"', () => {
  it('charges nothing for a BYOK request within the allowance', () => {
    expect(charger.charge('byok', true)).toEqual({ charge: 'none', rule: 'BYOK within the free allowance' });
  });

  it('charges the fee for a BYOK request past the allowance', () => {
    expect(charger.charge('byok', false)).toEqual({ charge: 'fee', rule: 'BYOK past the allowance: fee on list cost' });
  });

  it('charges the list cost on platform credits, whatever the allowance', () => {
    expect(charger.charge('platform', true)).toEqual({ charge: 'list', rule: 'platform credits: list cost' });
    expect(charger.charge('platform', false)).toEqual({ charge: 'list', rule: 'platform credits: list cost' });
  });

  it('charges nothing for a failed request, whatever the allowance', () => {
    expect(charger.charge('failed', true)).toEqual({ charge: 'none', rule: 'failed: no charge' });
    expect(charger.charge('failed', false)).toEqual({ charge: 'none', rule: 'failed: no charge' });
  });

  it('every version of the default policy charges by these rules', () => {
    for (const version of defaultPolicy().versions) {
      for (const [route, within] of combinations) expect(version.charger.charge(route, within)).toEqual(charger.charge(route, within));
    }
  });

  it('decides each of the 6 combinations as json-rules-engine Engine.run does', async () => {
    for (const [route, withinAllowance] of combinations) {
      const engine = new Engine(structuredClone(defaultChargeRules) as never);
      const { results } = await engine.run({ route, withinAllowance });
      const top = Math.max(...results.map((r) => r.priority ?? 1));
      const winners = results.filter((r) => (r.priority ?? 1) === top);
      expect(winners, `${route}/${withinAllowance}`).toHaveLength(1);
      expect(charger.charge(route, withinAllowance)).toEqual({ ...winners[0]!.event!.params, rule: winners[0]!.name });
    }
  });
});

describe('createCharger', () => {
  /** One rule per combination, named after it: any mix-up of the lookup shows. */
  const oneRulePerCombination: RuleDocument<ChargeParams>[] = combinations.map(([route, within], i) => ({
    name: `${route}/${within}`,
    conditions: {
      all: [
        { fact: 'route', operator: 'equal', value: route },
        { fact: 'withinAllowance', operator: 'equal', value: within },
      ],
    },
    event: { type: 'charge', params: { charge: CHARGE_KINDS[i % 3]! } },
  }));

  it('looks up the decision of exactly the combination asked for', () => {
    const custom = createCharger(oneRulePerCombination);
    combinations.forEach(([route, within], i) => {
      expect(custom.charge(route, within)).toEqual({ charge: CHARGE_KINDS[i % 3], rule: `${route}/${within}` });
    });
  });

  it('hands out frozen decisions, the same object for the same combination', () => {
    const decision = charger.charge('byok', false);
    expect(Object.isFrozen(decision)).toBe(true);
    expect(Object.isFrozen(charger.charge('byok', true))).toBe(true);
    expect(charger.charge('byok', false)).toBe(decision);
  });

  it('refuses incomplete rules when it is built, at $.rules.charge unless told another path', () => {
    const incomplete = defaultChargeRules.filter((r) => r.name !== 'failed: no charge');
    expect(() => createCharger(incomplete)).toThrow(policyError('$.rules.charge', 'no rule decides route="failed", withinAllowance=true'));
    expect(() => createCharger(incomplete, '$.versions[1].rules.charge')).toThrow(policyError('$.versions[1].rules.charge'));
  });

  it('refuses ambiguous rules when it is built', () => {
    const everythingFree: RuleDocument<ChargeParams> = { name: 'everything free', conditions: { all: [] }, event: { type: 'charge', params: { charge: 'none' } } };
    expect(() => createCharger([...defaultChargeRules, everythingFree])).toThrow(
      policyError(
        '$.rules.charge',
        'rules "BYOK within the free allowance" and "everything free" both decide route="byok", withinAllowance=true at the same priority; give one a higher priority',
      ),
    );
  });
});

describe('the charge fact domain', () => {
  it('is the route and whether the request is within the allowance', () => {
    expect(CHARGE_FACT_DOMAIN).toEqual({ route: ['byok', 'platform', 'failed'], withinAllowance: [true, false] });
    expect(CHARGE_FACTS).toEqual(['route', 'withinAllowance']);
  });
});
