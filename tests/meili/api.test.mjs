// The stock `meilisearch` JS client (0.57.0) against `studysearch serve`,
// every answer compared with the native /v1/search for the same request.
// BASE_URL: a server without a search key; KEYED_URL: one with --search-key-file (key in SEARCH_KEY).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Meilisearch, MeilisearchApiError } from 'meilisearch';

const base = process.env.BASE_URL;
const keyedUrl = process.env.KEYED_URL;
assert.ok(base && keyedUrl, 'BASE_URL and KEYED_URL must be set');
const client = new Meilisearch({ host: base });
const index = client.index('studies');

// The native API for the same request (the Meilisearch dialect's last word is a prefix: prefix=1).
async function native(params) {
  const query = new URLSearchParams({ prefix: '1', snippets: '0', ...params });
  for (const [key, values] of Object.entries(params)) {
    if (Array.isArray(values)) {
      query.delete(key);
      for (const v of values) query.append(key, v);
    }
  }
  const response = await fetch(`${base}/v1/search?${query}`);
  assert.equal(response.status, 200, `/v1/search?${query}`);
  return response.json();
}

const ids = (hits) => hits.map((h) => h.id);
// Native facet values as Meilisearch lists them for a group without its own filter.
const occurring = (values) => Object.fromEntries(values.filter((v) => v.count > 0 && v.value !== 'unknown')
  .map((v) => [v.value, v.count]));

test('a keyword search: same studies, order and total as /v1/search; stored fields; _formatted with <em>', async () => {
  const got = await index.search('fatigue', { attributesToHighlight: ['*'] });
  const want = await native({ q: 'fatigue', limit: '20' });
  assert.ok(want.total > 5, 'the sample has fatigue studies');
  assert.equal(got.estimatedTotalHits, want.total);
  assert.equal(got.limit, 20);
  assert.equal(got.offset, 0);
  assert.equal(got.query, 'fatigue');
  assert.equal(typeof got.processingTimeMs, 'number');
  assert.deepEqual(ids(got.hits), ids(want.hits));
  const first = got.hits[0];
  assert.equal(typeof first.summary, 'string', 'the stored record, summary included');
  assert.equal(first._formatted.id, first.id);
  assert.ok(got.hits.some((h) => /<em>fatigue<\/em>/i.test(h._formatted.title + h._formatted.summary)));
  assert.ok(!JSON.stringify(got.hits.map((h) => h.title)).includes('<em>'), 'raw fields stay unmarked');
});

test('custom highlight tags replace <em> entirely', async () => {
  const got = await index.search('fatigue', {
    attributesToHighlight: ['title', 'summary'], highlightPreTag: '__ais-highlight__', highlightPostTag: '__/ais-highlight__',
  });
  const text = JSON.stringify(got.hits.map((h) => h._formatted));
  assert.ok(text.includes('__ais-highlight__fatigue__/ais-highlight__') || text.includes('__ais-highlight__Fatigue__/ais-highlight__'));
  assert.ok(!text.includes('<em>'));
});

test('placeholder search sorted by year, both ways', async () => {
  for (const [sort, nativeSort] of [['year:desc', 'newest'], ['year:asc', 'oldest']]) {
    const got = await index.search('', { sort: [sort], limit: 15 });
    const want = await native({ sort: nativeSort, limit: '15' });
    assert.deepEqual(ids(got.hits), ids(want.hits), sort);
    assert.equal(got.estimatedTotalHits, want.total);
  }
  const all = await native({ limit: '0' });
  assert.equal((await index.search(null, { limit: 0 })).estimatedTotalHits, all.total);
});

test('filters in array and string form match the native filter parameters', async () => {
  const facets = (await native({ limit: '0' })).facets;
  const journal = facets.journal[0].value;
  const cases = [
    [[['pem = required', 'pem = not_required']], { pem: ['required', 'not_required'] }],
    [[`"journal"="${journal.replace(/["\\]/g, '\\$&')}"`], { journal: [journal] }],
    ['year 2010 TO 2020 AND pem = required', { year_from: '2010', year_to: '2020', pem: ['required'] }],
    [['"year">=2015', '"year"<=2021', ['pem != unclear']], { year_from: '2015', year_to: '2021', pem: ['required', 'not_required'] }],
  ];
  for (const [filter, params] of cases) {
    const got = await index.search('', { filter, limit: 50, sort: ['year:desc'] });
    const want = await native({ ...params, limit: '50', sort: 'newest' });
    assert.equal(got.estimatedTotalHits, want.total, JSON.stringify(filter));
    assert.deepEqual(ids(got.hits), ids(want.hits), JSON.stringify(filter));
  }
});

test('facetDistribution and facetStats: native counts for unfiltered groups, only selected values for filtered ones', async () => {
  const got = await index.search('fatigue', { facets: ['pem', 'journal', 'year', 'evidence_level', 'design'], filter: 'pem = required' });
  const want = await native({ q: 'fatigue', pem: ['required'], journal_facets: '100' });
  assert.equal(got.estimatedTotalHits, want.total);
  assert.deepEqual(got.facetDistribution.journal, occurring(want.facets.journal));
  assert.deepEqual(got.facetDistribution.year, occurring(want.facets.year));
  assert.deepEqual(got.facetDistribution.design, occurring(want.facets.design));
  assert.deepEqual(got.facetDistribution.pem, { required: want.total });
  const years = Object.keys(got.facetDistribution.year).map(Number);
  assert.deepEqual(got.facetStats.year, { min: Math.min(...years), max: Math.max(...years) });
});

test('pagination: limit/offset gives estimatedTotalHits, hitsPerPage/page gives totalHits and totalPages', async () => {
  const want = await native({ q: 'fatigue', offset: '5', limit: '5' });
  const byOffset = await index.search('fatigue', { limit: 5, offset: 5 });
  assert.deepEqual(ids(byOffset.hits), ids(want.hits));
  assert.equal(byOffset.estimatedTotalHits, want.total);
  assert.equal(byOffset.totalPages, undefined);
  const byPage = await index.search('fatigue', { hitsPerPage: 5, page: 2 });
  assert.deepEqual(ids(byPage.hits), ids(want.hits));
  assert.equal(byPage.totalHits, want.total);
  assert.equal(byPage.totalPages, Math.ceil(want.total / 5));
  assert.equal(byPage.page, 2);
  assert.equal(byPage.estimatedTotalHits, undefined);
  const none = await index.search('fatigue', { hitsPerPage: 0, facets: ['pem'] });
  assert.deepEqual(none.hits, []);
  assert.equal(none.totalHits, want.total);
  assert.deepEqual(none.facetDistribution.pem, occurring(want.facets.pem));
});

test('multi-search answers every query in order', async () => {
  const { results } = await client.multiSearch({
    queries: [
      { indexUid: 'studies', q: 'fatigue', limit: 3 },
      { indexUid: 'studies', q: '', filter: ['pem = required'], limit: 0, facets: ['journal'] },
      { indexUid: 'studies', q: 'sleep', hitsPerPage: 2 },
    ],
  });
  assert.equal(results.length, 3);
  assert.equal(results[0].query, 'fatigue');
  assert.deepEqual(ids(results[0].hits), ids((await native({ q: 'fatigue', limit: '3' })).hits));
  assert.equal(results[1].estimatedTotalHits, (await native({ pem: ['required'], limit: '0' })).total);
  assert.equal(results[2].totalHits, (await native({ q: 'sleep', limit: '0' })).total);
  assert.ok(results.every((r) => r.indexUid === 'studies'));
});

test('facet search: values whose words begin with the query, native counts', async () => {
  const want = await native({ q: '', journal_facets: '1000', limit: '0' });
  const got = await index.searchForFacetValues({ facetName: 'journal', facetQuery: 'j' });
  const expected = want.facets.journal.filter((v) => v.count > 0 && v.value.split(/[^\p{L}\p{N}]+/u).some((w) => /^j/i.test(w)));
  assert.ok(expected.length > 0);
  assert.deepEqual(Object.fromEntries(got.facetHits.map((h) => [h.value, h.count])),
    Object.fromEntries(expected.map((v) => [v.value, v.count])));
  assert.equal(got.facetQuery, 'j');
  const counts = got.facetHits.map((h) => h.count);
  assert.deepEqual(counts, [...counts].sort((a, b) => b - a), 'count desc');
});

test('errors are MeilisearchApiError with Meilisearch codes', async () => {
  const expectError = async (promise, status, code) => {
    await assert.rejects(promise, (err) => {
      assert.ok(err instanceof MeilisearchApiError, `${err}`);
      assert.equal(err.response.status, status);
      assert.equal(err.cause.code, code);
      assert.equal(err.cause.link, `https://docs.meilisearch.com/errors#${code}`);
      assert.ok(err.cause.message.length > 0);
      return true;
    });
  };
  await expectError(index.search('x', { filter: 'title = fatigue' }), 400, 'invalid_search_filter');
  await expectError(index.search('x', { filter: 'pem = required OR journal = Brain' }), 400, 'invalid_search_filter');
  await expectError(index.search('x', { sort: ['title:asc'] }), 400, 'invalid_search_sort');
  await expectError(index.search('x', { facets: ['summary'] }), 400, 'invalid_search_facets');
  await expectError(client.index('movies').search('x'), 404, 'index_not_found');
  await expectError(index.search('x', { hybrid: { embedder: 'default' } }), 400, 'invalid_search_hybrid');
});

test('health and index info', async () => {
  assert.deepEqual(await client.health(), { status: 'available' });
  const info = await (await fetch(`${base}/indexes/studies`)).json();
  assert.equal(info.uid, 'studies');
  assert.equal(info.primaryKey, 'id');
  assert.equal(info.numberOfDocuments, (await native({ limit: '0' })).total);
});

test('a search key: missing is 401, wrong is 403, right answers', async () => {
  const key = process.env.SEARCH_KEY;
  await assert.rejects(new Meilisearch({ host: keyedUrl }).index('studies').search('fatigue'),
    (err) => err instanceof MeilisearchApiError && err.response.status === 401 && err.cause.code === 'missing_authorization_header');
  await assert.rejects(new Meilisearch({ host: keyedUrl, apiKey: 'wrong' }).index('studies').search('fatigue'),
    (err) => err instanceof MeilisearchApiError && err.response.status === 403 && err.cause.code === 'invalid_api_key');
  const ok = await new Meilisearch({ host: keyedUrl, apiKey: key }).index('studies').search('fatigue');
  assert.equal(ok.estimatedTotalHits, (await native({ q: 'fatigue', limit: '0' })).total);
});

test('CORS: preflight and allow-origin for the allowed origin only, errors included', async () => {
  const origin = process.env.ALLOWED_ORIGIN;
  const preflight = await fetch(`${base}/multi-search`, {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), origin);
  assert.match(preflight.headers.get('access-control-allow-headers'), /authorization, content-type, x-meilisearch-client/);
  assert.match(preflight.headers.get('access-control-allow-methods'), /POST/);
  const error = await fetch(`${base}/indexes/nope/search`, { method: 'POST', headers: { Origin: origin }, body: '{}' });
  assert.equal(error.status, 404);
  assert.equal(error.headers.get('access-control-allow-origin'), origin);
  const other = await fetch(`${base}/indexes/studies/search`, { method: 'POST', headers: { Origin: 'http://evil.test' }, body: '{}' });
  assert.equal(other.status, 200);
  assert.equal(other.headers.get('access-control-allow-origin'), null);
});
