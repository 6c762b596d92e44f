// The InstantSearch demo: stock widgets from instantsearch.js 4.118.1 and the
// @meilisearch/instant-meilisearch 0.31.3 adapter, talking to studysearch's
// Meilisearch dialect. Nothing here knows it is not a real Meilisearch.
import { instantMeiliSearch } from './instant-meilisearch.js';

const params = new URLSearchParams(location.search);
const host = params.get('host') || location.origin;
const indexName = params.get('index') || 'studies';

if (typeof window.instantsearch !== 'function') {
  document.getElementById('setup').hidden = false;
} else {
  const { searchClient } = instantMeiliSearch(host, params.get('key') || '', {
    primaryKey: 'id',
    finitePagination: true,  // hitsPerPage/page: exact totalPages for the pagination widget
  });
  const { searchBox, stats, sortBy, refinementList, rangeInput, hits, pagination, configure } =
    window.instantsearch.widgets;

  const search = window.instantsearch({ indexName, searchClient, future: { preserveSharedStateOnUnmount: true } });
  search.addWidgets([
    configure({ hitsPerPage: 10 }),
    searchBox({ container: '#searchbox', placeholder: 'Search studies (e.g. fatigue)', showLoadingIndicator: false }),
    stats({ container: '#stats' }),
    sortBy({
      container: '#sort',
      items: [
        { label: 'Relevance', value: indexName },
        { label: 'Newest first', value: `${indexName}:year:desc` },
        { label: 'Oldest first', value: `${indexName}:year:asc` },
      ],
    }),
    refinementList({ container: '#pem', attribute: 'pem' }),
    refinementList({ container: '#journal', attribute: 'journal', searchable: true, limit: 10,
                     searchablePlaceholder: 'Find a journal' }),
    rangeInput({ container: '#year', attribute: 'year' }),
    refinementList({ container: '#evidence', attribute: 'evidence_level' }),
    hits({
      container: '#hits',
      templates: {
        item: (hit, { html, components }) => html`
          <article data-id="${hit.id}">
            <h3>${components.Highlight({ hit, attribute: 'title' })}</h3>
            <p class="meta">${hit.journal || ''}${hit.year ? ` · ${hit.year}` : ''} · PEM ${hit.pem}</p>
            <p>${components.Highlight({ hit, attribute: 'summary' })}</p>
          </article>`,
        empty: () => 'No studies match.',
      },
    }),
    pagination({ container: '#pagination' }),
  ]);
  search.start();
  window.search = search;  // for tests: search.status === 'idle' once results are shown
}
