#pragma once
// JSON forms of the library's results, shared by the CLI and the HTTP server.
// This is the wire contract; see README "JSON output".
#include <nlohmann/json.hpp>

#include "studysearch/index_writer.hpp"
#include "studysearch/studysearch.hpp"

namespace studysearch::app {

nlohmann::ordered_json to_json(const Hit& hit);
nlohmann::ordered_json to_json(const Facets& facets);
nlohmann::ordered_json to_json(const SearchRequest& request, const SearchResult& result);
nlohmann::ordered_json to_json(const IndexInfo& info);
/// {"id": id, "hits": [...]} for similar studies.
nlohmann::ordered_json similar_json(const std::string& id, const std::vector<Hit>& hits);
nlohmann::ordered_json to_json(const IndexReport& report);
nlohmann::ordered_json study_json(const Study& study);
nlohmann::ordered_json error_json(ErrorKind kind, const std::string& message);
/// {"group", "facet_q", "matched", "values": [{"value", "count"}]} of GET /v1/facets/{group}.
nlohmann::ordered_json facet_values_json(const std::string& group, const std::string& text, const FacetValueList& list);
/// {"id", "query", "title", "summary", "relevance", "limitations"} (null when empty) of
/// GET /v1/studies/{id}/highlight.
/// Spans as HTML: every piece escaped, matched ones in <mark>..</mark>.
std::string spans_html(const std::vector<TextSpan>& spans);
/// {"id", "query", "title", "summary", "relevance", "limitations"}: each text as
/// spans_html, null when the study has no such text.
nlohmann::ordered_json highlight_json(const std::string& id, const std::string& query, const Study& study,
                                      const std::vector<std::vector<TextSpan>>& spans);

/// Serialises; invalid UTF-8 (e.g. echoed from a query) becomes U+FFFD instead of throwing.
std::string dump(const nlohmann::ordered_json& value, int indent = -1);

}  // namespace studysearch::app
