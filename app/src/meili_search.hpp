#pragma once
// The Meilisearch dialect's translation, without I/O: a search body ->
// studysearch::SearchRequest (parse_search), and SearchResult + stored
// records -> Meilisearch's response (search_response, facet_distribution,
// facet_hits). meili_routes.cpp calls the engine in between.
//
// q is our query language (README "Query language"); as in Meilisearch, its
// last word also matches the words it begins (SearchRequest::prefix_last_word).
// Parameters: q, filter, facets, sort, limit, offset, hitsPerPage, page,
// attributesToRetrieve, attributesToHighlight, highlightPreTag,
// highlightPostTag. Accepted and ignored (no effect on which studies match or
// their order): attributesToCrop, cropLength, cropMarker, matchingStrategy,
// showRankingScore, showRankingScoreDetails, and showMatchesPosition /
// retrieveVectors when false. Anything else is a 400: features we do not have
// (hybrid, vector, distinct, attributesToSearchOn, ...) say so, unknown names
// are bad_request.
#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "meili_filter.hpp"
#include "studysearch/studysearch.hpp"

namespace studysearch::app::meili {

enum class Endpoint { multi_search, search, facet_search };

struct Query {
  std::string index_uid;  ///< multi-search: the query's indexUid
  SearchRequest request;  ///< text, filters, sort, window (clamped to the engine's caps), facets
  bool possible = true;   ///< false: the filter matches nothing; no engine call
  bool pages = false;     ///< hitsPerPage/page asked (else limit/offset)
  std::size_t limit = 20, offset = 0;        ///< as asked, echoed
  std::size_t hits_per_page = 20, page = 1;  ///< as asked, echoed
  std::vector<std::string> facets;           ///< facet names asked for, '*' expanded
  std::optional<std::set<std::string>> retrieve;  ///< nullopt = every attribute
  bool formatted = false;                    ///< attributesToHighlight or attributesToCrop given: add _formatted
  std::set<std::string> highlight;           ///< attributes whose words are marked ("*" = all)
  std::string pre_tag = "<em>", post_tag = "</em>";
  // facet-search only
  std::string facet_name, facet_query;
};

/// Translates one search body. Throws ApiError (400 with Meilisearch's codes).
Query parse_search(const nlohmann::json& body, Endpoint endpoint, const EngineOptions& limits);

/// Highlights a batch of texts for the query (SearchEngine::highlight, or a stand-in in tests).
using Highlighter = std::function<std::vector<std::vector<TextSpan>>(const std::vector<std::string_view>& texts)>;

/// {value: count} per facet asked for, with Meilisearch's semantics: counted with
/// every filter applied. Our facets are disjunctive (every filter but the
/// group's own), and every facet field holds one value per study, so: a group
/// without its own filter keeps its counts; a group with one keeps the counts
/// of the values its filter selects, the rest are 0. Zero counts and yearless
/// studies are left out (Meilisearch lists values that occur).
nlohmann::ordered_json facet_distribution(const Facets& facets, const SearchRequest& request,
                                          const std::vector<std::string>& names);

/// The whole response of one search. `studies` are the hits' stored records, in hit order.
nlohmann::ordered_json search_response(const Query& query, const SearchResult& result, const std::vector<Study>& studies,
                                       const Highlighter& highlighter);

/// facetHits of a facet search: values of `query.facet_name` (Meilisearch
/// semantics as above) whose words begin with the words of facet_query (case
/// and accents ignored), count desc then value, at most 100.
nlohmann::ordered_json facet_hits(const Query& query, const Facets& facets);

/// The Meilisearch error body.
nlohmann::ordered_json error_body(const ApiError& error);

}  // namespace studysearch::app::meili
