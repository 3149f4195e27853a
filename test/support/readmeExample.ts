import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The fenced block that follows `<!-- example:NAME -->` in the README. */
export function readmeBlock(name: string): string {
  const readme = readFileSync(new URL('README.md', `file://${REPO_ROOT}`), 'utf8');
  const marker = `<!-- example:${name} -->`;
  const start = readme.indexOf(marker);
  if (start < 0) throw new Error(`README has no ${marker}`);
  const open = readme.indexOf('```', start);
  const bodyStart = readme.indexOf('\n', open) + 1;
  const close = readme.indexOf('```', bodyStart);
  return readme.slice(bodyStart, close);
}
