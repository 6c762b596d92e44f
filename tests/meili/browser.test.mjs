// The /instantsearch/ demo (stock instantsearch.js widgets + instant-meilisearch)
// in the system Chromium, the page served by one `studysearch serve` and the
// API by another (different origins: CORS). Every request that is not to
// loopback is blocked; a console error fails the test. For each UI state the
// page must show what the native /v1/search answers for the same request:
// ids, order, total, facet counts.
// PAGE_URL: the page (with ?host=API); API_URL: the API server; OUT_DIR: screenshots.
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { launchChromium } from './chromium.mjs';

const pageUrl = process.env.PAGE_URL;
const api = process.env.API_URL;
const outDir = process.env.OUT_DIR || '.';
assert.ok(pageUrl && api, 'PAGE_URL and API_URL must be set');
assert.notEqual(new URL(pageUrl).origin, new URL(api).origin, 'page and API on different origins');

const step = (text) => console.log(`meili browser test: ${text}`);

// The native request for a UI state. The dialect's last word is a prefix (prefix=1);
// InstantSearch asks 10 hits per page.
async function native(state, extra = {}) {
  const query = new URLSearchParams({ q: state.q, prefix: '1', snippets: '0', limit: '10', journal_facets: '1000',
    offset: String(10 * (state.page - 1)), sort: state.sort, ...extra });
  for (const p of state.pem) query.append('pem', p);
  for (const j of state.journal) query.append('journal', j);
  if (state.yearFrom) query.set('year_from', String(state.yearFrom));
  if (state.yearTo) query.set('year_to', String(state.yearTo));
  const response = await fetch(`${api}/v1/search?${query}`);
  assert.equal(response.status, 200, `/v1/search?${query}`);
  return response.json();
}

// What the page shows.
function shown(page) {
  return page.evaluate(() => {
    const list = (selector) => Object.fromEntries([...document.querySelectorAll(`${selector} .ais-RefinementList-item`)]
      .map((li) => [li.querySelector('.ais-RefinementList-labelText').textContent.trim(),
        Number(li.querySelector('.ais-RefinementList-count').textContent.replace(/[^\d]/g, ''))]));
    const stats = document.querySelector('#stats').textContent;
    const count = stats.match(/^\s*([\d,]+) result/);
    return {
      ids: [...document.querySelectorAll('#hits article[data-id]')].map((a) => a.dataset.id),
      total: count ? Number(count[1].replace(/,/g, '')) : (/No results/.test(stats) ? 0 : -1),
      pem: list('#pem'),
      journal: list('#journal'),
      marks: document.querySelectorAll('#hits mark').length,
      idle: !!window.search && window.search.status === 'idle',
    };
  });
}

// Waits until the page shows the native page (ids in order, total), then returns both.
async function settle(page, state, label) {
  const want = await native(state);
  const expected = { ids: want.hits.map((h) => h.id), total: want.total };
  try {
    await page.waitForFunction((exp) => {
      const stats = document.querySelector('#stats')?.textContent || '';
      const count = stats.match(/^\s*([\d,]+) result/);
      const total = count ? Number(count[1].replace(/,/g, '')) : (/No results/.test(stats) ? 0 : -1);
      const ids = [...document.querySelectorAll('#hits article[data-id]')].map((a) => a.dataset.id);
      return window.search && window.search.status === 'idle' && total === exp.total &&
        JSON.stringify(ids) === JSON.stringify(exp.ids);
    }, expected, { timeout: 15000, polling: 100 });
  } catch (err) {
    const got = await shown(page);
    throw new Error(`${label}: the page shows ${JSON.stringify({ ids: got.ids, total: got.total })}, ` +
      `/v1/search answers ${JSON.stringify(expected)}`);
  }
  const got = await shown(page);
  return { got, want };
}

// Values with a count; `refined` ones stay listed with 0 (as InstantSearch shows a ticked value).
const counts = (values, refined = []) => Object.fromEntries(values
  .filter((v) => v.count > 0 || refined.includes(v.value)).map((v) => [v.value, v.count]));

// Facet lists on the page against the native disjunctive counts (InstantSearch asks
// one query per refined group, so its counts are disjunctive too).
function checkFacets(label, got, want, state) {
  assert.deepEqual(got.pem, counts(want.facets.pem, state.pem), `${label}: pem counts`);
  const journals = counts(want.facets.journal, state.journal);
  const names = Object.keys(got.journal);
  assert.equal(names.length, Math.min(10, Object.keys(journals).length), `${label}: journals shown`);
  for (const name of names) assert.equal(got.journal[name], journals[name] ?? 0, `${label}: journal ${name}`);
}

const labelInput = (page, container, value) => page.locator(`${container} .ais-RefinementList-label`)
  .filter({ has: page.locator('.ais-RefinementList-labelText', { hasText: new RegExp(`^\\s*${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) }) })
  .locator('input');

const browser = await launchChromium(chromium, 'meili browser test');

const problems = [];
const blocked = [];
const crossOrigin = [];
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.hostname === 'localhost') {
      if (url.origin === new URL(api).origin) crossOrigin.push(`${route.request().method()} ${url.pathname}`);
      return route.continue();
    }
    blocked.push(url.href);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('console', (message) => { if (message.type() === 'error') problems.push(`console: ${message.text()}`); });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));

  const state = { q: '', pem: [], journal: [], yearFrom: null, yearTo: null, sort: 'relevance', page: 1 };

  step('open the page: a placeholder search shows every study');
  await page.goto(pageUrl);
  let { got, want } = await settle(page, state, 'placeholder');
  checkFacets('placeholder', got, want, state);

  step('type "fatigue": hits, order, total, facet counts, highlights');
  await page.locator('.ais-SearchBox-input').first().fill('fatigue');
  state.q = 'fatigue';
  ({ got, want } = await settle(page, state, 'query'));
  assert.ok(want.total > 10, 'the sample has more than a page of fatigue studies');
  checkFacets('query', got, want, state);
  assert.ok(got.marks > 0, 'matched words are highlighted');

  step('two PEM refinements: required and not_required');
  await labelInput(page, '#pem', 'required').check();
  state.pem.push('required');
  await settle(page, state, 'pem required');
  await labelInput(page, '#pem', 'not_required').check();
  state.pem.push('not_required');
  ({ got, want } = await settle(page, state, 'pem required + not_required'));
  checkFacets('two pem', got, want, state);

  step('a journal refinement');
  const journal = want.facets.journal.find((v) => v.count > 0).value;
  await labelInput(page, '#journal', journal).check();
  state.journal.push(journal);
  ({ got, want } = await settle(page, state, `journal ${journal}`));
  checkFacets('journal', got, want, state);
  await labelInput(page, '#journal', journal).uncheck();
  state.journal = [];
  await settle(page, state, 'journal cleared');

  step('a year range');
  await page.locator('#year .ais-RangeInput-input--min').fill('2000');
  await page.locator('#year .ais-RangeInput-input--max').fill('2022');
  await page.locator('#year .ais-RangeInput-submit').click();
  state.yearFrom = 2000;
  state.yearTo = 2022;
  ({ got, want } = await settle(page, state, 'year 2000-2022'));
  checkFacets('year range', got, want, state);

  step('sort newest first');
  await page.locator('#sort select').selectOption('studies:year:desc');
  state.sort = 'newest';
  ({ got, want } = await settle(page, state, 'newest'));
  checkFacets('newest', got, want, state);

  step('page 2');
  assert.ok(want.total > 10, `page 2 needs more than 10 results (${want.total})`);
  await page.locator('#pagination .ais-Pagination-item--page a', { hasText: /^2$/ }).click();
  state.page = 2;
  ({ got, want } = await settle(page, state, 'page 2'));
  assert.equal(got.ids.length, Math.min(10, want.total - 10));

  step('searchable journal facet: type "j" in the journal search box');
  await page.locator('#journal .ais-SearchBox-input').fill('j');
  await page.waitForFunction(() => [...document.querySelectorAll('#journal .ais-RefinementList-labelText')]
    .every((el) => /(^|[^\p{L}\p{N}])j/iu.test(el.textContent)), null, { timeout: 15000 });
  await page.waitForFunction(() => window.search.status === 'idle', null, { timeout: 15000 });
  got = await shown(page);
  // Every filter but the journal's own: the same request natively (facet counts ignore paging).
  want = await native({ ...state, page: 1 });
  const expected = counts(want.facets.journal.filter((v) => v.value.split(/[^\p{L}\p{N}]+/u).some((w) => /^j/i.test(w))));
  assert.ok(Object.keys(expected).length > 0, 'some journal begins with j');
  assert.deepEqual(got.journal, Object.fromEntries(Object.entries(expected).slice(0, 10)), 'facet search hits');
  await page.screenshot({ path: `${outDir}/meili-instantsearch.png`, fullPage: true });

  assert.ok(crossOrigin.some((r) => r.startsWith('POST /multi-search')), 'the page called the API origin');
  assert.ok(crossOrigin.some((r) => r.includes('/facet-search')), 'the page used facet search');
  assert.deepEqual(blocked, [], 'no request left loopback');
  assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  step(`passed (${crossOrigin.length} requests to the API origin)`);
} catch (err) {
  console.error(`meili browser test: FAILED: ${err.stack || err.message}`);
  if (problems.length) console.error(`problems seen:\n  ${problems.join('\n  ')}`);
  if (blocked.length) console.error(`blocked:\n  ${blocked.join('\n  ')}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
