import { Engine } from 'json-rules-engine';
import { describe, expect, it } from 'vitest';
import { FAILOVER_MODES, type FailoverMode, KEY_RESULTS, type KeyResult, PLATFORM_RESULTS, type PlatformResult, ROUTES, type Route, type RouteParams, type RuleDocument, defaultPolicy, defaultPolicyDocument } from '@byok-billing/core';
import { RECORDED_ROUTE_RULE, ROUTING_FACT_DOMAIN, createRouter } from '@byok-billing/core/internal';
import { ROUTING_FACTS } from '../../src/routing/router.js';
import { policyError } from '../support/expectErrors.js';

const defaultRoutingRules = defaultPolicyDocument.rules.routing as RuleDocument<RouteParams>[];
const router = createRouter(defaultRoutingRules);

const combinations: [FailoverMode, KeyResult, PlatformResult][] = FAILOVER_MODES.flatMap((mode) =>
  KEY_RESULTS.flatMap((key) => PLATFORM_RESULTS.map((platform): [FailoverMode, KeyResult, PlatformResult] => [mode, key, platform])),
);

/**
 * POLICY.md "Routing under the failover modes", row by row. `key` and `platform` list
 * the results the row covers; a row that does not mention one covers all its values.
 */
const policyTable: { mode: FailoverMode; key: readonly KeyResult[]; platform: readonly PlatformResult[]; route: Route; row: string }[] = [
  { mode: 'fallback', key: ['ok'], platform: PLATFORM_RESULTS, route: 'byok', row: 'key ok' },
  { mode: 'fallback', key: ['rate_limited', 'error', 'none'], platform: ['ok'], route: 'platform', row: 'key rate_limited/error/none, platform ok' },
  { mode: 'fallback', key: ['rate_limited', 'error', 'none'], platform: ['error'], route: 'failed', row: 'key rate_limited/error/none, platform error' },
  { mode: 'strict', key: ['ok'], platform: PLATFORM_RESULTS, route: 'byok', row: 'key ok' },
  { mode: 'strict', key: ['rate_limited', 'error'], platform: PLATFORM_RESULTS, route: 'failed', row: 'key rate_limited/error' },
  { mode: 'strict', key: ['none'], platform: ['ok'], route: 'platform', row: 'key none (no key for that provider), platform ok' },
  // Not listed in POLICY.md: no key and no platform capacity can only fail.
  { mode: 'strict', key: ['none'], platform: ['error'], route: 'failed', row: '(unlisted) key none, platform error' },
  { mode: 'credits-first', key: KEY_RESULTS, platform: ['ok'], route: 'platform', row: 'platform ok' },
  { mode: 'credits-first', key: ['ok'], platform: ['error'], route: 'byok', row: 'platform error, key ok' },
  { mode: 'credits-first', key: ['rate_limited', 'error', 'none'], platform: ['error'], route: 'failed', row: 'platform error, key not ok' },
];

/** The key was tried unless there is none, or credits-first was served by the platform first. */
function keyTried(mode: FailoverMode, key: KeyResult, platform: PlatformResult): boolean {
  return key !== 'none' && !(mode === 'credits-first' && platform === 'ok');
}

describe('the default routing rules, against POLICY.md', () => {
  const rows = policyTable.flatMap((row) => row.key.flatMap((key) => row.platform.map((platform) => ({ ...row, key, platform }))));

  it('the POLICY.md rows cover each of the 24 combinations exactly once', () => {
    const seen = rows.map((r) => `${r.mode}|${r.key}|${r.platform}`);
    expect(new Set(seen).size).toBe(24);
    expect(seen).toHaveLength(24);
  });

  it.each(rows)('$mode, $row: key $key, platform $platform → $route', ({ mode, key, platform, route }) => {
    expect(router.route(mode, key, platform)).toMatchObject({ route, keyTried: keyTried(mode, key, platform) });
  });

  it('names the rule that decided each combination', () => {
    expect(router.route('fallback', 'ok', 'error')).toEqual({ route: 'byok', keyTried: true, rule: 'fallback: key served' });
    expect(router.route('fallback', 'error', 'ok')).toEqual({ route: 'platform', keyTried: true, rule: 'fallback: key failed, platform served' });
    expect(router.route('fallback', 'none', 'ok')).toEqual({ route: 'platform', keyTried: false, rule: 'fallback: no key, platform served' });
    expect(router.route('fallback', 'rate_limited', 'error')).toEqual({ route: 'failed', keyTried: true, rule: 'fallback: key failed, platform failed' });
    expect(router.route('fallback', 'none', 'error')).toEqual({ route: 'failed', keyTried: false, rule: 'fallback: no key, platform failed' });
    expect(router.route('strict', 'ok', 'ok')).toEqual({ route: 'byok', keyTried: true, rule: 'strict: key served' });
    expect(router.route('strict', 'rate_limited', 'ok')).toEqual({ route: 'failed', keyTried: true, rule: 'strict: key failed, no failover' });
    expect(router.route('strict', 'none', 'ok')).toEqual({ route: 'platform', keyTried: false, rule: 'strict: no key for the provider, platform served' });
    expect(router.route('strict', 'none', 'error')).toEqual({ route: 'failed', keyTried: false, rule: 'strict: no key for the provider, platform failed' });
    expect(router.route('credits-first', 'ok', 'ok')).toEqual({ route: 'platform', keyTried: false, rule: 'credits-first: platform served' });
    expect(router.route('credits-first', 'ok', 'error')).toEqual({ route: 'byok', keyTried: true, rule: 'credits-first: platform failed, key served' });
    expect(router.route('credits-first', 'error', 'error')).toEqual({ route: 'failed', keyTried: true, rule: 'credits-first: platform failed, key failed' });
    expect(router.route('credits-first', 'none', 'error')).toEqual({ route: 'failed', keyTried: false, rule: 'credits-first: platform failed, no key' });
  });

  it('every version of the default policy routes by these rules', () => {
    for (const version of defaultPolicy().versions) {
      for (const [mode, key, platform] of combinations) {
        expect(version.router.route(mode, key, platform)).toEqual(router.route(mode, key, platform));
      }
    }
  });

  it('decides each of the 24 combinations as json-rules-engine Engine.run does', async () => {
    for (const [failoverMode, keyResult, platformResult] of combinations) {
      const engine = new Engine(structuredClone(defaultRoutingRules) as never);
      const { results } = await engine.run({ failoverMode, keyResult, platformResult });
      const top = Math.max(...results.map((r) => r.priority ?? 1));
      const winners = results.filter((r) => (r.priority ?? 1) === top);
      expect(winners, `${failoverMode}/${keyResult}/${platformResult}`).toHaveLength(1);
      expect(router.route(failoverMode, keyResult, platformResult)).toEqual({ ...winners[0]!.event!.params, rule: winners[0]!.name });
    }
  });
});

describe('createRouter', () => {
  /** One rule per combination, named after it: any mix-up of the lookup shows. */
  const oneRulePerCombination: RuleDocument<RouteParams>[] = combinations.map(([mode, key, platform], i) => ({
    name: `${mode}/${key}/${platform}`,
    conditions: {
      all: [
        { fact: 'failoverMode', operator: 'equal', value: mode },
        { fact: 'keyResult', operator: 'equal', value: key },
        { fact: 'platformResult', operator: 'equal', value: platform },
      ],
    },
    event: { type: 'route', params: { route: ROUTES[i % 3]!, keyTried: i % 2 === 0 } },
  }));

  it('looks up the decision of exactly the combination asked for', () => {
    const custom = createRouter(oneRulePerCombination);
    combinations.forEach(([mode, key, platform], i) => {
      expect(custom.route(mode, key, platform)).toEqual({ route: ROUTES[i % 3], keyTried: i % 2 === 0, rule: `${mode}/${key}/${platform}` });
    });
  });

  it('hands out frozen decisions, the same object for the same combination', () => {
    const decision = router.route('strict', 'error', 'ok');
    expect(Object.isFrozen(decision)).toBe(true);
    expect(router.route('strict', 'error', 'ok')).toBe(decision);
  });

  it('refuses incomplete rules when it is built, at $.rules.routing unless told another path', () => {
    const incomplete = defaultRoutingRules.filter((r) => r.name !== 'strict: no key for the provider, platform failed');
    expect(() => createRouter(incomplete)).toThrow(
      policyError('$.rules.routing', 'no rule decides failoverMode="strict", keyResult="none", platformResult="error"'),
    );
    expect(() => createRouter(incomplete, '$.versions[2].rules.routing')).toThrow(policyError('$.versions[2].rules.routing'));
  });

  it('refuses ambiguous rules when it is built', () => {
    const ambiguous = [...defaultRoutingRules, { ...defaultRoutingRules[9]!, name: 'copy' }];
    expect(() => createRouter(ambiguous)).toThrow(
      policyError(
        '$.rules.routing',
        'rules "credits-first: platform served" and "copy" both decide failoverMode="credits-first", keyResult="ok", platformResult="ok" at the same priority; give one a higher priority',
      ),
    );
  });

  it('lets a higher priority rule override, as the engine does', () => {
    const alwaysByok: RuleDocument<RouteParams> = { name: 'always byok', priority: 2, conditions: { all: [] }, event: { type: 'route', params: { route: 'byok', keyTried: true } } };
    const custom = createRouter([...defaultRoutingRules, alwaysByok]);
    for (const [mode, key, platform] of combinations) expect(custom.route(mode, key, platform)).toEqual({ route: 'byok', keyTried: true, rule: 'always byok' });
  });
});

describe('recorded routes', () => {
  it('takes a recorded route as recorded, under the rule name "recorded-route"', () => {
    expect(RECORDED_ROUTE_RULE).toBe('recorded-route');
    expect(router.recorded('byok')).toEqual({ route: 'byok', keyTried: true, rule: 'recorded-route' });
    expect(router.recorded('platform')).toEqual({ route: 'platform', keyTried: false, rule: 'recorded-route' });
    expect(router.recorded('failed')).toEqual({ route: 'failed', keyTried: false, rule: 'recorded-route' });
  });

  it('hands out frozen recorded decisions, whatever the rules', () => {
    const custom = createRouter([{ name: 'all fail', conditions: { any: [] }, event: { type: 'route', params: { route: 'failed', keyTried: false } } }]);
    for (const route of ROUTES) {
      expect(custom.recorded(route)).toEqual(router.recorded(route));
      expect(Object.isFrozen(custom.recorded(route))).toBe(true);
    }
  });
});

describe('the routing fact domain', () => {
  it('is the failover mode, the key result and the platform result, with all their values', () => {
    expect(ROUTING_FACT_DOMAIN).toEqual({
      failoverMode: ['fallback', 'strict', 'credits-first'],
      keyResult: ['ok', 'rate_limited', 'error', 'none'],
      platformResult: ['ok', 'error'],
    });
    expect(ROUTING_FACTS).toEqual(['failoverMode', 'keyResult', 'platformResult']);
  });
});
