/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The page-side callbacks below run in Chromium and use the DOM types.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, type BrowserContext, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMoney } from '@byok-billing/core';
import { formatUsd, formatUsdChange } from '../src/report/displayMoney.js';
import { escapeHtml, jsonForScript, scriptForInline } from '../src/report/htmlEscape.js';
import { axisLabel, renderWhatifHtml } from '../src/report/whatifHtml.js';
import type { WhatifReport } from '../src/whatif/whatifReport.js';

const REPO = join(import.meta.dirname, '../../..');
const FIXTURE = join(import.meta.dirname, 'fixtures/whatif-report.json');
const SCREENSHOT = join(REPO, 'test-artifacts/whatif-report.png');
const SCENARIO_SCREENSHOT = join(REPO, 'test-artifacts/whatif-scenario-15.png');
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const loadFixture = (): WhatifReport => JSON.parse(readFileSync(FIXTURE, 'utf8')) as WhatifReport;

/**
 * The expected display of an amount, worked out here on the decimal string alone (an
 * oracle independent of the page's code): cents, half-even, thousands separated, `-`
 * before the `$`.
 */
function expectedUsd(exact: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(exact);
  if (!m) throw new Error(`not a decimal: ${exact}`);
  const [, sign, int, frac = ''] = m as unknown as [string, string, string, string | undefined];
  let cents = BigInt(int + frac.slice(0, 2).padEnd(2, '0'));
  const rest = frac.slice(2).replace(/0+$/, '');
  if (rest > '5' || (rest === '5' && cents % 2n === 1n)) cents += 1n; // beyond half, or a tie to an odd cent
  const digits = cents.toString().padStart(3, '0');
  const whole = digits.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign === '-' && cents !== 0n ? '-' : ''}$${whole}.${digits.slice(-2)}`;
}
function expectedChange(exact: string): string {
  const shown = expectedUsd(exact);
  if (/^-?\$0\.00$/.test(shown)) return '$0.00';
  return shown.startsWith('-') ? shown : `+${shown}`;
}

describe('what-if HTML: escaping and display rounding (no browser)', () => {
  it('rounds the decimal strings to cents exactly, half-even, without floats', () => {
    expect(formatUsd('0.125', 'half-even')).toBe('$0.12');
    expect(formatUsd('0.135', 'half-even')).toBe('$0.14');
    expect(formatUsd('0.125', 'half-up')).toBe('$0.13');
    expect(formatUsd('1234567.005', 'half-even')).toBe('$1,234,567.00');
    expect(formatUsd('-1234.5', 'half-even')).toBe('-$1,234.50');
    // Beyond a double's precision: a float would print 100000000000000000.00.
    expect(formatUsd('99999999999999999.994999', 'half-even')).toBe('$99,999,999,999,999,999.99');
    expect(formatUsd('0', 'half-even')).toBe('$0.00');
    // A fee (cost × rate) can carry more fractional digits than a logged cost.
    expect(formatUsd('0.00500000000000000001', 'half-even')).toBe('$0.01');
    expect(formatUsd('0.00500000000000000000', 'half-even')).toBe('$0.00');
    expect(() => formatUsd('1e-3', 'half-even')).toThrow(/decimal amount/);
    expect(() => formatUsd('$1', 'half-even')).toThrow(/decimal amount/);
    expect(formatUsdChange('-0.004', 'half-even')).toBe('$0.00');
    expect(formatUsdChange('12.3', 'half-even')).toBe('+$12.30');
    expect(formatUsdChange('-0.07', 'half-even')).toBe('-$0.07');
  });

  it('the test\'s own rounding oracle agrees with hand-worked cases', () => {
    const cases: [string, string][] = [
      ['0.125', '$0.12'], ['0.135', '$0.14'], ['0.1250000001', '$0.13'], ['0.005', '$0.00'], ['0.015', '$0.02'],
      ['-0.004', '$0.00'], ['-2.675', '-$2.68'], ['1234567.895', '$1,234,567.90'], ['7', '$7.00'], ['999.995', '$1,000.00'],
    ];
    for (const [exact, shown] of cases) {
      expect(expectedUsd(exact), exact).toBe(shown);
      expect(formatUsd(exact, 'half-even'), exact).toBe(shown);
    }
  });

  it('escapes report texts for HTML and the JSON block against </script> and <!--', () => {
    expect(escapeHtml(`<img src=x onerror="alert(1)">&'`)).toBe('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;');
    const hostile = { s: '</script><script>alert(1)</script><!-- \u2028 &amp;' };
    const json = jsonForScript(hostile);
    expect(json).not.toMatch(/<|>|&|\u2028/);
    expect(JSON.parse(json)).toEqual(hostile);
    expect(() => scriptForInline('var a = "</script>";', 'x')).toThrow(/cannot inline x/);
    expect(() => scriptForInline('var a = 1 <!-- 2;', 'x')).toThrow(/cannot inline x/);
    expect(scriptForInline('var a = 1;\n//# sourceMappingURL=a.js.map\n', 'x')).toBe('var a = 1;\n');
  });

  it('renders one self-contained page: Chart.js and the data inline, nothing to fetch', () => {
    const html = renderWhatifHtml(loadFixture());
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain('Chart.js v4');
    expect(html).not.toMatch(/sourceMappingURL/);
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+\b(src|href)="(?!data:)/i);
    // Four scripts: two JSON blocks, the library, the page's own.
    expect(html.match(/<script\b/g)).toHaveLength(4);
    expect(html.match(/<\/script>/g)).toHaveLength(4);
    // The realistic fixture carries a scope name with markup characters.
    expect(html).toContain('org:Müller &amp; Söhne &lt;GmbH&gt;');
    expect(html).not.toContain('Söhne <GmbH>');
  });

  // catches: a tier schedule's words not shown, shown unescaped (its `>`), or breakable inside a tier.
  it('shows a tier schedule under the variant name, escaped, breakable between tiers and schedules only', () => {
    const html = renderWhatifHtml(withFees(loadFixture()));
    const cell = /<div class="fees" data-variant="([^"]*)" data-field="parameters\.fees">(.*?)<\/div>/g;
    const shown = [...html.matchAll(cell)].map((m) => [m[1], m[2]]);
    expect(shown).toHaveLength(loadFixture().variants.length);
    expect(shown[1]).toEqual([
      loadFixture().variants[1]!.name,
      '<span class="tier">0–1M free · </span><span class="tier">1M–10M 5% · </span><span class="tier">&gt;10M 3% · </span><span class="tier">cap $2,000</span>',
    ]);
    expect(shown[2]![1]).toBe('<span class="tier">major: $0–$25,000 free · </span><span class="tier">&gt;$25,000 5%; </span><span class="tier">premium: all 8%</span>');
    expect(html).not.toMatch(/>>10M/);
  });

  it("a tier schedule's long variant name is broken on the chart's axis after each tier and before each further setting", () => {
    expect(axisLabel('tiers=0–1M free · 1M–10M 5% · >10M 3% cap=$2,000', false)).toEqual(['tiers=0–1M free · ', '1M–10M 5% · ', '>10M 3%', 'cap=$2,000']);
    expect(axisLabel('tiers=0–1M free · >1M 4% unit=requests', true)).toEqual(['tiers=0–1M free · ', '>1M 4%', 'unit=requests', '(baseline)']);
    // Short names as before.
    expect(axisLabel('allowance=500k fee=3%', false)).toBe('allowance=500k fee=3%');
    expect(axisLabel('allowance=500000,feeRate=0.03', true)).toEqual(['allowance=500000,feeRate=0.03', '(baseline)']);
  });

  it('a report without fee terms (written before issue 16) shows the names alone', () => {
    expect(renderWhatifHtml(loadFixture())).not.toContain('data-field="parameters.fees"');
  });
});

/** The fixture with fee terms in words, as `byok whatif` now writes them: a tier schedule with a cap, two schedules in dollars, the shorthand. */
function withFees(report: WhatifReport): WhatifReport {
  const fees = ['0–500k free · >500k 3%', '0–1M free · 1M–10M 5% · >10M 3% · cap $2,000', 'major: $0–$25,000 free · >$25,000 5%; premium: all 8%'];
  return { ...report, variants: report.variants.map((v, i) => ({ ...v, parameters: { ...v.parameters, fees: fees[i] ?? '0–2M free · >2M 8%' } })) };
}

const haveChromium = existsSync(CHROMIUM);
const skipBrowser = !haveChromium && !process.env.CI;
if (skipBrowser) {
  console.warn(`whatifHtml.test: skipping the browser tests: ${CHROMIUM} is missing (install it with apt-get install -y chromium; in CI this fails).`);
}

/** What the page reports about one dataset of a chart. */
interface DatasetProbe {
  readonly label: string;
  readonly data: (number | null)[];
  readonly color: string;
  /** Elements Chart.js laid out (one per category). */
  readonly elements: number;
  /** Elements at least 1 px long and thick. */
  readonly visibleBars: number;
  /** The colour of the pixel in the middle of the dataset's longest bar, or null if it is too small to sample. */
  readonly sampled: string | null;
}

interface Opened {
  readonly page: Page;
  readonly context: BrowserContext;
  readonly url: string;
  readonly requests: string[];
  readonly consoleErrors: string[];
  readonly pageErrors: string[];
  readonly dialogs: string[];
}

describe.skipIf(skipBrowser)('what-if HTML in headless Chromium', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`Chromium is missing at ${CHROMIUM}: the HTML report cannot be tested (apt-get install -y chromium)`);
    dir = mkdtempSync(join(tmpdir(), 'byok-whatif-html-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(report: WhatifReport, name: string): Promise<Opened> {
    const file = join(dir, name);
    writeFileSync(file, renderWhatifHtml(report));
    const url = pathToFileURL(file).href;
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 });
    const opened: Opened = { page: await context.newPage(), context, url, requests: [], consoleErrors: [], pageErrors: [], dialogs: [] };
    // Anything but the file itself is recorded and refused.
    await context.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort('blockedbyclient')));
    const { page } = opened;
    page.on('request', (r) => opened.requests.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') opened.consoleErrors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => opened.pageErrors.push(String(e)));
    page.on('dialog', (d) => {
      opened.dialogs.push(`${d.type()}: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(() => document.documentElement.hasAttribute('data-charts'), null, { timeout: 10_000 });
    return opened;
  }

  function expectQuiet(o: Opened) {
    expect(o.pageErrors).toEqual([]);
    expect(o.consoleErrors).toEqual([]);
    expect(o.dialogs).toEqual([]);
    expect(o.requests).toEqual([o.url]);
  }

  it('draws every chart, shows the summary numbers of the JSON, and saves a screenshot', async () => {
    const report = loadFixture();
    const o = await open(report, 'whatif.html');
    const { page } = o;
    try {
      expect(await page.title()).toBe(`What-if pricing report · baseline ${report.variants[0]!.name}`);
      expect(await page.getAttribute('html', 'data-charts')).toBe('drawn');
      expect(await page.textContent('#baseline-name')).toBe(report.baseline);

      // --- charts: Chart.js instances with elements, the report's data, and painted bars
      const charts = await page.evaluate(() => {
        const hex = (r: number, g: number, b: number) => `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
        const Chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): any } }).Chart;
        return [...document.querySelectorAll('canvas')].map((canvas) => {
          const chart = Chart.getChart(canvas);
          if (!chart) return { id: canvas.id, missing: true as const };
          // Read the pixels from a copy, so the chart's own context is never read back.
          const copy = document.createElement('canvas');
          copy.width = canvas.width;
          copy.height = canvas.height;
          const ctx = copy.getContext('2d', { willReadFrequently: true })!;
          ctx.drawImage(canvas, 0, 0);
          const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
          let painted = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++;
          const dpr: number = chart.currentDevicePixelRatio;
          const horizontal = chart.options.indexAxis === 'y';
          const datasets: DatasetProbe[] = chart.data.datasets.map((ds: any, di: number): DatasetProbe => {
            const meta = chart.getDatasetMeta(di);
            // A bar runs from `base` to its value end (y, or x for horizontal bars).
            const bars = meta.data.map((el: any) =>
              horizontal
                ? { length: Math.abs(el.x - el.base), thickness: el.height as number, cx: (el.x + el.base) / 2, cy: el.y as number }
                : { length: Math.abs(el.y - el.base), thickness: el.width as number, cx: el.x as number, cy: (el.y + el.base) / 2 },
            );
            const tallest = bars.reduce((a: any, b: any) => (b.length > a.length ? b : a), bars[0]);
            let sampled: string | null = null;
            if (tallest && tallest.length >= 4 && tallest.thickness >= 2) {
              const p = ctx.getImageData(Math.round(tallest.cx * dpr), Math.round(tallest.cy * dpr), 1, 1).data;
              sampled = hex(p[0]!, p[1]!, p[2]!);
            }
            return {
              label: ds.label as string,
              data: ds.data as (number | null)[],
              color: ds.backgroundColor as string,
              elements: bars.length,
              visibleBars: bars.filter((b: any) => b.length >= 1 && b.thickness >= 1).length,
              sampled,
            };
          });
          return { id: canvas.id, missing: false as const, type: chart.config.type as string, labels: chart.data.labels.length as number, width: canvas.width, height: canvas.height, painted, datasets };
        });
      });
      expect(charts.map((c) => c.id)).toEqual(['chart-revenue', 'chart-periods', 'chart-histogram']);
      for (const c of charts) {
        if (c.missing) throw new Error(`no Chart.js chart on #${c.id}`);
        expect(c.type, c.id).toBe('bar');
        expect(c.width * c.height, c.id).toBeGreaterThan(200 * 150);
        // Non-background pixels: the canvas is transparent until something is drawn.
        expect(c.painted, `${c.id} painted pixels`).toBeGreaterThan(c.width * c.height * 0.02);
        expect(c.datasets.length, c.id).toBeGreaterThan(0);
        for (const d of c.datasets) {
          expect(d.elements, `${c.id}/${d.label} elements`).toBe(c.labels);
          expect(d.visibleBars, `${c.id}/${d.label} visible bars`).toBeGreaterThan(0);
          // The middle of the dataset's tallest bar has the dataset's colour: the bar was painted.
          expect(d.sampled, `${c.id}/${d.label} bar pixel`).toBe(d.color.toLowerCase());
        }
      }
      const [revenue, periods, histogram] = charts as Extract<(typeof charts)[number], { missing: false }>[];
      // The bars are the report's numbers (Number() of the strings is only for drawing).
      expect(revenue!.labels).toBe(report.variants.length);
      expect(revenue!.datasets.map((d) => d.label)).toEqual(['Fee revenue', 'Platform revenue']);
      expect(revenue!.datasets[0]!.data).toEqual(report.variants.map((v) => Number(v.feeRevenueUsd)));
      expect(revenue!.datasets[1]!.data).toEqual(report.variants.map((v) => Number(v.platformRevenueUsd)));
      expect(periods!.labels).toBe(report.periods.length);
      expect(periods!.datasets).toHaveLength(report.variants.length);
      periods!.datasets.forEach((d, i) => {
        const v = report.variants[i]!;
        expect(d.label.startsWith(v.name)).toBe(true);
        expect(d.data).toEqual(report.periods.map((p) => Number(v.byPeriod.find((b) => b.period === p)!.totalUsd)));
      });
      expect(histogram!.labels).toBe(report.variants[0]!.feeHistogram.length);
      histogram!.datasets.forEach((d, i) => expect(d.data).toEqual(report.variants[i]!.feeHistogram.map((h) => h.scopes)));

      // --- summary table: shown text = JSON string rounded to cents; data-exact = JSON string
      const cells = await page.$$eval('#summary td[data-field]', (tds) =>
        tds.map((td) => ({
          variant: td.getAttribute('data-variant'),
          field: td.getAttribute('data-field')!,
          exact: td.getAttribute('data-exact'),
          isNull: td.getAttribute('data-null') === 'true',
          text: (td as HTMLElement).innerText.trim(),
        })),
      );
      const rowVariants = await page.$$eval('#summary tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-variant')));
      expect(rowVariants).toEqual(report.variants.map((v) => v.name));
      const cell = (variant: string, field: string) => {
        const found = cells.filter((c) => c.variant === variant && c.field === field);
        expect(found, `${variant} ${field}`).toHaveLength(1);
        return found[0]!;
      };
      for (const v of report.variants) {
        const money: [string, string, (s: string) => string][] = [
          ['feeRevenueUsd', v.feeRevenueUsd, expectedUsd],
          ['platformRevenueUsd', v.platformRevenueUsd, expectedUsd],
          ['totalUsd', v.totalUsd, expectedUsd],
          ['feePerPayingScope.medianUsd', v.feePerPayingScope.medianUsd, expectedUsd],
          ['feePerPayingScope.p90Usd', v.feePerPayingScope.p90Usd, expectedUsd],
          ['feePerPayingScope.maxUsd', v.feePerPayingScope.maxUsd, expectedUsd],
          ['vsBaseline.feeRevenueUsd', v.vsBaseline.feeRevenueUsd, expectedChange],
          ['vsBaseline.totalUsd', v.vsBaseline.totalUsd, expectedChange],
        ];
        for (const [field, exact, shown] of money) {
          const c = cell(v.name, field);
          expect(c.exact, `${v.name} ${field} data-exact`).toBe(exact);
          expect(c.text, `${v.name} ${field} shown`).toBe(shown(exact));
        }
        for (const [field, n] of [['payingScopes', v.payingScopes], ['strictFailedRequests', v.strictFailedRequests]] as const) {
          expect(cell(v.name, field).exact).toBe(String(n));
          expect(cell(v.name, field).text).toBe(n.toLocaleString('en-US'));
        }
        for (const [field, pct] of [['vsBaseline.feeRevenuePct', v.vsBaseline.feeRevenuePct], ['vsBaseline.totalPct', v.vsBaseline.totalPct]] as const) {
          const c = cell(v.name, field);
          if (pct === null) {
            expect(c.isNull).toBe(true);
            expect(c.text).toBe('n/a');
          } else {
            expect(c.exact).toBe(pct);
            expect(c.text.replace(/^[+-]/, '').replace(/%$/, '')).toBe(parseMoney(pct, { allowNegative: true }).toFixedScale(2).replace(/^-/, ''));
          }
        }
      }
      // Hand-checked values of the fixture's baseline (platform revenue is a half-even tie).
      expect(cell(report.baseline, 'feeRevenueUsd').text).toBe('$36,459.04');
      expect(cell(report.baseline, 'platformRevenueUsd')).toMatchObject({ exact: '137407.525', text: '$137,407.52' });
      expect(cell(report.baseline, 'totalUsd').text).toBe('$173,866.57');
      expect(cell('allowance=2000000,feeRate=0.03', 'vsBaseline.totalPct').text).toBe('-13.15%');

      // --- movers: one table per variant, the selector shows one; rows are the JSON's
      const visibleMovers = () =>
        page.$$eval('[data-movers-index]', (els) => els.filter((e) => !(e as HTMLElement).hidden).map((e) => e.getAttribute('data-variant')));
      expect(await visibleMovers()).toEqual([report.variants[1]!.name]);
      for (const i of [2, 8]) {
        const v = report.variants[i]!;
        await page.selectOption('#movers-select', String(i));
        expect(await visibleMovers()).toEqual([v.name]);
        const rows = await page.$$eval(`[data-movers-index="${i}"] tbody tr`, (trs) =>
          trs.map((tr) => {
            const f = (name: string) => tr.querySelector(`[data-field="${name}"]`)!;
            return {
              scope: f('scope').textContent,
              baselineUsd: f('baselineUsd').getAttribute('data-exact'),
              variantUsd: f('variantUsd').getAttribute('data-exact'),
              changeUsd: f('changeUsd').getAttribute('data-exact'),
              shown: [f('baselineUsd').textContent, f('variantUsd').textContent, f('changeUsd').textContent],
            };
          }),
        );
        expect(rows.map(({ shown: _shown, ...r }) => r)).toEqual(v.movers);
        expect(rows.map((r) => r.shown)).toEqual(v.movers.map((m) => [expectedUsd(m.baselineUsd), expectedUsd(m.variantUsd), expectedChange(m.changeUsd)]));
      }
      expect(report.variants[2]!.movers.map((m) => m.scope)).toContain('org:Müller & Söhne <GmbH>');
      await page.selectOption('#movers-select', '1');

      // The embedded data is the report, unchanged.
      expect(JSON.parse((await page.textContent('#whatif-report'))!)).toEqual(report);

      mkdirSync(join(REPO, 'test-artifacts'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(existsSync(SCREENSHOT)).toBe(true);
      expectQuiet(o);
    } finally {
      await o.context.close();
    }
  });

  it("renders scenario 15's what-if report with every chart drawn and its numbers", async () => {
    const scenario = JSON.parse(readFileSync(join(import.meta.dirname, '../../../scenarios/15-whatif-allowance-and-fee/expected-whatif.json'), 'utf8')) as WhatifReport;
    const o = await open(scenario, 'scenario-15.html');
    const { page } = o;
    try {
      const charts = await page.evaluate(() => {
        const Chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): any } }).Chart;
        return [...document.querySelectorAll('canvas')].map((canvas) => {
          const chart = Chart.getChart(canvas);
          const ctx = canvas.getContext('2d')!;
          const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
          let painted = 0;
          for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++;
          const elements = chart ? chart.data.datasets.map((_: unknown, i: number) => chart.getDatasetMeta(i).data.length) : [];
          return { id: canvas.id, drawn: chart !== undefined, elements, painted: painted / (pixels.length / 4) };
        });
      });
      expect(charts).toHaveLength(3);
      for (const c of charts) {
        expect(c.drawn, c.id).toBe(true);
        expect(c.elements.length, c.id).toBeGreaterThan(0);
        expect(Math.min(...c.elements), c.id).toBeGreaterThan(0);
        expect(c.painted, c.id).toBeGreaterThan(0.02);
      }
      const totals = await page.$$eval('#summary td[data-field="totalUsd"]', (tds) => tds.map((td) => [td.getAttribute('data-variant'), td.getAttribute('data-exact')]));
      expect(totals).toEqual(scenario.variants.map((v) => [v.name, v.totalUsd]));
      expectQuiet(o);
      mkdirSync(dirname(SCENARIO_SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCENARIO_SCREENSHOT, fullPage: true });
    } finally {
      await o.context.close();
    }
  });

  // catches: the fee terms overflowing the name column, wrapping inside a tier, or hidden.
  it("shows each variant's tier schedule under its name, wrapping between tiers only", async () => {
    const fixture = withFees(loadFixture());
    // A name as --vary tiers and cap make it: the charts draw it on several lines.
    const report = { ...fixture, variants: fixture.variants.map((v, i) => (i === 1 ? { ...v, name: 'tiers=0–1M free · 1M–10M 5% · >10M 3% cap=$2,000' } : v)) };
    const o = await open(report, 'fees.html');
    const { page } = o;
    try {
      const cells = await page.evaluate(() =>
        [...document.querySelectorAll('#summary tbody th.variant')].map((th) => {
          const fees = th.querySelector('.fees') as HTMLElement | null;
          const box = fees?.getBoundingClientRect();
          const thBox = th.getBoundingClientRect();
          return {
            text: fees?.textContent ?? null,
            visible: box !== undefined && box.width > 0 && box.height > 0,
            inside: box !== undefined && box.left >= thBox.left - 0.5 && box.right <= thBox.right + 0.5,
            tiersOnOneLine: [...(fees?.querySelectorAll('.tier') ?? [])].every((t) => t.getClientRects().length === 1),
          };
        }),
      );
      expect(cells.map((c) => c.text)).toEqual(report.variants.map((v) => v.parameters.fees));
      for (const c of cells) expect(c).toMatchObject({ visible: true, inside: true, tiersOnOneLine: true });
      expectQuiet(o);
    } finally {
      await o.context.close();
    }
  });

  it('shows hostile scope and variant names as text: nothing runs, no element is created', async () => {
    const report = structuredClone(loadFixture()) as { -readonly [K in keyof WhatifReport]: any };
    const hostileScopes = [
      '<img src=x onerror=alert(1)>',
      '</script><script>alert(2)</script>',
      '<!--<script>alert(3)</script>',
      '"><svg onload=alert(4)>',
    ];
    hostileScopes.forEach((s, i) => (report.variants[1].movers[i].scope = s));
    const hostileVariant = 'allowance=1,feeRate=0.05"><img src=y onerror=alert(5)>';
    report.variants[3].name = hostileVariant;
    const o = await open(report as WhatifReport, 'hostile.html');
    const { page } = o;
    try {
      await page.selectOption('#movers-select', '1');
      const dom = await page.evaluate(() => ({
        imgs: document.querySelectorAll('img').length,
        svgs: document.querySelectorAll('svg').length,
        scripts: document.querySelectorAll('script').length,
        withHandlers: [...document.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => a.name.startsWith('on'))).length,
        scopes: [...document.querySelectorAll('[data-movers-index="1"] td[data-field="scope"]')].slice(0, 4).map((td) => td.textContent),
        variantCell: document.querySelector('#summary tbody tr:nth-child(4) th')!.textContent,
        rows: document.querySelectorAll('#summary tbody tr').length,
        charts: document.documentElement.getAttribute('data-charts'),
      }));
      expect(dom).toEqual({
        imgs: 0,
        svgs: 0,
        scripts: 4,
        withHandlers: 0,
        scopes: hostileScopes,
        variantCell: hostileVariant,
        rows: report.variants.length,
        charts: 'drawn',
      });
      expect(JSON.parse((await page.textContent('#whatif-report'))!)).toEqual(report);
      expectQuiet(o);
    } finally {
      await o.context.close();
    }
  });
});
