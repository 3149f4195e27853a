import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  NoPolicyVersionError,
  POLICY_FORMAT,
  type Policy,
  PolicyValidationError,
  RULE_OPERATORS,
  defaultPolicy,
  defaultPolicyDocument,
  instantFromEpochMs,
  loadPolicy,
  parseTimestamp,
} from '@byok-billing/core';
import { policyError } from '../support/expectErrors.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- documents are edited as plain JSON here */
type Doc = any;

/** A fresh copy of the default policy document. */
const doc = (): Doc => structuredClone(defaultPolicyDocument);

/** The default document with one change. */
function changed(change: (d: Doc) => void): Doc {
  const d = doc();
  change(d);
  return d;
}

/** A small valid document: one version, parameters and rules at the top. */
const minimal = (): Doc => ({
  id: 'p',
  parameters: { allowance: 10, feeRate: '0.05' },
  rules: structuredClone(defaultPolicyDocument.rules),
  versions: [{ version: 'v1' }],
});

const at = (text: string) => parseTimestamp(text);

function nestNot(levels: number): unknown {
  let condition: unknown = { fact: 'keyResult', operator: 'equal', value: 'ok' };
  for (let i = 0; i < levels; i++) condition = { not: condition };
  return condition;
}

const cyclic: Doc = { id: 'p' };
cyclic.self = cyclic;

const ALLOWANCE_RANGE = 'must be an integer from 0 to 9007199254740991';

const invalid: [string, unknown, string, string?][] = [
  // the document itself
  ['null', null, '$', 'must be an object, got null'],
  ['an array', [], '$', 'must be an object, got an array'],
  ['a string', '{}', '$', 'must be an object, got string "{}"'],
  ['a function', () => ({}), '$', 'is not a JSON document'],
  ['a cyclic object', cyclic, '$', 'is not a JSON document'],
  ['a bigint inside', changed((d) => (d.parameters.allowance = 10n)), '$', 'is not a JSON document'],
  ['undefined', undefined, '$', 'is not a JSON document'],
  ['an unknown top-level key', changed((d) => (d.extra = 1)), '$.extra', 'unknown key; expected one of $schema, format, id, title, parameters, rules, versions'],
  ['another format', changed((d) => (d.format = 'byok-policy/v2')), '$.format', 'must be "byok-policy/v1"'],
  ['a format that is not a string', changed((d) => (d.format = 1)), '$.format'],
  ['no id', changed((d) => delete d.id), '$.id', 'must be a string, got nothing'],
  ['an empty id', changed((d) => (d.id = '')), '$.id', 'must not be empty'],
  ['an id that is a number', changed((d) => (d.id = 7)), '$.id', 'must be a string, got number 7'],
  ['a title that is not a string', changed((d) => (d.title = ['t'])), '$.title', 'must be a string, got an array'],
  // parameters
  ['parameters that are not an object', changed((d) => (d.parameters = 'x')), '$.parameters', 'must be an object, got string "x"'],
  ['an unknown parameter', changed((d) => (d.parameters.allowanse = 5)), '$.parameters.allowanse', 'unknown key; expected one of allowance, feeRate, scopeMode, counts, defaultFailoverMode, resetTimeZone, presentation, fees'],
  ['a negative allowance', changed((d) => (d.parameters.allowance = -1)), '$.parameters.allowance', `${ALLOWANCE_RANGE}, got number -1`],
  ['a fractional allowance', changed((d) => (d.parameters.allowance = 1.5)), '$.parameters.allowance', `${ALLOWANCE_RANGE}, got number 1.5`],
  ['an allowance as a string', changed((d) => (d.parameters.allowance = '1000')), '$.parameters.allowance', `${ALLOWANCE_RANGE}, got string "1000"`],
  ['an allowance beyond safe integers', changed((d) => (d.parameters.allowance = 2 ** 53)), '$.parameters.allowance'],
  ['a null allowance', changed((d) => (d.parameters.allowance = null)), '$.parameters.allowance', `${ALLOWANCE_RANGE}, got null`],
  ['a fee rate as a number', changed((d) => (d.parameters.feeRate = 0.05)), '$.parameters.feeRate', 'must be a string, got number 0.05'],
  [
    'a fee rate with an exponent',
    changed((d) => (d.parameters.feeRate = '5e-2')),
    '$.parameters.feeRate',
    '"5e-2": exponent notation is not accepted; write a plain decimal (write the rate as a decimal string, e.g. "0.05" for 5%)',
  ],
  ['a negative fee rate', changed((d) => (d.parameters.feeRate = '-0.05')), '$.parameters.feeRate'],
  ['a fee rate in percent', changed((d) => (d.parameters.feeRate = '5%')), '$.parameters.feeRate'],
  ['an empty fee rate', changed((d) => (d.parameters.feeRate = '')), '$.parameters.feeRate'],
  ['a fee rate with 13 fractional digits', changed((d) => (d.parameters.feeRate = '0.0500000000001')), '$.parameters.feeRate'],
  ['an unknown scope mode', changed((d) => (d.parameters.scopeMode = 'team')), '$.parameters.scopeMode', 'must be one of "org", "user", got string "team"'],
  ['an unknown count mode', changed((d) => (d.parameters.counts = 'all')), '$.parameters.counts', 'must be one of "served", "attempted", got string "all"'],
  [
    'an unknown failover mode',
    changed((d) => (d.parameters.defaultFailoverMode = 'never')),
    '$.parameters.defaultFailoverMode',
    'must be one of "fallback", "strict", "credits-first", got string "never"',
  ],
  ['a failover mode in the wrong case', changed((d) => (d.parameters.defaultFailoverMode = 'Strict')), '$.parameters.defaultFailoverMode'],
  ['an unknown reset time zone', changed((d) => (d.parameters.resetTimeZone = 'Mars/Olympus')), '$.parameters.resetTimeZone', 'unknown time zone "Mars/Olympus"; use an IANA name such as Europe/Berlin'],
  ['an empty reset time zone', changed((d) => (d.parameters.resetTimeZone = '')), '$.parameters.resetTimeZone', 'must not be empty'],
  ['a reset time zone that is a number', changed((d) => (d.parameters.resetTimeZone = 0)), '$.parameters.resetTimeZone', 'must be a string, got number 0'],
  ['presentation that is not an object', changed((d) => (d.parameters.presentation = 2)), '$.parameters.presentation', 'must be an object, got number 2'],
  ['an unknown presentation key', changed((d) => (d.parameters.presentation.digits = 2)), '$.parameters.presentation.digits', 'unknown key; expected one of scale, rounding'],
  ['a presentation scale above 12', changed((d) => (d.parameters.presentation.scale = 13)), '$.parameters.presentation.scale', 'must be an integer from 0 to 12, got number 13'],
  ['a negative presentation scale', changed((d) => (d.parameters.presentation.scale = -1)), '$.parameters.presentation.scale'],
  ['an unknown rounding', changed((d) => (d.parameters.presentation.rounding = 'up')), '$.parameters.presentation.rounding', 'must be one of "half-even", "half-up", got string "up"'],
  ['a bad parameter in a version', changed((d) => (d.versions[1].parameters = { feeRate: 0.05 })), '$.versions[1].parameters.feeRate', 'must be a string, got number 0.05'],
  ['version parameters that are not an object', changed((d) => (d.versions[1].parameters = [])), '$.versions[1].parameters', 'must be an object, got an array'],
  [
    'no allowance anywhere',
    changed((d) => {
      delete d.parameters.allowance;
      delete d.versions[0].parameters;
    }),
    '$.versions[0].parameters.allowance',
    'is required (here or in $.parameters)',
  ],
  ['no fee rate anywhere', changed((d) => delete d.parameters.feeRate), '$.versions[0].parameters.feeRate', 'is required (here or in $.parameters)'],
  // rules
  ['rules that are not an object', changed((d) => (d.rules = [])), '$.rules', 'must be an object, got an array'],
  ['an unknown rule set', changed((d) => (d.rules.pricing = [])), '$.rules.pricing', 'unknown key; expected one of routing, charge, schedule'],
  ['no routing rules', changed((d) => delete d.rules.routing), '$.rules.routing', 'must be an array, got nothing'],
  ['no charge rules', changed((d) => delete d.rules.charge), '$.rules.charge', 'must be an array, got nothing'],
  ['an empty routing rule set', changed((d) => (d.rules.routing = [])), '$.rules.routing', 'must hold at least one rule'],
  ['duplicate rule names', changed((d) => (d.rules.routing[1].name = d.rules.routing[0].name)), '$.rules.routing[1].name', 'duplicate rule name "fallback: key served"'],
  [
    'an unknown routing fact',
    changed((d) => (d.rules.routing[0].conditions.all[1].fact = 'keyStatus')),
    '$.rules.routing[0].conditions.all[1].fact',
    'unknown fact "keyStatus"; these rules can use failoverMode, keyResult, platformResult',
  ],
  [
    'a routing fact in a charge rule',
    changed((d) => (d.rules.charge[0].conditions.all[0].fact = 'keyResult')),
    '$.rules.charge[0].conditions.all[0].fact',
    'unknown fact "keyResult"; these rules can use route, withinAllowance',
  ],
  [
    'an operator with a fact decorator',
    changed((d) => (d.rules.routing[0].conditions.all[1].operator = 'someFact:equal')),
    '$.rules.routing[0].conditions.all[1].operator',
    `must be one of ${RULE_OPERATORS.join(', ')}, got string "someFact:equal"`,
  ],
  [
    'a fact reference as a value',
    changed((d) => (d.rules.routing[0].conditions.all[1].value = { fact: 'failoverMode' })),
    '$.rules.routing[0].conditions.all[1].value',
    'must be a string, number, boolean or null (fact references are not supported), got an object',
  ],
  [
    'a named condition reference',
    changed((d) => (d.rules.routing[0].conditions.all[1] = { condition: 'keyServed' })),
    '$.rules.routing[0].conditions.all[1].condition',
    'named condition references are not supported; write the condition inline',
  ],
  [
    'a fact condition at the top',
    changed((d) => (d.rules.routing[0].conditions = d.rules.routing[0].conditions.all[0])),
    '$.rules.routing[0].conditions',
    'the top-level condition must be "all", "any" or "not" (as in json-rules-engine)',
  ],
  ['a routing rule with a charge event', changed((d) => (d.rules.routing[2].event.type = 'charge')), '$.rules.routing[2].event.type', 'must be "route"'],
  ['a charge rule with a route event', changed((d) => (d.rules.charge[1].event.type = 'route')), '$.rules.charge[1].event.type', 'must be "charge"'],
  ['an unknown route', changed((d) => (d.rules.routing[0].event.params.route = 'bogus')), '$.rules.routing[0].event.params.route', 'must be one of "byok", "platform", "failed", got string "bogus"'],
  ['keyTried as a string', changed((d) => (d.rules.routing[0].event.params.keyTried = 'yes')), '$.rules.routing[0].event.params.keyTried', 'must be true or false, got string "yes"'],
  ['keyTried missing', changed((d) => delete d.rules.routing[0].event.params.keyTried), '$.rules.routing[0].event.params.keyTried', 'must be true or false, got nothing'],
  ['an unknown route param', changed((d) => (d.rules.routing[0].event.params.fee = 1)), '$.rules.routing[0].event.params.fee', 'unknown key; expected one of route, keyTried'],
  ['route params missing', changed((d) => delete d.rules.routing[0].event.params), '$.rules.routing[0].event.params', 'must be an object, got nothing'],
  ['an unknown charge', changed((d) => (d.rules.charge[0].event.params.charge = 'free')), '$.rules.charge[0].event.params.charge', 'must be one of "none", "fee", "list", got string "free"'],
  ['an unknown charge param', changed((d) => (d.rules.charge[0].event.params.rate = '0.01')), '$.rules.charge[0].event.params.rate', 'unknown key; expected one of charge'],
  [
    'an incomplete routing rule set',
    changed((d) => d.rules.routing.splice(8, 1)),
    '$.rules.routing',
    'no rule decides failoverMode="strict", keyResult="none", platformResult="error"',
  ],
  [
    'an ambiguous charge rule set',
    changed((d) => d.rules.charge.push({ ...d.rules.charge[3], name: 'failed, again' })),
    '$.rules.charge',
    'rules "failed: no charge" and "failed, again" both decide route="failed", withinAllowance=true at the same priority; give one a higher priority',
  ],
  ['conditions nested too deep', changed((d) => (d.rules.routing[0].conditions = nestNot(33))), `$.rules.routing[0].conditions${'.not'.repeat(33)}`, 'conditions nest deeper than 32 levels'],
  ['incomplete rules in a version', changed((d) => (d.versions[1].rules = { routing: d.rules.routing, charge: d.rules.charge.slice(1) })), '$.versions[1].rules.charge', 'no rule decides route="byok", withinAllowance=true'],
  ['an unknown fact in a version', changed((d) => (d.versions[1].rules = { ...d.rules, routing: [{ ...d.rules.routing[0], conditions: { all: [{ fact: 'x', operator: 'equal', value: 1 }] } }] })), '$.versions[1].rules.routing[0].conditions.all[0].fact'],
  ['no rules anywhere', changed((d) => delete d.rules), '$.versions[0].rules', 'is required (here or in $.rules)'],
  // versions
  ['no versions', changed((d) => delete d.versions), '$.versions', 'must be an array, got nothing'],
  ['an empty version list', changed((d) => (d.versions = [])), '$.versions', 'must hold at least one version'],
  ['a version that is not an object', changed((d) => (d.versions[1] = '2025-10')), '$.versions[1]', 'must be an object, got string "2025-10"'],
  ['an unknown version key', changed((d) => (d.versions[1].effectiveUntil = '2026-01-01T00:00:00Z')), '$.versions[1].effectiveUntil', 'unknown key; expected one of version, description, effectiveFrom, parameters, rules'],
  ['a version without a label', changed((d) => delete d.versions[0].version), '$.versions[0].version', 'must be a string, got nothing'],
  ['an empty version label', changed((d) => (d.versions[1].version = '')), '$.versions[1].version', 'must not be empty'],
  ['duplicate version labels', changed((d) => (d.versions[1].version = d.versions[0].version)), '$.versions[1].version', 'duplicate version "2024-byok-fee"'],
  ['a description that is not a string', changed((d) => (d.versions[0].description = 1)), '$.versions[0].description', 'must be a string, got number 1'],
  ['effectiveFrom that is not a string', changed((d) => (d.versions[1].effectiveFrom = 1759276800000)), '$.versions[1].effectiveFrom', 'must be a string, got number 1759276800000'],
  ['effectiveFrom that is not a timestamp', changed((d) => (d.versions[1].effectiveFrom = 'October 2025')), '$.versions[1].effectiveFrom'],
  [
    'effectiveFrom without an offset',
    changed((d) => (d.versions[1].effectiveFrom = '2025-10-01T00:00:00')),
    '$.versions[1].effectiveFrom',
    'timestamp "2025-10-01T00:00:00": has no UTC offset; write one (Z, +02:00) or name the input time zone',
  ],
  [
    'effectiveFrom inside a month',
    changed((d) => (d.versions[1].effectiveFrom = '2025-10-02T00:00:00Z')),
    '$.versions[1].effectiveFrom',
    '2025-10-02T00:00:00Z is not the start of a period; a version takes effect at a period boundary (POLICY.md D5), e.g. 2025-10-01T00:00:00Z',
  ],
  ['effectiveFrom 1 ms after a boundary', changed((d) => (d.versions[1].effectiveFrom = '2025-10-01T00:00:00.001Z')), '$.versions[1].effectiveFrom'],
  ['effectiveFrom 1 ms before a boundary', changed((d) => (d.versions[1].effectiveFrom = '2025-09-30T23:59:59.999Z')), '$.versions[1].effectiveFrom'],
  [
    'effectiveFrom 1 ns after a boundary',
    changed((d) => (d.versions[1].effectiveFrom = '2025-10-01T00:00:00.000000001Z')),
    '$.versions[1].effectiveFrom',
    '2025-10-01T00:00:00.000000001Z is not the start of a period; a version takes effect at a period boundary (POLICY.md D5), e.g. 2025-10-01T00:00:00Z',
  ],
  [
    'UTC midnight when periods start at New York midnight',
    changed((d) => (d.parameters.resetTimeZone = 'America/New_York')),
    '$.versions[1].effectiveFrom',
    '2025-10-01T00:00:00Z is not the start of a period; a version takes effect at a period boundary (POLICY.md D5), e.g. 2025-09-01T04:00:00Z',
  ],
  [
    'UTC midnight when the version resets at Tokyo midnight',
    changed((d) => (d.versions[1].parameters = { resetTimeZone: 'Asia/Tokyo' })),
    '$.versions[1].effectiveFrom',
    '2025-10-01T00:00:00Z is not the start of a period; a version takes effect at a period boundary (POLICY.md D5), e.g. 2025-09-30T15:00:00Z',
  ],
  [
    'a change of reset zone that would cut the previous version\'s last period short',
    changed((d) => (d.versions[1].parameters = { resetTimeZone: 'Asia/Tokyo' }, d.versions[1].effectiveFrom = '2025-10-01T00:00:00+09:00')),
    '$.versions[1].effectiveFrom',
    '2025-10-01T00:00:00+09:00 is not the start of a period of the previous version (reset time zone UTC); a version takes effect at a period boundary of both versions (POLICY.md D5)',
  ],
  [
    'a change of reset zone that would make a period start before the previous version ends',
    changed((d) => (d.versions[0].parameters = { allowance: 0, resetTimeZone: 'Asia/Tokyo' })),
    '$.versions[1].effectiveFrom',
    '2025-10-01T00:00:00Z is not the start of a period of the previous version (reset time zone Asia/Tokyo); a version takes effect at a period boundary of both versions (POLICY.md D5)',
  ],
  ['a later version without effectiveFrom', changed((d) => delete d.versions[1].effectiveFrom), '$.versions[1].effectiveFrom', 'is required for every version but the first'],
  [
    'versions out of order',
    changed((d) => d.versions.push({ version: 'v3', effectiveFrom: '2025-09-01T00:00:00Z' })),
    '$.versions[2].effectiveFrom',
    'versions must be listed in increasing effectiveFrom order',
  ],
  ['two versions from the same instant', changed((d) => d.versions.push({ version: 'v3', effectiveFrom: '2025-10-01T00:00:00Z' })), '$.versions[2].effectiveFrom', 'versions must be listed in increasing effectiveFrom order'],
  [
    'a first version that starts later than the second',
    changed((d) => (d.versions[0].effectiveFrom = '2025-11-01T00:00:00Z')),
    '$.versions[1].effectiveFrom',
    'versions must be listed in increasing effectiveFrom order',
  ],
  // keys that could pollute prototypes
  ['a "constructor" parameter', changed((d) => (d.parameters.constructor = { prototype: { polluted: true } })), '$.parameters.constructor', 'this key is not allowed'],
  ['a "prototype" key in a version', changed((d) => (d.versions[0].prototype = {})), '$.versions[0].prototype', 'this key is not allowed'],
];

describe('loadPolicy refuses invalid documents, naming the JSON path of the problem', () => {
  it.each(invalid)('%s', (_title, document, path, problem) => {
    expect(() => loadPolicy(document)).toThrow(policyError(path, problem));
    expect(() => loadPolicy(document)).toThrow(PolicyValidationError);
  });

  it('accepts the boundary cases next to those refusals', () => {
    expect(() => loadPolicy(changed((d) => (d.parameters.allowance = 0)))).not.toThrow();
    expect(() => loadPolicy(changed((d) => (d.parameters.allowance = Number.MAX_SAFE_INTEGER)))).not.toThrow();
    expect(() => loadPolicy(changed((d) => (d.parameters.presentation = { scale: 12 })))).not.toThrow();
    expect(() => loadPolicy(changed((d) => (d.parameters.presentation = { scale: 0, rounding: 'half-up' })))).not.toThrow();
    expect(() => loadPolicy(changed((d) => (d.parameters.feeRate = '0.050000000001')))).not.toThrow();
    expect(() => loadPolicy(changed((d) => (d.versions[1].effectiveFrom = '2025-09-30T20:00:00-04:00')))).not.toThrow();
    expect(() => loadPolicy(changed((d) => (d.rules.routing[0].conditions = nestNot(32))))).toThrow(policyError('$.rules.routing'));
  });
});

describe('loadPolicy keeps prototypes clean', () => {
  const texts: [string, string][] = [
    ['{"__proto__": {"polluted": true}}', '$.__proto__'],
    ['{"id": "p", "parameters": {"__proto__": {"polluted": true}}}', '$.parameters.__proto__'],
    ['{"id": "p", "parameters": {"presentation": {"__proto__": {"polluted": true}}}}', '$.parameters.presentation.__proto__'],
    ['{"id": "p", "versions": [{"version": "v", "__proto__": {"polluted": true}}]}', '$.versions[0].__proto__'],
    ['{"constructor": {"prototype": {"polluted": true}}}', '$.constructor'],
  ];

  it.each(texts)('refuses %s at %s and Object.prototype stays untouched', (text, path) => {
    const document = JSON.parse(text);
    expect(() => loadPolicy(document)).toThrow(policyError(path, 'this key is not allowed'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
  });

  it('refuses "__proto__" deep inside a rule condition', () => {
    const text = JSON.stringify(defaultPolicyDocument).replace('{"fact":"keyResult","operator":"equal","value":"ok"}', '{"__proto__":{"polluted":true},"fact":"keyResult","operator":"equal","value":"ok"}');
    expect(text).toContain('__proto__');
    expect(() => loadPolicy(JSON.parse(text))).toThrow(policyError('$.rules.routing[0].conditions.all[1].__proto__', 'this key is not allowed'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('loadPolicy: the default document', () => {
  const policy = defaultPolicy();

  it('has two versions: the 5% fee on every BYOK request, then a million free requests a month from 2025-10-01', () => {
    expect(policy.id).toBe('byok-default');
    expect(policy.title).toBe(defaultPolicyDocument.title);
    expect(policy.version).toBe('2025-10-free-million');
    expect(policy.versions.map((v) => [v.version, v.effectiveFromMs, v.parameters.allowance])).toEqual([
      ['2024-byok-fee', null, 0],
      ['2025-10-free-million', Date.UTC(2025, 9, 1), 1_000_000],
    ]);
    expect(policy.versions[0]!.description).toBe('Before the free tier: the 5% fee on every BYOK request');
    for (const version of policy.versions) {
      expect(version.parameters.feeRate.toString()).toBe('0.05');
      expect(version.parameters).toMatchObject({
        scopeMode: 'org',
        counts: 'served',
        defaultFailoverMode: 'fallback',
        resetTimeZone: 'UTC',
        presentation: { scale: 2, rounding: 'half-even' },
      });
      expect(version.calendar.resetTimeZone).toBe('UTC');
      expect(version.rules).toEqual(defaultPolicyDocument.rules);
    }
  });

  it('is frozen throughout', () => {
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.versions)).toBe(true);
    expect(Object.isFrozen(policy.versions[1])).toBe(true);
    expect(Object.isFrozen(policy.versions[1]!.parameters)).toBe(true);
    expect(Object.isFrozen(policy.versions[1]!.parameters.presentation)).toBe(true);
  });

  it('loads the same every time', () => {
    expect(defaultPolicy().sha256).toBe(policy.sha256);
    expect(defaultPolicy().document).toEqual(defaultPolicyDocument);
  });
});

describe('loadPolicy: valid documents', () => {
  it('accepts every top-level key', () => {
    const policy = loadPolicy({ $schema: 'https://example.com/byok-policy.schema.json', format: POLICY_FORMAT, title: 'T', ...minimal() });
    expect(policy.title).toBe('T');
    expect(POLICY_FORMAT).toBe('byok-policy/v1');
  });

  it('fills in the parameters POLICY.md decides and leaves title and description undefined', () => {
    const policy = loadPolicy(minimal());
    expect(policy.title).toBeUndefined();
    const [version] = policy.versions;
    expect(version!.description).toBeUndefined();
    expect(version!.effectiveFromMs).toBeNull();
    expect(version!.parameters.allowance).toBe(10);
    expect(version!.parameters.feeRate.toString()).toBe('0.05');
    expect(version!.parameters.scopeMode).toBe('org');
    expect(version!.parameters.counts).toBe('served');
    expect(version!.parameters.defaultFailoverMode).toBe('fallback');
    expect(version!.parameters.resetTimeZone).toBe('UTC');
    expect(version!.parameters.presentation).toEqual({ scale: 2, rounding: 'half-even' });
    expect(version!.calendar.resetTimeZone).toBe('UTC');
  });

  it('takes every parameter from the document when given', () => {
    const d = minimal();
    d.parameters = {
      allowance: 7,
      feeRate: '0.025',
      scopeMode: 'user',
      counts: 'attempted',
      defaultFailoverMode: 'credits-first',
      resetTimeZone: 'Europe/Berlin',
      presentation: { scale: 4, rounding: 'half-up' },
    };
    const { parameters, calendar } = loadPolicy(d).versions[0]!;
    expect({ ...parameters, feeRate: parameters.feeRate.toString() }).toEqual({ ...d.parameters });
    expect(calendar.resetTimeZone).toBe('Europe/Berlin');
  });

  it('merges parameters: top level first, then each version, presentation field by field', () => {
    const d = minimal();
    d.parameters = { allowance: 10, feeRate: '0.05', counts: 'attempted', presentation: { scale: 4 } };
    d.versions = [
      { version: 'a' },
      { version: 'b', effectiveFrom: '2025-01-01T00:00:00Z', parameters: { allowance: 20, presentation: { rounding: 'half-up' } } },
      { version: 'c', effectiveFrom: '2025-02-01T00:00:00Z', parameters: { feeRate: '0.1', counts: 'served', presentation: { scale: 0 } } },
    ];
    const [a, b, c] = loadPolicy(d).versions.map((v) => ({ ...v.parameters, feeRate: v.parameters.feeRate.toString() }));
    expect(a).toMatchObject({ allowance: 10, feeRate: '0.05', counts: 'attempted', presentation: { scale: 4, rounding: 'half-even' } });
    expect(b).toMatchObject({ allowance: 20, feeRate: '0.05', counts: 'attempted', presentation: { scale: 4, rounding: 'half-up' } });
    expect(c).toMatchObject({ allowance: 10, feeRate: '0.1', counts: 'served', presentation: { scale: 0, rounding: 'half-even' } });
  });

  it('needs no top-level parameters when every version has its own', () => {
    const d = minimal();
    delete d.parameters;
    d.versions = [{ version: 'v', parameters: { allowance: 3, feeRate: '0.5' } }];
    expect(loadPolicy(d).versions[0]!.parameters.allowance).toBe(3);
  });

  it('gives a version its own rules, and the others the top-level rules', () => {
    const d = doc();
    const strictFirst = structuredClone(d.rules);
    // From November, a strict key's failure falls over to the platform after all.
    strictFirst.routing[6].event.params = { route: 'platform', keyTried: true };
    d.versions.push({ version: 'v3', effectiveFrom: '2025-11-01T00:00:00Z', rules: strictFirst });
    const policy = loadPolicy(d);
    const [v1, v2, v3] = policy.versions;
    expect(v1!.router.route('strict', 'error', 'ok').route).toBe('failed');
    expect(v2!.router.route('strict', 'error', 'ok').route).toBe('failed');
    expect(v3!.router.route('strict', 'error', 'ok')).toEqual({ route: 'platform', keyTried: true, rule: 'strict: key failed, no failover' });
    expect(v1!.router).toBe(v2!.router);
    expect(v1!.charger).toBe(v2!.charger);
    expect(v3!.router).not.toBe(v2!.router);
    expect(v3!.rules).toEqual(strictFirst);
    expect(v2!.rules).toEqual(d.rules);
  });

  it('needs no top-level rules when every version has its own', () => {
    const d = minimal();
    d.versions = [{ version: 'v', rules: d.rules }];
    delete d.rules;
    expect(loadPolicy(d).versions[0]!.router.route('fallback', 'ok', 'ok').route).toBe('byok');
  });

  it('accepts a first version with an effectiveFrom and boundaries at local midnight of a non-UTC reset zone', () => {
    const d = minimal();
    d.parameters.resetTimeZone = 'America/New_York';
    d.versions = [
      { version: 'a', effectiveFrom: '2025-10-01T00:00:00-04:00' },
      { version: 'b', effectiveFrom: '2025-11-01T00:00:00-04:00' },
      { version: 'c', effectiveFrom: '2025-12-01T05:00:00Z' },
    ];
    const policy = loadPolicy(d);
    expect(policy.versions.map((v) => v.effectiveFromMs)).toEqual([Date.UTC(2025, 9, 1, 4), Date.UTC(2025, 10, 1, 4), Date.UTC(2025, 11, 1, 5)]);
    expect(policy.versionAt(at('2025-10-31T23:59:59.999-04:00')).version).toBe('a');
    expect(policy.versionAt(at('2025-11-01T04:00:00Z')).version).toBe('b');
  });

  it('accepts a change of reset zone at an instant that starts a period in both zones', () => {
    const d = doc();
    d.versions.push({ version: 'london', effectiveFrom: '2026-01-01T00:00:00Z', parameters: { resetTimeZone: 'Europe/London' } });
    const [, utc, london] = loadPolicy(d).versions;
    expect(utc!.calendar.resetTimeZone).toBe('UTC');
    expect(london!.calendar.resetTimeZone).toBe('Europe/London');
    expect(london!.effectiveFromMs).toBe(Date.UTC(2026, 0, 1));
  });

  it('labels the policy with its latest version', () => {
    const d = doc();
    d.versions.push({ version: 'third', effectiveFrom: '2026-01-01T00:00:00Z' });
    expect(loadPolicy(d).version).toBe('third');
    expect(loadPolicy(minimal()).version).toBe('v1');
  });
});

describe('Policy.versionAt', () => {
  const d = minimal();
  d.versions = [
    { version: 'a', effectiveFrom: '2025-01-01T00:00:00Z' },
    { version: 'b', effectiveFrom: '2025-03-01T00:00:00Z' },
    { version: 'c', effectiveFrom: '2025-06-01T00:00:00Z' },
  ];
  const versionOf = (policy: Policy, text: string) => policy.versionAt(at(text)).version;

  it('is the version in force: from its effectiveFrom exactly, until 1 ms before the next', () => {
    const policy = loadPolicy(d);
    expect(versionOf(policy, '2025-01-01T00:00:00Z')).toBe('a');
    expect(versionOf(policy, '2025-02-28T23:59:59.999Z')).toBe('a');
    expect(versionOf(policy, '2025-03-01T00:00:00Z')).toBe('b');
    expect(versionOf(policy, '2025-05-31T23:59:59.999Z')).toBe('b');
    expect(versionOf(policy, '2025-06-01T00:00:00Z')).toBe('c');
    expect(versionOf(policy, '2099-01-01T00:00:00Z')).toBe('c');
  });

  it('refuses an instant before the first version', () => {
    const policy = loadPolicy(d);
    expect(() => policy.versionAt(at('2024-12-31T23:59:59.999Z'))).toThrow(NoPolicyVersionError);
    expect(() => policy.versionAt(at('2024-12-31T23:59:59.999Z'))).toThrow(
      expect.objectContaining({
        code: 'NO_POLICY_VERSION',
        message: "2024-12-31T23:59:59.999Z is before the policy's first version (a, from 2025-01-01T00:00:00Z)",
      }),
    );
    // and still answers afterwards
    expect(versionOf(policy, '2025-01-01T00:00:00Z')).toBe('a');
  });

  it('gives a first version without effectiveFrom instants before 1970 too, asked first', () => {
    expect(defaultPolicy().versionAt(instantFromEpochMs(-1)).version).toBe('2024-byok-fee');
    expect(defaultPolicy().versionAt(parseTimestamp('1969-07-20T20:17:00Z')).version).toBe('2024-byok-fee');
  });

  it('takes versions that start before 1970', () => {
    const early = minimal();
    early.versions = [{ version: 'a' }, { version: 'b', effectiveFrom: '1969-12-01T00:00:00Z' }, { version: 'c', effectiveFrom: '1970-01-01T00:00:00Z' }];
    const policy = loadPolicy(early);
    expect(policy.versions.map((v) => v.effectiveFromMs)).toEqual([null, -31 * 86_400_000, 0]);
    expect(policy.versionAt(instantFromEpochMs(-31 * 86_400_000 - 1)).version).toBe('a');
    expect(policy.versionAt(instantFromEpochMs(-1)).version).toBe('b');
    expect(policy.versionAt(instantFromEpochMs(0)).version).toBe('c');
  });

  it('gives the first version every instant before the second when it has no effectiveFrom', () => {
    const policy = defaultPolicy();
    expect(policy.versionAt(instantFromEpochMs(0)).version).toBe('2024-byok-fee');
    expect(policy.versionAt(instantFromEpochMs(-8.64e15)).version).toBe('2024-byok-fee');
    expect(versionOf(policy, '2025-09-30T23:59:59.999Z')).toBe('2024-byok-fee');
    expect(versionOf(policy, '2025-10-01T00:00:00Z')).toBe('2025-10-free-million');
  });

  it('answers the same whatever order it is asked in', () => {
    const instants = [
      '2024-06-01T00:00:00Z',
      '2025-01-01T00:00:00Z',
      '2025-02-10T00:00:00Z',
      '2025-02-28T23:59:59.999Z',
      '2025-03-01T00:00:00Z',
      '2025-04-01T00:00:00Z',
      '2025-05-31T23:59:59.999Z',
      '2025-06-01T00:00:00Z',
      '2030-01-01T00:00:00Z',
    ];
    const expected = [undefined, 'a', 'a', 'a', 'b', 'b', 'b', 'c', 'c'];
    const answer = (policy: Policy, i: number) => {
      try {
        return versionOf(policy, instants[i]!);
      } catch (e) {
        expect(e).toBeInstanceOf(NoPolicyVersionError);
        return undefined;
      }
    };
    fc.assert(
      fc.property(fc.array(fc.nat({ max: instants.length - 1 }), { maxLength: 20 }), (order) => {
        const policy = loadPolicy(d);
        for (const i of order) expect(answer(policy, i)).toBe(expected[i]);
      }),
    );
  });
});

describe('Policy.sha256 and Policy.document', () => {
  /** Canonical JSON written independently of the source: keys sorted, no whitespace. */
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(
            Object.keys(value)
              .sort()
              .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
          )
        : value;
  const sha256 = (value: unknown) => createHash('sha256').update(JSON.stringify(canonical(value)), 'utf8').digest('hex');

  it('is the SHA-256 of the canonical JSON of the document', () => {
    expect(defaultPolicy().sha256).toBe(sha256(defaultPolicyDocument));
    const d = minimal();
    d.title = 'Gebühr ✓';
    expect(loadPolicy(d).sha256).toBe(sha256(d));
    expect(loadPolicy(d).sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('hashes null values too', () => {
    const d = doc();
    // keyResult is never null, so this changes nothing but the text
    d.rules.routing[0].conditions.all.push({ fact: 'keyResult', operator: 'notEqual', value: null });
    const policy = loadPolicy(d);
    expect(policy.sha256).toBe(sha256(d));
    expect(policy.sha256).not.toBe(defaultPolicy().sha256);
  });

  it('does not change with key order or whitespace', () => {
    const reversed = (value: unknown): unknown =>
      Array.isArray(value)
        ? value.map(reversed)
        : value !== null && typeof value === 'object'
          ? Object.fromEntries(
              Object.keys(value)
                .reverse()
                .map((k) => [k, reversed((value as Record<string, unknown>)[k])]),
            )
          : value;
    const texts = [JSON.stringify(defaultPolicyDocument), JSON.stringify(defaultPolicyDocument, null, 4), JSON.stringify(reversed(defaultPolicyDocument), null, '\t')];
    expect(new Set(texts).size).toBe(3);
    expect(new Set(texts.map((text) => loadPolicy(JSON.parse(text)).sha256))).toEqual(new Set([defaultPolicy().sha256]));
  });

  it('changes when any value changes', () => {
    const changes: ((d: Doc) => void)[] = [
      (d) => (d.title += '.'),
      (d) => (d.id = 'byok-default-2'),
      (d) => (d.parameters.allowance = 999_999),
      (d) => (d.parameters.feeRate = '0.050'),
      (d) => (d.parameters.presentation.scale = 3),
      (d) => (d.versions[0].description = 'Before'),
      (d) => (d.versions[1].effectiveFrom = '2025-10-01T00:00:00+00:00'),
      (d) => (d.rules.routing[0].name = 'fallback: key served!'),
      // the same meaning, written differently, is a different document
      (d) => (d.rules.charge[1].conditions.all[1] = { fact: 'withinAllowance', operator: 'notEqual', value: true }),
      (d) => (d.rules.charge[0].priority = 2),
      (d) => d.rules.charge.reverse(),
      (d) => (d.$schema = 'x'),
    ];
    const hashes = [defaultPolicy().sha256, ...changes.map((change) => loadPolicy(changed(change)).sha256)];
    expect(new Set(hashes).size).toBe(hashes.length);
  });

  it('keeps a copy of the document: changing the input afterwards changes nothing', () => {
    const d = doc();
    const policy = loadPolicy(d);
    const sha = policy.sha256;
    expect(policy.document).toEqual(defaultPolicyDocument);
    expect(policy.document).not.toBe(d);
    d.parameters.allowance = 5;
    d.rules.routing[0].event.params.route = 'failed';
    d.versions[1].version = 'changed';
    d.title = 'changed';
    expect(policy.document).toEqual(defaultPolicyDocument);
    expect(policy.versions[1]!.parameters.allowance).toBe(1_000_000);
    expect(policy.versions[1]!.rules.routing[0]!.event.params.route).toBe('byok');
    expect(policy.versions[1]!.router.route('fallback', 'ok', 'ok').route).toBe('byok');
    expect(policy.version).toBe('2025-10-free-million');
    expect(policy.title).toBe(defaultPolicyDocument.title);
    expect(policy.sha256).toBe(sha);
  });

  it('keeps only the JSON of the input', () => {
    const d = minimal();
    d.title = undefined;
    d.versions[0].description = undefined;
    const policy = loadPolicy(d);
    expect(policy.document).toEqual(JSON.parse(JSON.stringify(d)));
    expect(Object.keys(policy.document as object)).not.toContain('title');
    expect(policy.title).toBeUndefined();
  });
});
