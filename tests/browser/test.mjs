// The web page in a real browser (system Chromium via playwright-core).
// BASE_URL: a running `studysearch serve`; OUT_DIR: screenshots go to OUT_DIR/screens.
// Every check compares what the page shows with what the JSON API answers.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { launchChromium } from './chromium.mjs';

const base = process.env.BASE_URL;
const outDir = process.env.OUT_DIR || '.';
const query = process.env.QUERY || 'fatigue';
assert.ok(base, 'BASE_URL must be set');
const screens = `${outDir}/screens`;
mkdirSync(screens, { recursive: true });

const step = (text) => console.log(`browser test: ${text}`);
const WIDE = { width: 1280, height: 900 };
const NARROW = { width: 375, height: 800 };

function searchParams(params) {
  const p = new URLSearchParams();
  for (const [name, value] of Object.entries(params))
    for (const v of [].concat(value)) p.append(name, String(v));
  return p;
}

async function getJson(path) {
  const response = await fetch(`${base}${path}`);
  assert.equal(response.status, 200, `GET ${path}`);
  return response.json();
}
const api = (params) => getJson(`/v1/search?${searchParams(params)}`);
const ids = (result) => result.hits.map((h) => h.id);

// Resolves once the page has rendered the results of (q, pem) and is idle.
async function waitForResults(page, q, pem = '') {
  try {
    await page.waitForFunction(([q, pem]) => {
      const main = document.getElementById('results');
      return !document.getElementById('search-view').hidden && main.dataset.busy === 'false' &&
        main.dataset.query === q && main.dataset.pem === pem;
    }, [q, pem], { timeout: 15000 });
  } catch (err) {
    const seen = await page.evaluate(() => ({ ...document.getElementById('results').dataset, box: document.getElementById('q').value, url: location.href }));
    throw new Error(`waiting for q="${q}" pem="${pem}", the page has ${JSON.stringify(seen)}: ${err.message}`);
  }
}

// Resolves once the list shows exactly these filters (URL form, without q).
async function waitForFilters(page, filters) {
  await page.waitForFunction((filters) => {
    const main = document.getElementById('results');
    return main.dataset.busy === 'false' && main.dataset.filters === filters;
  }, filters, { timeout: 15000 });
}

async function waitForStudy(page, id) {
  await page.waitForFunction((id) => {
    const view = document.getElementById('study-view');
    return !view.hidden && view.dataset.id === id && view.dataset.busy === 'false' &&
      document.querySelector('#study .study-title') !== null;
  }, id, { timeout: 15000 });
}

async function shown(page) {
  return page.evaluate(() => ({
    total: Number(document.getElementById('results').dataset.total),
    countText: document.getElementById('result-count').textContent,
    ids: [...document.querySelectorAll('#hits > li')].map((li) => li.dataset.id).filter(Boolean),
    pemCounts: Object.fromEntries([...document.querySelectorAll('[data-count-for]')]
      .map((span) => [span.dataset.countFor, Number(span.textContent)])),
    q: document.getElementById('q').value,
    pemRequired: document.getElementById('pem-required').checked,
    url: location.pathname + location.search,
  }));
}

const pemCounts = (result) => Object.fromEntries(result.facets.pem.map((v) => [v.value, v.count]));

// One screenshot per state at 1280 px and at 375 px, then back to the size it had.
const written = [];
async function snap(page, name, { narrowOnly = false, fullPage = false } = {}) {
  const size = page.viewportSize();
  for (const viewport of narrowOnly ? [NARROW] : [WIDE, NARROW]) {
    if (page.viewportSize().width !== viewport.width) {
      await page.setViewportSize(viewport);
      await page.waitForTimeout(150);
    }
    const path = `${screens}/${name}-${viewport.width}.png`;
    await page.screenshot({ path, fullPage });
    written.push(path);
  }
  if (page.viewportSize().width !== size.width) {
    await page.setViewportSize(size);
    await page.waitForTimeout(150);
  }
}

const browser = await launchChromium(chromium, 'browser test');

const problems = [];
const expectedErrors = [];  // console errors the test provokes itself (the simulated outage)
try {
  const context = await browser.newContext({ viewport: WIDE });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    if (expectedErrors.some((text) => message.text().includes(text))) return;
    problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (request) => {
    const failure = request.failure()?.errorText || '';
    if (!failure.includes('ERR_ABORTED')) problems.push(`request failed: ${request.url()} ${failure}`);
  });

  step('open the page: an empty query browses, newest first');
  await page.goto(`${base}/`);
  await waitForResults(page, '');
  const browse = await shown(page);
  const browseApi = await api({ sort: 'newest', limit: 10 });
  assert.equal(browse.total, browseApi.total);
  assert.deepEqual(browse.ids, ids(browseApi));
  assert.ok(browseApi.total > 30, 'the index has more than 30 studies (page 3 needs them)');
  step('facet groups follow the API\'s facet object');
  const groupIds = await page.evaluate(() => [...document.querySelectorAll('#facets > fieldset:not([hidden])')].map((f) => f.id));
  const apiGroups = Object.keys(browseApi.facets).filter((k) => browseApi.facets[k].length);
  for (const key of apiGroups) assert.ok(groupIds.includes(`${key}-facet`), `a facet group for "${key}" (${groupIds})`);
  assert.ok(await page.locator('#evidence_level-facet legend').textContent() === 'Evidence level');
  const unknownYears = browseApi.facets.year.find((v) => v.value === 'unknown');
  assert.ok(unknownYears, 'the sample has yearless studies');
  assert.equal(await page.locator('#year-facet li[data-value="unknown"] .count').textContent(), String(unknownYears.count),
    '"unknown" year is offered with its count');
  await snap(page, 'browse');

  step(`type "${query}": results as you type (the last word is a prefix while typing)`);
  await page.locator('#q').click();
  await page.keyboard.type(query, { delay: 30 });
  await waitForResults(page, query);
  const typed = await shown(page);
  const typedApi = await api({ q: query, prefix: 1 });
  assert.ok(typedApi.total > 20, `fewer than 21 studies match "${query}"`);
  assert.equal(typed.total, typedApi.total, 'count shown = API total');
  assert.ok(typed.countText.includes(typedApi.total.toLocaleString('en')), `count text "${typed.countText}"`);
  assert.deepEqual(typed.ids, ids(typedApi), 'result list = API hits');
  assert.deepEqual(typed.pemCounts, pemCounts(typedApi), 'PEM facet counts = API');
  assert.equal(new URLSearchParams(typed.url.split('?')[1]).get('q'), query, `URL reflects the query: ${typed.url}`);
  for (const hit of typedApi.hits) {
    const links = await page.locator(`#hits > li[data-id="${hit.id}"] a.doi`).count();
    assert.equal(links, hit.doi ? 1 : 0, `DOI link of ${hit.id} only when it has a DOI`);
    const title = page.locator(`#hits > li[data-id="${hit.id}"] a.title-link`);
    assert.equal(await title.getAttribute('href'), `/study/${hit.id}?q=${query}&prefix=1`, 'the title links to the study view');
  }

  step('snippets highlight the match with <mark>');
  assert.ok(await page.locator('#hits .snippet mark').count() > 0, 'a snippet contains <mark>');
  assert.equal(await page.locator('#hits script').count(), 0);

  step('tick "PEM required": list and counts follow the API');
  await page.check('#pem-required');
  await waitForResults(page, query, 'required');
  const ticked = await shown(page);
  const tickedApi = await api({ q: query, prefix: 1, pem: 'required' });
  assert.equal(ticked.total, tickedApi.total);
  assert.deepEqual(ticked.ids, ids(tickedApi));
  assert.deepEqual(ticked.pemCounts, pemCounts(tickedApi), 'disjunctive PEM counts');
  assert.notEqual(ticked.total, typed.total);
  assert.ok(new URLSearchParams(ticked.url.split('?')[1]).getAll('pem').includes('required'), `URL has pem: ${ticked.url}`);
  for (const badge of await page.locator('#hits .pem-badge').allTextContents()) assert.equal(badge, 'PEM required');
  assert.deepEqual(await page.locator('#chips .chip-text').allTextContents(), ['PEM required'], 'a chip for the filter');

  step('"Similar studies" loads inline, as links to study views');
  const similarButton = page.locator('#hits .similar-button').first();
  await similarButton.click();
  assert.equal(await similarButton.getAttribute('aria-expanded'), 'true');
  await page.locator('#hits .similar').first().locator('.similar-list a').first().waitFor({ timeout: 10000 });
  const similarHref = await page.locator('#hits .similar .similar-list a').first().getAttribute('href');
  assert.match(similarHref, /^\/study\/[a-z0-9-]+\?q=/);

  step('Back restores the previous search');
  await page.goBack();
  await waitForResults(page, query);
  const back = await shown(page);
  assert.equal(back.pemRequired, false, 'checkbox unticked');
  assert.equal(back.q, query, 'query text restored');
  assert.equal(back.total, typed.total);
  assert.deepEqual(back.ids, typed.ids);

  step('Forward re-applies the filter; Back again');
  await page.goForward();
  await waitForResults(page, query, 'required');
  assert.equal((await shown(page)).pemRequired, true);
  await page.goBack();
  await waitForResults(page, query);

  step('open a study from the results: summary, relevance and limitations with the query words marked');
  let target = null;
  for (const hit of typedApi.hits) {
    const marked = await getJson(`/v1/studies/${hit.id}/highlight?${searchParams({ q: query, prefix: 1 })}`);
    if ([marked.summary, marked.relevance, marked.limitations].every((t) => t && t.includes('<mark>'))) { target = hit; break; }
  }
  assert.ok(target, `no study on page 1 has "${query}" in summary, relevance and limitations`);
  const listUrl = (await shown(page)).url;
  const listIds = (await shown(page)).ids;
  const targetLink = page.locator(`#hits > li[data-id="${target.id}"] a.title-link`);
  // Scrolled so that the title is 150 px from the top: Back must come back to exactly here.
  await targetLink.evaluate((link) => window.scrollTo(0, link.getBoundingClientRect().top + window.scrollY - 150));
  const listScroll = await page.evaluate(() => window.scrollY);
  await targetLink.click();
  await waitForStudy(page, target.id);
  const record = await getJson(`/v1/studies/${target.id}`);
  const view = await page.evaluate(() => {
    const text = (selector) => document.querySelector(`#study ${selector}`)?.textContent ?? null;
    const marks = (selector) => [...document.querySelectorAll(`#study ${selector} mark`)].map((m) => m.textContent.toLowerCase());
    return {
      path: location.pathname, title: text('.study-title'), byline: text('.byline'),
      summary: text('.summary .study-text'), relevance: text('.relevance .study-text'), limitations: text('.limitations .study-text'),
      summaryMarks: marks('.summary'), relevanceMarks: marks('.relevance'), limitationsMarks: marks('.limitations'),
      relevanceHeading: text('.relevance h2'), limitationsHeading: text('.limitations h2'),
      badge: text('.pem-badge'), explainer: text('.pem-explainer p'),
    };
  });
  assert.equal(view.path, `/study/${target.id}`);
  assert.equal(view.title, record.title);
  assert.equal(view.byline, record.authors.join('; '));
  assert.equal(view.summary, record.summary);
  assert.equal(view.relevance, record.relevance);
  assert.equal(view.limitations, record.limitations);
  assert.equal(view.relevanceHeading, 'Why it matters');
  assert.equal(view.limitationsHeading, 'What it does not prove');
  for (const name of ['summaryMarks', 'relevanceMarks', 'limitationsMarks']) {
    assert.ok(view[name].length > 0, `${name}: the query word is marked`);
    for (const word of view[name]) assert.ok(word.startsWith(query.slice(0, 5)), `${name}: "${word}" marked for "${query}"`);
  }
  assert.equal(view.badge, { required: 'PEM required', not_required: 'PEM not required', unclear: 'PEM unclear' }[record.pem]);
  assert.ok(view.explainer && view.explainer.length > 60, 'the PEM badge is explained in plain words');
  await page.locator('#study .similar-list a').first().waitFor({ timeout: 10000 });
  await snap(page, 'study');

  step('Back returns to the same result list');
  await page.goBack();
  await waitForResults(page, query);
  const returned = await shown(page);
  assert.equal(returned.url, listUrl);
  assert.deepEqual(returned.ids, listIds);
  assert.ok(listScroll > 0, 'the list was scrolled before opening the study');
  assert.equal(await page.evaluate(() => window.scrollY), listScroll, 'at the same place in the list');

  step('open a study from the similar studies of a study');
  await page.click(`#hits > li[data-id="${target.id}"] a.title-link`);
  await waitForStudy(page, target.id);
  const similarLink = page.locator('#study .similar-list a').first();
  await similarLink.waitFor({ timeout: 10000 });
  const similarId = await page.locator('#study .similar-list li').first().getAttribute('data-id');
  const similarTitle = await similarLink.textContent();
  await similarLink.click();
  await waitForStudy(page, similarId);
  assert.equal(await page.locator('#study .study-title').textContent(), similarTitle);
  assert.equal(new URL(page.url()).pathname, `/study/${similarId}`);
  await snap(page, 'study-similar');
  await page.goBack();
  await waitForStudy(page, target.id);
  await page.goBack();
  await waitForResults(page, query);
  assert.deepEqual((await shown(page)).ids, listIds);

  step('a study view is deep-linkable');
  await page.goto(`${base}/study/${target.id}?q=${query}`);
  await waitForStudy(page, target.id);
  assert.ok(await page.locator('#study .limitations mark').count() > 0);
  assert.equal(await page.locator('#back-link').getAttribute('href'), `/?q=${query}`);
  expectedErrors.push('status of 404');
  await page.goto(`${base}/study/no-such-study`);
  await page.waitForFunction(() => document.querySelector('#study .study-title')?.textContent === 'No such study');

  step('typing letter by letter never flashes "No studies match" for prefixes of matching words');
  assert.equal((await api({ q: 'natu' })).total, 0, 'a whole-word search for "natu" finds nothing');
  assert.ok((await api({ q: 'natu', prefix: 1 })).total > 0, 'a prefix search for "natu" finds studies');
  await page.goto(`${base}/`);
  await waitForResults(page, '');
  await page.evaluate(() => {
    window.__counts = [];
    const count = document.getElementById('result-count');
    new MutationObserver(() => window.__counts.push(count.textContent)).observe(count, { childList: true, characterData: true, subtree: true });
  });
  const words = 'natural killer';
  await page.locator('#q').click();
  await page.keyboard.type(words, { delay: 260 });  // longer than the page's debounce: every prefix is searched
  await waitForResults(page, words);
  const counts = await page.evaluate(() => window.__counts);
  assert.ok(counts.length >= 8, `a result list per prefix (${counts.length}: ${counts.join(' | ')})`);
  for (const text of counts) assert.ok(!text.startsWith('No studies match'), `zero-result flash: "${text}"`);
  const wordsApi = await api({ q: words, prefix: 1 });
  assert.deepEqual((await shown(page)).ids, ids(wordsApi));
  await snap(page, 'typing');

  step('journals: "Show more" and pick one beyond the top 10');
  await page.goto(`${base}/`);
  await waitForResults(page, '');
  assert.equal(await page.locator('#journal-list > li').count(), 10);
  await page.click('#journal-more');
  await page.waitForFunction(() => document.querySelectorAll('#journal-list > li').length > 10, null, { timeout: 15000 });
  const moreApi = await api({ sort: 'newest', journal_facets: 60 });
  const journalsShown = await page.locator('#journal-list > li').evaluateAll((items) => items.map((li) => li.dataset.value));
  assert.deepEqual(journalsShown, moreApi.facets.journal.map((v) => v.value), 'the longer journal list = API');
  const farJournal = journalsShown[14];
  assert.ok(farJournal, 'a 15th journal exists');
  await page.locator(`#journal-list > li:nth-child(15) input`).check();
  await waitForFilters(page, searchParams({ journal: farJournal }).toString());
  const farApi = await api({ journal: farJournal, sort: 'newest' });
  assert.equal((await shown(page)).total, farApi.total);
  assert.deepEqual((await shown(page)).ids, ids(farApi));
  assert.equal(await page.locator(`#journal-list > li:nth-child(15) input`).isChecked(), true, 'the journal stays listed and ticked');
  await snap(page, 'journals-more');

  step('journals: the search box inside the facet');
  await page.fill('#journal-search', 'immun');
  const found = await getJson(`/v1/facets/journal?${searchParams({ journal: farJournal, facet_q: 'immun', k: 20 })}`);
  assert.ok(found.values.length >= 2, 'several journals match "immun"');
  await page.waitForFunction((n) => {
    const items = [...document.querySelectorAll('#journal-list > li')];
    return items.length === n && items.every((li) => /immun/i.test(li.dataset.value));
  }, found.values.length, { timeout: 15000 });
  assert.deepEqual(await page.locator('#journal-list > li').evaluateAll((items) => items.map((li) => li.dataset.value)),
    found.values.map((v) => v.value));
  assert.deepEqual(await page.locator('#journal-list .count').allTextContents(), found.values.map((v) => String(v.count)));
  const searchedJournal = found.values[0].value;
  await page.locator('#journal-list > li').first().locator('input').check();
  await waitForFilters(page, searchParams({ journal: [farJournal, searchedJournal] }).toString());
  const twoApi = await api({ journal: [farJournal, searchedJournal], sort: 'newest' });
  assert.equal((await shown(page)).total, twoApi.total);
  assert.deepEqual((await shown(page)).ids, ids(twoApi));
  await snap(page, 'journal-search');

  step('remove one filter by its chip');
  const chips = await page.locator('#chips .chip-text').allTextContents();
  assert.deepEqual(chips, [`Journal: ${farJournal}`, `Journal: ${searchedJournal}`]);
  await snap(page, 'chips');
  await page.locator('#chips li').first().locator('.chip-remove').click();
  await waitForFilters(page, searchParams({ journal: searchedJournal }).toString());
  const oneApi = await api({ journal: searchedJournal, sort: 'newest' });
  assert.equal((await shown(page)).total, oneApi.total);
  assert.deepEqual(await page.locator('#chips .chip-text').allTextContents(), [`Journal: ${searchedJournal}`]);

  step('"unknown" year as a filter');
  await page.goto(`${base}/?q=${query}`);
  await waitForResults(page, query);
  await page.check('#year-unknown');
  await waitForFilters(page, 'year_unknown=1');
  const unknownApi = await api({ q: query, year_unknown: 1 });
  assert.ok(unknownApi.total > 0);
  assert.equal((await shown(page)).total, unknownApi.total);
  assert.deepEqual((await shown(page)).ids, ids(unknownApi));
  await page.locator('#chips .chip-remove').click();
  await waitForFilters(page, '');

  step('go to page 3 by its number');
  await page.click('#pages button[data-page="3"]');
  await page.waitForFunction(() => document.getElementById('results').dataset.busy === 'false'
    && document.getElementById('results').dataset.offset === '20', null, { timeout: 15000 });
  const third = await shown(page);
  const thirdApi = await api({ q: query, offset: 20, limit: 10 });
  assert.deepEqual(third.ids, ids(thirdApi));
  assert.equal(new URLSearchParams(third.url.split('?')[1]).get('page'), '3');
  assert.equal(await page.locator('#pages [aria-current="page"]').textContent(), '3');
  assert.ok((await page.locator('#range').textContent()).startsWith('21–'));
  await snap(page, 'page-3', { fullPage: true });  // the list and the pager under it

  step('inverted years: a message next to the inputs, nothing is searched');
  await page.fill('#year-from', '2020');
  await page.locator('#year-from').dispatchEvent('change');
  await waitForFilters(page, 'year_from=2020');
  const before = (await shown(page)).url;
  await page.fill('#year-to', '2010');
  await page.locator('#year-to').dispatchEvent('change');
  await page.locator('#year-error').waitFor({ state: 'visible', timeout: 5000 });
  assert.match(await page.locator('#year-error').textContent(), /2020.*after.*2010/);
  assert.equal(await page.locator('#year-to').getAttribute('aria-invalid'), 'true');
  assert.equal((await shown(page)).url, before, 'no search with an inverted range');
  await snap(page, 'years-inverted');
  await page.fill('#year-to', '2022');
  await page.locator('#year-to').dispatchEvent('change');
  await waitForFilters(page, 'year_from=2020&year_to=2022');
  assert.equal(await page.locator('#year-error').isHidden(), true);
  assert.equal((await shown(page)).total, (await api({ q: query, year_from: 2020, year_to: 2022 })).total);

  step('a failed search: an error message and a disabled pager');
  await page.goto(`${base}/?q=${query}`);
  await waitForResults(page, query);
  expectedErrors.push('status of 500');
  await page.route('**/v1/search?**', (route) => route.fulfill({
    status: 500, contentType: 'application/json',
    body: JSON.stringify({ error: { kind: 'internal', message: 'simulated outage' } }),
  }));
  await page.click('#pages button[data-page="2"]');
  await page.locator('#error').waitFor({ state: 'visible', timeout: 10000 });
  assert.match(await page.locator('#error').textContent(), /simulated outage/);
  const enabled = await page.locator('#pager button:not([disabled])').count();
  assert.equal(enabled, 0, 'every pager button is disabled in the error state');
  await snap(page, 'error', { fullPage: true });  // the message above, the disabled pager below
  await page.unroute('**/v1/search?**');
  await page.press('#q', 'Enter');
  await page.locator('#error').waitFor({ state: 'hidden', timeout: 10000 });
  assert.ok(await page.locator('#pager button:not([disabled])').count() > 0, 'the pager works again');

  step('criteria (multi-valued): ticking a case definition filters as the API does, counts match');
  await page.goto(`${base}/?q=${query}`);
  await waitForResults(page, query);
  const critApi = await api({ q: query });
  assert.ok(critApi.facets.criteria.length >= 2, 'the sample has several case definitions');
  assert.deepEqual(await page.locator('#criteria-list > li').evaluateAll((items) => items.map((li) => li.dataset.value)),
    critApi.facets.criteria.map((v) => v.value), 'the criteria facet lists the API values in order');
  const crit = critApi.facets.criteria[0];
  await page.locator('#criteria-list > li').first().locator('input').check();
  await waitForFilters(page, new URLSearchParams({ criteria: crit.value }).toString());
  const critFiltered = await api({ q: query, criteria: crit.value });
  assert.equal(critFiltered.total, crit.count, 'the facet count is the filtered total');
  assert.deepEqual((await shown(page)).ids, ids(critFiltered), 'the page shows the API hits for the criteria filter');
  assert.deepEqual(await page.locator('#chips .chip-text').allTextContents(), [`Diagnostic criteria: ${crit.value}`]);
  await snap(page, 'criteria');
  await page.locator('#criteria-list > li').first().locator('input').uncheck();
  await waitForFilters(page, '');

  step('a filter value spelt otherwise in the URL ticks its facet value: the API marks it selected, the page never folds');
  const spelt = (await api({ q: query })).facets.journal[0].value;
  await page.goto(`${base}/?${searchParams({ q: query, journal: spelt.toUpperCase() })}`);
  await waitForResults(page, query);
  await page.waitForFunction((v) => [...document.querySelectorAll('#journal-list input')].some((b) => b.value === v && b.checked),
    spelt, { timeout: 15000 }).catch(async (err) => {
    const boxes = await page.locator('#journal-list input').evaluateAll((all) => all.map((b) => [b.value, b.checked]));
    throw new Error(`${err.message}; wanted ${spelt} ticked, the list has ${JSON.stringify(boxes)} at ${page.url()}`);
  });
  await page.locator('#journal-list input:checked').click();  // unticks the value as the URL spelt it
  await waitForFilters(page, '');

  step('facet groups come from the API answer alone: "criteria" by its label, an unknown group by a readable name');
  await page.route('**/v1/search?**', async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    body.facets.criteria = [{ value: 'CCC', count: 3 }, { value: 'Fukuda', count: 2 }];
    body.facets.funding_source = [{ value: 'Public', count: 2 }, { value: 'Charity', count: 1 }];
    await route.fulfill({ response, json: body });
  });
  await page.goto(`${base}/?q=${query}`);
  await waitForResults(page, query);
  assert.equal(await page.locator('#criteria-facet legend').textContent(), 'Diagnostic criteria');
  assert.equal(await page.locator('#funding_source-facet legend').textContent(), 'Funding source');
  assert.deepEqual(await page.locator('#funding_source-list > li').evaluateAll((items) => items.map((li) => li.dataset.value)),
    ['Public', 'Charity']);
  await page.locator('#funding_source-list > li').first().locator('input').check();
  await waitForFilters(page, 'funding_source=Public');
  assert.equal(new URL(page.url()).searchParams.get('funding_source'), 'Public', 'the filter is in the URL');
  assert.deepEqual(await page.locator('#chips .chip-text').allTextContents(), ['Funding source: Public']);
  await snap(page, 'new-groups');
  await page.unroute('**/v1/search?**');

  step('markup in the index shows as text and never runs; only http(s) sources become links');
  await page.fill('#q', 'zebrafish');
  await page.press('#q', 'Enter');
  await waitForResults(page, 'zebrafish');
  const hostile = await page.evaluate(() => {
    const card = document.querySelector('#hits > li[data-id="zz-2024-markup-test"]');
    return card && {
      title: card.querySelector('.title').textContent,
      authors: card.querySelector('.authors').textContent,
      journal: card.querySelector('.journal').textContent,
      snippet: card.querySelector('.snippet').textContent,
      marks: [...card.querySelectorAll('.snippet mark')].map((m) => m.textContent),
      doi: card.querySelector('a.doi')?.href,
    };
  });
  assert.ok(hostile, 'the hostile record is found');
  assert.ok(hostile.title.includes('<img src=x onerror="window.__xss=1">'), hostile.title);
  assert.ok(hostile.authors.includes('<img src=x'), hostile.authors);
  assert.ok(hostile.journal.includes('<script>'), hostile.journal);
  assert.ok(hostile.snippet.includes('<mark>zebrafish</mark>'), `fake mark tags stay text: ${hostile.snippet}`);
  assert.deepEqual(hostile.marks, ['zebrafish'], 'exactly the real highlight is a <mark>');
  assert.equal(hostile.doi, 'https://doi.org/10.5555/markup.2024');
  const facetText = await page.locator('#facets').textContent();
  assert.ok(facetText.includes('<i>design</i>'), 'a design with markup is a text label in its facet');
  await snap(page, 'hostile-results');
  const hostileRecord = await getJson('/v1/studies/zz-2024-markup-test');
  await page.click('#hits > li[data-id="zz-2024-markup-test"] a.title-link');
  await waitForStudy(page, 'zz-2024-markup-test');
  const study = await page.evaluate(() => ({
    title: document.querySelector('#study .study-title').textContent,
    relevance: document.querySelector('#study .relevance .study-text').textContent,
    limitations: document.querySelector('#study .limitations .study-text').textContent,
    source: document.querySelector('#study .source-text')?.textContent,
    sourceLinks: document.querySelectorAll('#study a.source').length,
    links: [...document.querySelectorAll('a')].map((a) => a.getAttribute('href')),
    marks: [...document.querySelectorAll('#study mark')].map((m) => m.textContent.toLowerCase()),
  }));
  assert.equal(study.title.replace(/\s+/g, ' '), hostileRecord.title.replace(/\s+/g, ' '));
  assert.equal(study.relevance, hostileRecord.relevance);
  assert.equal(study.limitations, hostileRecord.limitations);
  assert.equal(study.source, 'javascript:window.__xss=6', 'a javascript: source is text');
  assert.equal(study.sourceLinks, 0);
  assert.ok(study.marks.length > 0 && study.marks.every((m) => m === 'zebrafish'), `only real highlights: ${study.marks}`);
  for (const href of study.links)
    assert.ok(/^(\/|#|https?:)/.test(href), `every link of the page is the site's own or http(s): ${href}`);
  await snap(page, 'hostile-study');
  for (const [id, url] of [['zz-2023-data-url', null], ['zz-2022-spaced-javascript', null],
    ['zz-2021-https-source', 'https://example.org/studies/zebrafish?id=1&lang=en']]) {
    await page.goto(`${base}/study/${id}?q=zebrafish`);
    await waitForStudy(page, id);
    const links = await page.locator('#study a.source').evaluateAll((as) => as.map((a) => a.href));
    assert.deepEqual(links, url ? [url] : [], `${id}: source link only for http(s)`);
    if (!url) assert.ok((await page.locator('#study .source-text').textContent()).length > 0, `${id}: source shown as text`);
  }
  const ran = await page.evaluate(() => window.__xss);
  assert.equal(ran, undefined, 'no script from the data ran');
  assert.equal(await page.locator('#study img, #study script, #study b, #study i').count(), 0, 'no element from the data');

  step('375 px wide: filters fold; tick one and "Show N results" brings the results into view');
  await page.setViewportSize(NARROW);
  await page.goto(`${base}/?q=${query}`);
  await waitForResults(page, query);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling at 375 px (overflow ${overflow}px)`);
  assert.equal(await page.locator('#filters-panel').evaluate((d) => d.open), false, 'filters start folded');
  await page.click('#filters-panel > summary');
  await page.check('#pem-required');
  await waitForResults(page, query, 'required');
  const narrowApi = await api({ q: query, pem: 'required' });
  const showButton = page.locator('#show-results');
  assert.equal(await showButton.isVisible(), true);
  assert.equal(await showButton.textContent(), `Show ${narrowApi.total} results`);
  await snap(page, 'mobile-filters', { narrowOnly: true });
  await showButton.click();
  assert.equal(await page.locator('#filters-panel').evaluate((d) => d.open), false, 'the panel closed');
  const firstHit = await page.locator('#hits > li').first().boundingBox();
  assert.ok(firstHit && firstHit.y >= 0 && firstHit.y < NARROW.height, `the first result is on screen (y ${firstHit && firstHit.y})`);
  assert.deepEqual((await shown(page)).ids, ids(narrowApi));
  await snap(page, 'mobile-results');
  const narrowOverflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(narrowOverflow <= 0, `no horizontal scrolling with filters at 375 px (overflow ${narrowOverflow}px)`);

  assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
  step(`screenshots (${written.length}): ${screens}`);
  step('PASSED');
} catch (err) {
  console.error(`browser test: FAILED: ${err.stack || err}`);
  if (problems.length) console.error(problems.join('\n'));
  process.exitCode = 1;
} finally {
  await browser.close();
}
