import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { scriptForInline } from './htmlEscape.js';

let cached: string | undefined;

/**
 * The code of Chart.js's UMD build (it defines `window.Chart`), ready to inline.
 * chart.js's `exports` map does not export `./dist/chart.umd.js`, so the file is found
 * next to the package's main entry (`chart.js` resolves to `dist/chart.cjs` for require).
 */
export function chartJsSource(): string {
  if (cached === undefined) {
    const require = createRequire(import.meta.url);
    const main = require.resolve('chart.js');
    const file = join(dirname(main), 'chart.umd.js');
    cached = scriptForInline(readFileSync(file, 'utf8'), `Chart.js (${file})`);
  }
  return cached;
}
