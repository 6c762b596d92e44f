// SearchEngine: a pool of read handles over one index, an in-memory snapshot
// of per-document columns per committed revision, and one search pipeline:
//   1. parse the text (query_parser);
//   2. a matcher finds the exact match set and weighs every match:
//      - terms, synonyms and phrases (ParsedQuery::plan): posting lists and
//        the snapshot (ranker), BM25 with a k1 per term, plus a bonus for
//        consecutive query words close together and pseudo-relevance
//        feedback for long queries;
//      - anything else (field ranges, multi-word synonyms): Xapian's matcher,
//        every match weighed in one pass;
//   3. the collectors, the same whatever matcher ran: the total and the
//      disjunctive facets from the columns (facets), the page from a bounded
//      heap (all words first for short queries, date sorts, filters);
//   4. hits with snippets, and a did-you-mean when few studies matched.
#include <xapian.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <filesystem>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "facets.hpp"
#include "page.hpp"
#include "request_check.hpp"
#include "highlight.hpp"
#include "query_limits.hpp"
#include "index_meta.hpp"
#include "match_set.hpp"
#include "prefix.hpp"
#include "query_parser.hpp"
#include "ranker.hpp"
#include "reader_pool.hpp"
#include "remote_matches.hpp"
#include "snapshot.hpp"
#include "snippets.hpp"
#include "term_passes.hpp"
#include "studysearch/analyzer.hpp"
#include "studysearch/detail/schema.hpp"
#include "studysearch/studysearch.hpp"
#include "synonyms.hpp"

namespace studysearch {
namespace {

Hit hit_from_document(const Xapian::Document& doc, std::size_t rank, double score) {
  std::vector<FieldProblem> problems;
  Hit hit;
  hit.study = study_from_json(doc.get_data(), problems);
  hit.id = hit.study.id;
  hit.rank = rank;
  hit.score = score;
  return hit;
}

}  // namespace

struct SearchEngine::Impl {
  EngineOptions options;
  Thesaurus thesaurus;
  ParserOptions parser_options;

  std::unique_ptr<ReaderPool> pool;  // handles and the snapshot (reader_pool.hpp)

  template <typename Fn>
  auto with_reader(Fn&& fn) {
    return pool->with_reader(std::forward<Fn>(fn));
  }

  Bm25Params bm25_params() const {
    return Bm25Params{options.bm25_k1, options.bm25_b, options.bm25_min_normlen, options.term_k1_wdf,
                      options.term_burstiness};
  }

  Xapian::BM25Weight bm25() const { return bm25_params().weight(options.bm25_k1); }

  Xapian::Enquire enquire(const Xapian::Database& db, const Xapian::Query& query) const {
    Xapian::Enquire e(db);
    e.set_query(query);
    e.set_weighting_scheme(bm25());
    return e;
  }

  bool feedback_applies(const ParsedQuery& parsed) const {
    return options.prf_docs > 0 && options.prf_terms > 0 && parsed.word_count >= options.prf_min_words &&
           !parsed.browse();
  }

  // Pseudo-relevance feedback: the best expansion terms from the top studies
  // of the unfiltered query (free-text terms only, not the query's own).
  std::vector<std::string> expansion_terms(const Xapian::Database& db, const ParsedQuery& parsed,
                                           const std::vector<Xapian::docid>& top) const {
    std::vector<std::string> terms;
    if (top.empty()) return terms;
    Xapian::RSet rset;
    for (Xapian::docid id : top) rset.add_document(id);
    // A term must occur in at least prf_term_docs of the feedback studies (0:
    // in all of them): words the top studies share, not one study's topic.
    const std::size_t min_agree = options.prf_term_docs == 0 ? top.size() : options.prf_term_docs;
    std::unordered_map<std::string, std::size_t> docs_with;
    if (min_agree > 1)
      for (Xapian::docid id : top)
        for (auto t = db.termlist_begin(id), e = db.termlist_end(id); t != e; ++t) ++docs_with[*t];
    struct FreeText : Xapian::ExpandDecider {
      const std::unordered_map<std::string, std::size_t>* docs_with;
      std::size_t min_agree;
      bool operator()(const std::string& term) const override {
        if (term.empty() || term[0] < 'a' || term[0] > 'z' || term.size() <= 2) return false;
        if (min_agree <= 1) return true;
        auto it = docs_with->find(term);
        return it != docs_with->end() && it->second >= min_agree;
      }
    } free_text;
    free_text.docs_with = &docs_with;
    free_text.min_agree = min_agree;
    const Xapian::ESet eset =
        enquire(db, parsed.any_words()).get_eset(static_cast<Xapian::termcount>(options.prf_terms), rset, &free_text);
    for (auto it = eset.begin(); it != eset.end(); ++it) terms.push_back(*it);
    return terms;
  }

  // Feedback terms as one query: each term weighs prf_weight times its BM25
  // weight; it only adds to the weights of matches (never matches itself).
  Xapian::Query expansion(const std::vector<std::string>& terms) const {
    if (terms.empty()) return Xapian::Query::MatchNothing;
    return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end()),
                         options.prf_weight);
  }

  // How many studies `query` finds under the request's filters (no facets).
  std::size_t count(Handle& h, const Snapshot& snap, const SearchRequest& request, const Xapian::Query& query) const {
    if (h.remote) {
      const RemoteMatches m(h.db, Xapian::BoolWeight(), query, columns_for(request));
      const ResolvedFilters filters = ResolvedFilters::resolve(request, m.columns());
      FacetCounter counter(m.columns(), filters, false, h.facet_counts);
      counter.add_set(m.all());
      return counter.total();
    }
    const ResolvedFilters filters = ResolvedFilters::resolve(request, snap);
    FacetCounter counter(snap, filters, false, h.facet_counts);
    counter.add_set(match_set(h.db, snap, query));
    return counter.total();
  }

  // SearchRequest::prefix_last_word (prefix.cpp); an empty expander = whole words.
  PrefixExpander last_word_expander(const Handle& h, const Snapshot& snap, bool prefix_last_word) const {
    if (!prefix_last_word) return {};
    return prefix_expander(h.db, snap, h.analyzer, options.max_prefix_expansions, options.stopwords);
  }

  // Everything a ranking path needs from one request.
  struct Job {
    const SearchRequest& request;
    const ParsedQuery& parsed;
    const ResolvedFilters& filters;
    bool tiers;  // all words first (short keyword queries sorted by relevance)
    FacetCounter& counter;
    std::vector<Hit>& hits;
  };

  SearchResult search(Handle& h, const Snapshot& snap, const SearchRequest& request) const {
    const auto start = std::chrono::steady_clock::now();
    SearchResult result;
    const ParsedQuery parsed = parse_query(request.text, h.analyzer, thesaurus, parser_options,
                                           last_word_expander(h, snap, request.prefix_last_word));
    const bool tiers = request.sort == Sort::relevance && !parsed.has_or && parsed.concepts.size() >= 2 &&
                       parsed.word_count <= options.all_words_first_max_words;
    if (h.remote) {
      search_remote(h, request, parsed, tiers, result);
    } else {
      const ResolvedFilters filters = ResolvedFilters::resolve(request, snap);
      FacetCounter counter(snap, filters, request.facets, h.facet_counts);
      const Job job{request, parsed, filters, tiers, counter, result.hits};
      if (parsed.plan_complete) rank_from_postings(h, snap, job);
      else rank_with_xapian(h, snap, job);
      result.total = counter.total();
      result.facets = counter.facets(request);
    }
    result.missing_shards = h.missing;
    result.partial = !h.missing.empty();

    // Snippets and did-you-mean.
    if (request.snippets)
      for (Hit& hit : result.hits)
        hit.snippet = make_snippet(hit.study, parsed.highlight_stems, h.analyzer, options.snippet_chars);
    if (request.suggest && !parsed.browse() && result.total < 5)
      result.did_you_mean = suggest(h, snap, request, parsed, result.total);
    result.took_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return result;
  }

  // ---- matchers: each finds the exact match set and weighs every match ----

  // Terms, synonyms and phrases (the plan): the match set and every weight
  // from posting lists and the snapshot (Ranker), exactly.
  void rank_from_postings(Handle& h, const Snapshot& snap, const Job& job) const {
    const ParsedQuery& parsed = job.parsed;
    Ranker ranker(h.db, snap, bm25_params(), h.scratch);

    // 1. The match set (and each concept's, for the all-words tier), weighed as it is read.
    DocSet matched = parsed.browse() ? all_documents(snap) : DocSet(snap.last_docid());
    std::optional<DocSet> every_word;
    for (const auto& part : parsed.plan) {
      DocSet documents(snap.last_docid());
      for (const auto& leaf : part.leaves) documents |= ranker.add(leaf);
      matched |= documents;
      if (!job.tiers) continue;
      if (every_word) *every_word &= documents;
      else every_word = std::move(documents);
    }
    if (!parsed.excluded.empty()) matched.subtract(match_set(h.db, snap, parsed.excluded));
    if (!parsed.text_filters.empty()) matched &= match_set(h.db, snap, parsed.text_filters);

    auto best_by_score = [&](std::size_t k) {
      return best(matched, k, by_score,
                  [&](Xapian::docid id) { return Ranked{id, ranker.score(id), snap.id_rank[id]}; });
    };
    // 2. Proximity, for queries longer than the all-words-first ones:
    //    consecutive query words close together in one of the top studies add
    //    a share of their weight. Reweights only.
    if (const auto pairs = proximity_pairs(parsed); !pairs.empty()) {
      DocSet top(ranker.last_docid());
      for (const Ranked& r : best_by_score(kProximityDepth)) top.insert(r.id);
      ranker.add_near(pairs, options.proximity_weight, static_cast<Xapian::termcount>(options.proximity_window), top);
    }
    // 3. Pseudo-relevance feedback for long queries: reweights, never matches.
    if (!job.tiers && feedback_applies(parsed)) {
      std::vector<Xapian::docid> top;
      for (const Ranked& r : best_by_score(options.prf_docs)) top.push_back(r.id);
      for (const auto& term : expansion_terms(h.db, parsed, top)) ranker.add(ScoredLeaf{{term}, options.prf_weight});
    }
    collect(h, snap, job, matched, every_word, [&](Xapian::docid id) { return ranker.score(id); });
  }

  // Field ranges, author/journal phrases, multi-word synonyms: Xapian's
  // matcher weighs every match in one pass (check_at_least = all), and a spy
  // records the set and each weight; feedback terms only reweight (AND_MAYBE).
  // Xapian's own top-k and sorting are not used: the collectors below order
  // the page exactly as for the posting-list matcher (and Xapian 1.4.22's
  // top-k pruning drops a study from the top k on some plain OR queries; see
  // "Exact pages" in bench/RESULTS.md).
  void rank_with_xapian(Handle& h, const Snapshot& snap, const Job& job) const {
    const ParsedQuery& parsed = job.parsed;  // has words: an empty plan is complete
    DocSet matched(snap.last_docid());
    std::vector<double> weight(static_cast<std::size_t>(snap.last_docid()) + 1, 0.0);
    auto weigh = [&](const Xapian::Query& q, DocSet& into, std::vector<double>& weights) {
      Xapian::Enquire e = enquire(h.db, q);
      each_match(e, h.db, snap.shards, [&](Xapian::docid id, double wt) {
        if (id >= weights.size()) return;  // a document newer than the snapshot
        into.insert(id);
        weights[id] = wt;
      });
    };
    weigh(parsed.any_words(), matched, weight);
    // Feedback terms only reweight: their weights add to the matches'.
    if (!job.tiers && feedback_applies(parsed)) {
      std::vector<Xapian::docid> top;
      for (const Ranked& r : best(matched, options.prf_docs, by_score,
                                  [&](Xapian::docid id) { return Ranked{id, weight[id], snap.id_rank[id]}; }))
        top.push_back(r.id);
      std::vector<double> extra(weight.size(), 0.0);
      DocSet seen(snap.last_docid());
      weigh(expansion(expansion_terms(h.db, parsed, top)), seen, extra);
      matched.for_each([&](Xapian::docid id) { weight[id] += extra[id]; });
    }
    std::optional<DocSet> every_word;
    if (job.tiers) every_word = match_set(h.db, snap, parsed.all_words());
    collect(h, snap, job, matched, every_word, [&](Xapian::docid id) { return weight[id]; });
  }

  // Shards the snapshot cannot cover (remote, or a partial set): Xapian's
  // matcher finds and weighs every match on the shards (RemoteMatches; with a
  // k1 per term, a weighted pass per term), then the same steps as above on
  // the matches' own columns: proximity and feedback for the same queries,
  // the same collectors. Same answers as one index.
  void search_remote(Handle& h, const SearchRequest& request, const ParsedQuery& parsed, bool tiers,
                     SearchResult& result) const {
    const Xapian::BM25Weight scheme = bm25();
    // With a k1 (or scale) per term, the words of the plan weigh in passes of their own
    // (term_passes.hpp); the first pass then only finds the matches.
    const Bm25Params params = bm25_params();
    const bool per_term = parsed.plan_complete && params.per_term();
    const Xapian::BoolWeight unweighted;
    RemoteMatches m(h.db, per_term ? static_cast<const Xapian::Weight&>(unweighted) : scheme, parsed.any_words(),
                    columns_for(request));
    auto add_leaf = [&](const ScoredLeaf& leaf, const Xapian::Query& within) {
      for (const TermPass& pass : leaf_passes(h.db, params, leaf, within)) m.add_weights(pass.scheme(params), pass.query);
    };
    if (per_term)
      for (const auto& part : parsed.plan)
        for (const auto& leaf : part.leaves) add_leaf(leaf, Xapian::Query());
    const Snapshot& columns = m.columns();
    const DocSet matched = m.all();
    auto best_by_score = [&](std::size_t k) {
      return best(matched, k, by_score, [&](Xapian::docid l) { return Ranked{l, m.score(l), columns.id_rank[l]}; });
    };
    const auto pairs = parsed.plan_complete ? proximity_pairs(parsed) : std::vector<std::pair<std::string, std::string>>();
    if (!pairs.empty()) {
      std::vector<Xapian::Query> ids;
      for (const Ranked& r : best_by_score(kProximityDepth)) ids.emplace_back(schema::term(schema::kId, m.id(r.id)));
      const Xapian::Query top(Xapian::Query::OP_OR, ids.begin(), ids.end());
      const auto window = static_cast<Xapian::termcount>(options.proximity_window);
      for (const auto& [a, b] : pairs) {
        const std::string words[] = {a, b};
        const Xapian::Query pair(Xapian::Query::OP_PHRASE, std::begin(words), std::end(words), window);
        if (per_term) {
          const Xapian::Query where(Xapian::Query::OP_AND, pair, top);
          for (const auto& word : words) add_leaf(ScoredLeaf{{word}, options.proximity_weight}, where);
          continue;
        }
        m.add_weights(scheme, Xapian::Query(Xapian::Query::OP_FILTER,
                                            Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, pair, options.proximity_weight),
                                            top));
      }
    }
    if (!tiers && feedback_applies(parsed)) {
      std::vector<Xapian::docid> top;
      for (const Ranked& r : best_by_score(options.prf_docs)) top.push_back(m.docid(r.id));
      const std::vector<std::string> terms = expansion_terms(h.db, parsed, top);
      if (per_term)
        for (const auto& term : terms) add_leaf(ScoredLeaf{{term}, options.prf_weight}, Xapian::Query());
      else
        m.add_weights(scheme, expansion(terms));
    }
    const ResolvedFilters filters = ResolvedFilters::resolve(request, columns);
    FacetCounter counter(columns, filters, request.facets, h.facet_counts);
    const Job job{request, parsed, filters, tiers, counter, result.hits};
    std::optional<DocSet> every_word;
    if (tiers) every_word = m.subset(parsed.all_words());
    counter.add_set(matched);
    const std::vector<Ranked> hits = page(columns, job, matched, every_word, [&](Xapian::docid l) { return m.score(l); });
    std::vector<Xapian::docid> locals;
    for (const Ranked& r : hits) locals.push_back(r.id);
    const std::vector<Xapian::Document> documents = m.documents(locals);
    for (std::size_t i = 0; i < hits.size(); ++i)
      result.hits.push_back(hit_from_document(documents[i], request.offset + i + 1, hits[i].score));
    result.total = counter.total();
    result.facets = counter.facets(request);
  }

  // ---- collectors: one pass over the match set, whatever matcher made it ----

  // The total and the disjunctive facets, then the hits of the page, read
  // from the snapshot's own database (the local matchers).
  template <typename Score>
  void collect(Handle& h, const Snapshot& snap, const Job& job, const DocSet& matched,
               const std::optional<DocSet>& every_word, Score&& score) const {
    job.counter.add_set(matched);
    for (const Ranked& r : page(snap, job, matched, every_word, score))
      job.hits.push_back(hit_from_document(h.db.get_document(r.id), job.request.offset + job.hits.size() + 1, r.score));
  }

  // The page: the studies passing every filter, in request order (all-words
  // tier, year for date sorts, score, id), from a bounded heap; the
  // candidates [offset, offset + limit). Needs the counter's total.
  template <typename Score>
  std::vector<Ranked> page(const Snapshot& snap, const Job& job, const DocSet& matched,
                           const std::optional<DocSet>& every_word, Score&& score) const {
    const SearchRequest& request = job.request;
    const std::size_t window = request.offset + request.limit;
    std::vector<Ranked> page;
    if (request.limit == 0 || request.offset >= job.counter.total()) return page;
    auto key = [&](Xapian::docid id) {
      const int year = snap.year[id];
      if (request.sort == Sort::relevance) return 0;
      if (year == 0) return INT_MAX;  // yearless studies last either way
      return request.sort == Sort::newest ? -year : year;
    };
    auto tier = [&](Xapian::docid id) { return every_word && !every_word->contains(id) ? 1 : 0; };
    auto order = [&](const Ranked& a, const Ranked& b) {
      if (a.tier != b.tier) return a.tier < b.tier;
      if (a.key != b.key) return a.key < b.key;
      return by_score(a, b);
    };
    const bool filtering = job.filters.any();
    if (job.parsed.browse() && request.sort == Sort::relevance) {
      // Nothing weighs: id order, so the first studies that pass will do.
      for (const Xapian::docid id : snap.in_id_order) {
        if (!matched.contains(id) || (filtering && job.filters.failures(snap, id) != 0)) continue;
        page.push_back(Ranked{id, 0.0, snap.id_rank[id]});
        if (page.size() >= window) break;
      }
    } else {
      page = best(matched, window, order, [&](Xapian::docid id) -> std::optional<Ranked> {
        if (filtering && job.filters.failures(snap, id) != 0) return std::nullopt;
        return Ranked{id, score(id), snap.id_rank[id], key(id), tier(id)};
      });
    }
    page.erase(page.begin(), page.begin() + static_cast<std::ptrdiff_t>(std::min(request.offset, page.size())));
    return page;
  }

  // The consecutive single-word concepts of a query that proximity weighs
  // (none when it does not apply: off, OR queries, fewer than proximity_min_words words).
  std::vector<std::pair<std::string, std::string>> proximity_pairs(const ParsedQuery& parsed) const {
    std::vector<std::pair<std::string, std::string>> pairs;
    if (options.proximity_weight <= 0 || parsed.has_or || parsed.word_count < options.proximity_min_words)
      return pairs;
    const std::string* previous = nullptr;
    for (const auto& part : parsed.plan) {
      const ScoredLeaf* leaf = part.leaves.empty() ? nullptr : &part.leaves.front();
      const std::string* word = leaf && !leaf->phrase && leaf->terms.size() == 1 ? &leaf->terms.front() : nullptr;
      if (previous && word && *previous != *word) pairs.emplace_back(*previous, *word);
      previous = word;
    }
    return pairs;
  }

  // The remote columns a request reads: years for year filters, date sorts
  // and facets; keyword values for keyword filters and facets.
  static RemoteMatches::Needs columns_for(const SearchRequest& request) {
    bool keywords = false;
    for (const auto& [name, values] : request.filters) keywords = keywords || !values.empty();
    const bool years = request.year_from || request.year_to || request.year_unknown || request.sort != Sort::relevance;
    return {request.facets || years, request.facets || keywords};
  }

  // Each pair of consecutive single-word concepts that a study has in query
  // order within proximity_window positions ("risk ... stroke" for "risk of
  // stroke", the stopword dropped) adds proximity_weight times the two words'
  // BM25 weights. Only the top kProximityDepth studies by BM25 are looked at
  // (a rerank: the cost does not grow with the index; the order is still one
  // function of query and index, so pages stay slices of one ranking). Not
  // for OR queries (their concepts are alternatives).
  static constexpr std::size_t kProximityDepth = 100;

  // Respells words the index does not know (never numbers); offered only when
  // the respelt query finds more studies than the original.
  std::optional<std::string> suggest(Handle& h, const Snapshot& snap, const SearchRequest& request,
                                     const ParsedQuery& parsed, std::size_t total) const {
    std::string corrected = request.text;
    bool changed = false;
    for (auto it = parsed.words.rbegin(); it != parsed.words.rend(); ++it) {
      if (it->word.find_first_of("0123456789") != std::string::npos) continue;
      if (h.db.term_exists(it->stem)) continue;
      const std::string fix = h.db.get_spelling_suggestion(it->word, 2);
      if (fix.empty() || fix == it->word) continue;
      corrected.replace(it->begin, it->end - it->begin, fix);
      changed = true;
    }
    if (!changed) return std::nullopt;
    SearchRequest probe = request;
    probe.text = corrected;
    probe.facets = false;
    const ParsedQuery reparsed = parse_query(corrected, h.analyzer, thesaurus, parser_options);
    const std::size_t better = count(h, snap, probe, reparsed.any_words());
    if (better <= total) return std::nullopt;
    return corrected;
  }
};

SearchEngine SearchEngine::open(const std::string& db_path, EngineOptions options) {
  if (!std::filesystem::exists(db_path))
    throw Error(ErrorKind::index_missing, db_path + ": no index here; create one with 'studysearch index --db " + db_path + "'");
  auto impl = std::make_shared<Impl>();
  impl->options = options;
  impl->parser_options = {options.synonym_weight, options.stopwords, options.max_query_terms};
  impl->parser_options.query_k3 = options.query_k3;
  impl->pool = std::make_unique<ReaderPool>(db_path, options.shard_timeout_ms);  // fails early on a missing or incompatible index
  impl->thesaurus = Thesaurus::parse(Thesaurus::bundled_text(), Analyzer());
  SearchEngine engine;
  engine.impl_ = std::move(impl);
  return engine;
}

SearchResult SearchEngine::search(const SearchRequest& request) const {
  check_request(request, impl_->options);
  return impl_->pool->with_reader([&](Handle& h, const Snapshot& snap) { return impl_->search(h, snap, request); },
                                  request.allow_partial);
}

std::optional<Study> SearchEngine::find_study(const std::string& id) const {
  return impl_->with_reader([&](Handle& h, const Snapshot&) -> std::optional<Study> {
    Xapian::PostingIterator it = h.db.postlist_begin(schema::term(schema::kId, id));
    if (id.empty() || it == h.db.postlist_end(schema::term(schema::kId, id))) return std::nullopt;
    std::vector<FieldProblem> problems;
    Study study = study_from_json(h.db.get_document(*it).get_data(), problems);
    if (!problems.empty()) throw Error(ErrorKind::index_incompatible, "stored record of '" + id + "' is unreadable");
    return study;
  });
}

std::vector<std::vector<TextSpan>> SearchEngine::highlight(const std::vector<std::string_view>& texts,
                                                         std::string_view query, bool prefix_last_word) const {
  check_query_bytes(query, impl_->options);
  return impl_->with_reader([&](Handle& h, const Snapshot& snap) {
    const ParsedQuery parsed = parse_query(query, h.analyzer, impl_->thesaurus, impl_->parser_options,
                                           impl_->last_word_expander(h, snap, prefix_last_word));
    std::vector<std::vector<TextSpan>> out;
    out.reserve(texts.size());
    for (const std::string_view text : texts) out.push_back(highlight_spans(text, parsed.highlight_stems, h.analyzer));
    return out;
  });
}

std::vector<TextSpan> SearchEngine::highlight(std::string_view text, std::string_view query) const {
  return std::move(highlight(std::vector<std::string_view>{text}, query).front());
}

std::vector<Hit> SearchEngine::similar(const std::string& id, std::size_t k) const {
  return impl_->with_reader([&](Handle& h, const Snapshot&) {
    const std::string id_term = schema::term(schema::kId, id);
    Xapian::PostingIterator it = h.db.postlist_begin(id_term);
    if (id.empty() || it == h.db.postlist_end(id_term)) throw Error(ErrorKind::not_found, "no study with id '" + id + "'");
    Xapian::RSet rset;
    rset.add_document(*it);
    Xapian::Enquire e = impl_->enquire(h.db, Xapian::Query(std::string()));  // not the shared static (see query_parser.cpp)
    struct FreeText : Xapian::ExpandDecider {
      bool operator()(const std::string& term) const override {
        return term.size() > 2 && term[0] >= 'a' && term[0] <= 'z';
      }
    } free_text;
    const Xapian::ESet eset = e.get_eset(24, rset, &free_text);
    std::vector<Xapian::Query> terms;
    for (auto t = eset.begin(); t != eset.end(); ++t) terms.emplace_back(*t);
    std::vector<Hit> hits;
    if (terms.empty()) return hits;
    const Xapian::Query q(Xapian::Query::OP_AND_NOT, Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end()),
                          Xapian::Query(id_term));
    e.set_query(q);
    const auto want = static_cast<Xapian::doccount>(std::min<std::size_t>(k, 100));
    const Xapian::MSet first = e.get_mset(0, want);
    if (first.empty()) return hits;
    // Ties at the cut go to the smaller study id, as in search(): every
    // study weighing at least the last one's, with its id (the sort key
    // carries it, no round trip per study), ordered by weight then id.
    const Xapian::doccount all = h.db.get_doccount();
    e.set_cutoff(0, first[first.size() - 1].get_weight() * (1 - 1e-9));
    e.set_sort_by_relevance_then_value(schema::kIdSlot, false);
    Xapian::MSet mset = e.get_mset(0, all, all);
    std::vector<Xapian::MSetIterator> order;
    for (auto m = mset.begin(); m != mset.end(); ++m) order.push_back(m);
    const auto cut = std::min<std::size_t>(want, order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(cut), order.end(), [](const auto& a, const auto& b) {
      return a.get_weight() != b.get_weight() ? a.get_weight() > b.get_weight() : a.get_sort_key() < b.get_sort_key();
    });
    order.resize(cut);
    for (const auto& m : order) mset.fetch(m, std::next(m));  // ask for every document, then read them
    for (const auto& m : order) hits.push_back(hit_from_document(m.get_document(), hits.size() + 1, m.get_weight()));
    return hits;
  });
}

std::vector<std::string> SearchEngine::complete(const std::string& prefix, std::size_t k) const {
  check_query_bytes(prefix, impl_->options, "prefix");
  return impl_->with_reader([&](Handle& h, const Snapshot& snap) {
    std::vector<std::string> out;
    // The last word as typed (after the last space), normalised.
    const auto space = prefix.find_last_of(" \t");
    const std::string head = space == std::string::npos ? "" : prefix.substr(0, space + 1);
    const std::string last = h.analyzer.normalize(space == std::string::npos ? prefix : prefix.substr(space + 1));
    if (last.empty() || last.find(' ') != std::string::npos) return out;
    const auto& words = snap.words(h.db);
    auto lo = std::lower_bound(words.begin(), words.end(), last,
                               [](const auto& entry, const std::string& key) { return entry.first < key; });
    std::vector<std::pair<std::string, unsigned>> candidates;
    for (auto it = lo; it != words.end() && it->first.compare(0, last.size(), last) == 0; ++it) candidates.push_back(*it);
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    for (std::size_t i = 0; i < candidates.size() && out.size() < k; ++i) out.push_back(head + candidates[i].first);
    return out;
  });
}

IndexInfo SearchEngine::info() const {
  return impl_->with_reader([&](Handle& h, const Snapshot& snap) {
    IndexInfo info;
    info.documents = h.db.get_doccount();
    info.schema_version = std::stoi(h.db.get_metadata(std::string(schema::kMetaSchemaVersion)));
    info.analyzer = h.db.get_metadata(std::string(schema::kMetaAnalyzer));
    info.revision = snap.revision;
    info.shards = h.shards.size();
    info.path = impl_->pool->path();
    return info;
  });
}

const EngineOptions& SearchEngine::options() const { return impl_->options; }

}  // namespace studysearch
