// studysearch web page: talks to the JSON API of the same server (/v1/...).
// Two views on one page: the result list (/) and a study (/study/<id>).
// Index data is put into the page with textContent only; the one exception,
// marked text (snippets, highlighted study texts), goes through markedNodes(),
// which builds text nodes and <mark> elements itself (no innerHTML anywhere).
// Only http(s) addresses from the data ever become links.
'use strict';

const PAGE_SIZE = 10;
const MAX_PAGE = 1000;          // the API's result window (10,000) / PAGE_SIZE
const DEBOUNCE_MS = 150;
const JOURNALS_FIRST = 10;      // journal values asked for at first; "Show more" adds JOURNALS_STEP
const JOURNALS_STEP = 50;
const JOURNALS_MAX = 1000;      // the API's cap of journal_facets
const LIST_FIRST = 10;          // other groups: values shown before "Show all"
const PEM_LABELS = { required: 'PEM required', not_required: 'PEM not required', unclear: 'PEM unclear' };
const PEM_EXPLAINED = {
  required: 'Post-exertional malaise (PEM) — a worsening of symptoms after even small physical or mental ' +
    'effort — was a required diagnostic criterion for taking part in this study. It does not mean that PEM ' +
    'itself was studied, observed or measured.',
  not_required: 'The study used diagnostic criteria that do not require post-exertional malaise (for example ' +
    'Fukuda or Oxford), so some participants may not have had PEM, the hallmark symptom of ME/CFS. Keep ' +
    'this in mind before applying the results to people who have it.',
  unclear: 'It is not clear from the study whether post-exertional malaise was required for taking part.',
};

// Facet groups: the API's facet object decides which groups exist; these
// only name them. A group the page does not know gets a readable name and
// filters with a parameter of the same name.
const GROUP_ORDER = ['pem', 'year', 'journal', 'evidence_level', 'design', 'criteria'];
const GROUP_LABELS = {
  pem: 'Post-exertional malaise', year: 'Year', journal: 'Journal', evidence_level: 'Evidence level',
  design: 'Study design', criteria: 'Diagnostic criteria',
};
const GROUP_PARAM = { evidence_level: 'evidence' };  // facet group -> filter parameter, where they differ
// Page and API parameters that are not facet filters.
const RESERVED = new Set(['q', 'sort', 'page', 'year_from', 'year_to', 'year_unknown', 'prefix', 'offset', 'limit',
  'facets', 'snippets', 'journal_facets', 'facet_q', 'k']);
const readable = (key) => key.replace(/[_-]+/g, ' ').trim().replace(/^./, (c) => c.toUpperCase());
const groupLabel = (key) => GROUP_LABELS[key] || readable(key);
const paramOf = (group) => GROUP_PARAM[group] || group;
const groupOf = (param) => Object.keys(GROUP_PARAM).find((g) => GROUP_PARAM[g] === param) || param;
const valueLabel = (group, value) => (group === 'pem' ? PEM_LABELS[value] || value : value);

const $ = (id) => document.getElementById(id);
const el = {
  form: $('search-form'), q: $('q'), suggestions: $('suggestions'), home: $('home-link'),
  searchView: $('search-view'), panel: $('filters-panel'), active: $('filters-active'), facets: $('facets'),
  clear: $('clear-filters'), showResults: $('show-results'),
  results: $('results'), count: $('result-count'), sort: $('sort'), chips: $('chips'),
  dym: $('did-you-mean'), dymLink: $('did-you-mean-link'), error: $('error'),
  hits: $('hits'), pager: $('pager'), prev: $('prev'), next: $('next'), pages: $('pages'), range: $('range'),
  studyView: $('study-view'), study: $('study'), back: $('back-link'),
};

// ---- state <-> URL ----
// The URL holds the search (q, filters, sort, page). Not in the URL: whether
// the last word is still being typed (prefix; kept in the history entry) and
// how many journals are shown.

const emptyState = () => ({ q: '', filters: {}, year_from: '', year_to: '', year_unknown: false, sort: '', page: 1, prefix: false });
let state = emptyState();
let journalLimit = JOURNALS_FIRST;
const expanded = new Set();  // groups showing all their values

function stateFromUrl(search, prefix = false) {
  const p = new URLSearchParams(search);
  const s = emptyState();
  s.q = p.get('q') || '';
  for (const [name, value] of p) {
    if (RESERVED.has(name) || !value || !/^[a-z][a-z0-9_]*$/.test(name)) continue;
    if (name === 'pem' && !(value in PEM_LABELS)) continue;
    const list = s.filters[name] || (s.filters[name] = []);
    if (!list.includes(value)) list.push(value);
  }
  s.year_from = /^\d{4}$/.test(p.get('year_from') || '') ? p.get('year_from') : '';
  s.year_to = /^\d{4}$/.test(p.get('year_to') || '') ? p.get('year_to') : '';
  s.year_unknown = p.get('year_unknown') === '1';
  s.sort = ['relevance', 'newest', 'oldest'].includes(p.get('sort')) ? p.get('sort') : '';
  s.page = Math.max(1, Math.min(MAX_PAGE, parseInt(p.get('page'), 10) || 1));
  s.prefix = prefix;
  return s;
}

const activeFilters = (s) => Object.entries(s.filters).filter(([, values]) => values.length);
const filterCount = (s) => activeFilters(s).reduce((n, [, v]) => n + v.length, 0) +
  (s.year_from || s.year_to ? 1 : 0) + (s.year_unknown ? 1 : 0);

// Shared by the page URL and the API request: the same names mean the same thing.
function filterParams(s) {
  const p = new URLSearchParams();
  if (s.q) p.set('q', s.q);
  for (const [name, values] of activeFilters(s)) values.forEach((v) => p.append(name, v));
  if (s.year_from) p.set('year_from', s.year_from);
  if (s.year_to) p.set('year_to', s.year_to);
  if (s.year_unknown) p.set('year_unknown', '1');
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
  if (s.prefix) p.set('prefix', '1');
  p.set('sort', effectiveSort(s));
  p.set('offset', String((s.page - 1) * PAGE_SIZE));
  p.set('limit', String(PAGE_SIZE));
  if (journalLimit !== JOURNALS_FIRST) p.set('journal_facets', String(journalLimit));
  return `/v1/search?${p}`;
}

function studyHref(id, s) {
  const p = new URLSearchParams();
  if (s.q.trim()) p.set('q', s.q);
  if (s.q.trim() && s.prefix) p.set('prefix', '1');
  const query = p.toString();
  return `/study/${encodeURIComponent(id)}${query ? `?${query}` : ''}`;
}

// Typing replaces the history entry it started; every other change adds one,
// so Back steps through searches, not keystrokes.
function record(mode) {
  const url = pageUrl(state);
  const entry = { typing: mode === 'typing', prefix: state.prefix };
  if (mode === 'typing' && history.state && history.state.typing && !history.state.study) history.replaceState(entry, '', url);
  else if (mode === 'replace') history.replaceState(entry, '', url);
  else history.pushState(entry, '', url);
}

// ---- requests ----

let searchController = null;
let completeController = null;
let studyController = null;
let typingTimer = 0;
const resultCache = new Map();  // API URL -> answer, so that Back shows the very same list at once

async function getJson(url, signal) {
  const response = await fetch(url, { signal, headers: { Accept: 'application/json' } });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const message = body && body.error ? body.error.message : `HTTP ${response.status}`;
    throw Object.assign(new Error(message), { status: response.status });
  }
  return body;
}

function remember(url, result) {
  resultCache.delete(url);
  resultCache.set(url, result);
  if (resultCache.size > 30) resultCache.delete(resultCache.keys().next().value);
}

// The previous results stay on screen until the new ones arrive.
async function search(then) {
  if (searchController) searchController.abort();
  const controller = new AbortController();
  searchController = controller;
  const snapshot = structuredClone(state);
  const url = apiUrl(snapshot);
  setBusy(true);
  try {
    const result = await getJson(url, controller.signal);
    if (controller !== searchController) return;  // a newer search started
    remember(url, result);
    render(snapshot, result);
    if (then) then();
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

// ---- building blocks ----

const node = (tag, className, text) => {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
};

const ENTITIES = { '&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&#39;': "'" };

// The API's marked text is HTML-escaped text in which <mark>..</mark> are the
// only tags. Rather than trusting that, split on exactly those two tags,
// decode the five entities the escaper emits and build text nodes: whatever
// else the string holds can only ever show up as text.
function markedNodes(marked) {
  const out = [];
  let inMark = false;
  for (const part of marked.split(/(<\/?mark>)/)) {
    if (part === '<mark>') { inMark = true; continue; }
    if (part === '</mark>') { inMark = false; continue; }
    if (!part) continue;
    const text = part.replace(/&(lt|gt|amp|quot|#39);/g, (m) => ENTITIES[m]);
    out.push(inMark ? node('mark', '', text) : document.createTextNode(text));
  }
  return out;
}

function doiUrl(doi) {
  return 'https://doi.org/' + doi.split('/').map(encodeURIComponent).join('/');
}

// Only http and https addresses become links; anything else (javascript:,
// data:, relative paths) is shown as text.
function safeHttpUrl(text) {
  if (typeof text !== 'string') return null;
  try {
    const url = new URL(text.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

function externalLink(className, text, href) {
  const link = node('a', className, text);
  link.href = href;
  link.rel = 'noopener noreferrer';
  link.target = '_blank';
  return link;
}

const authorsOf = (study) => (Array.isArray(study.authors) ? study.authors.filter((a) => typeof a === 'string') : []);

function authorLine(authors) {
  if (!authors.length) return '';
  return authors.length > 3 ? `${authors.slice(0, 3).join('; ')} et al.` : authors.join('; ');
}

function metaLine(hit) {
  const meta = node('p', 'meta');
  const parts = [[authorLine(authorsOf(hit)), 'authors'], [hit.journal, 'journal'], [hit.year ? String(hit.year) : '', 'year']];
  for (const [text, cls] of parts.filter(([text]) => text)) {
    if (meta.childNodes.length) meta.append(node('span', 'sep', ' · '));
    meta.append(node('span', cls, text));
  }
  return meta;
}

function badges(hit) {
  const row = node('p', 'badges');
  const pem = hit.pem || 'unclear';
  row.append(node('span', `pem-badge pem-${pem}`, PEM_LABELS[pem] || pem));
  if (hit.evidence_level) row.append(node('span', 'chip', `Evidence ${hit.evidence_level}`));
  if (hit.design) row.append(node('span', 'chip', hit.design));
  return row;
}

// A link to a study view, followed inside the page (new tab or window: the server serves the page there too).
function studyLink(className, hit, s) {
  const link = node('a', className, hit.title || hit.id);
  link.href = studyHref(hit.id, s);
  link.addEventListener('click', (event) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    openStudy(link.getAttribute('href'));
  });
  return link;
}

function similarList(hits, s) {
  const list = node('ul', 'similar-list');
  for (const hit of hits) {
    const item = node('li');
    item.dataset.id = hit.id;
    const dot = node('span', `pem-dot pem-${hit.pem || 'unclear'}`);
    dot.title = PEM_LABELS[hit.pem] || '';
    item.append(dot, studyLink('similar-title', hit, s), metaLine(hit));
    list.append(item);
  }
  return list;
}

let cardCounter = 0;

function card(hit, s) {
  const id = `hit-${++cardCounter}`;
  const item = node('li', 'hit');
  item.dataset.id = hit.id;
  const article = node('article');
  article.setAttribute('aria-labelledby', `${id}-title`);
  const title = node('h2', 'title');
  title.id = `${id}-title`;
  title.append(studyLink('title-link', hit, s));
  article.append(badges(hit), title, metaLine(hit));
  if (hit.snippet) {
    const snippet = node('p', 'snippet');
    snippet.append(...markedNodes(hit.snippet));
    article.append(snippet);
  }
  const actions = node('div', 'actions');
  if (hit.doi) actions.append(externalLink('doi', `doi:${hit.doi}`, doiUrl(hit.doi)));
  const similarButton = node('button', 'similar-button', 'Similar studies');
  similarButton.type = 'button';
  similarButton.setAttribute('aria-expanded', 'false');
  similarButton.setAttribute('aria-controls', `${id}-similar`);
  const similar = node('div', 'similar');
  similar.id = `${id}-similar`;
  similar.hidden = true;
  similarButton.addEventListener('click', () => toggleSimilar(hit.id, similarButton, similar, s));
  actions.append(similarButton);
  article.append(actions, similar);
  item.append(article);
  return item;
}

async function loadSimilar(studyId, box, s, heading = true) {
  box.replaceChildren(node('p', 'muted', 'Loading similar studies…'));
  try {
    const body = await getJson(`/v1/studies/${encodeURIComponent(studyId)}/similar?k=5`);
    box.dataset.loaded = 'true';
    if (!body.hits.length) { box.replaceChildren(node('p', 'muted', 'No similar studies found.')); return; }
    box.replaceChildren(...(heading ? [node('h3', 'similar-heading', 'Similar studies')] : []), similarList(body.hits, s));
  } catch (err) {
    box.replaceChildren(node('p', 'error', `Could not load similar studies: ${err.message}`));
  }
}

function toggleSimilar(studyId, button, box, s) {
  const open = button.getAttribute('aria-expanded') !== 'true';
  button.setAttribute('aria-expanded', String(open));
  box.hidden = !open;
  if (open && !box.dataset.loaded) loadSimilar(studyId, box, s);
}

// ---- facets ----
// One fieldset per group of the API's facet object, built on first sight and
// updated in place afterwards (so focus and typed text survive a new answer).

const groups = new Map();  // facet key -> { root, update(values, s) }

function option(group, value, count, checked, onChange, extraClass = '') {
  const item = node('li');
  item.dataset.value = value;
  const label = node('label', `option ${extraClass}`.trim());
  const box = node('input');
  box.type = 'checkbox';
  box.value = value;
  box.dataset.group = group;
  box.checked = checked;
  box.addEventListener('change', () => onChange(box.checked));
  label.append(box, node('span', 'option-text', valueLabel(group, value)), node('span', 'count', count === null ? '' : String(count)));
  item.append(label);
  return item;
}

function toggleFilter(param, value, on) {
  const others = (state.filters[param] || []).filter((v) => v !== value);
  change({ filters: { ...state.filters, [param]: on ? [...others, value] : others } });
}

// Rebuilds a list, keeping keyboard focus on the same value.
function replaceOptions(list, items) {
  const focused = list.contains(document.activeElement) ? document.activeElement.value : null;
  list.replaceChildren(...items);
  if (focused !== null)
    for (const box of list.querySelectorAll('input')) if (box.value === focused) { box.focus(); break; }
}

function pemGroup() {
  const root = node('fieldset', 'facet');
  root.id = 'pem-facet';
  root.append(node('legend', '', groupLabel('pem')));
  const list = node('ul', 'options');
  root.append(list);
  const boxes = {};
  for (const value of Object.keys(PEM_LABELS)) {
    const item = option('pem', value, null, false, (on) => toggleFilter('pem', value, on));
    const box = item.querySelector('input');
    box.id = `pem-${value}`;
    box.name = 'pem';
    const dot = node('span', `pem-dot pem-${value}`);
    dot.setAttribute('aria-hidden', 'true');
    box.after(dot);
    item.querySelector('.count').dataset.countFor = value;
    boxes[value] = item;
    list.append(item);
  }
  return {
    root,
    update(values, s) {
      for (const [value, item] of Object.entries(boxes)) {
        const found = values.find((v) => v.value === value);
        item.querySelector('.count').textContent = found ? String(found.count) : '0';
        item.querySelector('input').checked = (s.filters.pem || []).includes(value);
      }
    },
  };
}

function yearGroup() {
  const root = node('fieldset', 'facet');
  root.id = 'year-facet';
  root.append(node('legend', '', groupLabel('year')));
  const histogram = node('div', 'histogram');
  histogram.id = 'year-histogram';
  histogram.setAttribute('aria-hidden', 'true');
  const axis = node('div', 'histogram-axis');
  axis.setAttribute('aria-hidden', 'true');
  const min = node('span');
  const max = node('span');
  axis.append(min, max);
  const inputs = node('div', 'year-inputs');
  const field = (text, id) => {
    const label = node('label', '', text);
    const input = node('input');
    Object.assign(input, { id, type: 'number', inputMode: 'numeric', min: '1800', max: '2100', step: '1' });
    input.setAttribute('aria-describedby', 'year-error');
    label.append(' ', input);
    inputs.append(label);
    return input;
  };
  const from = field('From', 'year-from');
  const to = field('To', 'year-to');
  const error = node('p', 'field-error');
  error.id = 'year-error';
  error.setAttribute('aria-live', 'polite');
  error.hidden = true;
  const unknownList = node('ul', 'options unknown-year');
  root.append(histogram, axis, inputs, error, unknownList);

  // Applied when both are whole years in order (or empty); an inverted range
  // gets a message next to the inputs and is not sent.
  function yearChanged() {
    const valid = (v) => (/^\d{4}$/.test(v) ? v : '');
    const a = valid(from.value.trim());
    const b = valid(to.value.trim());
    const inverted = a && b && +a > +b;
    error.hidden = !inverted;
    error.textContent = inverted ? `“From” (${a}) is after “To” (${b}): change one of them.` : '';
    from.setAttribute('aria-invalid', String(Boolean(inverted)));
    to.setAttribute('aria-invalid', String(Boolean(inverted)));
    if (inverted) return;
    if (a !== state.year_from || b !== state.year_to) change({ year_from: a, year_to: b });
  }
  from.addEventListener('change', yearChanged);
  to.addEventListener('change', yearChanged);

  return {
    root,
    sync(s) {
      if (document.activeElement !== from) from.value = s.year_from;
      if (document.activeElement !== to) to.value = s.year_to;
      if (!(s.year_from && s.year_to && +s.year_from > +s.year_to)) error.hidden = true;
    },
    update(values, s) {
      const years = values.filter((v) => /^\d+$/.test(v.value)).map((v) => ({ year: +v.value, count: v.count }));
      histogram.replaceChildren();
      min.textContent = max.textContent = '';
      if (years.length) {
        const first = years[0].year;
        const last = years[years.length - 1].year;
        // One bar per year; wide spans are grouped so bars stay readable.
        const width = Math.max(1, Math.ceil((last - first + 1) / 40));
        const bins = [];
        for (let y = first; y <= last; y += width) bins.push({ from: y, to: Math.min(last, y + width - 1), count: 0 });
        for (const { year, count } of years) bins[Math.floor((year - first) / width)].count += count;
        const top = Math.max(...bins.map((b) => b.count));
        const lo = s.year_from ? +s.year_from : -Infinity;
        const hi = s.year_to ? +s.year_to : Infinity;
        for (const bin of bins) {
          const bar = node('span', 'bar');
          bar.style.height = `${bin.count ? Math.max(6, Math.round((100 * bin.count) / top)) : 0}%`;
          if (bin.to < lo || bin.from > hi) bar.classList.add('outside');
          const label = bin.from === bin.to ? String(bin.from) : `${bin.from}–${bin.to}`;
          bar.title = `${label}: ${bin.count} ${bin.count === 1 ? 'study' : 'studies'}`;
          bar.addEventListener('click', () => change({ year_from: String(bin.from), year_to: String(bin.to) }));
          histogram.append(bar);
        }
        min.textContent = String(first);
        max.textContent = String(last);
      }
      const unknown = values.find((v) => v.value === 'unknown');
      replaceOptions(unknownList, unknown || s.year_unknown
        ? [option('year', 'unknown', unknown ? unknown.count : 0, s.year_unknown,
          (on) => change({ year_unknown: on }))]
        : []);
      const box = unknownList.querySelector('input');
      if (box) { box.id = 'year-unknown'; box.nextSibling.textContent = 'Year not given'; }
      this.sync(s);
    },
  };
}

// A list of values with checkboxes: journal, evidence level, design and any
// group the page does not know yet. Journal asks the API for more values
// ("Show more"); long lists get a search box backed by /v1/facets/{group}.
function listGroup(key) {
  const param = paramOf(key);
  const root = node('fieldset', 'facet');
  root.id = `${key}-facet`;
  root.dataset.group = key;
  root.append(node('legend', '', groupLabel(key)));
  const search = node('input', 'facet-search');
  Object.assign(search, { type: 'search', autocomplete: 'off', spellcheck: false, id: `${key}-search` });
  search.placeholder = `Find ${key === 'journal' ? 'a journal' : 'a value'}…`;
  search.setAttribute('aria-label', `Find a value of ${groupLabel(key).toLowerCase()}`);
  search.hidden = key !== 'journal';
  const list = node('ul', 'options');
  list.id = `${key}-list`;
  const status = node('p', 'facet-status muted');
  status.setAttribute('aria-live', 'polite');
  const more = node('button', 'link-button more', 'Show more');
  more.type = 'button';
  more.id = `${key}-more`;
  const fewer = node('button', 'link-button more', 'Show fewer');
  fewer.type = 'button';
  fewer.id = `${key}-fewer`;
  const buttons = node('div', 'more-row');
  buttons.append(more, fewer);
  root.append(search, list, status, buttons);

  let values = [];
  let current = state;
  let controller = null;
  let timer = 0;

  const selectedIn = (s) => s.filters[param] || [];
  const row = (value, count, s) =>
    option(key, value, count, selectedIn(s).includes(value), (on) => toggleFilter(param, value, on));

  function showTop() {
    const s = current;
    let shown = values;
    if (key !== 'journal' && !expanded.has(key) && values.length > LIST_FIRST) {
      shown = values.slice(0, LIST_FIRST);
      // A ticked value stays visible so it can be unticked.
      for (const v of values.slice(LIST_FIRST)) if (v.selected) shown.push(v);
    }
    const rows = shown.map((v) => row(v.value, v.count, s));
    for (const v of selectedIn(s))
      if (!values.some((x) => x.value === v)) rows.push(row(v, null, s));
    replaceOptions(list, rows);
    status.hidden = true;
    if (key === 'journal') {
      more.hidden = values.length < journalLimit || journalLimit >= JOURNALS_MAX;
      more.textContent = 'Show more journals';
      fewer.hidden = journalLimit <= JOURNALS_FIRST;
    } else {
      more.hidden = expanded.has(key) || values.length <= LIST_FIRST;
      more.textContent = `Show all ${values.length}`;
      fewer.hidden = !expanded.has(key);
    }
    search.hidden = key !== 'journal' && values.length <= LIST_FIRST;
  }

  async function findValues() {
    const text = search.value.trim();
    clearTimeout(timer);
    if (controller) controller.abort();
    if (!text) { showTop(); return; }
    controller = new AbortController();
    const mine = controller;
    const p = filterParams(current);
    if (current.prefix) p.set('prefix', '1');
    p.set('facet_q', text);
    p.set('k', '20');
    root.setAttribute('aria-busy', 'true');
    try {
      const body = await getJson(`/v1/facets/${encodeURIComponent(key)}?${p}`, mine.signal);
      if (mine !== controller) return;
      replaceOptions(list, body.values.map((v) => row(v.value, v.count, current)));
      more.hidden = fewer.hidden = true;
      status.hidden = false;
      status.textContent = body.values.length
        ? (body.matched > body.values.length ? `${body.values.length} of ${body.matched} shown; type more to narrow.` : '')
        : `Nothing matches “${text}”.`;
      status.hidden = !status.textContent;
    } catch (err) {
      if (err.name === 'AbortError') return;
      status.hidden = false;
      status.textContent = `Could not search: ${err.message}`;
    } finally {
      if (mine === controller) root.setAttribute('aria-busy', 'false');
    }
  }

  search.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(findValues, DEBOUNCE_MS); });
  search.addEventListener('keydown', (event) => { if (event.key === 'Escape' && search.value) { search.value = ''; showTop(); } });
  more.addEventListener('click', () => {
    if (key === 'journal') {
      journalLimit = Math.min(JOURNALS_MAX, journalLimit + JOURNALS_STEP);
      search_(() => list.querySelectorAll('input')[Math.min(values.length, JOURNALS_FIRST)]?.focus());
    } else {
      expanded.add(key);
      showTop();
    }
  });
  fewer.addEventListener('click', () => {
    if (key === 'journal') { journalLimit = JOURNALS_FIRST; search_(); } else { expanded.delete(key); showTop(); }
    more.focus();
  });

  return {
    root,
    update(newValues, s) {
      values = newValues;
      current = s;
      root.hidden = !values.length && !selectedIn(s).length;
      if (search.value.trim()) findValues(); else showTop();
    },
  };
}

// The API marks the values a group's filter chooses (`selected`, matched by
// its folded `key`): the filter takes those display forms, so that "bmj open"
// from a URL ticks and unticks "BMJ Open". The page never folds text itself.
function adoptSelected(facets, s) {
  for (const [key, values] of Object.entries(facets || {})) {
    const list = key === 'year' || !Array.isArray(values) ? null : s.filters[paramOf(key)];
    if (!list || !list.length) continue;
    const chosen = values.filter((v) => v.selected).map((v) => v.value);
    if (!chosen.length || list.every((v) => chosen.includes(v))) continue;
    // Keep the user's order for values already spelt as shown; the rest as the API shows them.
    const kept = list.filter((v) => chosen.includes(v));
    const adopted = [...kept, ...chosen.filter((v) => !kept.includes(v))];
    // The live state too, while it still holds what this answer was asked for.
    const live = state.filters[paramOf(key)];
    if (live && live.length === list.length && live.every((v, i) => v === list[i])) state.filters[paramOf(key)] = [...adopted];
    list.splice(0, list.length, ...adopted);
  }
}

function renderFacets(facets, s) {
  adoptSelected(facets, s);
  const keys = Object.keys(facets || {}).filter((k) => Array.isArray(facets[k]));
  const rank = (k) => (GROUP_ORDER.includes(k) ? GROUP_ORDER.indexOf(k) : GROUP_ORDER.length);
  keys.sort((a, b) => rank(a) - rank(b));
  for (const key of keys) {
    if (!groups.has(key)) groups.set(key, key === 'pem' ? pemGroup() : key === 'year' ? yearGroup() : listGroup(key));
    groups.get(key).update(facets[key], s);
  }
  for (const [key, group] of groups)
    if (!keys.includes(key)) { group.root.remove(); groups.delete(key); }
  const order = keys.map((k) => groups.get(k).root);
  if (order.some((root, i) => el.facets.children[i] !== root)) el.facets.append(...order);
}

// ---- chips: every active filter, each removable ----

function chip(text, remove) {
  const item = node('li', 'filter-chip');
  item.append(node('span', 'chip-text', text));
  const button = node('button', 'chip-remove', '×');
  button.type = 'button';
  button.setAttribute('aria-label', `Remove filter: ${text}`);
  button.addEventListener('click', () => { remove(); el.results.focus({ preventScroll: true }); });
  item.append(button);
  return item;
}

function renderChips(s) {
  const items = [];
  for (const [param, values] of activeFilters(s)) {
    const group = groupOf(param);
    for (const value of values) {
      const text = group === 'pem' ? PEM_LABELS[value] || value : `${groupLabel(group)}: ${value}`;
      items.push(chip(text, () => toggleFilter(param, value, false)));
    }
  }
  if (s.year_from || s.year_to) {
    const text = s.year_from && s.year_to ? `Years ${s.year_from}–${s.year_to}`
      : s.year_from ? `From ${s.year_from}` : `Until ${s.year_to}`;
    items.push(chip(text, () => change({ year_from: '', year_to: '' })));
  }
  if (s.year_unknown) items.push(chip('Year not given', () => change({ year_unknown: false })));
  el.chips.replaceChildren(...items);
  el.chips.hidden = !items.length;
}

// ---- pages ----

// 1 … 4 5 [6] 7 8 … 20
function pageNumbers(current, last) {
  const wanted = new Set([1, last]);
  for (let p = current - 2; p <= current + 2; ++p) if (p >= 1 && p <= last) wanted.add(p);
  const sorted = [...wanted].sort((a, b) => a - b);
  const out = [];
  sorted.forEach((p, i) => {
    if (i && p - sorted[i - 1] > 1) out.push(null);
    out.push(p);
  });
  return out;
}

function renderPager(s, total) {
  const last = Math.min(MAX_PAGE, Math.max(1, Math.ceil(total / PAGE_SIZE)));
  el.pages.replaceChildren(...pageNumbers(Math.min(s.page, last), last).map((p) => {
    const item = node('li');
    if (p === null) { item.append(node('span', 'gap', '…')); return item; }
    const button = node('button', 'page', String(p));
    button.type = 'button';
    button.dataset.page = String(p);
    button.setAttribute('aria-label', `Page ${p}`);
    if (p === s.page) button.setAttribute('aria-current', 'page');
    button.addEventListener('click', () => { change({ page: p }); toResults(); });
    item.append(button);
    return item;
  }));
  el.prev.disabled = s.page <= 1;
  el.next.disabled = s.page >= last;
  el.pager.hidden = total <= PAGE_SIZE && s.page <= 1;
}

// After paging: the top of the new page (count, chips, any error) in view, focus on the list.
function toResults() {
  el.results.focus({ preventScroll: true });
  el.results.scrollIntoView({ block: 'start' });
}

function setPagerEnabled(enabled) {
  for (const button of el.pager.querySelectorAll('button')) button.disabled = !enabled;
  el.pager.classList.toggle('disabled', !enabled);
}

// ---- the result list ----

// `typed`: leave the search box alone (an answer arriving while the reader
// types must not put back the text it was asked for).
function syncControls(s, typed = false) {
  if (!typed && el.q.value !== s.q) el.q.value = s.q;
  el.sort.value = effectiveSort(s);
  const year = groups.get('year');
  if (year) year.sync(s);
  for (const box of el.facets.querySelectorAll('input[type="checkbox"]')) {
    const group = box.dataset.group;
    box.checked = group === 'year' ? s.year_unknown : (s.filters[paramOf(group)] || []).includes(box.value);
  }
  const active = filterCount(s);
  el.active.textContent = active ? `(${active} active)` : '';
  el.clear.hidden = !active;
  renderChips(s);
}

function render(s, result) {
  el.error.hidden = true;
  setPagerEnabled(true);
  delete el.results.dataset.error;
  const total = result.total;
  const first = total ? result.offset + 1 : 0;
  const last = result.offset + result.hits.length;
  const quoted = s.q.trim() ? `“${s.q.trim()}”` : '';
  el.count.textContent = total
    ? `${total.toLocaleString('en')} ${total === 1 ? 'study' : 'studies'}${quoted ? ` for ${quoted}` : ''}`
    : `No studies match${quoted ? ` ${quoted}` : ''}`;
  el.results.dataset.query = s.q;
  el.results.dataset.pem = (s.filters.pem || []).join(',');
  el.results.dataset.filters = filterParams({ ...s, q: '' }).toString();
  el.results.dataset.total = String(total);
  el.results.dataset.offset = String(result.offset);
  el.showResults.textContent = total ? `Show ${total.toLocaleString('en')} ${total === 1 ? 'result' : 'results'}` : 'Show results';

  el.dym.hidden = !result.did_you_mean;
  if (result.did_you_mean) {
    el.dymLink.textContent = result.did_you_mean;
    el.dymLink.href = pageUrl({ ...s, q: result.did_you_mean, page: 1 });
  }

  el.hits.replaceChildren(...result.hits.map((hit) => card(hit, s)));
  if (!total) {
    el.hits.append(node('li', 'empty', filterCount(s)
      ? 'Try fewer or different words, or clear some filters.'
      : 'Try fewer or different words, or check the spelling.'));
  }
  el.hits.start = first || 1;
  el.range.textContent = total ? `${first}–${last} of ${total.toLocaleString('en')}` : '';
  renderPager(s, total);
  renderFacets(result.facets, s);
  syncControls(s, true);
}

function setBusy(busy) {
  el.results.setAttribute('aria-busy', String(busy));
  el.results.dataset.busy = String(busy);
}

// The list stays as it was, but nothing on it can be paged until a search works again.
function showError(message) {
  el.error.textContent = message;
  el.error.hidden = false;
  el.results.dataset.error = 'true';
  setPagerEnabled(false);
}

// ---- the study view ----

function section(title, className, marked, plain) {
  const box = node('section', `study-section ${className}`);
  box.append(node('h2', '', title));
  const text = node('p', 'study-text');
  if (marked) text.append(...markedNodes(marked));
  else text.textContent = plain;
  box.append(text);
  return box;
}

function renderStudy(study, marked, params) {
  const s = { ...emptyState(), q: params.get('q') || '', prefix: params.get('prefix') === '1' };
  const pem = PEM_LABELS[study.pem] ? study.pem : 'unclear';
  const parts = [];

  parts.push(badges({ ...study, pem }));
  const title = node('h1', 'study-title');
  title.id = 'study-title';
  if (marked && marked.title) title.append(...markedNodes(marked.title));
  else title.textContent = study.title || study.id;
  parts.push(title);

  const authors = authorsOf(study);
  if (authors.length) parts.push(node('p', 'byline', authors.join('; ')));
  const where = node('p', 'meta');
  for (const [text, cls] of [[study.journal, 'journal'], [study.year ? String(study.year) : '', 'year']].filter(([t]) => t)) {
    if (where.childNodes.length) where.append(node('span', 'sep', ' · '));
    where.append(node('span', cls, text));
  }
  if (where.childNodes.length) parts.push(where);

  const links = node('p', 'study-links');
  if (study.doi) links.append(node('span', 'label', 'DOI '), externalLink('doi', study.doi, doiUrl(study.doi)));
  if (study.url) {
    if (links.childNodes.length) links.append(node('span', 'sep', ' · '));
    const href = safeHttpUrl(study.url);
    links.append(node('span', 'label', 'Source '), href ? externalLink('source', study.url, href) : node('span', 'source-text', study.url));
  }
  if (links.childNodes.length) parts.push(links);

  const facts = node('dl', 'facts');
  const fact = (term, value) => { if (value) facts.append(node('dt', '', term), node('dd', '', value)); };
  fact('Evidence level', study.evidence_level);
  fact('Design', study.design);
  if (facts.childNodes.length) parts.push(facts);

  const explainer = node('section', `pem-explainer pem-${pem}`);
  explainer.append(node('h2', '', `About the badge: ${PEM_LABELS[pem]}`), node('p', '', PEM_EXPLAINED[pem]));
  parts.push(explainer);

  parts.push(section('Summary', 'summary', marked && marked.summary, study.summary || ''));
  if (study.relevance) parts.push(section('Why it matters', 'relevance', marked && marked.relevance, study.relevance));
  if (study.limitations) parts.push(section('What it does not prove', 'limitations', marked && marked.limitations, study.limitations));

  const similar = node('section', 'study-section similar-studies');
  similar.append(node('h2', '', 'Similar studies'));
  const box = node('div', 'similar');
  similar.append(box);
  parts.push(similar);

  el.study.replaceChildren(...parts);
  el.study.setAttribute('aria-labelledby', 'study-title');
  document.title = `${study.title || study.id} · Study search`;
  loadSimilar(study.id, box, s, false);
}

async function showStudy(id, params) {
  el.searchView.hidden = true;
  el.studyView.hidden = false;
  el.studyView.dataset.id = id;
  el.studyView.dataset.busy = 'true';
  el.studyView.setAttribute('aria-busy', 'true');
  const q = params.get('q') || '';
  if (el.q.value !== q) el.q.value = q;
  const listUrl = history.state && history.state.listUrl;
  el.back.href = listUrl || (q ? `/?${new URLSearchParams({ q })}` : '/');
  el.back.textContent = listUrl ? '← Back to results' : '← Search all studies';
  if (studyController) studyController.abort();
  const controller = new AbortController();
  studyController = controller;
  try {
    const highlight = new URLSearchParams({ q });
    if (params.get('prefix') === '1') highlight.set('prefix', '1');
    const [study, marked] = await Promise.all([
      getJson(`/v1/studies/${encodeURIComponent(id)}`, controller.signal),
      q.trim() ? getJson(`/v1/studies/${encodeURIComponent(id)}/highlight?${highlight}`, controller.signal) : null,
    ]);
    if (controller !== studyController) return;
    renderStudy(study, marked, params);
  } catch (err) {
    if (err.name === 'AbortError') return;
    el.study.replaceChildren(node('h1', 'study-title', err.status === 404 ? 'No such study' : 'Could not load the study'),
      node('p', 'error', err.status === 404 ? `There is no study with the id “${id}”.` : err.message));
    document.title = 'Study not found · Study search';
  } finally {
    if (controller === studyController) {
      el.studyView.dataset.busy = 'false';
      el.studyView.setAttribute('aria-busy', 'false');
    }
  }
}

// From the list (or a similar study) to a study: a new history entry that
// remembers where the list was, so Back (or the back link) returns to it.
function openStudy(href) {
  const fromList = el.studyView.hidden;
  const listUrl = fromList ? location.pathname + location.search : history.state && history.state.listUrl;
  if (fromList) history.replaceState({ ...(history.state || {}), scrollY: window.scrollY }, '');
  history.pushState({ study: true, listUrl }, '', href);
  route();
  window.scrollTo(0, 0);
  el.studyView.focus({ preventScroll: true });
}

function showSearchView() {
  if (studyController) studyController.abort();
  el.studyView.hidden = true;
  el.searchView.hidden = false;
  document.title = 'Study search · ME/CFS research summaries';
}

// Shows whatever the address says. A list seen before is shown from memory,
// exactly as it was, at the same scroll position.
function route() {
  const match = location.pathname.match(/^\/study\/([^/]+)\/?$/);
  if (match) {
    let id;
    try { id = decodeURIComponent(match[1]); } catch { id = match[1]; }
    showStudy(id, new URLSearchParams(location.search));
    return;
  }
  const wasStudy = !el.studyView.hidden;
  showSearchView();
  state = stateFromUrl(location.search, Boolean(history.state && history.state.prefix));
  syncControls(state);
  const scrollY = history.state && history.state.scrollY;
  const restore = () => { if (wasStudy || scrollY) window.scrollTo(0, scrollY || 0); };
  const cached = resultCache.get(apiUrl(state));
  if (cached) {
    if (searchController) searchController.abort();
    setBusy(false);
    render(state, cached);
    restore();
  } else {
    search(restore);
  }
}

// ---- events ----

// Applies a change that deserves its own history entry (filters, sort, paging).
function change(changes, mode = 'push') {
  state = { ...state, page: 1, ...changes };
  syncControls(state);
  record(mode);
  search();
}
// The same search again (e.g. more journal values), without a history entry.
const search_ = (then) => search(then);

// While typing, the last word is a prefix ("natu" finds natural, nature…).
el.q.addEventListener('input', () => {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => {
    if (!el.studyView.hidden) {
      showSearchView();
      state = { ...emptyState(), q: el.q.value, prefix: true };
      syncControls(state);
      record('push');
    } else {
      state = { ...state, q: el.q.value, page: 1, prefix: true };
      syncControls(state);
      record('typing');
    }
    search();
    complete(el.q.value);
  }, DEBOUNCE_MS);
});

// Enter: the words are complete.
el.form.addEventListener('submit', (event) => {
  event.preventDefault();
  clearTimeout(typingTimer);
  if (!el.studyView.hidden) {
    showSearchView();
    state = { ...emptyState(), q: el.q.value };
    syncControls(state);
    record('push');
    search();
    return;
  }
  change({ q: el.q.value, prefix: false }, el.q.value === state.q ? 'replace' : 'push');
});

el.home.addEventListener('click', (event) => {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  showSearchView();
  state = emptyState();
  syncControls(state);
  record('push');
  search();
});

el.back.addEventListener('click', (event) => {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  if (history.state && history.state.listUrl) { history.back(); return; }
  history.pushState({}, '', el.back.getAttribute('href'));
  route();
});

el.sort.addEventListener('change', () => change({ sort: el.sort.value }));
el.prev.addEventListener('click', () => { change({ page: Math.max(1, state.page - 1) }); toResults(); });
el.next.addEventListener('click', () => { change({ page: state.page + 1 }); toResults(); });
el.clear.addEventListener('click', () => change({ filters: {}, year_from: '', year_to: '', year_unknown: false }));
el.dymLink.addEventListener('click', (event) => {
  event.preventDefault();
  change({ q: el.dymLink.textContent, prefix: false });
});
// Small screens: close the filters and go to the results.
el.showResults.addEventListener('click', () => {
  el.panel.open = false;
  el.results.scrollIntoView({ block: 'start' });
  el.results.focus({ preventScroll: true });
});

window.addEventListener('popstate', () => {
  clearTimeout(typingTimer);
  route();
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

history.scrollRestoration = 'manual';
if (!location.pathname.startsWith('/study/')) {
  state = stateFromUrl(location.search);
  syncControls(state);
  record('replace');
}
route();
