#pragma once
// studysearch: the query engine library. Plain request/result structs and one
// handle, SearchEngine. No Xapian, ICU or JSON types appear here.
//
// Thread safety: a SearchEngine is cheap to copy; copies share one pool of
// database handles. Every method is const and may be called from many threads
// at once. A search sees the last committed state of the index; a commit by a
// writer (another process or thread) is picked up by the next call.
//
// Errors: every failure throws studysearch::Error (see error.hpp) with a kind:
//   index_missing / index_incompatible  from open();
//   invalid_query                        a request field out of range;
//   limit_exceeded                       offset + limit above EngineOptions::max_window,
//                                        query text above max_query_bytes;
//   shard_unavailable                    a shard of a shard set is down or timed out;
//   internal                             an unexpected failure underneath.
// A malformed query *text* never throws: it falls back to plain words.
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "studysearch/error.hpp"
#include "studysearch/fields.hpp"
#include "studysearch/study.hpp"

namespace studysearch {

enum class Sort { relevance, newest, oldest };

struct SearchRequest {
  std::string text;                       ///< user query; empty = all studies (browse)
  /// Keyword filters by field name: every keyword or enumeration field with
  /// `filter` in the field table (fields.hpp): "pem", "journal",
  /// "evidence_level", "design", ... OR within a field, AND across fields.
  /// Keyword values match case-, space- and punctuation-insensitively; an
  /// enumeration value must be one of its vocabulary as written ("E2",
  /// "not_required"); another value, or an unknown field, is Error{invalid_query}.
  std::map<std::string, std::vector<std::string>, std::less<>> filters;
  std::optional<int> year_from, year_to;  ///< inclusive; a year filter drops yearless studies
  /// Yearless studies: alone, only them; with year_from/year_to, the range or them.
  bool year_unknown = false;
  Sort sort = Sort::relevance;
  std::size_t offset = 0, limit = 10;
  /// Facet groups marked facet_top in the field table (journal): the top N
  /// values by count, ties by name.
  std::size_t max_facet_values = 10;
  bool facets = true, snippets = true, suggest = true;
  /// Search as you type: when the text ends with a plain word (no space,
  /// quote or field after it), that word also matches every indexed word it
  /// begins, as Xapian's FLAG_PARTIAL does: the word as typed OR one synonym
  /// group of the completions (the most frequent EngineOptions::max_prefix_expansions).
  /// Totals and facets stay exact for that query.
  bool prefix_last_word = false;
  /// A shard set (README "Scaling out"): answer from the shards that answer
  /// when some do not (SearchResult::partial), instead of Error{shard_unavailable}.
  bool allow_partial = false;
};

/// A piece of a text: the pieces of one text, in order, concatenate to the text.
struct TextSpan {
  std::string text;
  bool matched = false;  ///< a word a search for the query matches
};

struct Hit {
  std::string id;
  std::size_t rank = 0;     ///< 1-based position in the whole result list
  double score = 0;         ///< relevance score (0 when browsing)
  Study study;              ///< the stored record, every field
  /// The best passage for the query (from summary, relevance or limitations),
  /// "… " / " …" where cut; matched spans are the query's words (stems and
  /// synonyms). Empty without snippets. Data, not markup: render it your way.
  std::vector<TextSpan> snippet;
};

struct FacetValue {
  std::string value;        ///< display form
  std::size_t count = 0;
  std::string key;          ///< value_key(value): what filters match; front ends compare keys, never fold
  bool selected = false;    ///< the request's filter of this group chooses it (not for year)
};

struct FacetGroup {
  std::string name;         ///< the field's name ("pem", "journal", "year", ...)
  std::vector<FacetValue> values;
};

/// Exact counts over the whole match set. Disjunctive: each group is counted
/// with every filter applied except the group's own. One group per filter
/// field of the field table, in table order; the values of a group in the
/// field's facet order (pem: every value in order; year: ascending, then
/// "unknown"; journal: the top max_facet_values by count). A study with
/// several values of a multi-valued field counts once under each.
struct Facets {
  std::vector<FacetGroup> groups;  ///< empty when request.facets is false
  /// The values of group `name`; an empty list when there is no such group.
  const std::vector<FacetValue>& operator[](std::string_view name) const;
};

/// One facet group's values for a request, found by text (SearchEngine::facet_values).
struct FacetValueList {
  std::vector<FacetValue> values;  ///< count desc, then name; at most k
  std::size_t matched = 0;         ///< values that matched the text before the cut to k
};

/// A study's texts, whole, HTML-escaped, with the words of a query wrapped in
/// <mark>..</mark> exactly as snippets mark them (stems and synonyms).
struct SearchResult {
  std::size_t total = 0;   ///< exact number of studies matching text + filters
  std::vector<Hit> hits;
  Facets facets;           ///< empty when request.facets is false
  std::optional<std::string> did_you_mean;
  double took_ms = 0;
  /// allow_partial: some shards did not answer; the result covers the others.
  bool partial = false;
  std::vector<std::string> missing_shards;  ///< how errors name them: "shard 1 (remote host:port)"
};

/// Ranking and limits. Defaults are the tuned values: chosen on three judged
/// collections by cross-validation, each on only if it is at least neutral on
/// every collection and query-length class (bench/RANKING.md, issue 13).
struct EngineOptions {
  /// k1 is high because field weights are already in the wdf (title x3,
  /// summary x2): 3.0 here is about 1.5 on raw counts. See bench/RANKING.md.
  double bm25_k1 = 3.0;
  double bm25_b = 0.75;
  double bm25_min_normlen = 0.5;
  /// A k1 per term: a word whose mean wdf in the studies that contain it
  /// (collection frequency / document frequency) is `term_k1_wdf` saturates
  /// with bm25_k1, one studies repeat twice as often with half of it. Words a
  /// study repeats whenever it mentions them ("vitamin D", "weight loss")
  /// then cannot outweigh the rarer words of the query by repetition alone.
  /// Every term keeps the scale k1 + 1; 0 = one k1 for all terms. Plain
  /// words, synonyms and phrases (not field-scoped words or OR groups, which
  /// weigh with bm25_k1). See bench/RANKING.md, fourth round.
  double term_k1_wdf = 4.0;
  /// Each word's weight times (its mean wdf in the studies that contain it)
  /// ^ term_burstiness: words studies keep repeating once they mention them
  /// are what studies are about (content words are bursty; Church & Gale).
  /// The same words as term_k1_wdf. Off (0) by default: 0.25 and 0.5 gain in
  /// sample, but with them in the cross-validation grid the held-out 4-7-word
  /// class falls below plain BM25 (bench/RANKING.md, fourth round).
  double term_burstiness = 0;
  /// Queries of at most this many words rank the studies containing every
  /// word first, then the others (0 = off: one ranking by score). Off since
  /// the fourth round: neutral on the judged queries, and it costs short
  /// queries (topics cut to 2-4 content words: MED, Cranfield and claims all
  /// rank better by score alone; bench/RANKING.md). For sites that want it.
  std::size_t all_words_first_max_words = 0;
  /// Weight of synonym matches relative to the words typed (exact forms rank higher).
  double synonym_weight = 0.6;
  /// Drop English stopwords from queries (kept inside "phrases"): the Snowball
  /// list plus "also", "can", "may" (query/data/stopwords.txt), so question and
  /// claim phrasing ("when", "why", "should", "between") carries no weight.
  bool stopwords = true;
  /// A word typed n times in one query weighs (k3 + 1) n / (k3 + n) times a
  /// word typed once (BM25's query-term saturation k3; 1 is Xapian's own
  /// BM25 default); below 0, n times (each repetition in full, as before).
  /// Topic descriptions and claims repeat their subject ("... in the lens ...
  /// of the lens"): counting it in full overweighs it (MED +0.019 nDCG@10).
  double query_k3 = 1;
  /// Pseudo-relevance feedback: queries of at least `prf_min_words` words get
  /// `prf_terms` terms from the top `prf_docs` results, each term found in at
  /// least `prf_term_docs` of them (0 = in all), added at `prf_weight`.
  /// Reweights only. Gentle on purpose: feedback from 5 studies for 5+ words
  /// helped topic descriptions (MED, Cranfield) but cost claims 0.06 nDCG@10;
  /// terms shared by all top 3 studies, for 8+ words, help the first two
  /// and are neutral on claims.
  std::size_t prf_docs = 3, prf_terms = 10, prf_min_words = 8;
  double prf_weight = 0.4;
  std::size_t prf_term_docs = 0;
  /// Proximity: each pair of consecutive query words (after stopwords) that a
  /// study has in order within `proximity_window` positions adds
  /// `proximity_weight` times the two words' BM25 weights. 0 = off. Queries
  /// of at least `proximity_min_words` words (it costs shorter ones); a
  /// rerank of the top 100 studies by BM25 (cost independent of the index
  /// size); reweights only; plain-word queries (the posting-list path), not OR.
  double proximity_weight = 0.1;
  std::size_t proximity_window = 3;
  std::size_t proximity_min_words = 6;  ///< queries of fewer words get no proximity
  std::size_t max_window = 10000;        ///< offset + limit cap
  std::size_t max_limit = 1000;          ///< limit cap
  std::size_t max_query_bytes = 4096;    ///< longer query text is limit_exceeded
  std::size_t max_query_terms = 64;      ///< further words are ignored
  std::size_t snippet_chars = 200;
  /// SearchRequest::prefix_last_word: at most this many completions.
  std::size_t max_prefix_expansions = 100;
  /// A remote shard that does not connect or answer within this many
  /// milliseconds fails the request (Error{shard_unavailable}).
  unsigned shard_timeout_ms = 2000;
};

struct IndexInfo {
  std::size_t documents = 0;
  int schema_version = 0;
  std::string analyzer;   ///< normaliser + stemmer as recorded in the index
  unsigned long long revision = 0;  ///< a shard set: the sum of its local shards' revisions
  std::string path;
  std::size_t shards = 1;           ///< shards searched (a stub file lists several)
};

class SearchEngine {
 public:
  /// Opens an index read-only: an index folder, a replica folder, or a stub
  /// file listing shards (README "Scaling out"). Throws Error{index_missing}
  /// when there is no index at `db_path`, Error{index_incompatible} when it
  /// (or one shard, named) was built by another schema version or analyzer,
  /// Error{shard_unavailable} when a shard does not answer.
  static SearchEngine open(const std::string& db_path, EngineOptions options = {});

  SearchResult search(const SearchRequest& request) const;

  std::optional<Study> find_study(const std::string& id) const;

  /// `text` split into spans; `matched` marks each word a search for `query`
  /// matches (same analyzer, stems and synonyms as matching; the words snippets
  /// mark). No markup and no escaping: each front end renders spans its own way.
  /// A query text above max_query_bytes is Error{limit_exceeded}; a malformed
  /// query never throws. An empty query matches nothing (one unmatched span).
  std::vector<TextSpan> highlight(std::string_view text, std::string_view query) const;
  /// The same for several texts and one query (parsed once): one span list per text.
  /// `prefix_last_word` as in SearchRequest (the completions of the last word are marked too).
  std::vector<std::vector<TextSpan>> highlight(const std::vector<std::string_view>& texts, std::string_view query,
                                               bool prefix_last_word = false) const;

  /// Up to k studies most like `id` (never `id` itself). Throws Error{not_found}.
  std::vector<Hit> similar(const std::string& id, std::size_t k = 5) const;

  /// Completions of the last word of `prefix`, most frequent first; each
  /// completion is the whole prefix with its last word completed.
  std::vector<std::string> complete(const std::string& prefix, std::size_t k = 8) const;

  /// The values of one facet group of search(request) (a group of Facets:
  /// "pem", "journal", "year", ...) with the same exact, disjunctive
  /// counts (every filter but the group's own) and no top-N cut: those whose
  /// name has, for every word of `text`, a word beginning with it (case and
  /// accents ignored; empty text = all), count desc then name, at most `k`.
  /// Throws Error{invalid_query} for an unknown group, like search() for the rest.
  FacetValueList facet_values(const SearchRequest& request, const std::string& group, const std::string& text,
                              std::size_t k) const;

  IndexInfo info() const;
  const EngineOptions& options() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace studysearch
