/*
 * JSON as text, to write what JSON.stringify cannot: an object with a key twice, a number
 * no JavaScript number holds (1e400, 9007199254740993, a 400-digit amount), nesting deep
 * enough to overflow a recursive parser. A document is a tree of these nodes; `raw` is
 * written verbatim.
 */
export type JsonNode =
  | { readonly t: 'raw'; readonly text: string }
  | { readonly t: 'str'; readonly value: string }
  | { readonly t: 'arr'; readonly items: readonly JsonNode[] }
  | { readonly t: 'obj'; readonly entries: readonly (readonly [string, JsonNode])[] };

export const raw = (text: string): JsonNode => ({ t: 'raw', text });
export const str = (value: string): JsonNode => ({ t: 'str', value });

/** The tree of a plain JSON value (numbers written as JSON.stringify writes them). */
export function toNode(value: unknown): JsonNode {
  if (typeof value === 'string') return str(value);
  if (Array.isArray(value)) return { t: 'arr', items: value.map(toNode) };
  if (value !== null && typeof value === 'object') return { t: 'obj', entries: Object.entries(value).map(([k, v]) => [k, toNode(v)] as const) };
  return raw(JSON.stringify(value));
}

/** The text of a tree: compact, or indented by two spaces. Strings are escaped as JSON.stringify escapes them (a lone surrogate as \ud800). */
export function renderJson(node: JsonNode, pretty: boolean, depth = 0): string {
  const pad = (d: number) => (pretty ? `\n${'  '.repeat(d)}` : '');
  switch (node.t) {
    case 'raw':
      return node.text;
    case 'str':
      return JSON.stringify(node.value);
    case 'arr':
      if (node.items.length === 0) return '[]';
      return `[${node.items.map((item) => pad(depth + 1) + renderJson(item, pretty, depth + 1)).join(',')}${pad(depth)}]`;
    case 'obj':
      if (node.entries.length === 0) return '{}';
      return `{${node.entries.map(([k, v]) => `${pad(depth + 1)}${JSON.stringify(k)}:${pretty ? ' ' : ''}${renderJson(v, pretty, depth + 1)}`).join(',')}${pad(depth)}}`;
  }
}

/** Every node of a tree with the way to replace it or (inside a container) remove it, in document order. */
export interface NodeSite {
  readonly node: JsonNode;
  replace(by: JsonNode): JsonNode;
  remove(): JsonNode;
}

export function sitesOf(root: JsonNode): NodeSite[] {
  const sites: NodeSite[] = [];
  const walk = (node: JsonNode, rebuild: (by: JsonNode | undefined) => JsonNode) => {
    sites.push({ node, replace: (by) => rebuild(by), remove: () => rebuild(undefined) });
    if (node.t === 'arr') {
      node.items.forEach((item, i) =>
        walk(item, (by) => rebuild({ t: 'arr', items: by === undefined ? node.items.filter((_, j) => j !== i) : node.items.map((x, j) => (j === i ? by : x)) })),
      );
    } else if (node.t === 'obj') {
      node.entries.forEach(([key, value], i) =>
        walk(value, (by) =>
          rebuild({ t: 'obj', entries: by === undefined ? node.entries.filter((_, j) => j !== i) : node.entries.map((e, j) => (j === i ? ([key, by] as const) : e)) }),
        ),
      );
    }
  };
  // Removing the root leaves an empty document.
  walk(root, (by) => by ?? raw(''));
  return sites;
}

/** Nesting `depth` arrays deep: deep enough, a recursive parser runs out of stack. */
export function nested(depth: number): JsonNode {
  return raw(`${'['.repeat(depth)}${']'.repeat(depth)}`);
}
