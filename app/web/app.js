// studysearch web page: talks to the JSON API of the same server (/v1/...).
// Index data is put into the page with textContent only; the one exception,
// the snippet, goes through snippetNodes(), which builds text nodes and
// <mark> elements itself (no innerHTML anywhere).
'use strict';

const PAGE_SIZE = 10;
const DEBOUNCE_MS = 150;
const PEM_LABELS = { required: 'PEM required', not_required: 'PEM not required', unclear: 'PEM unclear' };

const $ = (id) => document.getElementById(id);
const el = {
  form: $('search-form'), q: $('q'), suggestions: $('suggestions'),
  panel: $('filters-panel'), active: $('filters-active'),
  pem: [...document.querySelectorAll('input[name="pem"]')],
  yearFrom: $('year-from'), yearTo: $('year-to'), histogram: $('year-histogram'),
  yearMin: $('year-min'), yearMax: $('year-max'), journals: $('journal-list'), clear: $('clear-filters'),
  results: $('results'), count: $('result-count'), sort: $('sort'),
  dym: $('did-you-mean'), dymLink: $('did-you-mean-link'), error: $('error'),
  hits: $('hits'), prev: $('prev'), next: $('next'), range: $('range'),
};

// ---- state <-> URL ----

const emptyState = () => ({ q: '', pem: [], journal: [], year_from: '', year_to: '', sort: '', page: 1 });
let state = emptyState();
let lastResult = null;

function stateFromUrl(search) {
  const p = new URLSearchParams(search);
  const s = emptyState();
  s.q = p.get('q') || '';
  s.pem = p.getAll('pem').filter((v) => v in PEM_LABELS);
  s.journal = p.getAll('journal').filter(Boolean);
  s.year_from = /^\d{1,4}$/.test(p.get('year_from') || '') ? p.get('year_from') : '';
  s.year_to = /^\d{1,4}$/.test(p.get('year_to') || '') ? p.get('year_to') : '';
  s.sort = ['relevance', 'newest', 'oldest'].includes(p.get('sort')) ? p.get('sort') : '';
  s.page = Math.max(1, Math.min(1000, parseInt(p.get('page'), 10) || 1));
  return s;
}

// Shared by the page URL and the API request: the same names mean the same thing.
function filterParams(s) {
  const p = new URLSearchParams();
  if (s.q) p.set('q', s.q);
  s.pem.forEach((v) => p.append('pem', v));
  s.journal.forEach((v) => p.append('journal', v));
  if (s.year_from) p.set('year_from', s.year_from);
  if (s.year_to) p.set('year_to', s.year_to);
  return p;
}

function pageUrl(s) {
  const p = filterParams(s);
  if (s.sort) p.set('sort', s.sort);
  if (s.page > 1) p.set('page', String(s.page));
  const query = p.toString();
  return query ? `/?${query}` : '/';
}

// An empty query browses: newest first unless the reader chose an order.
const effectiveSort = (s) => s.sort || (s.q.trim() ? 'relevance' : 'newest');

function apiUrl(s) {
  const p = filterParams(s);
  p.set('sort', effectiveSort(s));
  p.set('offset', String((s.page - 1) * PAGE_SIZE));
  p.set('limit', String(PAGE_SIZE));
  return `/v1/search?${p}`;
}

// Typing replaces the history entry it started; every other change adds one,
// so Back steps through searches, not keystrokes.
function record(mode) {
  const url = pageUrl(state);
  const entry = { typing: mode === 'typing' };
  if (mode === 'typing' && history.state && history.state.typing) history.replaceState(entry, '', url);
  else if (mode === 'replace') history.replaceState(entry, '', url);
  else history.pushState(entry, '', url);
}

// ---- requests ----

let searchController = null;
let completeController = null;
let typingTimer = 0;

async function getJson(url, signal) {
  const response = await fetch(url, { signal, headers: { Accept: 'application/json' } });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const message = body && body.error ? body.error.message : `HTTP ${response.status}`;
    throw new Error(message);
  }
  return body;
}

async function search() {
  if (searchController) searchController.abort();
  const controller = new AbortController();
  searchController = controller;
  const snapshot = structuredClone(state);
  setBusy(true);
  try {
    const result = await getJson(apiUrl(snapshot), controller.signal);
    if (controller !== searchController) return;  // a newer search started
    lastResult = result;
    render(snapshot, result);
  } catch (err) {
    if (err.name === 'AbortError') return;
    showError(`Search failed: ${err.message}`);
  } finally {
    if (controller === searchController) setBusy(false);
  }
}

async function complete(prefix) {
  if (completeController) completeController.abort();
  completeController = new AbortController();
  if (!prefix.trim()) { el.suggestions.replaceChildren(); return; }
  try {
    const body = await getJson(`/v1/complete?${new URLSearchParams({ q: prefix, k: '8' })}`, completeController.signal);
    el.suggestions.replaceChildren(...body.completions
      .filter((c) => c !== prefix)
      .map((c) => Object.assign(document.createElement('option'), { value: c })));
  } catch (err) {
    if (err.name !== 'AbortError') el.suggestions.replaceChildren();
  }
}

// ---- rendering ----

const node = (tag, className, text) => {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
};

const ENTITIES = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&#39;': "'" };

// The API's snippet is HTML-escaped text in which <mark>..</mark> are the only
// tags. Rather than trusting that, split on exactly those two tags, decode the
// five entities the escaper emits and build text nodes: whatever else the
// string holds can only ever show up as text.
function snippetNodes(snippet) {
  const out = [];
  let marked = false;
  for (const part of snippet.split(/(<\/?mark>)/)) {
    if (part === '<mark>') { marked = true; continue; }
    if (part === '</mark>') { marked = false; continue; }
    if (!part) continue;
    const text = part.replace(/&(lt|gt|amp|quot|#39);/g, (m) => ENTITIES[m]);
    out.push(marked ? node('mark', '', text) : document.createTextNode(text));
  }
  return out;
}

function doiUrl(doi) {
  return 'https://doi.org/' + doi.split('/').map(encodeURIComponent).join('/');
}

function authorLine(authors) {
  if (!authors.length) return '';
  return authors.length > 3 ? `${authors.slice(0, 3).join(', ')} et al.` : authors.join(', ');
}

function metaLine(hit) {
  const meta = node('p', 'meta');
  const parts = [[authorLine(hit.authors), 'authors'], [hit.journal, 'journal'], [hit.year ? String(hit.year) : '', 'year']];
  for (const [text, cls] of parts.filter(([text]) => text)) {
    if (meta.childNodes.length) meta.append(node('span', 'sep', ' · '));
    meta.append(node('span', cls, text));
  }
  return meta;
}

function badges(hit) {
  const row = node('p', 'badges');
  row.append(node('span', `pem-badge pem-${hit.pem}`, PEM_LABELS[hit.pem] || hit.pem));
  if (hit.evidence_level) row.append(node('span', 'chip', `Evidence ${hit.evidence_level}`));
  if (hit.design) row.append(node('span', 'chip', hit.design));
  return row;
}

let cardCounter = 0;

function card(hit) {
  const id = `hit-${++cardCounter}`;
  const item = node('li', 'hit');
  item.dataset.id = hit.id;
  const article = node('article');
  article.setAttribute('aria-labelledby', `${id}-title`);
  const title = node('h2', 'title', hit.title || hit.id);
  title.id = `${id}-title`;
  article.append(badges(hit), title, metaLine(hit));
  if (hit.snippet) {
    const snippet = node('p', 'snippet');
    snippet.append(...snippetNodes(hit.snippet));
    article.append(snippet);
  }
  const actions = node('div', 'actions');
  if (hit.doi) {
    const link = node('a', 'doi', `doi:${hit.doi}`);
    link.href = doiUrl(hit.doi);
    link.rel = 'noopener noreferrer';
    link.target = '_blank';
    actions.append(link);
  }
  const similarButton = node('button', 'similar-button', 'Similar studies');
  similarButton.type = 'button';
  similarButton.setAttribute('aria-expanded', 'false');
  similarButton.setAttribute('aria-controls', `${id}-similar`);
  const similar = node('div', 'similar');
  similar.id = `${id}-similar`;
  similar.hidden = true;
  similarButton.addEventListener('click', () => toggleSimilar(hit.id, similarButton, similar));
  actions.append(similarButton);
  article.append(actions, similar);
  item.append(article);
  return item;
}

async function toggleSimilar(studyId, button, box) {
  const open = button.getAttribute('aria-expanded') !== 'true';
  button.setAttribute('aria-expanded', String(open));
  box.hidden = !open;
  if (!open || box.dataset.loaded) return;
  box.replaceChildren(node('p', 'muted', 'Loading similar studies…'));
  try {
    const body = await getJson(`/v1/studies/${encodeURIComponent(studyId)}/similar?k=5`);
    box.dataset.loaded = 'true';
    if (!body.hits.length) { box.replaceChildren(node('p', 'muted', 'No similar studies found.')); return; }
    const list = node('ul', 'similar-list');
    for (const hit of body.hits) {
      const item = node('li');
      const title = hit.doi ? node('a', 'similar-title', hit.title || hit.id) : node('span', 'similar-title', hit.title || hit.id);
      if (hit.doi) { title.href = doiUrl(hit.doi); title.rel = 'noopener noreferrer'; title.target = '_blank'; }
      item.append(node('span', `pem-dot pem-${hit.pem}`), title, metaLine(hit));
      item.querySelector('.pem-dot').title = PEM_LABELS[hit.pem] || '';
      list.append(item);
    }
    box.replaceChildren(node('h3', 'similar-heading', 'Similar studies'), list);
  } catch (err) {
    box.replaceChildren(node('p', 'error', `Could not load similar studies: ${err.message}`));
  }
}

function renderPemFacet(values) {
  for (const { value, count } of values) {
    const span = document.querySelector(`[data-count-for="${value}"]`);
    if (span) span.textContent = String(count);
  }
}

const journalKey = (j) => j.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');

function renderJournalFacet(values, s) {
  const selected = new Set(s.journal.map(journalKey));
  const rows = values.map((v) => ({ value: v.value, count: v.count }));
  // A ticked journal outside the top list stays visible so it can be unticked.
  for (const j of s.journal)
    if (!rows.some((r) => journalKey(r.value) === journalKey(j))) rows.push({ value: j, count: null });
  el.journals.replaceChildren(...rows.map(({ value, count }, i) => {
    const item = node('li');
    const label = node('label', 'option');
    const box = node('input');
    box.type = 'checkbox';
    box.value = value;
    box.id = `journal-${i}`;
    box.checked = selected.has(journalKey(value));
    box.addEventListener('change', () => {
      const others = state.journal.filter((j) => journalKey(j) !== journalKey(value));
      change({ journal: box.checked ? [...others, value] : others });
    });
    const text = node('span', 'option-text', value);
    text.title = value;
    label.append(box, text, node('span', 'count', count === null ? '' : String(count)));
    item.append(label);
    return item;
  }));
  if (!rows.length) el.journals.replaceChildren(node('li', 'muted', 'No journals'));
}

function renderYearHistogram(values, s) {
  const years = values.filter((v) => /^\d+$/.test(v.value)).map((v) => ({ year: +v.value, count: v.count }));
  el.histogram.replaceChildren();
  el.yearMin.textContent = el.yearMax.textContent = '';
  if (!years.length) return;
  const first = years[0].year;
  const last = years[years.length - 1].year;
  // One bar per year; wide spans are grouped so bars stay readable.
  const width = Math.max(1, Math.ceil((last - first + 1) / 40));
  const bins = [];
  for (let y = first; y <= last; y += width) bins.push({ from: y, to: Math.min(last, y + width - 1), count: 0 });
  for (const { year, count } of years) bins[Math.floor((year - first) / width)].count += count;
  const max = Math.max(...bins.map((b) => b.count));
  const lo = s.year_from ? +s.year_from : -Infinity;
  const hi = s.year_to ? +s.year_to : Infinity;
  for (const bin of bins) {
    const bar = node('span', 'bar');
    bar.style.height = `${bin.count ? Math.max(6, Math.round((100 * bin.count) / max)) : 0}%`;
    if (bin.to < lo || bin.from > hi) bar.classList.add('outside');
    const label = bin.from === bin.to ? String(bin.from) : `${bin.from}–${bin.to}`;
    bar.title = `${label}: ${bin.count} ${bin.count === 1 ? 'study' : 'studies'}`;
    bar.addEventListener('click', () => change({ year_from: String(bin.from), year_to: String(bin.to) }));
    el.histogram.append(bar);
  }
  el.yearMin.textContent = String(first);
  el.yearMax.textContent = String(last);
}

function syncControls(s) {
  if (el.q.value !== s.q) el.q.value = s.q;
  for (const box of el.pem) box.checked = s.pem.includes(box.value);
  el.yearFrom.value = s.year_from;
  el.yearTo.value = s.year_to;
  el.sort.value = effectiveSort(s);
  const active = s.pem.length + s.journal.length + (s.year_from || s.year_to ? 1 : 0);
  el.active.textContent = active ? `(${active} active)` : '';
  el.clear.hidden = !active;
}

function render(s, result) {
  el.error.hidden = true;
  const total = result.total;
  const first = total ? result.offset + 1 : 0;
  const last = result.offset + result.hits.length;
  const quoted = s.q.trim() ? `“${s.q.trim()}”` : '';
  el.count.textContent = total
    ? `${total.toLocaleString('en')} ${total === 1 ? 'study' : 'studies'}${quoted ? ` for ${quoted}` : ''}`
    : `No studies match${quoted ? ` ${quoted}` : ''}`;
  el.results.dataset.query = s.q;
  el.results.dataset.pem = s.pem.join(',');
  el.results.dataset.total = String(total);
  el.results.dataset.offset = String(result.offset);

  el.dym.hidden = !result.did_you_mean;
  if (result.did_you_mean) {
    el.dymLink.textContent = result.did_you_mean;
    el.dymLink.href = pageUrl({ ...s, q: result.did_you_mean, page: 1 });
  }

  el.hits.replaceChildren(...result.hits.map(card));
  if (!total) {
    const filtered = s.pem.length || s.journal.length || s.year_from || s.year_to;
    el.hits.append(node('li', 'empty', filtered
      ? 'Try fewer or different words, or clear some filters.'
      : 'Try fewer or different words, or check the spelling.'));
  }
  el.hits.start = first || 1;
  el.range.textContent = total ? `${first}–${last} of ${total.toLocaleString('en')}` : '';
  el.prev.disabled = s.page <= 1;
  el.next.disabled = last >= total || s.page >= 1000;
  el.prev.parentElement.hidden = total <= PAGE_SIZE && s.page <= 1;

  renderPemFacet(result.facets.pem || []);
  renderJournalFacet(result.facets.journal || [], s);
  renderYearHistogram(result.facets.year || [], s);
}

function setBusy(busy) {
  el.results.setAttribute('aria-busy', String(busy));
  el.results.dataset.busy = String(busy);
}

function showError(message) {
  el.error.textContent = message;
  el.error.hidden = false;
}

// ---- events ----

// Applies a change that deserves its own history entry (filters, sort, paging).
function change(changes, mode = 'push') {
  state = { ...state, page: 1, ...changes };
  syncControls(state);
  record(mode);
  search();
}

el.q.addEventListener('input', () => {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => {
    state = { ...state, q: el.q.value, page: 1 };
    syncControls(state);
    record('typing');
    search();
    complete(el.q.value);
  }, DEBOUNCE_MS);
});

el.form.addEventListener('submit', (event) => {
  event.preventDefault();
  clearTimeout(typingTimer);
  if (el.q.value === state.q && lastResult) { search(); return; }
  change({ q: el.q.value });
});

for (const box of el.pem) {
  box.addEventListener('change', () => {
    const others = state.pem.filter((v) => v !== box.value);
    change({ pem: box.checked ? [...others, box.value] : others });
  });
}

function yearChanged() {
  const valid = (v) => (/^\d{4}$/.test(v) ? v : '');
  const from = valid(el.yearFrom.value.trim());
  const to = valid(el.yearTo.value.trim());
  if (from !== state.year_from || to !== state.year_to) change({ year_from: from, year_to: to });
}
el.yearFrom.addEventListener('change', yearChanged);
el.yearTo.addEventListener('change', yearChanged);

el.sort.addEventListener('change', () => change({ sort: el.sort.value }));
el.prev.addEventListener('click', () => { change({ page: Math.max(1, state.page - 1) }); el.results.focus(); });
el.next.addEventListener('click', () => { change({ page: state.page + 1 }); el.results.focus(); });
el.clear.addEventListener('click', () => change({ pem: [], journal: [], year_from: '', year_to: '' }));
el.dymLink.addEventListener('click', (event) => {
  event.preventDefault();
  change({ q: el.dymLink.textContent });
});

window.addEventListener('popstate', () => {
  clearTimeout(typingTimer);
  state = stateFromUrl(location.search);
  syncControls(state);
  search();
});

// "/" jumps to the search box (unless already typing somewhere).
document.addEventListener('keydown', (event) => {
  const typing = /^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName);
  if (event.key === '/' && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
    event.preventDefault();
    el.q.focus();
    el.q.select();
  }
});

// Narrow screens: filters start folded above the results.
const narrow = window.matchMedia('(max-width: 760px)');
const fitPanel = () => { el.panel.open = !narrow.matches; };
narrow.addEventListener('change', fitPanel);
fitPanel();

state = stateFromUrl(location.search);
syncControls(state);
record('replace');
search();
