/**
 * The what-if page's own script (plain browser JavaScript, inlined after Chart.js). It
 * reads the view model from `#whatif-view`, draws the three charts and drives the movers
 * selector. Amounts arrive as exact decimal strings; `Number()` of them only sets bar
 * heights, and every amount shown as text (tooltips) is a string rounded on the server.
 * Nothing here builds HTML from data: texts go into the canvas or `textContent`.
 */
export const WHATIF_CLIENT_SCRIPT = String.raw`(function () {
  'use strict';
  var root = document.documentElement;
  function fail(message) {
    root.setAttribute('data-charts', 'failed');
    var boxes = document.querySelectorAll('.chart-box');
    for (var i = 0; i < boxes.length; i++) {
      var p = document.createElement('p');
      p.className = 'chart-error';
      p.textContent = message;
      boxes[i].replaceChildren(p);
    }
  }

  // Movers selector: one table per variant, one shown at a time.
  var select = document.getElementById('movers-select');
  var tables = document.querySelectorAll('[data-movers-index]');
  function showMovers() {
    for (var i = 0; i < tables.length; i++) {
      tables[i].hidden = tables[i].getAttribute('data-movers-index') !== select.value;
    }
  }
  if (select) {
    select.addEventListener('change', showMovers);
    showMovers();
  }

  var Chart = window.Chart;
  if (typeof Chart !== 'function') {
    fail('The charting library did not load, so the charts cannot be drawn.');
    return;
  }
  var view = JSON.parse(document.getElementById('whatif-view').textContent);

  Chart.defaults.animation = false;
  Chart.defaults.responsive = true;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = '#334155';
  Chart.defaults.plugins.legend.labels.boxWidth = 12;

  var compactUsd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', notation: 'compact', maximumFractionDigits: 1 });
  function usdTick(value) { return compactUsd.format(value); }
  function num(s) { return s === null ? null : Number(s); }
  function byId(id) { return document.getElementById(id); }
  var variantNames = view.variants.map(function (v) { return v.name; });
  var variantLabels = view.variants.map(function (v) { return v.label; });
  function titleOfVariant(items) {
    return items.length ? variantNames[items[0].dataIndex] + (view.variants[items[0].dataIndex].baseline ? ' (baseline)' : '') : '';
  }

  try {
    // (a) Revenue by variant: fee and platform revenue stacked, one horizontal bar per
    // variant so the variant names read in full.
    new Chart(byId('chart-revenue'), {
      type: 'bar',
      data: {
        labels: variantLabels,
        datasets: view.revenue.datasets.map(function (d) {
          return { label: d.label, data: d.values.map(num), display: d.display, backgroundColor: d.color, borderColor: d.color, borderWidth: 0, stack: 'revenue' };
        })
      },
      options: {
        indexAxis: 'y',
        scales: {
          x: { stacked: true, beginAtZero: true, ticks: { callback: usdTick }, title: { display: true, text: 'USD over the whole log' } },
          y: {
            stacked: true,
            ticks: {
              autoSkip: false,
              // On narrow screens a variant name breaks into lines at its commas.
              callback: function (value, index) {
                var label = variantLabels[index];
                if (this.chart.width >= 460) return label;
                var lines = [];
                [].concat(label).forEach(function (line) {
                  String(line).split(/(?<=,)/).forEach(function (part) { lines.push(part); });
                });
                return lines;
              }
            }
          }
        },
        plugins: {
          tooltip: {
            callbacks: {
              title: titleOfVariant,
              label: function (ctx) { return ctx.dataset.label + ': ' + ctx.dataset.display[ctx.dataIndex]; },
              footer: function (items) { return items.length ? 'Total: ' + view.revenue.totalDisplay[items[0].dataIndex] : ''; }
            }
          }
        }
      }
    });

    // (b) Distribution of fees across paying scopes: grouped bars per fee range.
    new Chart(byId('chart-histogram'), {
      type: 'bar',
      data: {
        labels: view.histogram.ranges,
        datasets: view.histogram.datasets.map(function (d) {
          return { label: d.label, data: d.counts, backgroundColor: d.color, borderColor: d.color, borderWidth: 0 };
        })
      },
      options: {
        scales: {
          x: { title: { display: true, text: 'Fee per paying scope over the whole log' } },
          y: { beginAtZero: true, grace: '5%', ticks: { precision: 0 }, title: { display: true, text: 'Paying scopes' } }
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: function (ctx) { return ctx.dataset.label + ': ' + ctx.parsed.y + (ctx.parsed.y === 1 ? ' scope' : ' scopes'); }
            }
          }
        }
      }
    });

    // (c) Revenue by month: one dataset per variant.
    new Chart(byId('chart-periods'), {
      type: 'bar',
      data: {
        labels: view.byPeriod.periods,
        datasets: view.byPeriod.datasets.map(function (d) {
          return { label: d.label, data: d.values.map(num), display: d.display, backgroundColor: d.color, borderColor: d.color, borderWidth: 0 };
        })
      },
      options: {
        scales: {
          y: { beginAtZero: true, grace: '5%', ticks: { callback: usdTick }, title: { display: true, text: 'Total revenue, USD' } }
        },
        plugins: {
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var shown = ctx.dataset.display[ctx.dataIndex];
                return ctx.dataset.label + ': ' + (shown === null ? 'no data' : shown);
              }
            }
          }
        }
      }
    });
  } catch (e) {
    fail('The charts could not be drawn: ' + (e && e.message ? e.message : String(e)));
    throw e;
  }
  root.setAttribute('data-charts', 'drawn');
})();
`;
