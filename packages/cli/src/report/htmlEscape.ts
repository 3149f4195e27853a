/**
 * Escaping for the self-contained HTML reports. Every text that comes from a report
 * (scope names come from request logs) goes through `escapeHtml`; data handed to the
 * page's script goes through `jsonForScript`; inlined library code through
 * `scriptForInline`.
 */

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * JSON for a `<script type="application/json">` block. `<`, `>` and `&` only ever occur
 * inside JSON strings, where `\u003c` etc. mean the same characters to `JSON.parse`, so
 * neither `</script>` nor `<!--` can appear in the block's text; U+2028/U+2029 are
 * escaped too so the text is also a valid JavaScript literal.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * JavaScript source for an inline `<script>` element. Source maps are dropped (the page
 * must not ask for anything). Code that contains `</script`, `<!--` or `<script` cannot
 * be inlined unchanged, so it is refused rather than silently broken.
 */
export function scriptForInline(source: string, what: string): string {
  const code = source.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n');
  const bad = /<\/script|<!--|<script/i.exec(code);
  if (bad) {
    throw new Error(`byok: cannot inline ${what}: it contains ${JSON.stringify(bad[0])} at offset ${bad.index}`);
  }
  return code;
}
