#pragma once
// The Meilisearch dialect of `studysearch serve` (issue 18): the subset of
// Meilisearch's API that instantsearch.js + instant-meilisearch and the
// meilisearch JS client use, answered by the same SearchEngine calls as /v1.
// It is a translation layer only: the HTTP core (limits, deadlines, CORS)
// and the route table are server.cpp's; request/response translation is
// meili_search.cpp, filters meili_filter.cpp.
//
//   POST /multi-search                  {"queries": [...]} -> {"results": [...]}
//   POST /indexes/{uid}/search          one query
//   POST /indexes/{uid}/facet-search    facetName, facetQuery + a search body
//   GET  /health                        {"status": "available"} (no key needed)
//   GET  /indexes/{uid}                 uid, primaryKey, numberOfDocuments
//
// Every answer, errors included, is Meilisearch-shaped: errors are
// {message, code, type, link} with a 4xx/5xx status.
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "studysearch/studysearch.hpp"

namespace studysearch::app::meili {

struct Query;

struct DialectOptions {
  std::string index_uid = "studies";  ///< the one index; any other uid is 404 index_not_found
  std::string search_key;             ///< empty = no key; else `Authorization: Bearer <key>` (401 missing, 403 wrong)
};

struct Response {
  int status = 200;
  nlohmann::ordered_json body;
};

class Dialect {
 public:
  Dialect(SearchEngine engine, DialectOptions options);

  Response multi_search(std::string_view authorization, std::string_view body) const;
  Response search(std::string_view authorization, std::string_view uid, std::string_view body) const;
  Response facet_search(std::string_view authorization, std::string_view uid, std::string_view body) const;
  Response health() const;
  Response index(std::string_view authorization, std::string_view uid) const;

 private:
  template <typename Fn>
  Response answer(std::string_view authorization, Fn&& fn) const;
  void check_key(std::string_view authorization) const;
  void check_uid(std::string_view uid) const;
  nlohmann::ordered_json run_search(const Query& query) const;

  SearchEngine engine_;
  DialectOptions options_;
};

}  // namespace studysearch::app::meili
