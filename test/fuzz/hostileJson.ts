import fc from 'fast-check';
import { defaultPolicy, defaultPolicyDocument, policyVariant } from '@byok-billing/core';
import { type ByteMutation, type Storage, applyByteMutations, maybeByteMutations, printable, storageArb, store } from './hostileBytes.js';
import { type Hostility, byHostility, hostilityArb } from './hostileCsv.js';
import { type JsonNode, nested, raw, renderJson, sitesOf, str, toNode } from './jsonText.js';

/*
 * JSON inputs: policy documents (--policy) and gateway generation records (byok import
 * generations), valid ones with hostile edits. Edits on the tree: a value replaced by a
 * hostile one (numbers too large or too precise for a JavaScript number, a lone surrogate,
 * the wrong type, nesting 100,000 deep), a member removed, a key added that repeats one of
 * its object's keys or names a prototype (__proto__, constructor, prototype). Then, on the
 * text: a BOM, and blind byte edits (truncation, bytes that are not UTF-8, NUL).
 */

export const HOSTILE_VALUES: readonly JsonNode[] = [
  raw('1e400'),
  raw('-1e400'),
  raw('1e-400'),
  raw('9007199254740993'),
  raw('123456789012345678901234567890'),
  raw('-1'),
  raw('-0'),
  raw('0'),
  raw('1.5'),
  raw('2e0'),
  raw('1000000'),
  raw('null'),
  raw('true'),
  raw('[]'),
  raw('{}'),
  str(''),
  str('x'),
  str('0.05'),
  str('5%'),
  str('-0.05'),
  str('1e400'),
  str('\ud800'),
  str('g\udfff'),
  str('UTC'),
  str('Mars/Olympus'),
  str('2025-10-01T00:00:00Z'),
  str('2025-13-01T00:00:00Z'),
  str('s'.repeat(3000)),
  nested(64),
  nested(100_000),
];

const ADDED_KEYS = ['__proto__', 'constructor', 'prototype', 'extra', '$schema'];

type TreeEdit =
  | { readonly kind: 'set'; readonly at: number; readonly value: JsonNode }
  | { readonly kind: 'remove'; readonly at: number }
  | { readonly kind: 'add-key'; readonly at: number; readonly key: string | number; readonly value: JsonNode };

const treeEditArb: fc.Arbitrary<TreeEdit> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(...HOSTILE_VALUES) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }) },
  {
    weight: 2,
    // A number picks one of the object's own keys (a repeat); a string is added as it is.
    arbitrary: fc.record({ kind: fc.constant('add-key' as const), at: fc.nat(), key: fc.oneof(fc.nat(), fc.constantFrom(...ADDED_KEYS)), value: fc.constantFrom(...HOSTILE_VALUES) }),
  },
);

export function applyTreeEdit(root: JsonNode, edit: TreeEdit): JsonNode {
  const sites = sitesOf(root);
  if (edit.kind === 'set') return sites[edit.at % sites.length]!.replace(edit.value);
  if (edit.kind === 'remove') return sites[edit.at % sites.length]!.remove();
  const objects = sites.filter((s) => s.node.t === 'obj' && s.node.entries.length > 0);
  if (objects.length === 0) return root;
  const site = objects[edit.at % objects.length]!;
  const node = site.node as Extract<JsonNode, { t: 'obj' }>;
  const key = typeof edit.key === 'number' ? node.entries[edit.key % node.entries.length]![0] : edit.key;
  // The repeat comes after the first occurrence, where a reader that keeps the last value would take it.
  return site.replace({ t: 'obj', entries: [...node.entries, [key, edit.value] as const] });
}

/** Valid JSON text made hostile: edits on the tree, pretty or compact, a BOM, then blind byte edits. */
export interface JsonText {
  readonly bytes: Buffer;
  /** Whether the text is the tree's, unedited by bytes (still JSON). */
  readonly intact: boolean;
}

function textOf(node: JsonNode, pretty: boolean, bom: boolean, bytes: readonly ByteMutation[]): JsonText {
  const text = Buffer.from(`${bom ? '\uFEFF' : ''}${renderJson(node, pretty)}\n`);
  return { bytes: printable(applyByteMutations(text, bytes)), intact: bytes.length === 0 };
}

/** Policy documents: the built-in one and variants of it, the edits above on one in two. */
const POLICY_BASES: readonly JsonNode[] = [
  toNode(defaultPolicyDocument),
  toNode(policyVariant(defaultPolicy(), { allowance: 1 }, { versions: 'allowance-bearing' }).document),
  toNode(policyVariant(defaultPolicy(), { allowance: 2, feeRate: '0.1' }, { versions: 'allowance-bearing' }).document),
];

export const policyArb: fc.Arbitrary<JsonText> = fc
  .record({
    base: fc.constantFrom(...POLICY_BASES),
    edits: fc.oneof({ weight: 1, arbitrary: fc.constant<TreeEdit[]>([]) }, { weight: 1, arbitrary: fc.array(treeEditArb, { minLength: 1, maxLength: 3 }) }),
    pretty: fc.boolean(),
    bom: fc.nat(9).map((n) => n === 0),
    bytes: maybeByteMutations(6),
  })
  .map(({ base, edits, pretty, bom, bytes }) => textOf(edits.reduce(applyTreeEdit, base), pretty, bom, bytes));

/*
 * Generation records (README "Checking your own BYOK fees"): snake_case or camelCase
 * names, some records wrapped as {"data": {...}}, amounts written as gateways write them
 * (and as they should not), a few ids so that repeats and conflicts occur.
 */
const FIELD_NAMES: readonly (readonly [string, string])[] = [
  ['id', 'id'],
  ['created_at', 'createdAt'],
  ['is_byok', 'isByok'],
  ['total_cost', 'totalCost'],
  ['upstream_inference_cost', 'upstreamInferenceCost'],
  ['model', 'model'],
  ['provider_name', 'providerName'],
  ['cancelled', 'cancelled'],
  ['external_user', 'externalUser'],
];

const AMOUNTS = { usual: ['0.0006', '0', '0.5', '0.012', '1.25e-05', '4.0E-5', '0.01'].map(raw), odd: [raw('-1'), raw('1e400'), raw('1e-13'), raw('0.0000000000001'), raw('123456789012345678901234567890.5'), str('0.01'), str('abc'), raw('null'), raw('true'), raw('-0')] };

const RECORD_VALUES: Readonly<Record<string, { usual: readonly JsonNode[]; odd: readonly JsonNode[] }>> = {
  id: { usual: ['g1', 'g2', 'g3', 'g4', 'g5'].map(str), odd: [str(''), raw('123'), raw('null'), str('g\ud800'), str('i'.repeat(300)), str('=x'), str('g,1'), str('g"1'), str('g\n1')] },
  created_at: {
    usual: ['2025-11-05T10:00:00Z', '2025-11-05T10:00:00.123456+02:00', '2025-11-30T23:59:59.999999Z', '2025-12-01T00:00:00-05:00', '2025-11-05T10:00:00.000001Z'].map(str),
    odd: [str(''), str('2025-11-05T10:00:00'), str('yesterday'), raw('1762336800000'), raw('null'), str('2025-02-30T00:00:00Z'), str('2025-11-05T10:00:00.1234567891Z')],
  },
  is_byok: { usual: [raw('true'), raw('true'), raw('false')], odd: [str('true'), raw('1'), raw('null')] },
  total_cost: AMOUNTS,
  upstream_inference_cost: AMOUNTS,
  model: { usual: [str('m1'), str('m2')], odd: [raw('1'), str('m"x')] },
  provider_name: { usual: [str('p')], odd: [raw('[]')] },
  cancelled: { usual: [raw('false'), raw('false'), raw('true')], odd: [str('no'), raw('null')] },
  external_user: { usual: [str('u1'), str('u2')], odd: [str(''), str('\u00fc'), str('x'.repeat(2000)), str('u\ud800'), raw('7')] },
};

/** Records the import must read whole: the fields it needs present, usual values only. */
const NEEDED = new Set(['id', 'created_at', 'is_byok', 'total_cost', 'upstream_inference_cost']);

const recordArb = (level: Hostility): fc.Arbitrary<JsonNode> =>
  fc
  .record({
    values: fc.tuple(...FIELD_NAMES.map(([snake]) => byHostility(level, fc.constantFrom(...RECORD_VALUES[snake]!.usual), fc.constantFrom(...RECORD_VALUES[snake]!.odd)))),
    present: fc.tuple(...FIELD_NAMES.map(([snake]) => (level === 'clean' && NEEDED.has(snake) ? fc.constant(true) : fc.nat(15).map((n) => n !== 0)))),
    style: fc.constantFrom('snake', 'camel', 'mixed'),
    camelPicks: fc.array(fc.boolean(), { minLength: FIELD_NAMES.length, maxLength: FIELD_NAMES.length }),
    wrapped: fc.nat(5).map((n) => n === 0),
    edits: byHostility(level, fc.constant<TreeEdit[]>([]), fc.array(treeEditArb, { minLength: 1, maxLength: 2 })),
    notObject: byHostility(level, fc.constant(undefined), fc.constantFrom(raw('[1,2]'), str('s'), raw('42'), raw('null'))),
  })
  .map(({ values, present, style, camelPicks, wrapped, edits, notObject }) => {
    if (notObject !== undefined) return notObject;
    const entries = FIELD_NAMES.flatMap(([snake, camel], i) => {
      if (!present[i]) return [];
      const name = style === 'snake' ? snake : style === 'camel' ? camel : camelPicks[i] ? camel : snake;
      return [[name, values[i]!] as const];
    });
    const record: JsonNode = edits.reduce(applyTreeEdit, { t: 'obj', entries } as JsonNode);
    return wrapped ? { t: 'obj', entries: [['data', record] as const] } : record;
  });

type Container = 'jsonl' | 'array' | 'data' | 'single';

export interface RecordsCase {
  /** The file name (its extension tells the reader the format), or undefined on standard input. */
  readonly name: string | undefined;
  readonly bytes: Buffer;
  /** Records in the input when certain. */
  readonly records: number | undefined;
  readonly inputFormat: 'auto' | 'jsonl' | 'json' | undefined;
  /** Whether it is a gzip file cut short or with a byte changed. */
  readonly brokenGzip: boolean;
}

export const recordsCaseArb: fc.Arbitrary<RecordsCase> = hostilityArb.chain((level) =>
  fc
  .record({
    records: fc.array(recordArb(level), { maxLength: 10 }),
    container: fc.constantFrom<Container>('jsonl', 'jsonl', 'array', 'data', 'single'),
    pretty: fc.boolean(),
    crlf: fc.nat(4).map((n) => n === 0),
    blankLines: fc.nat(4).map((n) => n === 0),
    bom: fc.nat(9).map((n) => n === 0),
    naming: fc.constantFrom('by-extension', 'by-extension', 'txt', 'stdin', 'forced'),
    storage: level === 'clean' ? fc.constantFrom<Storage>('plain', 'gzip') : storageArb,
    cut: fc.nat(),
    bytes: level === 'clean' ? fc.constant([]) : maybeByteMutations(level === 'mild' ? 20 : 6),
  })
  .map((d): RecordsCase => {
    const container = d.container === 'single' && d.records.length !== 1 ? 'jsonl' : d.container;
    let text: string;
    if (container === 'jsonl') {
      const end = d.crlf ? '\r\n' : '\n';
      text = d.records.map((r) => renderJson(r, false) + end + (d.blankLines ? end : '')).join('');
    } else if (container === 'single') {
      text = renderJson(d.records[0]!, d.pretty);
    } else {
      const array: JsonNode = { t: 'arr', items: d.records };
      text = renderJson(container === 'data' ? { t: 'obj', entries: [['data', array] as const] } : array, d.pretty);
    }
    const edited = applyByteMutations(Buffer.from(`${d.bom ? '\uFEFF' : ''}${text}`), d.bytes);
    const ext = container === 'jsonl' ? (d.crlf ? '.ndjson' : '.jsonl') : '.json';
    const certain = d.bytes.length === 0 && countable(d.records, container, d.naming === 'txt' || d.naming === 'stdin') ? d.records.length : undefined;
    if (d.naming === 'stdin') return { name: undefined, bytes: printable(edited), records: certain, inputFormat: undefined, brokenGzip: false };
    const storage: Storage = d.storage;
    const stored = store(edited, storage, d.cut);
    printable(stored.bytes);
    const gz = storage === 'plain' ? '' : '.gz';
    const records = stored.intact ? certain : undefined;
    const brokenGzip = !stored.intact;
    if (d.naming === 'txt') return { name: `records.txt${gz}`, bytes: stored.bytes, records, inputFormat: undefined, brokenGzip };
    if (d.naming === 'forced') return { name: `records.data${gz}`, bytes: stored.bytes, records, inputFormat: container === 'jsonl' ? 'jsonl' : 'json', brokenGzip };
    return { name: `records${ext}${gz}`, bytes: stored.bytes, records, inputFormat: undefined, brokenGzip };
  }),
);

/**
 * Whether the records of an input are certainly `records.length`: every record written as
 * text (a record edited down to nothing is a blank line, or a hole in an array), and,
 * where the reader guesses the format from the text (standard input, a .txt name), every
 * record an object that cannot pass for a page of records (an array, or {"data": [...]}).
 */
function countable(records: readonly JsonNode[], container: Container, guessed: boolean): boolean {
  const plainObject = (r: JsonNode) =>
    r.t === 'obj' && !r.entries.some(([k, v]) => k === 'data' && (v.t === 'arr' || (v.t === 'raw' && v.text.trimStart().startsWith('['))));
  if (records.some((r) => renderJson(r, false).trim() === '')) return false;
  if (container === 'single') return plainObject(records[0]!);
  return !guessed || records.every(plainObject);
}
