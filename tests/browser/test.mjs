// The web page in a real browser (system Chromium via playwright-core).
// BASE_URL: a running `studysearch serve`; OUT_DIR: where screenshots go.
// Every check compares what the page shows with what the JSON API answers.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const base = process.env.BASE_URL;
const outDir = process.env.OUT_DIR || '.';
const query = process.env.QUERY || 'fatigue';
assert.ok(base, 'BASE_URL must be set');

const step = (text) => console.log(`browser test: ${text}`);

async function api(params) {
  const response = await fetch(`${base}/v1/search?${new URLSearchParams(params)}`);
  assert.equal(response.status, 200, `GET /v1/search?${new URLSearchParams(params)}`);
  return response.json();
}

// Resolves once the page has rendered the results of (q, pem) and is idle.
async function waitForResults(page, q, pem) {
  await page.waitForFunction(([q, pem]) => {
    const main = document.getElementById('results');
    return main.dataset.busy === 'false' && main.dataset.query === q && main.dataset.pem === pem;
  }, [q, pem], { timeout: 15000 });
}

async function shown(page) {
  return page.evaluate(() => ({
    total: Number(document.getElementById('results').dataset.total),
    countText: document.getElementById('result-count').textContent,
    ids: [...document.querySelectorAll('#hits > li')].map((li) => li.dataset.id),
    pemCounts: Object.fromEntries([...document.querySelectorAll('[data-count-for]')]
      .map((span) => [span.dataset.countFor, Number(span.textContent)])),
    q: document.getElementById('q').value,
    pemRequired: document.getElementById('pem-required').checked,
    url: location.search,
  }));
}

const pemCounts = (result) => Object.fromEntries(result.facets.pem.map((v) => [v.value, v.count]));

let browser;
try {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
  });
} catch (err) {
  console.error(`browser test: FAILED: Chromium could not start (/usr/bin/chromium): ${err.message}`);
  process.exit(1);
}

const problems = [];
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('console', (message) => { if (message.type() === 'error') problems.push(`console: ${message.text()}`); });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (request) => {
    const failure = request.failure()?.errorText || '';
    if (!failure.includes('ERR_ABORTED')) problems.push(`request failed: ${request.url()} ${failure}`);
  });

  step('open the page: an empty query browses, newest first');
  await page.goto(`${base}/`);
  await waitForResults(page, '', '');
  const browse = await shown(page);
  const browseApi = await api({ sort: 'newest', limit: 10 });
  assert.equal(browse.total, browseApi.total);
  assert.deepEqual(browse.ids, browseApi.hits.map((h) => h.id));

  step(`type "${query}": results as you type`);
  await page.locator('#q').click();
  await page.keyboard.type(query, { delay: 30 });
  await waitForResults(page, query, '');
  const typed = await shown(page);
  const typedApi = await api({ q: query });
  assert.ok(typedApi.total > 0, `the index has no study matching "${query}"`);
  assert.equal(typed.total, typedApi.total, 'count shown = API total');
  assert.ok(typed.countText.includes(typedApi.total.toLocaleString('en')), `count text "${typed.countText}"`);
  assert.deepEqual(typed.ids, typedApi.hits.map((h) => h.id), 'result list = API hits');
  assert.deepEqual(typed.pemCounts, pemCounts(typedApi), 'PEM facet counts = API');
  assert.ok(new URLSearchParams(typed.url).get('q') === query, `URL reflects the query: ${typed.url}`);

  for (const hit of typedApi.hits) {
    const links = await page.locator(`#hits > li[data-id="${hit.id}"] a.doi`).count();
    assert.equal(links, hit.doi ? 1 : 0, `DOI link of ${hit.id} only when it has a DOI`);
  }

  step('snippets highlight the match with <mark>');
  assert.ok(await page.locator('#hits .snippet mark').count() > 0, 'a snippet contains <mark>');
  assert.equal(await page.locator('#hits script').count(), 0);

  step('tick "PEM required": list and counts follow the API');
  await page.check('#pem-required');
  await waitForResults(page, query, 'required');
  const ticked = await shown(page);
  const tickedApi = await api({ q: query, pem: 'required' });
  assert.equal(ticked.total, tickedApi.total);
  assert.deepEqual(ticked.ids, tickedApi.hits.map((h) => h.id));
  assert.deepEqual(ticked.pemCounts, pemCounts(tickedApi), 'disjunctive PEM counts');
  if (tickedApi.total !== typedApi.total) assert.notEqual(ticked.total, typed.total);
  assert.ok(new URLSearchParams(ticked.url).getAll('pem').includes('required'), `URL has pem: ${ticked.url}`);
  for (const badge of await page.locator('#hits .pem-badge').allTextContents()) assert.equal(badge, 'PEM required');

  step('"Similar studies" loads inline');
  if (ticked.ids.length) {
    const button = page.locator('#hits .similar-button').first();
    await button.click();
    assert.equal(await button.getAttribute('aria-expanded'), 'true');
    await page.locator('#hits .similar').first().locator('.similar-list, p.muted:not(:has-text("Loading"))')
      .first().waitFor({ timeout: 10000 });
  }

  step('Back restores the previous search');
  await page.goBack();
  await waitForResults(page, query, '');
  const back = await shown(page);
  assert.equal(back.pemRequired, false, 'checkbox unticked');
  assert.equal(back.q, query, 'query text restored');
  assert.equal(back.total, typed.total);
  assert.deepEqual(back.ids, typed.ids);
  assert.equal(new URLSearchParams(back.url).get('pem'), null);

  step('Forward re-applies the filter; Back again');
  await page.goForward();
  await waitForResults(page, query, 'required');
  assert.equal((await shown(page)).pemRequired, true);
  await page.goBack();
  await waitForResults(page, query, '');

  if (typedApi.total > 10) {
    step('Next page shows hits 11-20 as the API has them');
    await page.click('#next');
    await page.waitForFunction(() => document.getElementById('results').dataset.busy === 'false'
      && document.getElementById('results').dataset.offset === '10', null, { timeout: 15000 });
    const second = await shown(page);
    const secondApi = await api({ q: query, offset: 10, limit: 10 });
    assert.deepEqual(second.ids, secondApi.hits.map((h) => h.id));
    assert.equal(new URLSearchParams(second.url).get('page'), '2');
    const range = await page.locator('#range').textContent();
    assert.ok(range.startsWith('11–'), `range text "${range}"`);
    await page.goBack();
    await page.waitForFunction(() => document.getElementById('results').dataset.busy === 'false'
      && document.getElementById('results').dataset.offset === '0', null, { timeout: 15000 });
  }

  step('markup in the index shows as text and never runs; DOI links only when a DOI exists');
  await page.fill('#q', 'zebrafish');
  await page.press('#q', 'Enter');
  await waitForResults(page, 'zebrafish', '');
  const hostile = await page.evaluate(() => {
    const card = document.querySelector('#hits > li[data-id="zz-2024-markup-test"]');
    return card && {
      xss: window.__xss,
      title: card.querySelector('.title').textContent,
      snippet: card.querySelector('.snippet').textContent,
      marks: [...card.querySelectorAll('.snippet mark')].map((m) => m.textContent),
      elements: card.querySelectorAll('img, script, .snippet b').length,
      doi: card.querySelector('a.doi')?.href,
    };
  });
  assert.ok(hostile, 'the hostile record is found');
  assert.equal(hostile.xss, undefined, 'no script from the data ran');
  assert.equal(hostile.elements, 0, 'no element from the data was created');
  assert.ok(hostile.title.includes('<img src=x onerror="window.__xss=1">'), hostile.title);
  assert.ok(hostile.snippet.includes('<mark>zebrafish</mark>'), `fake mark tags stay text: ${hostile.snippet}`);
  assert.deepEqual(hostile.marks, ['zebrafish'], 'exactly the real highlight is a <mark>');
  assert.equal(hostile.doi, 'https://doi.org/10.5555/markup.2024');
  await page.goBack();
  await waitForResults(page, query, '');

  await page.screenshot({ path: `${outDir}/screenshot.png`, fullPage: false });
  step(`screenshot: ${outDir}/screenshot.png`);

  step('375 px wide: readable, filters fold above the results');
  await page.setViewportSize({ width: 375, height: 800 });
  await page.waitForTimeout(200);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling at 375 px (overflow ${overflow}px)`);
  await page.screenshot({ path: `${outDir}/screenshot-375.png`, fullPage: false });

  assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  step('PASSED');
} catch (err) {
  console.error(`browser test: FAILED: ${err.stack || err}`);
  if (problems.length) console.error(problems.join('\n'));
  process.exitCode = 1;
} finally {
  await browser.close();
}
