// Browser checks of `nines demo --fast` in real headless Chromium, run by
// crates/nines/tests/tests/ui.rs (the_demo_in_a_real_browser):
//   node demo.mjs <base-url> <screenshot-dir> before|outage
// `before`: the seeded week reads as a real team's would: no budget below
// -100% or above 100% on any page, SLO charts with time labels that do not
// overlap, a range picker that changes the plotted span, no sideways
// scrolling at 390 px. `outage`: the public status page's banner, the
// component and the published incident say the same impact.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const [base, shots, phase] = process.argv.slice(2);
if (!base || !shots || !['before', 'outage'].includes(phase)) {
  console.error('usage: node demo.mjs <base-url> <screenshot-dir> before|outage');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  console.log(`ok: ${what}`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-background-networking'],
});
const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();

async function open(path) {
  const resp = await page.goto(base.replace(/\/$/, '') + path, { waitUntil: 'load' });
  check(resp.ok(), `${path} answers ${resp.status()}`);
}

// Every percentage on the page: budgets, SLIs, objectives.
async function budgetsInRange(path) {
  // innerText, not textContent: cells stay apart ("1.47\t39.93%"), so
  // two figures never read as one.
  const all = (await page.innerText('main')) || '';
  const figures = [...all.matchAll(/(−|-)?\d[\d,]*(\.\d+)?%/g)].map((m) => parseFloat(m[0].replace('−', '-').replace(/,/g, '')));
  const bad = figures.filter((f) => f < -100 || f > 100);
  check(bad.length === 0, `${path}: every percentage between -100% and 100% (${bad.join(', ') || figures.length + ' figures'})`);
}

async function noSidewaysScroll(path) {
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  await page.screenshot({ path: join(shots, `demo-${phase}-${path.replace(/\W+/g, '_')}-phone.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  check(overflow <= 1, `${path}: no sideways scrolling at 390 px (${overflow}px)`);
}

async function chartsReadable(path) {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    const charts = await page.$$eval('svg.chart', (svgs) => svgs.map((svg) => {
      const boxes = [...svg.querySelectorAll('text')].map((t) => {
        const r = t.getBoundingClientRect();
        return { text: t.textContent, l: r.left, r: r.right, t: r.top, b: r.bottom };
      });
      return { boxes, times: svg.querySelectorAll('text.time').length };
    }));
    check(charts.length >= 1, `${path}: a chart at ${width}px`);
    for (const c of charts) {
      check(c.times >= 2, `${path}: ${c.times} time labels at ${width}px`);
      const overlaps = [];
      for (const [j, a] of c.boxes.entries()) {
        for (const b of c.boxes.slice(j + 1)) {
          if (a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b) overlaps.push(`${a.text} / ${b.text}`);
        }
      }
      check(overlaps.length === 0, `${path}: no overlapping chart text at ${width}px (${overlaps.join(', ')})`);
    }
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

// The first and last time labels of the first chart: what span it plots.
async function plottedSpan() {
  return page.$$eval('svg.chart:first-of-type text.time', (ts) => ts.map((t) => t.textContent).join(' … '));
}

try {
  if (phase === 'before') {
    const slo = '/services/shop/slos/checkout-success';
    for (const path of ['/', '/services/shop', slo, '/incidents', '/incidents/INC-1', '/status']) {
      await open(path);
      await budgetsInRange(path);
      await noSidewaysScroll(path);
    }
    await open(slo);
    await chartsReadable(slo);
    const month = await plottedSpan();
    await open(`${slo}?range=1d`);
    const day = await plottedSpan();
    check(month !== day, `the range picker changes the plotted span (${month} vs ${day})`);
    await open('/incidents/INC-1');
    check((await page.textContent('main')).includes('published'), 'the past incident is on the status page and its postmortem published');
  } else {
    await open('/status');
    await page.screenshot({ path: join(shots, 'demo-outage-status.png'), fullPage: true });
    const overall = await page.getAttribute('[data-overall]', 'data-overall');
    const component = await page.getAttribute('[data-component="Checkout"]', 'data-state');
    const label = (await page.textContent('.components [data-component="Checkout"] .state')).trim();
    const incident = (await page.textContent('#incidents article.incident h3')).trim();
    check(overall !== 'operational', `the banner reports the outage (${overall})`);
    check(overall === component, `banner and component agree (${overall}, ${component})`);
    check(incident.startsWith(`${label} of Checkout`), `the incident says the component's impact (${incident} / ${label})`);
  }
} catch (e) {
  await page.screenshot({ path: join(shots, `demo-${phase}-failure.png`), fullPage: true }).catch(() => {});
  console.error(String(e));
  await browser.close();
  process.exit(1);
}
await browser.close();
