#pragma once
// JSON forms of the library's results, shared by the CLI and the HTTP server.
// This is the wire contract; see README "JSON output".
#include <nlohmann/json.hpp>

#include "studysearch/index_writer.hpp"
#include "studysearch/studysearch.hpp"

namespace studysearch::app {

nlohmann::json to_json(const Hit& hit);
nlohmann::json to_json(const Facets& facets);
nlohmann::json to_json(const SearchRequest& request, const SearchResult& result);
nlohmann::json to_json(const IndexInfo& info);
nlohmann::json to_json(const IndexReport& report);
nlohmann::json study_json(const Study& study);
nlohmann::json error_json(ErrorKind kind, const std::string& message);

}  // namespace studysearch::app
