// Browser checks of the nines web UI in real headless Chromium, run by
// crates/nines/tests/ui.rs against a daemon with a scripted scenario:
//   node ui.mjs <base-url> <admin-token> <screenshot-dir>
// The daemon holds services shop and search, SLO figures the Rust test
// pushed, and INC-1 (SEV1, shop) triggered. Exits non-zero on the first
// failed check; prints what it checked.
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const [base, token, shots] = process.argv.slice(2);
if (!base || !token || !shots) {
  console.error('usage: node ui.mjs <base-url> <admin-token> <screenshot-dir>');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
rmSync(join(shots, 'failure.png'), { force: true });
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  console.log(`ok: ${what}`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
const consoleErrors = [];
page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
page.on('pageerror', (e) => consoleErrors.push(String(e)));

// axe-core on the current page: no serious or critical violations.
async function axe(name) {
  // Evaluated through the DevTools protocol: the pages' CSP forbids
  // inline scripts, and the test keeps it on.
  if (!(await page.evaluate(() => !!window.axe))) await page.evaluate(axeSource);
  const result = await page.evaluate(async () => await window.axe.run(document, {
    resultTypes: ['violations'],
  }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  for (const v of bad) {
    console.error(`axe ${name}: ${v.impact} ${v.id}: ${v.help}`);
    for (const n of v.nodes.slice(0, 3)) console.error(`  ${n.target.join(' ')}: ${n.failureSummary}`);
  }
  check(bad.length === 0, `axe: no serious or critical violations on ${name}`);
}

// Screenshots at desktop and phone widths.
async function shoot(name) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: join(shots, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(shots, `${name}-phone.png`), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 1, `${name}: no sideways scrolling of the page at phone width (${overflow}px)`);
  const cut = await page.$$eval('table.cards', (ts) => ts.map((t) => {
    const box = t.closest('.scroll') || t.parentElement;
    return box.scrollWidth - box.clientWidth;
  }));
  check(cut.every((c) => c <= 1), `${name}: tables become cards at phone width, none cut (${cut})`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

// The SLO charts: time labels, and no two <text> boxes overlapping or
// sticking out of their chart (at desktop and phone width).
async function chartChecks(name) {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    const charts = await page.$$eval('svg.chart', (svgs) => svgs.map((svg) => {
      const outer = svg.getBoundingClientRect();
      const boxes = [...svg.querySelectorAll('text')].map((t) => {
        const r = t.getBoundingClientRect();
        return { text: t.textContent, l: r.left, r: r.right, t: r.top, b: r.bottom };
      });
      return { outer: { l: outer.left, r: outer.right, t: outer.top, b: outer.bottom }, boxes, times: svg.querySelectorAll('text.time').length };
    }));
    check(charts.length === 2, `${name}: two charts at ${width}px`);
    for (const [i, c] of charts.entries()) {
      check(c.times >= 2, `${name}: chart ${i + 1} has ${c.times} time labels at ${width}px`);
      const overlaps = [];
      const outside = [];
      for (const [j, a] of c.boxes.entries()) {
        if (a.l < c.outer.l - 0.5 || a.r > c.outer.r + 0.5 || a.t < c.outer.t - 0.5 || a.b > c.outer.b + 0.5) outside.push(a.text);
        for (const b of c.boxes.slice(j + 1)) {
          if (a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b) overlaps.push(`${a.text} / ${b.text}`);
        }
      }
      check(overlaps.length === 0, `${name}: no overlapping text in chart ${i + 1} at ${width}px (${overlaps.join(', ')})`);
      check(outside.length === 0, `${name}: no clipped text in chart ${i + 1} at ${width}px (${outside.join(', ')})`);
    }
    check(await page.$$eval('svg.chart title', (t) => t.length) > 0, `${name}: values on hover (<title>)`);
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function visit(path, name) {
  const resp = await page.goto(base + path, { waitUntil: 'load' });
  check(resp.ok(), `${name}: ${path} answers ${resp.status()}`);
  await axe(name);
  await shoot(name);
}

try {
  // 1. The public status page during the incident, without signing in.
  await visit('/status', 'status-outage');
  const shopState = await page.getAttribute('[data-component="shop"]', 'data-state');
  check(shopState === 'major_outage', `status page: shop is in major outage during INC-1 (${shopState})`);
  check(await page.getAttribute('[data-overall]', 'data-overall') === 'major_outage', 'status page: banner says major outage');
  check(await page.getAttribute('[data-component="search"]', 'data-state') === 'operational', 'status page: search is operational');

  // 2. Private pages send to the sign-in page; sign in with the token.
  await page.goto(base + '/');
  check(page.url().startsWith(base + '/login'), 'the overview asks to sign in');
  await axe('login');
  await shoot('login');
  await page.fill('#token', token);
  await Promise.all([page.waitForURL(base + '/'), page.click('form[action="/login"] button[type=submit]')]);
  check(page.url() === base + '/', 'signing in leads back to the overview');

  // 3. The overview lists the SLOs with the right budget figures.
  const budget = async (slo) => (await page.textContent(`tr[data-slo="${slo}"] [data-budget]`)).trim();
  check(await budget('shop/availability') === '50.0%', 'overview: shop/availability has 50.0% budget left');
  check(await budget('shop/latency') === '80.0%', 'overview: shop/latency has 80.0% budget left');
  check(await budget('search/availability') === '100.0%', 'overview: search/availability has 100.0% budget left');
  check((await page.textContent('tr[data-slo="shop/availability"] [data-sli]')).trim() === '99.950%', 'overview: shop/availability SLI 99.950%');
  const order = await page.$$eval('tbody[data-service]', (els) => els.map((e) => e.dataset.service));
  check(order[0] === 'shop', `overview: the service with an open incident comes first (${order})`);
  const tz = await page.getAttribute('time[datetime]', 'title').catch(() => null);
  await axe('overview');
  await shoot('overview');
  await page.goto(base + '/?q=search');
  check(await page.$$eval('tbody[data-service]', (els) => els.length) === 1, 'overview: search filters services');

  // 4. A form without its CSRF token is refused, and changes nothing.
  const forged = await page.request.post(base + '/incidents/INC-1/ack', { form: { text: '' }, maxRedirects: 0 });
  check(forged.status() === 403, `a form post without the CSRF token is refused (${forged.status()})`);
  const stillTriggered = await page.request.get(base + '/api/v1/incidents/INC-1', { headers: { Authorization: `Bearer ${token}` } });
  check((await stillTriggered.json()).status === 'triggered', 'the refused form changed nothing');

  // 5. Incidents: the list, then acknowledge INC-1 from its page.
  await visit('/incidents', 'incidents');
  await page.click('a[href="/incidents/INC-1"]');
  check((await page.textContent('#incident [data-status]')).trim() === 'triggered', 'INC-1 is triggered');
  await axe('incident');
  await Promise.all([page.waitForLoadState('load'), page.click('form[action="/incidents/INC-1/ack"] button')]);
  await page.waitForSelector('#incident [data-status]');
  check((await page.textContent('#incident [data-status]')).trim() === 'acknowledged', 'acknowledging from the page changes the status');
  check(await page.$('ol.timeline li[data-kind="acknowledged"]') !== null, 'acknowledging adds a timeline entry');
  check((await page.textContent('.flash')).includes('acknowledged'), 'a message confirms it');
  if (tz) check(/UTC/.test(tz), 'times keep UTC in their title');

  // A public note, then resolve (through the confirm dialog).
  await page.fill('#text', 'public: the fix is rolling out');
  await Promise.all([page.waitForLoadState('load'), page.click('form[action="/incidents/INC-1/note"] button')]);
  check(await page.$('ol.timeline li[data-kind="note"]') !== null, 'the note is on the timeline');
  await axe('incident-acknowledged');
  await shoot('incident');
  page.once('dialog', (d) => d.accept());
  await Promise.all([page.waitForLoadState('load'), page.click('form[action="/incidents/INC-1/resolve"] button')]);
  check((await page.textContent('#incident [data-status]')).trim() === 'resolved', 'resolving after the confirm dialog');

  // 6. The status page is operational after, with the public update.
  await visit('/status', 'status-after');
  check(await page.getAttribute('[data-component="shop"]', 'data-state') === 'operational', 'status page: shop is operational after INC-1 resolved');
  check((await page.textContent('#incidents')).includes('the fix is rolling out'), 'status page: the public note is shown');
  check(!(await page.textContent('body')).includes('rolled back by hand'), 'status page: the incident title stays internal');

  // 7. Every other page: axe and screenshots.
  await visit('/services/shop', 'service');
  await visit('/services/shop/slos/availability', 'slo');
  check((await page.textContent('[data-budget]')).trim() === '50.0%', 'SLO page: 50.0% budget left');
  await chartChecks('SLO page (window)');
  const span = async () => page.$eval('svg.chart', (e) => Number(e.dataset.to) - Number(e.dataset.from));
  const windowSpan = await span();
  check(windowSpan >= 29 * 86400, `SLO page: the window's chart spans 30 days (${windowSpan} s)`);
  await Promise.all([page.waitForLoadState('load'), page.click('nav.ranges a[href="?range=1h"]')]);
  check(page.url().endsWith('?range=1h'), 'range picker: a plain link with ?range=1h');
  const hourSpan = await span();
  check(hourSpan >= 3600 && hourSpan <= 3720, `range picker: 1h plots an hour (${hourSpan} s)`);
  check((await page.textContent('nav.ranges [aria-current]')).trim() === '1h', 'range picker: 1h is marked current');
  await chartChecks('SLO page (1h)');
  await axe('slo-1h');
  await shoot('slo-1h');
  await page.goto(base + '/services/shop/slos/availability?incident=INC-1');
  const incidentSpan = await span();
  check(incidentSpan < 86400 && incidentSpan < windowSpan, `zoom to INC-1: the chart spans the incident (${incidentSpan} s)`);
  check((await page.textContent('nav.ranges [aria-current]')).trim() === 'INC-1', 'zoom to INC-1: marked current');
  check((await page.textContent('svg.chart text.mark.incident').catch(() => '')).startsWith('INC-1'), 'zoom to INC-1: the incident is named on the chart');
  await chartChecks('SLO page (INC-1)');
  await visit('/oncall', 'oncall');
  await page.goto(base + '/alerts');
  await page.fill('#matchers', 'service="shop"\nslo="availability"');
  await page.fill('#comment', 'a long reason for the silence, so that its row is wider than a phone');
  await Promise.all([page.waitForLoadState('load'), page.click('form[action="/alerts"] button[type=submit]')]);
  check(await page.$('#silences table.cards') !== null, 'alerts: the new silence is listed');
  await visit('/alerts', 'alerts');
  await visit('/incidents?status=all', 'incidents-all');

  // 8. The postmortem: drafted with the incident page's button, sent for
  // review from its editor; a broken table is refused with its line and
  // the typed text kept.
  await page.goto(base + '/incidents/INC-1');
  await Promise.all([
    page.waitForURL(base + '/incidents/INC-1/postmortem'),
    page.click('form[action="/incidents/INC-1/postmortem"] button'),
  ]);
  check((await page.textContent('.flash')).includes('drafted'), 'postmortem: drafted from the incident page');
  check((await page.textContent('[data-pm-status]')).trim() === 'draft', 'postmortem: a draft');
  await axe('postmortem');
  await shoot('postmortem');
  const drafted = await page.inputValue('#markdown');
  await page.fill('#markdown', drafted.replace('| Status | draft |', '| Status | in review |'));
  await Promise.all([page.waitForLoadState('load'), page.click('form[action="/incidents/INC-1/postmortem"] button')]);
  await page.waitForSelector('[data-pm-revision="2"]');
  check((await page.textContent('[data-pm-status]')).trim() === 'in review', 'postmortem: saved from the editor, in review');
  const broken = (await page.inputValue('#markdown')).replace(
    '| Type | Action | Owner | Due | Tracking | Status |\n|---|---|---|---|---|---|',
    '| Type | Action | Owner | Due | Tracking | Status |\n|---|---|',
  );
  check(broken.includes('\n|---|---|\n'), 'postmortem: the test breaks the action items table');
  await page.fill('#markdown', broken);
  const errorsBefore = consoleErrors.length;
  await Promise.all([page.waitForLoadState('load'), page.click('form[action="/incidents/INC-1/postmortem"] button')]);
  await page.waitForSelector('#pm-error');
  // Chromium logs the refused save's 422 as a console error; it is the answer expected.
  const logged = consoleErrors.splice(errorsBefore);
  consoleErrors.push(...logged.filter((e) => !/status of 422/.test(e)));
  check(/line \d+: expected the table/.test(await page.textContent('#pm-error')), 'postmortem: the parse error names its line');
  check((await page.inputValue('#markdown')) === broken, 'postmortem: the typed text is kept');
  await axe('postmortem-refused');
  await shoot('postmortem-refused');

  // 9. Sign out.
  await Promise.all([page.waitForURL(/\/login/), page.click('form[action="/logout"] button')]);
  await page.goto(base + '/incidents');
  check(page.url().startsWith(base + '/login'), 'after signing out, pages ask to sign in again');

  check(consoleErrors.length === 0, `no JavaScript errors (${consoleErrors.join('; ')})`);
  console.log(`screenshots in ${shots}`);
} catch (e) {
  console.error(String(e && e.stack || e));
  await page.screenshot({ path: join(shots, 'failure.png'), fullPage: true }).catch(() => {});
  await browser.close();
  process.exit(1);
}
await browser.close();
