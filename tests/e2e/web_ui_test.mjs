// The web UI in a real headless Chromium (Debian's `chromium`, driven by npm playwright-core)
// against a real `frocket serve` over a generated dataset, as an analyst would use it: pick the
// dataset, build a 3-step funnel with a timeframe and a step aggregation by clicking and typing,
// run it, and read the chart's and the table's numbers back from the page — they must equal the
// API's answer to the same JSON, sent by this test itself. Then: an invalid field shows the
// server's message next to it; the page's URL reproduces the query in a new page; a second
// query with targets, a relation, an exclusion step, a breakdown and times to convert, its
// charts against the API's answer and a step's users as CSV; every example runs; progress and
// cancel on a server whose task stalls; every control has a label; the keyboard picks a
// dataset; the page works at a phone's width. Screenshots of each state go to the
// output directory; the page's load time on loopback is printed (reported, not asserted).
//
//   node tests/e2e/web_ui_test.mjs <path-to-frocket-binary> <screenshot-directory>
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

import { checks } from './checks.mjs';

const [binary, shots] = process.argv.slice(2);
mkdirSync(shots, { recursive: true });
const { check, finish } = checks();
const work = mkdtempSync(join(tmpdir(), 'frocket-web-ui-'));
const env = { ...process.env, FROCKET_HOME: join(work, 'home'), FROCKET_ALLOWED_BASEPATHS: work };
const data = join(work, 'activity');
execFileSync(binary, ['generate', data, '--rows', '30000', '--parts', '3', '--seed', '11'], { env, stdio: 'ignore' });

// `frocket serve` on a free port; resolves with the port once it listens.
function serve(extraEnv = {}) {
  const server = spawn(binary, ['serve', '--port', '0', '--host', '127.0.0.1'],
    { env: { ...env, ...extraEnv }, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let log = '';
    server.stderr.on('data', (chunk) => {
      log += chunk;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
      if (m) resolve({ server, port: Number(m[1]) });
    });
    server.on('exit', (code) => reject(new Error(`frocket serve exited ${code}: ${log}`)));
  });
}

const { server, port } = await serve();
const base = `http://127.0.0.1:${port}`;
const post = async (path, body) => {
  const r = await fetch(base + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
};
const registered = await post('/datasets/register',
  { name: 'web', basepath: data, groupIdColumn: 'user_id', timestampColumn: 'ts', validationMode: 'FIRST_LAST' });
check('the dataset registers', registered.status === 200, JSON.stringify(registered.json));
const schema = await (await fetch(`${base}/datasets/web/schema?full=true`)).json();
const ts = schema.columns.ts.colattrs;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));

  // The page, from the binary alone; its load time on loopback.
  const response = await page.goto(`${base}/`, { waitUntil: 'load' });
  check('GET / in a browser is the UI', response.status() === 200 &&
    (response.headers()['content-type'] ?? '').startsWith('text/html'));
  const loadMs = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0];
    return n.loadEventEnd - n.startTime;
  });
  console.log(`page load on loopback: ${loadMs.toFixed(0)} ms`);
  await page.waitForSelector('#datasets button[data-name="web"]');
  await page.screenshot({ path: join(shots, '1-datasets.png'), fullPage: true });

  // Pick the dataset, with the keyboard: its columns are listed.
  await page.focus('#datasets button[data-name="web"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#schema tbody tr', { state: 'attached' });
  const columns = await page.$$eval('#schema tbody tr td:first-child', (tds) => tds.map((td) => td.textContent));
  check('the schema lists every column', JSON.stringify(columns) === JSON.stringify(Object.keys(schema.columns)), columns.join(','));
  await page.click('#schema-box summary');
  await page.screenshot({ path: join(shots, '2-dataset.png'), fullPage: true });

  // Build: three steps, a timeframe (the middle of the data's range), a step aggregation.
  const events = [['Viewed', 'pageview'], ['Added', 'addtocart'], ['Bought', 'purchase']];
  for (let i = 0; i < events.length; i++) {
    await page.click('#add-step');
    const step = `#steps li:nth-child(${i + 1})`;
    await page.fill(`${step} input[aria-label="Step ${i + 1} name"]`, events[i][0]);
    await page.selectOption(`${step} select[aria-label="Column"]`, 'event_type');
    await page.selectOption(`${step} select[aria-label="Operator"]`, '==');
    await page.fill(`${step} input[aria-label="Value"]`, events[i][1]);
  }
  const span = ts.numericMax - ts.numericMin;
  const local = (t) => new Date(t).toISOString().slice(0, 16);
  const from = local(ts.numericMin + span * 0.2);
  const to = local(ts.numericMin + span * 0.8);
  await page.fill('#from', from);
  await page.fill('#to', to);
  await page.click('#add-step-aggregation');
  await page.selectOption('#step-aggregations li select[aria-label="Aggregated column"]', 'device');
  await page.selectOption('#step-aggregations li select[aria-label="Aggregation"]', 'groupsPerValue');
  await page.waitForSelector('#validation.ok');
  const built = JSON.parse(await page.inputValue('#json'));
  check('the builder wrote the funnel', JSON.stringify(built.funnel.sequence) === JSON.stringify(
    events.map(([name, value]) => ({ name, filter: ['event_type', '==', value] }))), JSON.stringify(built));
  check('the timeframe is in the dataset\'s unit (ms)',
    built.timeframe.from === Date.parse(`${from}:00Z`) && built.timeframe.to === Date.parse(`${to}:00Z`),
    JSON.stringify(built.timeframe));

  // Run; the numbers on the page are the API's for the same JSON.
  await page.click('#run');
  await page.waitForSelector('#funnel-table tbody tr');
  await page.screenshot({ path: join(shots, '3-funnel.png'), fullPage: true });
  const table = await page.$$eval('#funnel-table td[data-name="users"]', (tds) => tds.map((td) => Number(td.dataset.value)));
  const chart = await page.evaluate(() => Chart.getChart('funnel-chart').data.datasets[0].data);
  const fromPrevious = await page.$$eval('#funnel-table td[data-name="from-previous"]', (tds) => tds.map((td) => td.textContent));
  const api = await post('/datasets/web/query', built);
  const expected = api.json.funnel.sequence.map((s) => s.matchingGroups);
  check('the API answers the built query', api.status === 200, JSON.stringify(api.json));
  check('the table shows the API\'s users per step', JSON.stringify(table) === JSON.stringify(expected), `${table} vs ${expected}`);
  check('the chart plots the API\'s users per step', JSON.stringify(chart) === JSON.stringify(expected), `${chart} vs ${expected}`);
  const pct = (a, b) => new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 }).format(a / b);
  check('conversion from the previous step is shown as a percentage',
    fromPrevious[1] === pct(expected[1], expected[0]) && fromPrevious[2] === pct(expected[2], expected[1]), fromPrevious.join(' '));
  check('the funnel is not empty', expected[0] > 0 && expected[2] > 0, String(expected));
  const aggregation = api.json.funnel.sequence[0].aggregations[0].value;
  const shown = await page.$$eval('#aggregations-box table', (tables) => tables.map((t) => t.caption.textContent));
  check('step aggregations are shown', shown.some((c) => c.startsWith('At step Viewed')) && Object.keys(aggregation).length > 0, shown.join(' | '));

  // The shared URL reproduces the query.
  const url = page.url();
  const again = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await again.goto(url);
  await again.waitForSelector('#validation.ok');
  check('the page\'s URL reproduces the query', JSON.stringify(JSON.parse(await again.inputValue('#json'))) === JSON.stringify(built));
  check('... and the builder', await again.inputValue('#steps li:nth-child(3) input[aria-label="Value"]') === 'purchase');
  await again.close();

  // An invalid field: the server's message next to it — a step's value, then the window.
  const invalidField = async (selector, path, shot) => {
    await page.waitForSelector(`${selector} + .field-error`);
    const note = await page.textContent(`${selector} + .field-error`);
    const invalid = await post('/datasets/web/validate', JSON.parse(await page.inputValue('#json')));
    check(`the server refuses ${path}`, invalid.status === 400 && invalid.json.errorPath === path, JSON.stringify(invalid.json));
    check(`its message is shown next to ${path}`, `invalid query: ${note}` === invalid.json.errorMessage, note);
    check(`${path} is marked invalid`, await page.getAttribute(selector, 'aria-invalid') === 'true');
    await page.screenshot({ path: join(shots, shot), fullPage: true });
  };
  const value2 = '#steps li:nth-child(2) input[aria-label="Value"]';
  await page.selectOption('#steps li:nth-child(2) select[aria-label="Operator"]', 'regex');
  await page.fill(value2, '(');
  await invalidField(value2, 'funnel.sequence[1].filter[2]', '4-invalid-value.png');
  await page.selectOption('#steps li:nth-child(2) select[aria-label="Operator"]', '==');
  await page.fill(value2, 'addtocart');
  await page.waitForSelector('#validation.ok');
  check('a fixed field is no longer marked', await page.$('.field-error') === null);
  await page.fill('#max-duration', '3 days');
  await invalidField('#max-duration', 'funnel.maxDuration', '5-invalid-window.png');

  // A second query, by clicking: named conditions with a count target and a relation, an
  // exclusion step, a breakdown and times to convert; the charts against the API's answer, and
  // a step's users downloaded as CSV.
  await page.goto('about:blank');  // a new load, not a change of the current page's hash
  await page.goto(`${base}/#dataset=web`);
  await page.waitForSelector('#validation.ok');
  const condition = async (i, name, column, value) => {
    await page.click('#add-condition');
    const li = `#conditions > li:nth-child(${i})`;  // not the lists of a sequence condition
    await page.fill(`${li} > input[aria-label="Condition ${i} name"]`, name);
    await page.selectOption(`${li} > select[aria-label="Column"]`, column);
    await page.fill(`${li} > input[aria-label="Value"]`, value);
    return li;
  };
  const buyers = await condition(1, 'buyers', 'event_type', 'purchase');
  await page.selectOption(`${buyers} > select[aria-label="Target"]`, 'count');
  await page.selectOption(`${buyers} > select[aria-label="Target comparison"]`, '>=');
  await page.fill(`${buyers} > input[aria-label="Target value"]`, '2');
  await condition(2, 'us', 'country', 'US');
  await page.fill('#relation', '$buyers or $us');
  const steps2 = [['Viewed', 'pageview'], ['', 'search'], ['Added', 'addtocart'], ['Bought', 'purchase']];
  for (let i = 0; i < steps2.length; i++) {
    await page.click('#add-step');
    const li = `#steps li:nth-child(${i + 1})`;
    if (steps2[i][0]) await page.fill(`${li} input[aria-label="Step ${i + 1} name"]`, steps2[i][0]);
    await page.selectOption(`${li} select[aria-label="Column"]`, 'event_type');
    await page.fill(`${li} input[aria-label="Value"]`, steps2[i][1]);
  }
  await page.check('#steps li:nth-child(2) input[type="checkbox"]');
  await page.selectOption('#breakdown', 'device');
  await page.check('#time-to-convert');
  await page.waitForSelector('#validation.ok');
  const second = JSON.parse(await page.inputValue('#json'));
  const wanted = {
    query: {
      conditions: [
        { name: 'buyers', filter: ['event_type', '==', 'purchase'], target: ['count', '>=', 2] },
        { name: 'us', filter: ['country', '==', 'US'] },
      ],
      relation: '$buyers or $us',
    },
    funnel: {
      sequence: [
        { name: 'Viewed', filter: ['event_type', '==', 'pageview'] },
        { filter: ['event_type', '==', 'search'], rowFound: false },
        { name: 'Added', filter: ['event_type', '==', 'addtocart'] },
        { name: 'Bought', filter: ['event_type', '==', 'purchase'] },
      ],
      timeToConvert: true,
      breakdown: { column: 'device' },
    },
  };
  check('the builder wrote targets, the relation, the exclusion, breakdown and time to convert',
    JSON.stringify(second) === JSON.stringify(wanted), JSON.stringify(second));
  await page.click('#run');
  await page.waitForSelector('#breakdown-box:not([hidden])');
  await page.screenshot({ path: join(shots, '6-breakdown-and-times.png'), fullPage: true });
  const answer2 = (await post('/datasets/web/query', second)).json;
  const users2 = await page.$$eval('#funnel-table td[data-name="users"]', (tds) => tds.map((td) => Number(td.dataset.value)));
  check('the second funnel\'s users are the API\'s', JSON.stringify(users2) ===
    JSON.stringify(answer2.funnel.sequence.map((s) => s.matchingGroups)), `${users2}`);
  const bars = await page.evaluate(() => Chart.getChart('breakdown-chart').data.datasets
    .map((d) => ({ value: d.label, groups: d.data })));
  const buckets = answer2.funnel.breakdown.buckets.slice(0, 7)
    .map((b) => ({ value: String(b.value), groups: b.sequence.map((s) => s.matchingGroups) }));
  check('the breakdown chart has the API\'s buckets', JSON.stringify(bars) === JSON.stringify(buckets),
    `${JSON.stringify(bars)} vs ${JSON.stringify(buckets)}`);
  const times = await page.evaluate(() => {
    const c = Chart.getChart('time-chart');
    return { unit: c.options.scales.y.title.text, medians: c.data.datasets[0].data, labels: c.data.labels };
  });
  const perUnit = { seconds: 1000, minutes: 60_000, hours: 3_600_000, days: 86_400_000 }[times.unit];
  const medians = answer2.funnel.sequence.slice(1).map((s) => s.timeToConvert.fromPrevious.p50);
  check('the time-to-convert chart shows the API\'s medians',
    perUnit && times.medians.length === medians.length &&
    times.medians.every((m, i) => Math.abs(m * perUnit - medians[i]) <= 1e-6 * Math.max(1, medians[i])),
    `${JSON.stringify(times)} vs ${medians}`);
  const [download] = await Promise.all([page.waitForEvent('download'),
    page.click('#funnel-table tbody tr:nth-child(3) button')]);
  const csv = (await readFile(await download.path(), 'utf8')).trim().split('\n');
  check('step 3\'s users download as CSV', csv[0] === 'user_id' &&
    csv.length - 1 === answer2.funnel.sequence[2].matchingGroups, `${csv.length - 1} rows, header ${csv[0]}`);

  // A sequence condition, and a breakdown at the last step reached, top 2.
  await page.goto('about:blank');
  await page.goto(`${base}/#dataset=web`);
  await page.waitForSelector('#validation.ok');
  await page.click('#add-condition');
  await page.selectOption('#conditions li select[aria-label="Condition 1 kind"]', 'sequence');
  const sequenceSteps = '#conditions .sequence li';
  for (const [j, value] of [[1, 'addtocart'], [2, 'purchase']]) {
    await page.selectOption(`${sequenceSteps}:nth-child(${j}) select[aria-label="Column"]`, 'event_type');
    await page.fill(`${sequenceSteps}:nth-child(${j}) input[aria-label="Value"]`, value);
  }
  await page.fill('#conditions input[aria-label="Sequence window"]', '1d');
  await page.click('#add-step');
  await page.selectOption('#steps li select[aria-label="Column"]', 'event_type');
  await page.fill('#steps li input[aria-label="Value"]', 'pageview');
  await page.selectOption('#breakdown', 'browser');
  await page.selectOption('#attribution', 'lastStep');
  await page.fill('#breakdown-top', '2');
  await page.waitForSelector('#validation.ok');
  const third = JSON.parse(await page.inputValue('#json'));
  const wanted3 = {
    query: { conditions: [{ sequence: [{ filter: ['event_type', '==', 'addtocart'] },
      { filter: ['event_type', '==', 'purchase'] }], maxDuration: '1d' }] },
    funnel: { sequence: [{ filter: ['event_type', '==', 'pageview'] }],
      breakdown: { column: 'browser', attribution: 'lastStep', top: 2 } },
  };
  check('the builder wrote a sequence condition and the breakdown\'s options',
    JSON.stringify(third) === JSON.stringify(wanted3), JSON.stringify(third));
  await page.click('#run');
  await page.waitForFunction(() => document.querySelector('#progress-text').textContent.startsWith('Done'));
  const answer3 = (await post('/datasets/web/query', third)).json;
  const summary3 = await page.textContent('#summary');
  check('the sequence condition selects the API\'s users',
    summary3.startsWith(`${answer3.query.matchingGroups.toLocaleString('en-US')} users`), summary3);

  // Every example runs, as the API answers it.
  for (const example of await page.$$eval('#examples option', (os) => os.map((o) => o.value))) {
    await page.selectOption('#examples', example);
    await page.click('#load-example');
    await page.waitForSelector('#validation.ok');
    await page.click('#run');
    await page.waitForFunction(() => document.querySelector('#progress-text').textContent.startsWith('Done'));
    const q = JSON.parse(await page.inputValue('#json'));
    const summary = await page.textContent('#summary');
    const expectedSummary = (await post('/datasets/web/query', q)).json.query.matchingGroups;
    check(`the example "${example}" runs`, summary.startsWith(`${expectedSummary.toLocaleString('en-US')} users`), summary);
  }

  // Live progress and cancel, on a server whose task of one part stalls for 20 s.
  const slow = await serve({ FROCKET_WORKER_FAULT_INJECTION: 'part-00001@1:sleep=20000' });
  try {
    await page.goto(`http://127.0.0.1:${slow.port}/${new URL(page.url()).hash}`);
    await page.waitForSelector('#validation.ok');
    await page.click('#run');
    await page.waitForFunction(() => /2 of 3 tasks done/.test(document.querySelector('#progress-text').textContent),
      null, { timeout: 15000 });
    check('progress shows the tasks done', true);
    check('Run waits while a query runs', await page.isDisabled('#run'));
    await page.click('#cancel');
    await page.waitForFunction(() => document.querySelector('#progress-text').textContent === 'Cancelled.',
      null, { timeout: 5000 });
    check('Cancel stops waiting for the query', !(await page.isDisabled('#run')) && await page.isDisabled('#cancel'));
  } finally {
    slow.server.kill('SIGKILL');
  }

  // Labels: every control is named.
  const unnamed = await page.$$eval('input, select, textarea', (els) => els.filter((e) => !e.hidden &&
    !e.getAttribute('aria-label') && !e.closest('label') && !(e.id && document.querySelector(`label[for="${e.id}"]`)))
    .map((e) => e.outerHTML.slice(0, 80)));
  check('every control has a label', unnamed.length === 0, unnamed.join('\n'));

  // A phone's width: nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  // The charts follow their box's size on the next resize callbacks.
  await page.waitForFunction(() => document.documentElement.scrollWidth <= window.innerWidth, null,
    { timeout: 3000 }).catch(() => {});
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  const wide = await page.evaluate(() => [...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.scroll'))
    .slice(0, 5).map((e) => `<${e.tagName.toLowerCase()} id="${e.id}" class="${e.className}">`));
  check('the page fits a phone\'s width', overflow <= 0, `${overflow} px too wide: ${wide.join(' ')}`);
  await page.screenshot({ path: join(shots, '7-phone.png'), fullPage: true });
  check('no script error', errors.length === 0, errors.join('\n'));
} finally {
  await browser.close();
  server.kill();
  rmSync(work, { recursive: true, force: true });
}
finish();
